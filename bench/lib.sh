# Sourced by the bench scripts: moves to the repository root and sets ROOT, BUILD_DIR
# (RANKFLOW_BUILD_DIR, default build; relative to the repository or absolute) and BIN (its bin/).
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
BUILD_DIR=${RANKFLOW_BUILD_DIR:-build}
if [[ "$BUILD_DIR" = /* ]]; then BIN="$BUILD_DIR/bin"; else BIN="$ROOT/$BUILD_DIR/bin"; fi
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
