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
# bench_flags SCRIPT "ACCEPTED" ARGS…: every one of ARGS through bench_flag (a script without
# flags of its own).
bench_flags() {
  local script=$1 accepted=$2
  shift 2
  while [ $# -gt 0 ]; do
    bench_flag "$script" "$accepted" "$@"
    shift "$BENCH_SHIFT"
  done
}
# bench_need_bins SCRIPT NAME…: ends the script (exit 1) unless $BIN/NAME is built, for each NAME.
bench_need_bins() {
  local script=$1 b
  shift
  for b in "$@"; do
    [ -x "$BIN/$b" ] || { echo "$script: $BIN/$b missing; build first" >&2; exit 1; }
  done
}
# bench_record NAME TEXT: writes TEXT into bench/RESULTS.md (RANKFLOW_BENCH_RESULTS=FILE: there
# instead, for trial runs) between the lines <!-- NAME:begin --> and <!-- NAME:end -->, in place of
# an earlier block of that NAME, else at the end.
bench_record() {
  /usr/bin/python3 - "${RANKFLOW_BENCH_RESULTS:-$ROOT/bench/RESULTS.md}" "$1" "$2" <<'PY'
import os, re, sys
path, name, text = sys.argv[1:]
old = open(path, encoding="utf-8").read() if os.path.exists(path) else "# Benchmark results\n"
block = "<!-- %s:begin -->\n%s\n<!-- %s:end -->" % (name, text, name)
pat = re.compile(r"<!-- %s:begin[^>]*-->.*?<!-- %s:end -->" % (re.escape(name), re.escape(name)), re.S)
if pat.search(old):
    new = pat.sub(lambda m: block, old, count=1)
else:
    new = old.rstrip("\n") + "\n\n" + block + "\n"
open(path, "w", encoding="utf-8").write(new)
PY
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
