#!/usr/bin/env bash
# Installs the Debian packages rankflow needs (only those missing; quiet when none is) and
# configures + builds a Release tree in build/. Idempotent.
# Usage: scripts/setup.sh [--no-build]   packages only with --no-build
#        scripts/setup.sh --hooks        installs scripts/pre-commit as this clone's git pre-commit
#                                        hook (format + layering checks), and nothing else
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "${1:-}" = "--hooks" ]; then
  hooks=$(git rev-parse --git-path hooks)
  mkdir -p "$hooks"
  ln -sf "$(pwd)/scripts/pre-commit" "$hooks/pre-commit"
  echo "setup: $hooks/pre-commit -> scripts/pre-commit"
  exit 0
fi

PACKAGES=(
  build-essential cmake pkg-config ccache
  openmpi-bin libopenmpi-dev
  zlib1g-dev libisal-dev libsimdjson-dev rapidjson-dev
  libcurl4-openssl-dev libssl-dev libssh2-1-dev openssh-server
  libhdf5-dev hdf5-tools libopenblas-dev
  libgtest-dev libbenchmark-dev
  python3-h5py python3-numpy curl
  libicu-dev
  # tests/scripts/netns_test.sh: ip netns, veth, bridge; ps and pgrep.
  iproute2 procps
  # Parquet: thrift's C++ headers include boost, which Debian's libthrift-dev does not depend on.
  thrift-compiler libthrift-dev libboost-dev libsnappy-dev libzstd-dev
  clang libclang-rt-14-dev clang-format
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  SUDO=""
  [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get -o DPkg::Lock::Timeout=300 install -y -q \
    --no-install-recommends "${missing[@]}" >/dev/null
fi

[ "${1:-}" = "--no-build" ] && exit 0

BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ]; then
  # RANKFLOW_CMAKE_ARGS: extra configure flags, e.g. -DRANKFLOW_SANITIZE=ON (see scripts/test.sh).
  # shellcheck disable=SC2086
  cmake -S . -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release ${RANKFLOW_CMAKE_ARGS:-} >/dev/null
else
  # Regenerates (keeping the cache), so that a target added since the last configure is known.
  cmake -S . -B "$BUILD_DIR" >/dev/null
fi
# RANKFLOW_BUILD_TARGET: one target instead of all (scripts/test.sh: release_build).
target=()
[ -n "${RANKFLOW_BUILD_TARGET:-}" ] && target=(--target "$RANKFLOW_BUILD_TARGET")
cmake --build "$BUILD_DIR" -j "$(nproc)" "${target[@]}" 2>&1 | grep -vE '^\[ *[0-9]+%\]|^-- ' || true
# grep swallows cmake's exit code; check the build really finished.
cmake --build "$BUILD_DIR" -j "$(nproc)" "${target[@]}" >/dev/null
