#!/usr/bin/env bash
# Launches a cluster: scripts/up.sh CONFIG [--ship s3://bucket/prefix] [provision flags…]
#   --ship   pack build/bin, upload it there and let the nodes fetch it (presigned url)
# Prints the local hostfile path. See provision/README.md.
set -euo pipefail
source "$(dirname "$0")/lib/provision_common.sh"
if [ $# -lt 1 ]; then
  echo "usage: scripts/up.sh CONFIG [--ship s3://bucket/prefix] [provision up flags…]" >&2
  exit 2
fi
CONFIG=$1
shift
ARGS=()
SHIP=""
while [ $# -gt 0 ]; do
  case "$1" in
    --ship) SHIP=$2; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
provision_ensure_built
if [ -n "$SHIP" ]; then
  ARGS+=(--artifacts "$(provision_ship_binaries "$SHIP")")
fi
exec "$PROVISION" up --config "$CONFIG" "${ARGS[@]}"
