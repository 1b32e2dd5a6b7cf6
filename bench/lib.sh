# Sourced by the bench scripts: moves to the repository root and sets ROOT, BUILD_DIR
# (RANKFLOW_BUILD_DIR, default build; relative to the repository or absolute) and BIN (its bin/).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
if [[ "$BUILD_DIR" = /* ]]; then BIN="$BUILD_DIR/bin"; else BIN="$ROOT/$BUILD_DIR/bin"; fi
