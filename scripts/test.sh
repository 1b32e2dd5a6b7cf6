#!/usr/bin/env bash
# Sets up (packages + build), starts what the tests need (moto S3/EC2 emulator, loopback sshd),
# runs every test with ctest, stops everything. Exit 0 only if every test passed.
# Usage: scripts/test.sh [ctest args…]   e.g. scripts/test.sh -L unit
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
scripts/setup.sh

BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh
trap services_stop EXIT
services_start

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
cd "$BUILD_DIR"
ctest --output-on-failure --timeout 600 -j "$(nproc)" "$@"
