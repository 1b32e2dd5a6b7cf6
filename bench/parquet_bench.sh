#!/usr/bin/env bash
# Parquet benchmark (issue 12): on one tweetgen corpus (v1.1, 1% notices, no duplicates), in the
# same run, at one rank / one thread:
#   load_tweets --format jsonl.gz            (the JSON table, ISA-L level 1)
#   load_tweets --format parquet             (the same rows as Parquet, snappy)
#   DuckDB COPY (SELECT <the same columns> FROM read_ndjson(archive, columns = {…}))
#          TO 'x.parquet' (FORMAT parquet, COMPRESSION snappy)     (threads = 1)
#   top_terms --what hashtags on the gzipped JSON (the archive, and load_tweets' jsonl.gz of the
#   same tweets) and on the Parquet copy
# Checks first: the Parquet output has as many rows as the JSON one and as DuckDB's; top_terms on
# the Parquet copy writes the same counts as --full-parser on the archive and as both readers on
# the jsonl.gz (sorted rows compared); else no timing. The top_terms target is judged against
# --full-parser on the archive: the gzipped JSON the copy was made from, read by the reader whose
# counts are the copy's (the default reader's differ there by design: it takes a v1.1 retweet's
# own, truncated hashtags).
# Sizes: our Parquet bytes against DuckDB's Parquet of the same rows (COPY of our rows, same
# columns, snappy). Targets: load_tweets to parquet >= 3x DuckDB's COPY and within 15% of
# load_tweets to jsonl.gz (wall); top_terms on parquet >= 10x the tweets/s of the gzipped JSON;
# size within 10% of DuckDB's. Best wall time of R runs each (interleaved). Prints one table and
# writes it into bench/RESULTS.md between the "parquet" markers unless --no-record.
#
# Usage: bench/parquet_bench.sh [--mb 200] [--files 8] [--repeats 3] [--work DIR] [--no-record]
# Env: RANKFLOW_BUILD_DIR (default build): bin/load_tweets, bin/top_terms, bin/tweetgen.
# Needs tests/interop/install.sh to have installed DuckDB (npm @duckdb/node-api).
set -euo pipefail
# shellcheck source=bench/lib.sh
source "$(dirname "$0")/lib.sh"  # ROOT, BUILD_DIR, BIN, bench_flag
MB=200
FILES=8
REPEATS=3
WORK=${TMPDIR:-/tmp}/rankflow-parquet-bench
bench_flags parquet_bench "mb files repeats work no-record" "$@"
bench_need_bins parquet_bench tweetgen load_tweets top_terms
DUCK="node $ROOT/tests/interop/duckdb_query.mjs"
[ -d "$ROOT/tests/interop/node_modules/@duckdb/node-api" ] ||
  { echo "parquet_bench: DuckDB missing; run tests/interop/install.sh" >&2; exit 1; }
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_pml=ob1
mkdir -p "$WORK"
GEN_SUM=$(md5sum "$BIN/tweetgen" | cut -c1-8)
CORPUS="$WORK/corpus-${MB}mb-${FILES}f-$GEN_SUM"
if [ ! -f "$CORPUS/.complete" ]; then
  rm -rf "$CORPUS"
  "$BIN/tweetgen" --dest "$CORPUS" --files "$FILES" --mb "$MB" --seed 12 --notice-share 0.01 \
    >/dev/null
  touch "$CORPUS/.complete"
fi
INPUTS=("$CORPUS"/*.jsonl.gz)
STORED=$(cat "${INPUTS[@]}" | wc -c)
UNCOMPRESSED=$(zcat "${INPUTS[@]}" | wc -c)
GLOB="$CORPUS/*.jsonl.gz"

# DuckDB's load: the same columns from the raw v1.1 lines (columns = {…}: no schema sampling).
DUCK_COLUMNS="{id_str: 'VARCHAR', created_at: 'VARCHAR', timestamp_ms: 'VARCHAR', lang: 'VARCHAR',
 text: 'VARCHAR', full_text: 'VARCHAR', is_quote_status: 'BOOLEAN',
 in_reply_to_status_id_str: 'VARCHAR', quoted_status_id_str: 'VARCHAR',
 user: 'STRUCT(id_str VARCHAR, screen_name VARCHAR, followers_count BIGINT)',
 extended_tweet: 'STRUCT(full_text VARCHAR, entities STRUCT(hashtags STRUCT(text VARCHAR)[], user_mentions STRUCT(screen_name VARCHAR)[], urls STRUCT(expanded_url VARCHAR)[], media STRUCT(id_str VARCHAR)[]))',
 entities: 'STRUCT(hashtags STRUCT(text VARCHAR)[], user_mentions STRUCT(screen_name VARCHAR)[], urls STRUCT(expanded_url VARCHAR)[], media STRUCT(id_str VARCHAR)[])',
 retweeted_status: 'STRUCT(id_str VARCHAR, user STRUCT(id_str VARCHAR, screen_name VARCHAR))',
 coordinates: 'STRUCT(coordinates DOUBLE[])', place: 'STRUCT(full_name VARCHAR)'}"
DUCK_SELECT="SELECT CAST(id_str AS BIGINT) AS id,
 to_timestamp(CAST(timestamp_ms AS BIGINT) / 1000.0) AS created_at,
 CAST(timestamp_ms AS BIGINT) AS timestamp_ms, CAST(\"user\".id_str AS BIGINT) AS user_id,
 \"user\".screen_name AS screen_name, \"user\".followers_count AS followers, lang,
 coalesce(extended_tweet.full_text, full_text, text) AS text,
 retweeted_status IS NOT NULL AS is_retweet, coalesce(is_quote_status, false) AS is_quote,
 in_reply_to_status_id_str IS NOT NULL AS is_reply,
 CAST(retweeted_status.id_str AS BIGINT) AS retweeted_id,
 CAST(quoted_status_id_str AS BIGINT) AS quoted_id,
 CAST(in_reply_to_status_id_str AS BIGINT) AS in_reply_to_id,
 list_transform(coalesce(extended_tweet.entities.hashtags, entities.hashtags), x -> x.text) AS hashtags,
 list_transform(coalesce(extended_tweet.entities.user_mentions, entities.user_mentions), x -> x.screen_name) AS mentions,
 list_transform(coalesce(extended_tweet.entities.urls, entities.urls), x -> x.expanded_url) AS urls,
 CAST(len(coalesce(extended_tweet.entities.media, entities.media, [])) AS INTEGER) AS media_count,
 coordinates.coordinates[1] AS lon, coordinates.coordinates[2] AS lat,
 place.full_name AS place, 'v1' AS source_format,
 CAST(retweeted_status.\"user\".id_str AS BIGINT) AS retweeted_user_id,
 retweeted_status.\"user\".screen_name AS retweeted_screen_name
 FROM read_ndjson('$GLOB', columns = $DUCK_COLUMNS) WHERE id_str IS NOT NULL"
duck_copy() {  # DEST
  $DUCK "COPY ($DUCK_SELECT) TO '$1' (FORMAT parquet, COMPRESSION snappy)" >/dev/null
}
run_load() {  # FORMAT DEST
  mpirun -n 1 --bind-to none "$BIN/load_tweets" --src "$CORPUS" --dest "$2" --format "$1" \
    --mode overwrite >/dev/null
}
run_top() {  # SRC DEST [FLAGS]
  local src=$1 dest=$2
  shift 2
  mpirun -n 1 --bind-to none "$BIN/top_terms" --src "$src" --dest "$dest" --what hashtags --top 0 \
    --format csv --mode overwrite "$@" >/dev/null
}
manifest_field() {  # FILE KEY
  /usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])" "$1" "$2"
}
parquet_files() {  # DEST: the files its _SUCCESS lists, as a DuckDB list literal
  /usr/bin/python3 -c "import json,sys; d=sys.argv[1]; print('[' + ','.join(\"'%s/%s'\" % (d, f['file']) for f in json.load(open(d + '/_SUCCESS'))['files']) + ']')" "$1"
}
duck_value() {  # SQL: the first value of the first row
  $DUCK "$1" | /usr/bin/python3 -c "import json,sys; print(json.load(sys.stdin)['rows'][0][0])"
}

# 1. Same answers first.
run_load jsonl.gz "$WORK/json"
run_load parquet "$WORK/pq"
duck_copy "$WORK/duck.parquet"
ROWS_JSON=$(manifest_field "$WORK/json/_SUCCESS" records_out)
ROWS_PQ=$(duck_value "SELECT count(*) FROM read_parquet($(parquet_files "$WORK/pq"))")
ROWS_DUCK=$(duck_value "SELECT count(*) FROM read_parquet('$WORK/duck.parquet')")
if [ "$ROWS_JSON" != "$ROWS_PQ" ] || [ "$ROWS_PQ" != "$ROWS_DUCK" ]; then
  echo "parquet_bench: row counts differ: jsonl.gz $ROWS_JSON, parquet $ROWS_PQ, DuckDB $ROWS_DUCK" >&2
  exit 1
fi
# top_terms' baseline (the target's): --full-parser on the archive, the gzipped JSON the Parquet
# copy was loaded from (the normalized tweet's terms, as the copy gives them; checked equal below).
# Also timed: the default reader on the archive (other counts by design), and both readers on
# load_tweets' jsonl.gz of the same tweets (the copy's counts, checked).
run_top "$CORPUS" "$WORK/top-rawf" --full-parser
run_top "$WORK/json" "$WORK/top-ref" --full-parser
run_top "$WORK/json" "$WORK/top-json"
sorted_rows() { cat "$1"/part-*.csv | grep -v '^term,count$' | sort; }
TOP_PQ_OK=1
TERMS_JSON=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counters'].get('terms', 0))" "$WORK/top-ref/_SUCCESS")
if [ "$TERMS_JSON" = 0 ]; then
  TOP_PQ_OK=0
  echo "parquet_bench: top_terms found no hashtag in the jsonl.gz copy; nothing to compare" >&2
elif ! run_top "$WORK/pq" "$WORK/top-pq" ||
   ! cmp -s <(sorted_rows "$WORK/top-ref") <(sorted_rows "$WORK/top-pq") ||
   ! cmp -s <(sorted_rows "$WORK/top-rawf") <(sorted_rows "$WORK/top-pq") ||
   ! cmp -s <(sorted_rows "$WORK/top-json") <(sorted_rows "$WORK/top-pq"); then
  TOP_PQ_OK=0
  echo "parquet_bench: top_terms on the parquet copy fails, or counts differently from --full-parser on the archive or from the jsonl.gz; not timed" >&2
fi
TWEETS=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counters']['tweets'])" "$WORK/top-ref/_SUCCESS")
echo "check: $ROWS_PQ rows in each load (top_terms comparable: $TOP_PQ_OK)" >&2

# 2. Sizes: ours vs DuckDB's Parquet of the same rows (our rows, same columns, snappy).
PQ_BYTES=$(/usr/bin/python3 -c "import json,sys; print(sum(f['bytes'] for f in json.load(open(sys.argv[1]))['files']))" "$WORK/pq/_SUCCESS")
$DUCK "COPY (SELECT * FROM read_parquet($(parquet_files "$WORK/pq"))) TO '$WORK/duck-same.parquet' (FORMAT parquet, COMPRESSION snappy)" >/dev/null
DUCK_SAME_BYTES=$(stat -c %s "$WORK/duck-same.parquet")
DUCK_BYTES=$(stat -c %s "$WORK/duck.parquet")
JSON_BYTES=$(/usr/bin/python3 -c "import json,sys; print(sum(f['bytes'] for f in json.load(open(sys.argv[1]))['files']))" "$WORK/json/_SUCCESS")

# 3. Timings, interleaved: best wall of R runs each.
now() { date +%s.%N; }
timed() {  # CMD...: prints wall seconds
  local t0 t1
  t0=$(now)
  "$@"
  t1=$(now)
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }'
}
min_of() { if [ -z "$1" ] || awk -v d="$2" -v b="$1" 'BEGIN { exit !(d < b) }'; then echo "$2"; else echo "$1"; fi; }
T_GZ="" T_PQ="" T_DUCK="" T_TOPJ="" T_TOPF="" T_TOPP="" T_TOPR="" T_TOPRF=""
JOB_GZ="" JOB_PQ="" JOB_TOPJ="" JOB_TOPF="" JOB_TOPP="" JOB_TOPR="" JOB_TOPRF=""
for _ in $(seq "$REPEATS"); do
  T_GZ=$(min_of "$T_GZ" "$(timed run_load jsonl.gz "$WORK/json")")
  JOB_GZ=$(min_of "$JOB_GZ" "$(manifest_field "$WORK/json/_SUCCESS" seconds)")
  T_PQ=$(min_of "$T_PQ" "$(timed run_load parquet "$WORK/pq")")
  JOB_PQ=$(min_of "$JOB_PQ" "$(manifest_field "$WORK/pq/_SUCCESS" seconds)")
  T_DUCK=$(min_of "$T_DUCK" "$(timed duck_copy "$WORK/duck.parquet")")
  T_TOPJ=$(min_of "$T_TOPJ" "$(timed run_top "$WORK/json" "$WORK/top-json")")
  JOB_TOPJ=$(min_of "$JOB_TOPJ" "$(manifest_field "$WORK/top-json/_SUCCESS" seconds)")
  T_TOPF=$(min_of "$T_TOPF" "$(timed run_top "$WORK/json" "$WORK/top-ref" --full-parser)")
  JOB_TOPF=$(min_of "$JOB_TOPF" "$(manifest_field "$WORK/top-ref/_SUCCESS" seconds)")
  T_TOPR=$(min_of "$T_TOPR" "$(timed run_top "$CORPUS" "$WORK/top-raw")")
  JOB_TOPR=$(min_of "$JOB_TOPR" "$(manifest_field "$WORK/top-raw/_SUCCESS" seconds)")
  T_TOPRF=$(min_of "$T_TOPRF" "$(timed run_top "$CORPUS" "$WORK/top-rawf" --full-parser)")
  JOB_TOPRF=$(min_of "$JOB_TOPRF" "$(manifest_field "$WORK/top-rawf/_SUCCESS" seconds)")
  if [ "$TOP_PQ_OK" = 1 ]; then
    T_TOPP=$(min_of "$T_TOPP" "$(timed run_top "$WORK/pq" "$WORK/top-pq")")
    JOB_TOPP=$(min_of "$JOB_TOPP" "$(manifest_field "$WORK/top-pq/_SUCCESS" seconds)")
  fi
done
RAW_SAME=no
if cmp -s <(sorted_rows "$WORK/top-raw") <(sorted_rows "$WORK/top-pq" 2>/dev/null); then
  RAW_SAME=yes
fi
TERMS_RAW=$(/usr/bin/python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['counters'].get('terms', 0))" "$WORK/top-raw/_SUCCESS")
if [ "$TOP_PQ_OK" = 1 ]; then
  TOP_ROW="| \`top_terms --what hashtags\` on the Parquet copy | $T_TOPP (job $JOB_TOPP) | $(awk -v n="$TWEETS" -v t="$T_TOPP" 'BEGIN { printf "%.0f", n / t }') |"
  TOP_LINE="- **target (>= 10x): top_terms on Parquet vs --full-parser on the archive** (the gzipped
  v1.1 JSON the copy was loaded from, read by the reader whose counts are the copy's, checked):
  **$(awk -v a="$JOB_TOPRF" -v b="$JOB_TOPP" 'BEGIN { printf "%.2f", a / b }')x** tweets/s by the jobs' own best seconds, $(awk -v a="$T_TOPRF" -v b="$T_TOPP" 'BEGIN { printf "%.2f", a / b }')x wall (both wall times hold
  mpirun + MPI_Init, below, which is most of the Parquet run's)
- top_terms on Parquet vs the default reader on the archive (other counts, same: $RAW_SAME — the fast
  v1.1 reader takes a retweet's own, truncated hashtags: $TERMS_RAW occurrences against $TERMS_JSON):
  $(awk -v a="$JOB_TOPR" -v b="$JOB_TOPP" 'BEGIN { printf "%.2f", a / b }')x by job seconds, $(awk -v a="$T_TOPR" -v b="$T_TOPP" 'BEGIN { printf "%.2f", a / b }')x wall
- top_terms on Parquet vs on load_tweets' jsonl.gz of the same tweets (the normalized JSON, far
  fewer bytes than the archive; same counts, checked): $(awk -v a="$JOB_TOPJ" -v b="$JOB_TOPP" 'BEGIN { printf "%.2f", a / b }')x by job seconds with the default
  reader, $(awk -v a="$JOB_TOPF" -v b="$JOB_TOPP" 'BEGIN { printf "%.2f", a / b }')x with --full-parser; $(awk -v a="$T_TOPJ" -v b="$T_TOPP" 'BEGIN { printf "%.2f", a / b }')x / $(awk -v a="$T_TOPF" -v b="$T_TOPP" 'BEGIN { printf "%.2f", a / b }')x wall"
else
  TOP_ROW="| \`top_terms --what hashtags\` on the Parquet copy | not timed: top_terms does not read Parquet (see below) | - |"
  TOP_LINE="- top_terms on Parquet: **not measured** — top_terms cannot read the Parquet copy yet"
fi
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
rate() { awk -v n="$TWEETS" -v t="$1" 'BEGIN { printf "%.0f", n / t }'; }
run_help() { mpirun -n 1 "$BIN/top_terms" --help >/dev/null; }
T_EMPTY=$(timed run_help)
LOAD=$(cut -d' ' -f1-3 /proc/loadavg)
TABLE=$(cat <<EOT
### Parquet (issue 12): load_tweets to parquet, DuckDB's COPY, top_terms on the copy; 1 rank / 1 thread

Corpus: tweetgen --files $FILES --mb $MB --seed 12 --notice-share 0.01: $((UNCOMPRESSED / 1000000)) MB
uncompressed, $((STORED / 1000000)) MB gzip, $ROWS_PQ tweets. Best wall time of $REPEATS interleaved runs.
Machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average at
the end $LOAD (shared with other work). Command: \`bench/parquet_bench.sh --mb $MB --files $FILES --repeats $REPEATS\`

| command | wall s | tweets/s |
|---|---:|---:|
| \`load_tweets --format jsonl.gz\` | $T_GZ (job $JOB_GZ) | $(rate "$T_GZ") |
| \`load_tweets --format parquet\` | $T_PQ (job $JOB_PQ) | $(rate "$T_PQ") |
| DuckDB \`COPY (SELECT … FROM read_ndjson(…)) TO … (FORMAT parquet, COMPRESSION snappy)\`, 1 thread | $T_DUCK | $(rate "$T_DUCK") |
| \`top_terms --what hashtags --full-parser\` on the raw archive (gzipped v1.1 JSON; the target's baseline) | $T_TOPRF (job $JOB_TOPRF) | $(rate "$T_TOPRF") |
| \`top_terms --what hashtags\` on the raw archive (default reader: other counts) | $T_TOPR (job $JOB_TOPR) | $(rate "$T_TOPR") |
| \`top_terms --what hashtags\` on load_tweets' jsonl.gz (the same tweets) | $T_TOPJ (job $JOB_TOPJ) | $(rate "$T_TOPJ") |
| \`top_terms --what hashtags --full-parser\` on the same jsonl.gz | $T_TOPF (job $JOB_TOPF) | $(rate "$T_TOPF") |
$TOP_ROW

- load_tweets to parquet vs DuckDB's COPY: **$(ratio "$T_DUCK" "$T_PQ")x** wall (target >= 3x); DuckDB's time
  includes node's start (~0.3 s), ours mpirun's (below); by the job's own best seconds:
  $(ratio "$T_DUCK" "$JOB_PQ")x
- load_tweets to parquet vs to jsonl.gz: **$(ratio "$T_PQ" "$T_GZ")x** the wall time (target <= 1.15);
  $(ratio "$JOB_PQ" "$JOB_GZ")x by the jobs' own best seconds
$TOP_LINE
- mpirun + MPI_Init alone: $T_EMPTY s (in every wall time above)
- sizes: our Parquet $PQ_BYTES bytes, DuckDB's Parquet of the same rows $DUCK_SAME_BYTES bytes: **$(ratio "$PQ_BYTES" "$DUCK_SAME_BYTES")x**
  (target within 10%); DuckDB's own load $DUCK_BYTES bytes; jsonl.gz $JSON_BYTES bytes
EOT
)
echo "$TABLE"
if [ "$RECORD" = 1 ]; then
  bench_record parquet "$TABLE"
  echo "parquet_bench: table written to bench/RESULTS.md" >&2
fi
