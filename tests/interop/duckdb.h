// DuckDB as a real peer in tests: runs SQL through tests/interop/duckdb_query.mjs (npm
// @duckdb/node-api, installed into tests/interop/node_modules by tests/interop/install.sh, which
// scripts/test.sh runs) and hands back the last statement's result.
//
//   DuckDbResult r = DuckDbQuery({"SELECT * FROM read_parquet(" + SqlString(path) + ")"});
//   ASSERT_TRUE(r.ok) << r.error;
//   r.rows[0][1].GetString() …
//
// Values come in the API's JSON forms: BIGINT, HUGEINT and timestamps as strings, INTEGER and
// DOUBLE as numbers (NaN and infinities as strings), lists as arrays, NULL as null. A missing
// install is an error naming the fix, never a skipped test.
#pragma once

#include <rapidjson/document.h>

#include <string>
#include <vector>

namespace rankflow::testing {

struct DuckDbResult {
  bool ok = false;
  std::string error;                      // DuckDB's or node's message when !ok
  std::vector<std::string> column_names;  // of the last statement
  std::vector<std::string> column_types;  // DuckDB's names: "BIGINT", "VARCHAR[]", …
  rapidjson::Document document;           // {"columns": …, "rows": […]}
  const rapidjson::Value& rows() const { return document["rows"]; }
};

// Runs `statements` in order in one in-memory DuckDB (one thread); the result is the last one's.
DuckDbResult DuckDbQuery(const std::vector<std::string>& statements);
// The same, with every statement's result, in order (one node process for all of them: each
// start costs ~0.5 s). On a failure: one result, not ok, with the error.
std::vector<DuckDbResult> DuckDbQueries(const std::vector<std::string>& statements);

// A second, independent reader: hyparquet (npm, JavaScript) reads the whole file `path` through
// tests/interop/hyparquet_read.mjs. The result has DuckDB's shape and value forms (timestamps as
// epoch-millisecond strings, as DuckDB's epoch_ms gives them); column types are physical types.
DuckDbResult HyparquetRead(const std::string& path);

// A second, independent writer: arrow-rs (npm parquet-wasm) reads the Parquet file `input` and
// writes its rows to `output` as tests/interop/arrow_rs_rewrite.mjs's `variant` says ("v1", "v2",
// "v2_delta", "v2_zstd": pages v2 and the encodings DuckDB never writes). False and `error` on a
// failure.
bool ArrowRsRewrite(const std::string& input, const std::string& output, const std::string& variant,
                    std::string* error);

// A SQL string literal: 'text' with ' doubled.
std::string SqlString(const std::string& text);
// A SQL list literal of strings, ['a','b'], for read_parquet over several files.
std::string SqlList(const std::vector<std::string>& texts);

}  // namespace rankflow::testing
