# Sourced by the bench scripts: moves to the repository root and sets ROOT, BUILD_DIR
# (RANKFLOW_BUILD_DIR, default build; relative to the repository or absolute) and BIN (its bin/),
# and the defaults of the flags bench_flag reads (a script sets its own after sourcing this).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
if [[ "$BUILD_DIR" = /* ]]; then BIN="$BUILD_DIR/bin"; else BIN="$ROOT/$BUILD_DIR/bin"; fi
MB=400
FILES=16
REPEATS=5
MEMORY_MB=256
WORK=${TMPDIR:-/tmp}/rankflow-bench
RECORD=1
JOB_ARGS=""
BASELINE=""
# bench_flag SCRIPT "ACCEPTED" ARGS…: one of the flags the bench scripts share. When the first of
# ARGS is --NAME for a NAME in ACCEPTED (of: mb files repeats memory-mb work job-args baseline
# no-record), sets its variable (MB FILES REPEATS MEMORY_MB WORK JOB_ARGS BASELINE; --no-record:
# RECORD=0) and BENCH_SHIFT (the words it took: shift "$BENCH_SHIFT"). Anything else ends the
# script with "SCRIPT: unknown argument X" (or "SCRIPT: --NAME needs a value"), exit code 2.
bench_flag() {
  local script=$1 accepted=" $2 " flag=$3
  if [[ "$flag" != --* || "$accepted" != *" ${flag#--} "* ]]; then
    echo "$script: unknown argument $flag" >&2
    exit 2
  fi
  BENCH_SHIFT=1
  if [ "$flag" = --no-record ]; then
    RECORD=0
    return 0
  fi
  [ $# -ge 4 ] || { echo "$script: $flag needs a value" >&2; exit 2; }
  BENCH_SHIFT=2
  case "$flag" in
    --mb) MB=$4 ;;
    --files) FILES=$4 ;;
    --repeats) REPEATS=$4 ;;
    --memory-mb) MEMORY_MB=$4 ;;
    --work) WORK=$4 ;;
    --job-args) JOB_ARGS=$4 ;;
    --baseline) BASELINE=$4 ;;
  esac
}
# bench_corpus MB FILES: sets CORPUS to a tweetgen corpus (seed 42, 0.1% bad lines, 1% duplicate
# lines) under $WORK, generated once and cached by tweetgen's checksum (a changed generator makes a
# new corpus).
bench_corpus() {
  local sum
  sum=$(md5sum "$BIN/tweetgen" | cut -c1-8)
  CORPUS="$WORK/corpus-${1}mb-${2}f-seed42-$sum"
  if [ ! -f "$CORPUS/.complete" ]; then
    rm -rf "$CORPUS"
    "$BIN/tweetgen" --dest "$CORPUS" --files "$2" --mb "$1" --seed 42 --bad-share 0.001 \
      --dup-share 0.01
    touch "$CORPUS/.complete"
  fi
}
