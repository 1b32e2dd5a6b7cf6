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

# Packs build/bin into a tarball and uploads it; prints the s3:// url for --artifacts.
provision_ship_binaries() {
  local dest=$1 tarball
  tarball=$(mktemp /tmp/rankflow-bin-XXXXXX.tar.gz)
  tar -czf "$tarball" --exclude='*_test' -C "$BIN_DIR/.." "$(basename "$BIN_DIR")"
  local url="${dest%/}/rankflow-bin-$(date -u +%Y%m%dT%H%M%SZ).tar.gz"
  "$PROVISION" put "$tarball" "$url" >&2
  rm -f "$tarball"
  echo "$url"
}
