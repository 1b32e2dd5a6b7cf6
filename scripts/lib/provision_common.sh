# Shared by scripts/up.sh, down.sh and one_off.sh (owner: provision). Sourced, not run.
# Finds build/bin/provision (building it with scripts/setup.sh when missing) and sets
#   ROOT, BIN_DIR, PROVISION.
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
BIN_DIR=${RANKFLOW_BIN_DIR:-$ROOT/${RANKFLOW_BUILD_DIR:-build}/bin}
PROVISION=$BIN_DIR/provision

provision_ensure_built() {
  if [ ! -x "$PROVISION" ]; then
    echo "provision: $PROVISION missing; building with scripts/setup.sh" >&2
    "$ROOT/scripts/setup.sh" >&2
  fi
}

# Packs build/bin (tests left out) and the further executables given (a job built outside the
# tree, e.g. from template/; it replaces a build/bin program of the same name) into one bin/
# folder of a tarball, uploads it, and prints the s3:// url for --artifacts.
#   provision_ship_binaries s3://bucket/prefix [EXECUTABLE…]
provision_ship_binaries() {
  local dest=$1 stage f
  shift
  stage=$(mktemp -d /tmp/rankflow-ship-XXXXXX)
  mkdir "$stage/bin"
  for f in "$BIN_DIR"/*; do
    [[ "$f" == *_test ]] && continue
    if [ -f "$f" ] && [ -x "$f" ]; then ln -s "$f" "$stage/bin/"; fi
  done
  for f in "$@"; do ln -sf "$(realpath "$f")" "$stage/bin/"; done
  tar -czhf "$stage/rankflow-bin.tar.gz" -C "$stage" bin
  local url
  url="${dest%/}/rankflow-bin-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  "$PROVISION" put "$stage/rankflow-bin.tar.gz" "$url" >&2
  rm -rf "$stage"
  echo "$url"
}
