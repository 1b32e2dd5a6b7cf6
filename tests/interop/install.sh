#!/usr/bin/env bash
# Installs the interop tests' real peers from package-lock.json into tests/interop/node_modules
# (npm @duckdb/node-api: DuckDB with its own binary, ~70 MB; hyparquet and hyparquet-compressors:
# an independent JavaScript Parquet reader). A quick no-op when node_modules was installed from
# this very package-lock.json (its sha256 is kept in node_modules/.rankflow-lock). Needs node and
# npm (Node.js 20 in the image).
set -euo pipefail
cd "$(dirname "$0")"
want=$(sha256sum package-lock.json | cut -d' ' -f1)
have=$(cat node_modules/.rankflow-lock 2>/dev/null || true)
if [ "$want" = "$have" ]; then
  exit 0
fi
echo "interop: installing the packages of tests/interop/package-lock.json into tests/interop/node_modules"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
echo "$want" > node_modules/.rankflow-lock
