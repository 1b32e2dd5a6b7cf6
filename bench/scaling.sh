#!/usr/bin/env bash
# Scaling of every MPI job (issue 13, item 2): on one tweetgen corpus, each job at each rank count
# (default "1 2"), interleaved (round r runs every job at every rank count before round r + 1), so
# that a noisy minute hits all of them alike. Per job and rank count, the best of R runs of:
#   job s    the job's own time, "seconds" of its _SUCCESS manifest (flags parsed to manifest
#            written; no mpirun start-up, no MPI_Init/Finalize)
#   wall s   the whole mpirun command
# then speedup = time at the smallest rank count / time here (x that rank count when the smallest
# is not 1) and parallel efficiency = speedup / ranks, both from job time and from wall time,
# plus the median over rounds of each round's own job-time speedup (a noisy round then weighs
# on one ratio only);
# shuffle share = the job's exchange time over its job time, where its manifest says
# (load_tweets: time_ms.exchange, summed over ranks, / ranks); bytes shuffled per
# input byte = shuffle.bytes_sent / bytes_in where the manifest has them ("-" where it does not).
# Checks first, per job, that every rank count produced the same records_out, and for load_tweets
# and profanity_index the same rows (load_tweets: sorted lines of all parts; profanity_index: its
# one CSV part); a mismatch fails the script before any table is printed.
#
# Needs only the built binaries (tweetgen and the jobs), Open MPI's mpirun and coreutils/awk/gzip:
# no Python, so it runs on a bare machine from a copy of the repository with build/ carried along.
# Rank counts above nproc are skipped (bound to cores they cannot run) unless --oversubscribe
# (then they run with --bind-to none).
#
# Usage: bench/scaling.sh [--ranks "1 2"] [--mb 400] [--files 64] [--repeats 3]
#          [--jobs "load_tweets top_terms tweet_features profanity_index retweet_graph lang_by_hour
#                   top_domains mention_ratio"]   (the default: every MPI job that reads tweets;
#                   train_mlp's scaling is bench/mlp_bench.sh's, on its own input)
#          [--mpirun-args "--bind-to core"] [--oversubscribe] [--work DIR] [--table FILE]
#          [--record] [--note TEXT]
#   --files: gzip files cannot be split, so keep files >= 4 x the largest rank count.
#   --table FILE: also write the markdown (machine line + table) to FILE.
#   --record: append the same markdown to bench/RESULTS.md.
# Env: RANKFLOW_BUILD_DIR (default build): where bin/ is (relative to the repository or absolute).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN
RANKS="1 2"
MB=400
FILES=64
REPEATS=3
JOBS="load_tweets top_terms tweet_features profanity_index retweet_graph lang_by_hour top_domains"
JOBS="$JOBS mention_ratio"
MPIRUN_ARGS="--bind-to core"
OVERSUBSCRIBE=0
WORK=${TMPDIR:-/tmp}/rankflow-scaling
TABLE_FILE=""
RECORD=0
NOTE=""
ARGS=""  # the command line as recorded (without --note, which is printed as its own line)
shown() {
  local a
  for a in "$@"; do
    case "$a" in *" "*) ARGS="$ARGS \"$a\"" ;; *) ARGS="$ARGS $a" ;; esac
  done
}
while [ $# -gt 0 ]; do
  case "$1" in
    --ranks) RANKS=$2; shown "$1" "$2"; shift 2 ;;
    --mb) MB=$2; shown "$1" "$2"; shift 2 ;;
    --files) FILES=$2; shown "$1" "$2"; shift 2 ;;
    --repeats) REPEATS=$2; shown "$1" "$2"; shift 2 ;;
    --jobs) JOBS=$2; shown "$1" "$2"; shift 2 ;;
    --mpirun-args) MPIRUN_ARGS=$2; shown "$1" "$2"; shift 2 ;;
    --oversubscribe) OVERSUBSCRIBE=1; shown "$1"; shift ;;
    --work) WORK=$2; shown "$1" "$2"; shift 2 ;;
    --table) TABLE_FILE=$2; shown "$1" "$2"; shift 2 ;;
    --record) RECORD=1; shown "$1"; shift ;;
    --note) NOTE=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) echo "scaling: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
command -v mpirun >/dev/null || { echo "scaling: mpirun not found (install Open MPI)" >&2; exit 2; }
for b in tweetgen $JOBS; do
  [ -x "$BIN/$b" ] || { echo "scaling: $BIN/$b missing; build first" >&2; exit 1; }
done
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
CORES=$(nproc)
RUN_RANKS=""
for n in $RANKS; do
  if [ "$n" -gt "$CORES" ] && [ "$OVERSUBSCRIBE" = 0 ]; then
    echo "scaling: skipping $n ranks: only $CORES cores (--oversubscribe runs them anyway)" >&2
    continue
  fi
  RUN_RANKS="$RUN_RANKS $n"
done
[ -n "$RUN_RANKS" ] || { echo "scaling: no rank count to run" >&2; exit 1; }
read -r FIRST _ <<<"$RUN_RANKS"
read -r FIRST_JOB _ <<<"$JOBS"
EXTRA_MPI=""
[ "$OVERSUBSCRIBE" = 1 ] && EXTRA_MPI="--oversubscribe"

mkdir -p "$WORK"
CORPUS="$WORK/corpus-${MB}mb-${FILES}f"
if [ ! -f "$CORPUS/.done" ]; then
  rm -rf "$CORPUS"
  echo "scaling: generating $MB MB in $FILES files ($CORPUS)" >&2
  "$BIN/tweetgen" --dest "$CORPUS" --files "$FILES" --mb "$MB" --seed 42 --dup-share 0.01 \
    --notice-share 0.02 >/dev/null
  touch "$CORPUS/.done"
fi
TARGETS="$WORK/targets.txt"
printf '%s\n' "News: news, #news" "Python: python, #python" "Music: music, #music" \
  "Football: football, #football" >"$TARGETS"

# A number from a manifest: the first "NAME":number in it (manifests are one line of JSON; the
# names asked for here occur once). Empty when absent.
manifest_number() {
  { grep -o "\"$1\":[-0-9.eE+]*" "$2" || true; } | head -1 | cut -d: -f2
}
# The committed files of a manifest whose logical name starts with PREFIX, one path a line.
manifest_files() {
  local dir=$1 prefix=$2
  grep -o '"name":"[^"]*","file":"[^"]*"' "$dir/_SUCCESS" |
    sed 's/"name":"\([^"]*\)","file":"\([^"]*\)"/\1 \2/' |
    awk -v p="$prefix" -v d="$dir" 'index($1, p) == 1 {print d "/" $2}'
}
job_args() {  # job_args JOB DEST
  case "$1" in
    load_tweets) echo "--src $CORPUS --dest $2" ;;
    top_terms) echo "--src $CORPUS --dest $2 --what hashtags --top 10" ;;
    tweet_features) echo "--src $CORPUS --dest $2" ;;
    profanity_index) echo "--src $CORPUS --dest $2 --targets $TARGETS --by hour" ;;
    *) echo "--src $CORPUS --dest $2" ;;
  esac
}
# What must not depend on the rank count, as one checksum line.
answer_digest() {  # answer_digest JOB DEST
  local job=$1 dest=$2
  local out
  out="records_out=$(manifest_number records_out "$dest/_SUCCESS")"
  case "$job" in
    load_tweets)
      out="$out $(manifest_files "$dest" part- | sort | xargs cat | gzip -dc | LC_ALL=C sort |
        cksum | cut -d' ' -f1)" ;;
    profanity_index)
      out="$out $(manifest_files "$dest" part-00000.csv | xargs cat | cksum | cut -d' ' -f1)" ;;
  esac
  echo "$out"
}

LOAD_BEFORE=$(cut -d' ' -f1-3 /proc/loadavg)
declare -A BEST_JOB BEST_WALL SHUFFLE_MS SHUFFLE_BYTES BYTES_IN DIGEST ROUND_JOB
START=$(date +%s)
for rep in $(seq "$REPEATS"); do
  for job in $JOBS; do
    for n in $RUN_RANKS; do
      dest="$WORK/out-$job-$n"
      rm -rf "$dest"
      t0=$(date +%s.%N)
      run_args="$MPIRUN_ARGS $EXTRA_MPI"
      if [ "$n" -gt "$CORES" ]; then  # oversubscribed: more ranks than cores cannot be bound
        # shellcheck disable=SC2001
        run_args="$(echo "$MPIRUN_ARGS" | sed 's/--bind-to [^ ]*//g') $EXTRA_MPI --bind-to none"
      fi
      # shellcheck disable=SC2086,SC2046
      if ! mpirun -n "$n" $run_args "$BIN/$job" $(job_args "$job" "$dest") \
        >"$WORK/log-$job-$n.txt" 2>&1; then
        echo "scaling: $job at $n ranks failed:" >&2
        tail -5 "$WORK/log-$job-$n.txt" >&2
        exit 1
      fi
      t1=$(date +%s.%N)
      wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b - a}')
      secs=$(manifest_number seconds "$dest/_SUCCESS")
      key="$job/$n"
      ROUND_JOB[$key/$rep]=$secs
      if [ "$rep" = 1 ]; then
        DIGEST[$key]=$(answer_digest "$job" "$dest")
        if [ "${DIGEST[$key]}" != "${DIGEST[$job/$FIRST]}" ]; then
          echo "scaling: $job at $n ranks gives another answer than at $FIRST:" >&2
          echo "  $FIRST ranks: ${DIGEST[$job/$FIRST]}" >&2
          echo "  $n ranks: ${DIGEST[$key]}" >&2
          exit 1
        fi
      fi
      if [ -z "${BEST_JOB[$key]:-}" ] || awk "BEGIN{exit !($secs < ${BEST_JOB[$key]})}"; then
        BEST_JOB[$key]=$secs
        SHUFFLE_MS[$key]=$(manifest_number time_ms.exchange "$dest/_SUCCESS")
        SHUFFLE_BYTES[$key]=$(manifest_number shuffle.bytes_sent "$dest/_SUCCESS")
        BYTES_IN[$key]=$(manifest_number bytes_in "$dest/_SUCCESS")
      fi
      if [ -z "${BEST_WALL[$key]:-}" ] || awk "BEGIN{exit !($wall < ${BEST_WALL[$key]})}"; then
        BEST_WALL[$key]=$wall
      fi
      echo "scaling: round $rep: $job $n ranks: job ${secs} s, wall ${wall} s" >&2
      rm -rf "$dest"
    done
  done
done
ELAPSED=$(($(date +%s) - START))
LOAD_AFTER=$(cut -d' ' -f1-3 /proc/loadavg)

MODEL=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
COMMIT=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
UNCOMPRESSED=${BYTES_IN[$FIRST_JOB/$FIRST]}
STORED=$(cat "$CORPUS"/*.gz | wc -c)
{
  echo "## scaling.sh — $(date -u +%Y-%m-%dT%H:%MZ)"
  echo
  echo "Machine: $CORES cores (nproc), $MODEL; load average $LOAD_BEFORE before, $LOAD_AFTER after"
  echo "($ELAPSED s for the whole run). Commit $COMMIT. Command: \`bench/scaling.sh$ARGS\`"
  echo "(mpirun $MPIRUN_ARGS${EXTRA_MPI:+ $EXTRA_MPI}). Corpus: tweetgen --files $FILES --mb $MB --seed 42"
  echo "--dup-share 0.01 --notice-share 0.02 ($UNCOMPRESSED bytes uncompressed, $STORED stored)."
  echo "Best of $REPEATS interleaved runs; speedup and efficiency against $FIRST rank(s), best against"
  echo "best; the median column pairs each round's runs (robust to a noisy round)."
  [ -n "$NOTE" ] && echo "$NOTE"
  echo
  echo "| job | ranks | job s | wall s | speedup (job) | speedup (job), median of rounds | efficiency (job) | speedup (wall) | shuffle share of job time | bytes shuffled / input byte |"
  echo "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"
  for job in $JOBS; do
    base_job=${BEST_JOB[$job/$FIRST]}
    base_wall=${BEST_WALL[$job/$FIRST]}
    for n in $RUN_RANKS; do
      key="$job/$n"
      # Speedup of each round (the same round's smallest rank count over this one), median.
      median=$(for rep in $(seq "$REPEATS"); do
        awk -v a="${ROUND_JOB[$job/$FIRST/$rep]}" -v b="${ROUND_JOB[$key/$rep]}" -v f="$FIRST" \
          'BEGIN{printf "%.4f\n", a / b * f}'
      done | sort -g | awk '{v[NR] = $1} END{print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}')
      awk -v job="$job" -v n="$n" -v first="$FIRST" -v bj="$base_job" -v bw="$base_wall" \
        -v j="${BEST_JOB[$key]}" -v w="${BEST_WALL[$key]}" -v ms="${SHUFFLE_MS[$key]}" \
        -v sb="${SHUFFLE_BYTES[$key]}" -v bin="${BYTES_IN[$key]}" -v med="$median" 'BEGIN {
          sj = bj / j * first; sw = bw / w * first
          share = (ms == "" || j <= 0) ? "-" : sprintf("%.1f%%", 100 * ms / n / 1000 / j)
          bytes = (sb == "" || bin == "" || bin == 0) ? "-" : sprintf("%.3f", sb / bin)
          printf "| %s | %d | %.3f | %.3f | %.2fx | %.2fx | %.0f%% | %.2fx | %s | %s |\n",
            job, n, j, w, sj, med, 100 * sj / n, sw, share, bytes
        }'
    done
  done
} >"$WORK/table.md"
cat "$WORK/table.md"
if [ -n "$TABLE_FILE" ]; then
  cp "$WORK/table.md" "$TABLE_FILE"
  echo "scaling: table written to $TABLE_FILE" >&2
fi
if [ "$RECORD" = 1 ]; then
  { echo; cat "$WORK/table.md"; } >>bench/RESULTS.md
  echo "scaling: table appended to bench/RESULTS.md" >&2
fi
