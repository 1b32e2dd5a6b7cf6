// flow's Write read back by a real peer: flow_write_job writes FlowRows at 2 ranks in csv, jsonl,
// jsonl.gz and parquet, and DuckDB (npm @duckdb/node-api) reads every committed part; each row's
// fields must come back as written (names with commas, quotes and UTF-8, negative and fractional
// numbers, booleans, nulls, lists).
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "tests/interop/duckdb.h"
#include "tests/interop/flow_rows.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::DuckDbQuery;
using testing::DuckDbResult;
using testing::SqlString;

constexpr int kRows = 500;

// "id|name|4x|flag|note|tags" with tags as "t1;t2" and a null note as "<null>".
std::string Canonical(const testing::FlowRow& r) {
  std::string tags;
  for (size_t i = 0; i < r.tags.size(); ++i) tags += (i ? ";" : "") + std::to_string(r.tags[i]);
  return std::to_string(r.id) + "|" + r.name + "|" + std::to_string(static_cast<int64_t>(r.x * 4)) +
         "|" + (r.flag ? "true" : "false") + "|" + r.note.value_or("<null>") + "|" + tags;
}

class FlowWriteDuckDb : public ::testing::TestWithParam<std::string> {};

TEST_P(FlowWriteDuckDb, DuckDbReadsBackEveryRowAsWritten) {
  const std::string format = GetParam();
  testing::TempDir dir;
  const std::string out = dir.Join("out");
  testing::CommandResult r = testing::RunCommand(
      testing::MpirunPrefix(2) + " " + testing::BinPath("flow_write_job") + " --src " + dir.path() +
          " --dest " + out + " --format " + format + " --rows " + std::to_string(kRows) + " 2>&1",
      120);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> files;
  for (const std::string& name : testing::CommittedNames(out)) {
    files.push_back(SqlString(testing::CommittedFile(out, name)));
  }
  ASSERT_EQ(files.size(), 2u);
  std::string list = "[" + files[0] + "," + files[1] + "]";
  std::string source;
  std::string tags = "array_to_string(tags, ';')";
  std::string x = "x";
  if (format == "parquet") {
    source = "read_parquet(" + list + ")";
  } else if (format == "csv") {
    source = "read_csv(" + list + ", header=true, all_varchar=true)";
    tags = "replace(replace(replace(tags, '[', ''), ']', ''), ',', ';')";
    x = "CAST(x AS DOUBLE)";
  } else {
    source = "read_json(" + list + ", format='newline_delimited')";
  }
  DuckDbResult result =
      DuckDbQuery({"SELECT concat_ws('|', id, name, CAST(round(" + x + " * 4) AS BIGINT), flag, " +
                   "coalesce(note, '<null>'), coalesce(" + tags + ", '')) AS row FROM " + source +
                   " ORDER BY CAST(id AS BIGINT)"});
  ASSERT_TRUE(result.ok) << result.error;
  std::vector<std::string> got;
  for (const auto& row : result.rows().GetArray()) got.push_back(row[0].GetString());
  std::vector<testing::FlowRow> rows = testing::FlowRows(kRows);
  std::vector<std::string> want;
  for (const auto& row : rows) want.push_back(Canonical(row));
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << format << " row " << i;
}

INSTANTIATE_TEST_SUITE_P(Formats, FlowWriteDuckDb,
                         ::testing::Values("csv", "jsonl", "jsonl.gz", "parquet"),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '.', '_');
                           return name;
                         });

}  // namespace
}  // namespace rankflow
