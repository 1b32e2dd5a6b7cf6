#!/usr/bin/env bash
# Tears a cluster down (idempotent): scripts/down.sh CONFIG [provision down flags…]
# `scripts/down.sh --all` removes every rankflow cluster in the region, orphans included.
set -euo pipefail
source "$(dirname "$0")/lib/provision_common.sh"
if [ $# -lt 1 ]; then
  echo "usage: scripts/down.sh CONFIG|--all [provision down flags…]" >&2
  exit 2
fi
provision_ensure_built
if [ "$1" = "--all" ]; then
  shift
  exec "$PROVISION" down --all "$@"
fi
CONFIG=$1
shift
exec "$PROVISION" down --config "$CONFIG" "$@"
