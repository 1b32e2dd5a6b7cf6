#!/usr/bin/env bash
# One job of this build against the same job of a baseline build (the commit before a rewrite,
# built elsewhere, e.g. in a scratch worktree under /tmp), on one tweetgen corpus in one run
# (issue 10: top_terms and profanity_index on the dataflow API within 5% of the engine-level jobs).
# First checks that both builds commit the same rows at 1 and 2 ranks (every committed file, CSV
# headers of later parts aside, concatenated by extension and logical name, byte for byte), then runs
# (this 1 rank, base 1 rank, this 2 ranks, base 2 ranks) x R interleaved with --bind-to core, and
# reports the best wall and job time (the manifest's "seconds") of each and this/base ratios.
#
# Usage: bench/job_vs_baseline.sh --baseline BUILD_DIR --job top_terms|profanity_index
#            [--job-args "--what mentions"] [--mb 400] [--files 16] [--repeats 5]
#            [--memory-mb 256] [--work DIR] [--no-record]
# profanity_index gets a --targets file written here (tweetgen's hashtags and words).
# Env: RANKFLOW_BUILD_DIR (this build; default build).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN, bench_flag and its defaults

JOB=""
while [ $# -gt 0 ]; do
  case "$1" in
    --job)
      [ $# -ge 2 ] || { echo "job_vs_baseline: --job needs a value" >&2; exit 2; }
      JOB=$2
      shift 2
      ;;
    *)
      bench_flag job_vs_baseline "mb files repeats memory-mb work no-record job-args baseline" "$@"
      shift "$BENCH_SHIFT"
      ;;
  esac
done
[ -n "$JOB" ] && [ -n "$BASELINE" ] || { echo "job_vs_baseline: --job and --baseline are required" >&2; exit 2; }
for b in "$BIN/tweetgen" "$BIN/$JOB" "$BASELINE/bin/$JOB"; do
  [ -x "$b" ] || { echo "job_vs_baseline: $b missing" >&2; exit 1; }
done

export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
bench_corpus "$MB" "$FILES"  # sets CORPUS
EXTRA=()
if [ "$JOB" = profanity_index ]; then
  mkdir -p "$WORK"
  printf 'News: #news, news\nMusic: #music, #musicmonday, music\nCafe: #café, café\nAI: #ai, @ai\n' \
    > "$WORK/targets.txt"
  EXTRA=(--targets "$WORK/targets.txt")
fi
BYTES=$(zcat "$CORPUS"/*.jsonl.gz | wc -c)

run_job() {  # bin_dir ranks dest [file for the CPU seconds of the whole process tree]
  local timer=()
  [ -n "${4:-}" ] && timer=(/usr/bin/time -o "$4" -f "%U %S")
  # shellcheck disable=SC2086
  "${timer[@]}" mpirun -n "$2" --bind-to core "$1/$JOB" --src "$CORPUS" --dest "$3" --mode overwrite \
    --memory-mb "$MEMORY_MB" "${EXTRA[@]}" $JOB_ARGS > /dev/null
}
# Every committed file's rows by extension, then logical name (a CSV part's header dropped after the
# first), so that where the parts split a ranking does not matter.
committed_rows() {
  /usr/bin/python3 - "$1" <<'PY'
import json, sys
folder = sys.argv[1]
files = sorted(json.load(open(folder + "/_SUCCESS"))["files"],
               key=lambda f: (f["name"].split(".", 1)[-1], f["name"]))
seen = set()
out = sys.stdout.buffer
for f in files:
    ext = f["name"].split(".", 1)[-1]
    data = open(folder + "/" + f["file"], "rb").read()
    if ext == "csv" and ext in seen:
        data = data.split(b"\n", 1)[1] if b"\n" in data else b""
    seen.add(ext)
    out.write(data)
PY
}
manifest_seconds() {
  /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['seconds'])" "$1/_SUCCESS"
}

OUT="$WORK/vs-$JOB"
for n in 1 2; do
  run_job "$BIN" "$n" "$OUT/this$n"
  run_job "$BASELINE/bin" "$n" "$OUT/base$n"
  if ! cmp -s <(committed_rows "$OUT/this$n") <(committed_rows "$OUT/base$n"); then
    echo "job_vs_baseline: $JOB at $n rank(s): this build and the baseline commit different rows; not timing" >&2
    exit 1
  fi
done
echo "check: $JOB commits the same rows as the baseline at 1 and 2 ranks"

now() { date +%s.%N; }
min_of() { if [ -z "$1" ] || awk -v d="$2" -v b="$1" 'BEGIN { exit !(d < b) }'; then echo "$2"; else echo "$1"; fi; }
declare -A WALL JOBS CPU
zcat "$CORPUS"/*.jsonl.gz > /dev/null  # warm the page cache
for _ in $(seq "$REPEATS"); do
  for n in 1 2; do
    for which in this base; do
      bin=$BIN
      [ "$which" = base ] && bin=$BASELINE/bin
      t0=$(now)
      run_job "$bin" "$n" "$OUT/r-$which$n" "$OUT/cpu"
      t1=$(now)
      CPU[$which$n]=$(min_of "${CPU[$which$n]:-}" "$(awk '{ printf "%.2f", $1 + $2 }' "$OUT/cpu")")
      WALL[$which$n]=$(min_of "${WALL[$which$n]:-}" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
      JOBS[$which$n]=$(min_of "${JOBS[$which$n]:-}" "$(manifest_seconds "$OUT/r-$which$n")")
    done
  done
done

rate() { awk -v b="$BYTES" -v t="$1" -v n="$2" 'BEGIN { printf "%.1f", b / 1e6 / t / n }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
MODEL=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
TABLE=$(cat <<EOF
| run | wall s (best of $REPEATS) | job s (best) | MB/s per rank (job) | CPU s, all processes (best) |
|---|---|---|---|---|
| $JOB 1 rank, this build | ${WALL[this1]} | ${JOBS[this1]} | $(rate "${JOBS[this1]}" 1) | ${CPU[this1]} |
| $JOB 1 rank, baseline | ${WALL[base1]} | ${JOBS[base1]} | $(rate "${JOBS[base1]}" 1) | ${CPU[base1]} |
| $JOB 2 ranks, this build | ${WALL[this2]} | ${JOBS[this2]} | $(rate "${JOBS[this2]}" 2) | ${CPU[this2]} |
| $JOB 2 ranks, baseline | ${WALL[base2]} | ${JOBS[base2]} | $(rate "${JOBS[base2]}" 2) | ${CPU[base2]} |

- throughput this/baseline (baseline time / this time; >= 0.95 is within 5%): 1 rank **$(ratio "${JOBS[base1]}" "${JOBS[this1]}")** job time, $(ratio "${WALL[base1]}" "${WALL[this1]}") wall, $(ratio "${CPU[base1]}" "${CPU[this1]}") CPU; 2 ranks **$(ratio "${JOBS[base2]}" "${JOBS[this2]}")** job time, $(ratio "${WALL[base2]}" "${WALL[this2]}") wall, $(ratio "${CPU[base2]}" "${CPU[this2]}") CPU
- CPU s: user + system of mpirun and its ranks (/usr/bin/time), the steadiest figure on a shared
  machine (wall and job time include waiting for a core); MPI's polling in collectives counts too
- corpus: tweetgen --files $FILES --mb $MB --seed 42 --bad-share 0.001 --dup-share 0.01 ($BYTES bytes uncompressed); --memory-mb $MEMORY_MB${JOB_ARGS:+; job args: $JOB_ARGS}
EOF
)
echo
echo "$TABLE"
if [ "$RECORD" = 1 ]; then
  {
    echo
    echo "## job_vs_baseline.sh $JOB — $(date -u +%Y-%m-%dT%H:%MZ)"
    echo
    echo "Machine: $MODEL, $(nproc) CPUs (nproc), load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)."
    echo "Command: bench/job_vs_baseline.sh --job $JOB --baseline $BASELINE --mb $MB --files $FILES --repeats $REPEATS --memory-mb $MEMORY_MB${JOB_ARGS:+ --job-args \"$JOB_ARGS\"}"
    echo
    echo "$TABLE"
  } >> "$ROOT/bench/RESULTS.md"
  echo
  echo "appended to bench/RESULTS.md"
fi
