#!/usr/bin/env bash
# load_tweets benchmark (issue 4, owner: tweets): on one tweetgen corpus (v1.1, 1% duplicate ids,
# 2% notices), in the same run:
#   zcat FILES > /dev/null
#   load_tweets at 1 rank (gz in, normalized jsonl.gz out, dedupe included), the default (one
#   thread) and with --parse-thread
#   bench/load_tweets_baseline.py (Python json + gzip doing the same normalization and dedupe)
# At one rank load_tweets dedupes in memory without the shuffle while the records fit in
# --memory-mb (256 MB by default: the 400 MB and 1 GB corpora fit), so this measures that path.
# mpirun + MPI_Init cost a fixed ~0.13 s per run here; --mb 1000 amortizes it.
# Checks first that load_tweets and the Python baseline produce the same records (parsed JSON,
# every field), else the timings mean nothing and the script fails. Each command is timed R times
# (wall clock, best run) with its CPU time (user + sys of that run). Targets: load_tweets >= 1.5x
# zcat and >= 5x the Python baseline. Prints one table; writes it into bench/RESULTS.md between
# the "load_tweets" markers (replacing an earlier one) unless --no-record.
#
# Usage: bench/load_tweets_bench.sh [--mb 400] [--files 8] [--repeats 3] [--work DIR] [--no-record]
# Env: RANKFLOW_BUILD_DIR (default build): where bin/load_tweets and bin/tweetgen are.
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN, bench_flag (MB 400)
FILES=8
REPEATS=3
WORK=${TMPDIR:-/tmp}/rankflow-load-tweets-bench
bench_flags load_tweets_bench "mb files repeats work no-record" "$@"
bench_need_bins load_tweets_bench tweetgen load_tweets
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
mkdir -p "$WORK"
CORPUS="$WORK/corpus-${MB}mb-${FILES}f"
if [ ! -d "$CORPUS" ]; then
  "$BIN/tweetgen" --dest "$CORPUS" --files "$FILES" --mb "$MB" --seed 7 --dup-share 0.01 \
    --notice-share 0.02 >/dev/null
fi
INPUTS=("$CORPUS"/*.jsonl.gz)
UNCOMPRESSED=$(zcat "${INPUTS[@]}" | wc -c)
STORED=$(cat "${INPUTS[@]}" | wc -c)

# 1. Same answer first.
rm -rf "$WORK/out" "$WORK/base.jsonl.gz"
mpirun -n 1 --bind-to none "$BIN/load_tweets" --src "$CORPUS" --dest "$WORK/out" >/dev/null
/usr/bin/python3 bench/load_tweets_baseline.py "$WORK/base.jsonl.gz" "${INPUTS[@]}" 2>/dev/null
/usr/bin/python3 - "$WORK/out" "$WORK/base.jsonl.gz" <<'EOF'
import glob, gzip, json, sys
ours = []
for p in sorted(glob.glob(sys.argv[1] + "/part-*.jsonl.gz")):
    ours += [json.loads(l) for l in gzip.open(p, "rt", encoding="utf-8")]
ours.sort(key=lambda t: int(t["id"]))
base = [json.loads(l) for l in gzip.open(sys.argv[2], "rt", encoding="utf-8")]
if len(ours) != len(base) or any(a != b for a, b in zip(ours, base)):
    sys.exit("load_tweets_bench: load_tweets and the Python baseline disagree (%d vs %d records)"
             % (len(ours), len(base)))
print("check: %d records identical (load_tweets vs Python baseline)" % len(ours), file=sys.stderr)
EOF
TWEETS_OUT=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['records_out'])" "$WORK/out/_SUCCESS")

# 2. Timings: best wall time of R runs, with that run's CPU seconds.
best() {  # best LABEL CMD...: prints "wall cpu"
  local label=$1; shift
  local best_wall="" best_cpu=""
  for _ in $(seq "$REPEATS"); do
    rm -rf "$WORK/out" "$WORK/base.jsonl.gz"
    /usr/bin/time -o "$WORK/time.txt" -f "%e %U %S" "$@" >/dev/null 2>&1
    local t
    t=$(tail -1 "$WORK/time.txt")
    local wall cpu
    wall=$(echo "$t" | awk '{print $1}')
    cpu=$(echo "$t" | awk '{printf "%.2f", $2 + $3}')
    if [ -z "$best_wall" ] || awk "BEGIN{exit !($wall < $best_wall)}"; then
      best_wall=$wall; best_cpu=$cpu
    fi
  done
  echo "$best_wall $best_cpu"
}
read -r ZW ZC < <(best zcat sh -c "zcat ${INPUTS[*]} > /dev/null")
# No --bind-to core: with --parse-thread load_tweets runs a second thread, and binding the rank to
# one core would put both threads on it. Timed: the default (one thread) and --parse-thread.
read -r LW LC < <(best load_tweets mpirun -n 1 --bind-to none "$BIN/load_tweets" --src "$CORPUS" --dest "$WORK/out")
read -r SW SC < <(best load_tweets2 mpirun -n 1 --bind-to none "$BIN/load_tweets" --parse-thread --src "$CORPUS" --dest "$WORK/out")
read -r PW PC < <(best python /usr/bin/python3 bench/load_tweets_baseline.py "$WORK/base.jsonl.gz" "${INPUTS[@]}")

MBU=$(awk "BEGIN{printf \"%.0f\", $UNCOMPRESSED / 1e6}")
rate() { awk "BEGIN{printf \"%.0f\", $UNCOMPRESSED / 1e6 / $1}"; }
ratio() { awk "BEGIN{printf \"%.2f\", $1 / $2}"; }
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE=$(cat <<EOT
### load_tweets (issue 4): gz in, normalized jsonl.gz out, dedupe included, 1 rank

Corpus: tweetgen, $FILES files, $MBU MB uncompressed ($((STORED / 1000000)) MB gzip), 1% duplicate ids,
2% notices; $TWEETS_OUT tweets out. Best wall time of $REPEATS runs each, same run; CPU = user + sys of
that run. Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'),
load average at the end $LOAD (the cores are shared with other work).
Command: \`bench/load_tweets_bench.sh --mb $MB --files $FILES --repeats $REPEATS\`

| command | wall s | MB/s (uncompressed) | CPU s | zcat time / this time (wall, CPU) |
|---|---:|---:|---:|---:|
| \`zcat\` | $ZW | $(rate "$ZW") | $ZC | 1, 1 |
| \`load_tweets\` (mpirun -n 1, one thread: the default) | $LW | $(rate "$LW") | $LC | $(ratio "$ZW" "$LW"), $(ratio "$ZC" "$LC") |
| \`load_tweets --parse-thread\` (mpirun -n 1, two threads) | $SW | $(rate "$SW") | $SC | $(ratio "$ZW" "$SW"), $(ratio "$ZC" "$SC") |
| Python json + gzip baseline | $PW | $(rate "$PW") | $PC | $(ratio "$ZW" "$PW"), $(ratio "$ZC" "$PC") |

Targets: load_tweets >= 1.5x zcat: $(ratio "$ZW" "$LW")x wall, $(ratio "$ZC" "$LC")x CPU (default);
$(ratio "$ZW" "$SW")x wall, $(ratio "$ZC" "$SC")x CPU (--parse-thread). load_tweets >= 5x Python:
$(ratio "$PW" "$LW")x wall, $(ratio "$PC" "$LC")x CPU (default); $(ratio "$PW" "$SW")x wall,
$(ratio "$PC" "$SC")x CPU (--parse-thread).
EOT
)
echo "$TABLE"
if [ "$RECORD" = 1 ]; then
  bench_record load_tweets "$TABLE"
  echo "load_tweets_bench: table written to bench/RESULTS.md" >&2
fi
