#!/usr/bin/env bash
# The demo: installs packages and builds (scripts/setup.sh), generates a ~50 MB synthetic tweet
# archive with tweetgen, counts its hashtags with top_terms on 2 ranks, prints the top 15 and where
# the output is; then normalizes and deduplicates the same archive with load_tweets on 2 ranks. Usage: scripts/demo.sh   (env: RANKFLOW_BUILD_DIR, RANKFLOW_DEMO_DIR)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
source scripts/lib/manifest.sh
scripts/setup.sh

BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
BIN="$ROOT/$BUILD_DIR/bin"
[[ "$BUILD_DIR" = /* ]] && BIN="$BUILD_DIR/bin"
WORK=${RANKFLOW_DEMO_DIR:-$ROOT/out/demo}
ARCHIVE="$WORK/archive"
DEST="$WORK/top_hashtags"

if [ "$(id -u)" -eq 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}

if [ ! -f "$ARCHIVE/.complete" ]; then
  rm -rf "$ARCHIVE"
  "$BIN/tweetgen" --dest "$ARCHIVE" --files 8 --mb 50 --seed 1 --bad-share 0.002 --dup-share 0.01
  touch "$ARCHIVE/.complete"
fi

echo
echo "demo: mpirun -n 2 $BUILD_DIR/bin/top_terms --src $ARCHIVE --dest $DEST --top 15"
mpirun -n 2 --oversubscribe "$BIN/top_terms" --src "$ARCHIVE" --dest "$DEST" --mode overwrite \
  --top 15
echo
echo "demo: output in $DEST; the files its manifest lists (name, file, bytes, records):"
manifest_files "$DEST"
echo "demo: the counts, most frequent first: part-00000.csv, then part-00001.csv (stored as"
echo "demo: part-00000-<attempt>.csv: read them through the manifest, e.g. $(committed_file "$DEST" part-00000.csv));"
echo "demo: the manifest (inputs, records in/out, bad lines with samples): $DEST/_SUCCESS"

TWEETS="$WORK/tweets"
echo
echo "demo: mpirun -n 2 $BUILD_DIR/bin/load_tweets --src $ARCHIVE --dest $TWEETS"
mpirun -n 2 --oversubscribe "$BIN/load_tweets" --src "$ARCHIVE" --dest "$TWEETS" --mode overwrite
echo "demo: normalized tweets (duplicates dropped) in $TWEETS; the first one:"
{ zcat "$(committed_file "$TWEETS" part-00000.jsonl.gz)" || true; } | head -n 1
