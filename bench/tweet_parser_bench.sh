#!/usr/bin/env bash
# TweetParser alone, this build against a baseline build (the commit before a parser change, built
# in a scratch worktree: `git worktree add /tmp/old REV`, then build the tweet_parser_bench target
# there), in one run. Inputs: a tweetgen corpus (v1.1 statuses, seed 42, unzipped once) and every
# line of tests/data/tweets (v1.1, Gnip, v2, notices, malformed) repeated to about the same size.
# Both builds must print the same answer (tweets, notices, bad lines and a hash of every normalized
# tweet) on each input; then they run interleaved ROUNDS times, each the best of REPEATS passes
# over the lines in memory, and the best of each is reported with base time / this time.
# On a shared, loaded machine wall times swing by tens of percent between identical binaries:
# --instructions adds the instructions of one pass over the first 2000 lines of each input,
# counted by valgrind (cachegrind, no cache simulation; (3 passes - 1 pass) / 2), which the load
# does not change.
#
# Usage: bench/tweet_parser_bench.sh --baseline BUILD_DIR [--mb 100] [--rounds 5] [--repeats 3]
#            [--instructions] [--work DIR]
# Env: RANKFLOW_BUILD_DIR (this build; default build).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN

MB=100
ROUNDS=5
REPEATS=3
WORK=${TMPDIR:-/tmp}/rankflow-bench
BASELINE=""
INSTRUCTIONS=0
while [ $# -gt 0 ]; do
  case "$1" in
    --mb) MB=$2; shift 2 ;;
    --rounds) ROUNDS=$2; shift 2 ;;
    --repeats) REPEATS=$2; shift 2 ;;
    --work) WORK=$2; shift 2 ;;
    --baseline) BASELINE=$2; shift 2 ;;
    --instructions) INSTRUCTIONS=1; shift ;;
    *) echo "tweet_parser_bench: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -n "$BASELINE" ] || { echo "tweet_parser_bench: --baseline is required" >&2; exit 2; }
for b in "$BIN/tweetgen" "$BIN/tweet_parser_bench" "$BASELINE/bin/tweet_parser_bench"; do
  [ -x "$b" ] || { echo "tweet_parser_bench: $b missing" >&2; exit 1; }
done

bench_corpus "$MB" 4  # sets CORPUS
V1="$CORPUS/all.lines"
[ -s "$V1" ] || zcat "$CORPUS"/*.jsonl.gz > "$V1"
MIXED="$WORK/samples-${MB}mb.lines"
if [ ! -s "$MIXED" ]; then
  # .jsonl lines as they are, .json documents on one line each (those Python can read).
  python3 - "$ROOT/tests/data/tweets" > "$MIXED.one" <<'PY'
import glob, json, os, sys
for path in sorted(glob.glob(os.path.join(sys.argv[1], "**", "*.json*"), recursive=True)):
    text = open(path, encoding="utf-8", errors="replace").read()
    if path.endswith(".jsonl"):
        sys.stdout.write("".join(l + "\n" for l in text.splitlines() if l.strip()))
        continue
    try:
        sys.stdout.write(json.dumps(json.loads(text), ensure_ascii=False, separators=(",", ":")) + "\n")
    except ValueError:
        pass
PY
  target=$((MB * 1000000 / 4))
  : > "$MIXED"
  while [ "$(stat -c %s "$MIXED")" -lt "$target" ]; do cat "$MIXED.one" >> "$MIXED"; done
fi

# Instructions of one parse pass: BIN FILE.
pass_instructions() {
  local one three
  one=$(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$1" 1 "$2" 2>&1 |
    awk '/I +refs:/ { gsub(",", "", $NF); print $NF }')
  three=$(valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null "$1" 3 "$2" 2>&1 |
    awk '/I +refs:/ { gsub(",", "", $NF); print $NF }')
  echo $(((three - one) / 2))
}
best() { awk -v a="$1" -v b="$2" 'BEGIN { print (b == "" || a < b) ? a : b }'; }
for input in "$V1" "$MIXED"; do
  this=$("$BIN/tweet_parser_bench" 1 "$input")
  base=$("$BASELINE/bin/tweet_parser_bench" 1 "$input")
  # Fields 1-6: lines bytes tweets notices bad answer.
  if [ "$(cut -d' ' -f1-6 <<<"$this")" != "$(cut -d' ' -f1-6 <<<"$base")" ]; then
    echo "tweet_parser_bench: the builds differ on $input:" >&2
    echo "  this: $this" >&2
    echo "  base: $base" >&2
    exit 1
  fi
  t_this="" t_base=""
  for _ in $(seq "$ROUNDS"); do
    t_this=$(best "$("$BIN/tweet_parser_bench" "$REPEATS" "$input" | cut -d' ' -f7)" "$t_this")
    t_base=$(best "$("$BASELINE/bin/tweet_parser_bench" "$REPEATS" "$input" | cut -d' ' -f7)" "$t_base")
  done
  read -r lines bytes tweets notices bad _ <<<"$this"
  awk -v name="$(basename "$input")" -v lines="$lines" -v bytes="$bytes" -v tweets="$tweets" \
      -v notices="$notices" -v bad="$bad" -v a="$t_base" -v b="$t_this" 'BEGIN {
    printf "| %s | %d lines, %.1f MB, %d tweets, %d notices, %d bad | %.4f s (%.1f MB/s) | %.4f s (%.1f MB/s) | %.3fx |\n",
      name, lines, bytes / 1e6, tweets, notices, bad, a, bytes / a / 1e6, b, bytes / b / 1e6, a / b }'
  if [ "$INSTRUCTIONS" = 1 ]; then
    head -2000 "$input" > "$WORK/first-2000.lines"
    i_base=$(pass_instructions "$BASELINE/bin/tweet_parser_bench" "$WORK/first-2000.lines")
    i_this=$(pass_instructions "$BIN/tweet_parser_bench" "$WORK/first-2000.lines")
    awk -v name="$(basename "$input")" -v a="$i_base" -v b="$i_this" 'BEGIN {
      printf "| %s, first 2000 lines: instructions per pass | %d | %d | %.3fx |\n", name, a, b, a / b }'
  fi
done
