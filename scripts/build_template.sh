#!/usr/bin/env bash
# Installs the build (cmake --install) into <build>/install and builds template/ against that
# installed package in <build>/template, as a user's own project would be built. Needs a finished
# build (scripts/setup.sh). Quiet unless something fails.
#   scripts/build_template.sh        (RANKFLOW_BUILD_DIR: the build folder, default build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=$(realpath -m "${RANKFLOW_BUILD_DIR:-build}")
cmake --install "$BUILD_DIR" --prefix "$BUILD_DIR/install" >/dev/null
cmake -S template -B "$BUILD_DIR/template" -DCMAKE_PREFIX_PATH="$BUILD_DIR/install" >/dev/null
cmake --build "$BUILD_DIR/template" -j "$(nproc)" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
# grep swallows cmake's exit code; check the build really finished.
cmake --build "$BUILD_DIR/template" >/dev/null
