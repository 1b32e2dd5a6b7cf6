#!/usr/bin/env bash
# The dataflow API's overhead (issue 10): the same word count on flow and directly on the engine
# (bench/flow_bench.cpp) over a generated corpus of Zipf-distributed words (60 MB, 12 words per
# line), at 1 and 2 ranks, interleaved R times, best of each. Checks first that both print the
# same top 20. Prints wall and CPU seconds (user + system of all ranks, from getrusage: the
# steadier figure on a shared machine) and flow/engine ratios, and appends the table to
# bench/RESULTS.md.
#
# Usage: bench/flow_bench.sh [--repeats 5] [--mb 60] [--work DIR] [--no-record]
# Env: RANKFLOW_BUILD_DIR (default build).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN, bench_flag (REPEATS 5, WORK)

MB=60
bench_flags flow_bench "repeats mb work no-record" "$@"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
CORPUS="$WORK/flow-words-${MB}mb"
if [ ! -f "$CORPUS/.complete" ]; then
  rm -rf "$CORPUS" && mkdir -p "$CORPUS"
  python3 - "$CORPUS/words.txt" "$MB" <<'PY'
import itertools, random, sys
random.seed(7)
vocab = ['w%d' % i for i in range(200000)]
cum = list(itertools.accumulate(1.0 / (i + 1) for i in range(len(vocab))))
limit, size = int(sys.argv[2]) * 1000000, 0
with open(sys.argv[1], 'w') as f:
    while size < limit:
        line = ' '.join(random.choices(vocab, cum_weights=cum, k=12)) + '\n'
        f.write(line)
        size += len(line)
PY
  touch "$CORPUS/.complete"
fi

run() {  # run IMPL RANKS -> prints "wall cpu"; top 20 into $WORK/top-IMPL-RANKS
  mpirun -n "$2" --oversubscribe --bind-to none "$BIN/flow_bench" --impl "$1" "$CORPUS" \
    2> "$WORK/top-$1-$2" | awk '{print $3, $4}'
}

for ranks in 1 2; do
  run engine "$ranks" > /dev/null
  run flow "$ranks" > /dev/null
  cmp -s "$WORK/top-engine-$ranks" "$WORK/top-flow-$ranks" ||
    { echo "flow_bench: flow and engine disagree at $ranks ranks" >&2; exit 1; }
done
declare -A wall cpu
for _ in $(seq "$REPEATS"); do
  for ranks in 1 2; do
    for impl in engine flow; do
      read -r w c < <(run "$impl" "$ranks")
      key="$impl-$ranks"
      if [ -z "${wall[$key]:-}" ] || awk "BEGIN{exit !($w < ${wall[$key]})}"; then wall[$key]=$w; fi
      if [ -z "${cpu[$key]:-}" ] || awk "BEGIN{exit !($c < ${cpu[$key]})}"; then cpu[$key]=$c; fi
    done
  done
done
table="| ranks | engine wall s | flow wall s | engine CPU s | flow CPU s | flow / engine (wall, CPU) |
| --- | --- | --- | --- | --- | --- |"
for ranks in 1 2; do
  rw=$(awk "BEGIN{printf \"%.2f\", ${wall[flow-$ranks]} / ${wall[engine-$ranks]}}")
  rc=$(awk "BEGIN{printf \"%.2f\", ${cpu[flow-$ranks]} / ${cpu[engine-$ranks]}}")
  table+="
| $ranks | ${wall[engine-$ranks]} | ${wall[flow-$ranks]} | ${cpu[engine-$ranks]} | ${cpu[flow-$ranks]} | $rw, $rc |"
done
echo "$table"
if [ "$RECORD" = 1 ]; then
  {
    echo
    echo "### Dataflow API overhead (issue 10): word count on flow vs on the engine"
    echo
    echo "$(date -u +%Y-%m-%d), $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), shared;"
    echo "\`bench/flow_bench.sh --repeats $REPEATS --mb $MB\` (best of $REPEATS, interleaved; same top 20 checked; load average at the end $(cut -d' ' -f1-3 /proc/loadavg)):"
    echo
    echo "$table"
  } >> "$ROOT/bench/RESULTS.md"
fi
