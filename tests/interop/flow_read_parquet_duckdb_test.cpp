// The dataflow API reads Parquet that another engine wrote (issue 12, item 3: "ours or anyone's"):
// DuckDB (npm @duckdb/node-api) COPYs a table of BIGINT, INTEGER, DOUBLE, FLOAT, BOOLEAN, VARCHAR
// (nulls, non-ASCII) and VARCHAR[] (null lists, empty lists) into two files with small row groups,
// zstd for one of them; flow::Context::ReadParquet<Row> at 1, 2 and 4 ranks gives exactly the rows
// DuckDB's own read_parquet returns, and a narrower struct reads only its columns.
#include <gtest/gtest.h>

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "runtime/flow/flow.h"
#include "tests/interop/duckdb.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow::flow {
namespace {

using testing::DuckDbQuery;
using testing::SqlString;
using testing::TestMpi;

struct Row {
  int64_t id = 0;
  int32_t small = 0;
  double ratio = 0;
  float approx = 0;
  bool flag = false;
  std::optional<std::string> name;
  std::vector<std::string> tags;
  bool operator==(const Row&) const = default;
  bool operator<(const Row& o) const { return id < o.id; }
};
RF_FIELDS(Row, id, small, ratio, approx, flag, name, tags);
void PrintTo(const Row& r, std::ostream* os) {
  std::string json;
  AppendJsonValue(r, &json);
  *os << json;
}

struct IdName {
  std::optional<std::string> name;
  int64_t id = 0;
};
RF_FIELDS(IdName, name, id);

constexpr int kRows = 3000;

std::string Table(int from, int to) {
  return "SELECT i::BIGINT AS id, (i % 1000 - 500)::INTEGER AS small, i / 7.0 AS ratio,"
         " (i * 0.25)::FLOAT AS approx, i % 3 = 0 AS flag,"
         " CASE WHEN i % 11 = 0 THEN NULL ELSE 'n\xc3\xa9' || (i % 13) END AS name,"
         " CASE WHEN i % 17 = 0 THEN NULL WHEN i % 4 = 0 THEN []::VARCHAR[]"
         " ELSE ['#a' || (i % 5), '#b'] END AS tags FROM range(" +
         std::to_string(from) + ", " + std::to_string(to) + ") t(i)";
}

// The rows as DuckDB reads them back (its JSON forms: BIGINT as a string, lists as arrays).
std::vector<Row> DuckDbRows(const std::string& glob) {
  auto r = DuckDbQuery({"SELECT id, small, ratio, approx, flag, name, tags FROM read_parquet(" +
                        SqlString(glob) + ") ORDER BY id"});
  EXPECT_TRUE(r.ok) << r.error;
  std::vector<Row> rows;
  if (!r.ok) return rows;
  for (const auto& v : r.rows().GetArray()) {
    Row row;
    row.id = std::stoll(v[0].GetString());
    row.small = v[1].GetInt();
    row.ratio = v[2].GetDouble();
    row.approx = static_cast<float>(v[3].GetDouble());
    row.flag = v[4].GetBool();
    if (!v[5].IsNull()) row.name = v[5].GetString();
    if (!v[6].IsNull()) {
      for (const auto& t : v[6].GetArray()) row.tags.push_back(t.GetString());
    }
    rows.push_back(row);
  }
  return rows;
}

TEST(FlowReadParquetDuckDb, ReadParquetGivesTheRowsDuckDbWrote) {
  testing::SharedTempDir dir([](const std::string& d) {
    auto r = DuckDbQuery({"COPY (" + Table(0, 2000) + ") TO " + SqlString(d + "/a.parquet") +
                              " (FORMAT parquet, ROW_GROUP_SIZE 500)",
                          "COPY (" + Table(2000, kRows) + ") TO " + SqlString(d + "/b.parquet") +
                              " (FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 300)",
                          "SELECT 1"});
    ASSERT_TRUE(r.ok) << r.error;
  });
  std::vector<Row> want;
  if (TestMpi().is_root()) want = DuckDbRows(dir.path() + "/*.parquet");
  ASSERT_TRUE(TestMpi().AllOk(!TestMpi().is_root() || want.size() == kRows));

  Context ctx(TestMpi(), {});
  std::vector<Row> got = ctx.ReadParquet<Row>({dir.path(), ""}).Broadcast();
  std::sort(got.begin(), got.end());
  if (TestMpi().is_root()) {
    EXPECT_EQ(got, want);
  }
  EXPECT_EQ(TestMpi().AllSum(ctx.metrics().Get("records_in")), kRows);
  EXPECT_EQ(TestMpi().AllSum(ctx.metrics().Get("bad_lines.invalid_record")), 0);

  Context narrow(TestMpi(), {});
  std::vector<IdName> names = narrow.ReadParquet<IdName>({dir.path(), ""}).Broadcast();
  ASSERT_EQ(names.size(), static_cast<size_t>(kRows));
  std::sort(names.begin(), names.end(),
            [](const IdName& a, const IdName& b) { return a.id < b.id; });
  if (TestMpi().is_root()) {
    for (size_t i = 0; i < names.size(); ++i) {
      EXPECT_EQ(names[i].id, want[i].id);
      EXPECT_EQ(names[i].name, want[i].name);
    }
  }
  EXPECT_LT(TestMpi().AllSum(narrow.metrics().Get("stored_bytes_in")) * 2,
            TestMpi().AllSum(ctx.metrics().Get("stored_bytes_in")));
}

}  // namespace
}  // namespace rankflow::flow
