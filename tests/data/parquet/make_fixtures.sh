#!/usr/bin/env bash
# Regenerates the Parquet fixtures of the reader's tests with DuckDB (tests/interop/duckdb_query.mjs;
# run tests/interop/install.sh first). The tests compute every expected value from the same
# formulas, so they need no DuckDB at test time.
#   rows_a.parquet  ids 0..5999 in 3 row groups (ROW_GROUP_SIZE 2048), snappy (DuckDB's default)
#   rows_b.parquet  ids 6000..9999 in 2 row groups, zstd
#   small.parquet   ids 0..299, one row group, snappy: the file the corruption tests cut and flip
# Columns: id BIGINT; text VARCHAR (NULL when id % 10 = 0, else 'tweet <id> ü');
# hashtags VARCHAR[] (NULL when id % 9 = 0, [] when id % 9 = 1, else ['#t<id % 7>', '#s<id % 3>']);
# created_at TIMESTAMP (2015-08-06 00:00:00 + id seconds; DuckDB writes INT64 microseconds).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
query="$here/../../interop/duckdb_query.mjs"
rows_sql() {
  echo "SELECT i AS id, CASE WHEN i % 10 = 0 THEN NULL ELSE 'tweet ' || i || ' ü' END AS text," \
       "CASE WHEN i % 9 = 0 THEN NULL WHEN i % 9 = 1 THEN []::VARCHAR[]" \
       "ELSE ['#t' || (i % 7), '#s' || (i % 3)] END AS hashtags," \
       "TIMESTAMP '2015-08-06 00:00:00' + INTERVAL (i) SECOND AS created_at FROM range($1, $2) t(i)"
}
node "$query" "COPY ($(rows_sql 0 6000)) TO '$here/rows_a.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048)" \
  "SELECT 1" >/dev/null
node "$query" \
  "COPY ($(rows_sql 6000 10000)) TO '$here/rows_b.parquet' (FORMAT parquet, ROW_GROUP_SIZE 2048, COMPRESSION zstd)" \
  "SELECT 1" >/dev/null
node "$query" "COPY ($(rows_sql 0 300)) TO '$here/small.parquet' (FORMAT parquet)" "SELECT 1" >/dev/null
