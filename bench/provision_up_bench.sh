#!/usr/bin/env bash
# `provision up` to a ready hostfile on loopback "nodes" (moto's EC2 + the loopback sshd of
# scripts/lib/services.sh): REPEATS launches of each cluster size in --nodes, each followed by
# `down` (which must leave nothing). Measures what this machine adds to a launch — every EC2 call,
# key and group setup, the parallel ssh checks, the cluster key and hostfile on every node — not
# EC2's own pending -> running or a real boot (provision/README.md, "Boot time", estimates those).
# Prints one table and writes it into bench/RESULTS.md (section between the provision-up-bench
# markers). Usage: bench/provision_up_bench.sh [--nodes "2 8"] [--repeats 5] [--no-record]
# Needs a Release build in ${RANKFLOW_BUILD_DIR:-build} with provision.
# RANKFLOW_BENCH_RESULTS=FILE writes the section there instead of bench/RESULTS.md (trial runs).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"
NODES_LIST="2 8"
while [ $# -gt 0 ]; do
  case "$1" in
    --nodes) NODES_LIST=$2; shift 2 ;;
    *) bench_flag provision_up_bench "repeats no-record" "$@"; shift "$BENCH_SHIFT" ;;
  esac
done
[ -x "$BIN/provision" ] || { echo "provision_up_bench: $BIN/provision missing; build first" >&2; exit 1; }
for n in $NODES_LIST; do
  # The loopback sshd listens on 127.0.0.4 … 127.0.0.18: 15 nodes at most.
  [ "$n" -ge 1 ] && [ "$n" -le 15 ] || { echo "provision_up_bench: --nodes takes 1..15, not $n" >&2; exit 2; }
done

# shellcheck source=scripts/lib/services.sh
source scripts/lib/services.sh
services_start >/dev/null
HOMEDIR=$(mktemp -d /tmp/rankflow-upbench-XXXXXX)
cleanup() { services_stop; rm -rf "$HOMEDIR"; }
trap cleanup EXIT
export HOME=$HOMEDIR AWS_ENDPOINT_URL=$RANKFLOW_TEST_MOTO_ENDPOINT
export AWS_EC2_METADATA_SERVICE_ENDPOINT=$RANKFLOW_TEST_MOTO_ENDPOINT
# moto builds its EC2 backend on the first EC2 request (~3 s): not part of any launch.
"$BIN/provision" status --all --local >/dev/null

TABLE="| nodes | up to a ready hostfile, s (best / median / worst of $REPEATS) |
|---|---|"
for n in $NODES_LIST; do
  times=()
  for r in $(seq 1 "$REPEATS"); do
    name="upbench-$n-$r"
    flags=(--local --name "$name" --key-dir "$HOMEDIR/$name")
    out=$("$BIN/provision" up "${flags[@]}" --workers $((n - 1)) --head-type t2.micro \
      --worker-type t2.micro 2>&1) || { echo "$out" >&2; exit 1; }
    lines=$(wc -l < "$HOMEDIR/$name/hostfile")
    [ "$lines" -eq "$n" ] || { echo "provision_up_bench: hostfile has $lines lines, not $n" >&2; exit 1; }
    times+=("$(sed -n 's/.*ready in \([0-9.]*\) s.*/\1/p' <<<"$out")")
    "$BIN/provision" down "${flags[@]}" >/dev/null 2>&1 || { echo "provision_up_bench: down $name failed" >&2; exit 1; }
  done
  row=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {printf "%.2f / %.2f / %.2f", a[1], a[int((NR+1)/2)], a[NR]}')
  TABLE+="
| $n | $row |"
done
echo "$TABLE"
[ "$RECORD" = 1 ] || exit 0

MACHINE="$(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg)"
SECTION=$(cat <<EOT
<!-- provision-up-bench:begin (written by bench/provision_up_bench.sh; do not edit by hand) -->
## provision up on loopback nodes (issue 14, boot-time target): bench/provision_up_bench.sh

Run $(date -u +%Y-%m-%dT%H:%MZ) on ${MACHINE}; \`bench/provision_up_bench.sh --nodes "${NODES_LIST}" --repeats ${REPEATS}\`.
moto plays EC2 (warmed first), the loopback sshd the nodes; every launch is followed by \`down\`.
The figure is \`up\`'s own "ready in" (first EC2 call to the hostfile written on every node): the
launcher's share of a real launch. EC2's pending -> running and the nodes' boot are not in it
(provision/README.md, "Boot time", for those).

${TABLE}
<!-- provision-up-bench:end -->
EOT
)
python3 - "${RANKFLOW_BENCH_RESULTS:-$ROOT/bench/RESULTS.md}" "$SECTION" <<'PY'
import re, sys, os
path, section = sys.argv[1], sys.argv[2]
text = open(path).read() if os.path.exists(path) else "# Benchmark results\n"
pat = re.compile(r"<!-- provision-up-bench:begin.*?<!-- provision-up-bench:end -->", re.S)
text = pat.sub(lambda m: section, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + section + "\n"
open(path, "w").write(text)
PY
echo "provision_up_bench: results written to bench/RESULTS.md" >&2
