#!/usr/bin/env bash
# The demo: installs packages and builds (scripts/setup.sh), generates a synthetic tweet archive
# with tweetgen (~100 MB over two days, with a daily curve, bursts, brands and some profanity),
# then on 2 ranks: the top hashtags (top_terms), the profanity index of five brands per hour
# (profanity_index; prints the path of its report.html, a line plot), the most linked domains per
# day (top_domains) and the normalized, deduplicated tweets (load_tweets).
# Usage: scripts/demo.sh [--bin DIR] [--mb N]
#   --bin DIR  use the programs in DIR (no package install, no build): what tests/scripts runs
#   --mb N     uncompressed size of the archive in MB (default 100)
# Env: RANKFLOW_BUILD_DIR (default build), RANKFLOW_DEMO_DIR (default out/demo): where it writes.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source scripts/lib/manifest.sh

BIN=""
MB=200
while [ $# -gt 0 ]; do
  case "$1" in
    --bin) BIN=$(cd "${2:?--bin needs a folder}" && pwd); shift 2 ;;
    --mb) MB=${2:?--mb needs a number}; shift 2 ;;
    -h | --help) sed -n '2,10p' "$0" | cut -c3-; exit 0 ;;
    *) echo "demo: unknown argument $1 (see --help)" >&2; exit 2 ;;
  esac
done
if [ -z "$BIN" ]; then
  scripts/setup.sh
  BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
  BIN="$ROOT/$BUILD_DIR/bin"
  [[ "$BUILD_DIR" = /* ]] && BIN="$BUILD_DIR/bin"
fi
WORK=${RANKFLOW_DEMO_DIR:-$ROOT/out/demo}
ARCHIVE="$WORK/archive"
mkdir -p "$WORK"

if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
run2() { mpirun -n 2 --oversubscribe "$@"; }

# Always written afresh (a few seconds): an archive of an older tweetgen would tell another story.
rm -rf "$ARCHIVE"
"$BIN/tweetgen" --dest "$ARCHIVE" --files 8 --mb "$MB" --seed 1 --start 2020-03-09 --days 1 \
  --bad-share 0.002 --dup-share 0.01

DEST="$WORK/top_hashtags"
echo
echo "demo: top_terms --src $ARCHIVE --dest $DEST --top 15   (2 ranks)"
run2 "$BIN/top_terms" --src "$ARCHIVE" --dest "$DEST" --mode overwrite --top 15
echo
echo "demo: output in $DEST; the files its manifest lists (name, file, bytes, records):"
manifest_files "$DEST"
echo "demo: the counts, most frequent first: part-00000.csv, then part-00001.csv (stored as"
echo "demo: part-00000-<attempt>.csv: read them through the manifest, e.g. $(committed_file "$DEST" part-00000.csv));"
echo "demo: the manifest (inputs, records in/out, bad lines with samples): $DEST/_SUCCESS"

# The brands tweetgen's tweets talk about (jobs/tweetgen_text.h, Topics()).
TARGETS="$WORK/targets.txt"
printf '%s\n' 'Netflix: netflix, @netflix, #netflix' 'Spotify: spotify, @spotify, #spotify' \
  'Tesla: tesla, @tesla, #tesla' 'Starbucks: starbucks, @starbucks, #starbucks' \
  'Uber: uber, @uber, #uber' >"$TARGETS"
INDEX="$WORK/profanity"
echo
echo "demo: profanity_index --src $ARCHIVE --dest $INDEX --targets $TARGETS --by hour   (2 ranks)"
run2 "$BIN/profanity_index" --src "$ARCHIVE" --dest "$INDEX" --targets "$TARGETS" --by hour \
  --mode overwrite
INDEX_CSV=$(committed_file "$INDEX" part-00000.csv)
echo "demo: the index per hour and brand: $INDEX_CSV; the most profane hours of 30+ tweets"
echo "demo: (bursts: one brand much talked about, angrily):"
awk -F, 'NR > 1 && $3 >= 30' "$INDEX_CSV" | sort -t, -k5,5gr | head -n 5 |
  awk -F, '{ printf "  %s  %-10s %6d tweets, %5d profane (%.0f%%)\n", $1, $2, $3, $4, 100 * $5 }'

DOMAINS="$WORK/top_domains"
echo
echo "demo: top_domains --src $ARCHIVE --dest $DOMAINS --top 5   (2 ranks)"
run2 "$BIN/top_domains" --src "$ARCHIVE" --dest "$DOMAINS" --mode overwrite --top 5
echo "demo: the most linked domains per day (day, domain, links):"
for part in domains-00000.csv domains-00001.csv; do  # rank 0's rows come first
  tail -n +2 "$(committed_file "$DOMAINS" "$part")" | sed 's/^/  /'
done

TWEETS="$WORK/tweets"
echo
echo "demo: load_tweets --src $ARCHIVE --dest $TWEETS   (2 ranks)"
run2 "$BIN/load_tweets" --src "$ARCHIVE" --dest "$TWEETS" --mode overwrite
echo "demo: normalized tweets (duplicates dropped) in $TWEETS; the first one:"
{ zcat "$(committed_file "$TWEETS" part-00000.jsonl.gz)" || true; } | head -n 1

echo
echo "demo: the profanity index report (open it in a browser): $(committed_file "$INDEX" report.html)"
