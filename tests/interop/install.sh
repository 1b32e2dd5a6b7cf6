#!/usr/bin/env bash
# Installs the interop tests' real peers from package-lock.json into tests/interop/node_modules
# (npm @duckdb/node-api: DuckDB with its own binary, ~70 MB). Quick no-op when the locked
# version is already there. Needs node and npm (Node.js 20 in the image).
set -euo pipefail
cd "$(dirname "$0")"
want=$(node -e 'console.log(require("./package-lock.json").packages["node_modules/@duckdb/node-api"].version)')
have=$(node -e 'try { console.log(require("./node_modules/@duckdb/node-api/package.json").version) } catch (e) { console.log("") }')
if [ "$want" = "$have" ]; then
  exit 0
fi
echo "interop: installing @duckdb/node-api $want into tests/interop/node_modules"
npm ci --no-audit --no-fund --loglevel=error >/dev/null
