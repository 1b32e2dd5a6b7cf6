#!/usr/bin/env bash
# Builds a libFuzzer target (clang++, ASan + UBSan + libFuzzer) and runs it for SECONDS.
#   tests/operators/fuzz/run_fuzz.sh SECONDS [WORKDIR] [TARGET]
# TARGET: tweet_fuzz (default; the parser's own properties) or v1_entity_fuzz (the fast v1.1
# entity reader against the parser). Seeds: every line of tests/data/tweets plus the target's
# regression inputs (regressions/ or v1_entity_regressions/). The Parquet reader's targets
# (tests/runtime/fuzz/): parquet_footer_fuzz, seeded with the footers of tests/data/parquet/*,
# and parquet_page_fuzz, seeded with those files whole; their regressions are in
# tests/runtime/fuzz/parquet_regressions/. A finding (crash, leak, sanitizer report or failed
# property) exits non-zero and leaves crash-* in WORKDIR/TARGET; copy it into the regression
# folder so tweet_parser_test / v1_entity_reader_test / parquet_reader_test replay it from then on.
set -euo pipefail
SECONDS_TO_RUN=${1:-60}
ROOT="$(cd "$(dirname "$0")/../../.." && pwd)"
WORK=${2:-$(mktemp -d /tmp/rankflow_fuzz.XXXXXX)}
TARGET=${3:-tweet_fuzz}
KIND=operators
MAX_LEN=16384
case "$TARGET" in
  tweet_fuzz) REGRESSIONS="$ROOT/tests/operators/fuzz/regressions" ;;
  v1_entity_fuzz) REGRESSIONS="$ROOT/tests/operators/fuzz/v1_entity_regressions" ;;
  parquet_footer_fuzz | parquet_page_fuzz)
    REGRESSIONS="$ROOT/tests/runtime/fuzz/parquet_regressions"; KIND=parquet; MAX_LEN=32768 ;;
  *) echo "run_fuzz: unknown target $TARGET" >&2; exit 2 ;;
esac
RUN="$WORK/$TARGET"
mkdir -p "$RUN/corpus" "$WORK/obj"
CXX=${CLANGXX:-clang++}
command -v "$CXX" >/dev/null || { echo "run_fuzz: $CXX not found" >&2; exit 1; }

FLAGS=(-std=c++20 -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined
       -fno-sanitize-recover=undefined -I"$ROOT" -DOMPI_SKIP_MPICXX=1)
if [ "$KIND" = parquet ]; then
  FLAGS+=(-I"$WORK/gen")
  mkdir -p "$WORK/gen/runtime/parquet"
  thrift --gen cpp:no_skeleton -out "$WORK/gen/runtime/parquet" "$ROOT/runtime/parquet/parquet.thrift"
  objs=()
  for s in parquet/decoders parquet/decompress parquet/parquet_reader parquet/column_chunk_reader \
    status log; do
    obj="$WORK/obj/runtime_${s//\//_}.o"
    "$CXX" "${FLAGS[@]}" -c "$ROOT/runtime/$s.cpp" -o "$obj"
    objs+=("$obj")
  done
  "$CXX" "${FLAGS[@]}" -w -c "$WORK/gen/runtime/parquet/parquet_types.cpp" -o "$WORK/obj/parquet_types.o"
  "$CXX" "${FLAGS[@]/fuzzer-no-link/fuzzer}" "$ROOT/tests/runtime/fuzz/$TARGET.cpp" "${objs[@]}" \
    "$WORK/obj/parquet_types.o" -lthrift -lsnappy -lzstd -lz -o "$RUN/$TARGET"
  # Seeds: the fixtures whole (page target: behind a 0x00 mode byte) or their footers.
  python3 - "$ROOT/tests/data/parquet" "$RUN/corpus" "$TARGET" <<'PY'
import glob, os, struct, sys
src, out, target = sys.argv[1:]
for path in sorted(glob.glob(os.path.join(src, "*.parquet"))):
    data = open(path, "rb").read()
    name = os.path.basename(path)
    if target == "parquet_footer_fuzz":
        n = struct.unpack("<I", data[-8:-4])[0]
        open(os.path.join(out, name + ".footer"), "wb").write(data[-8 - n:-8])
    elif len(data) < 32768:
        open(os.path.join(out, name), "wb").write(b"\0" + data)
PY
else
SRCS=(tweet tweet_parser raw_tweet_reader status_fields tweet_assemble entities tokenizer embedded_data v1_entity_reader)
objs=()
for s in "${SRCS[@]}"; do
  obj="$WORK/obj/$s.o"
  if [ ! -f "$obj" ] || [ "$ROOT/operators/$s.cpp" -nt "$obj" ]; then
    "$CXX" "${FLAGS[@]}" -DRANKFLOW_OPERATORS_DATA_DIR="\"$ROOT/operators/data\"" \
      -c "$ROOT/operators/$s.cpp" -o "$obj"
  fi
  objs+=("$obj")
done
# The runtime pieces the operators above use.
for s in status log json_string; do
  "$CXX" "${FLAGS[@]}" -c "$ROOT/runtime/$s.cpp" -o "$WORK/obj/runtime_$s.o"
  objs+=("$WORK/obj/runtime_$s.o")
done
"$CXX" "${FLAGS[@]/fuzzer-no-link/fuzzer}" "$ROOT/tests/operators/fuzz/$TARGET.cpp" \
  "${objs[@]}" -lsimdjson -licui18n -licuuc -licudata -o "$RUN/$TARGET"

# Seed corpus: one file per input line / document.
i=0
while IFS= read -r -d '' f; do
  case "$f" in *.json) cp "$f" "$RUN/corpus/doc_$i"; i=$((i + 1)); continue ;; esac
  while IFS= read -r line; do
    printf '%s' "$line" > "$RUN/corpus/line_$i"; i=$((i + 1))
  done < "$f"
done < <(find "$ROOT/tests/data/tweets" -name '*.json*' -print0)
fi
cp "$REGRESSIONS"/* "$RUN/corpus/" 2>/dev/null || true

cd "$RUN"
ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  "./$TARGET" -max_total_time="$SECONDS_TO_RUN" -max_len="$MAX_LEN" -timeout=10 -rss_limit_mb=2048 \
  -print_final_stats=1 corpus
