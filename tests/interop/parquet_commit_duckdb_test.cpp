// Parquet parts under the commit protocol (issue 12, item 1): every rank writes a ParquetWriter
// into an OutputCommitter part, the commit makes them part-RRRRR.parquet in the manifest, and
// DuckDB reads the committed files as one table. Runs under mpirun at 1, 2 and 4 ranks.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/commit.h"
#include "runtime/parquet/parquet_writer.h"
#include "tests/interop/duckdb.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::TestMpi;

TEST(ParquetCommitTest, EveryRanksPartIsCommittedAndDuckDbReadsThemAsOneTable) {
  const MpiContext& mpi = TestMpi();
  std::unique_ptr<testing::TempDir> tmp;
  std::string root;
  if (mpi.is_root()) {
    tmp = std::make_unique<testing::TempDir>();
    root = tmp->path();
  }
  mpi.Broadcast(&root);
  const std::string dest = root + "/out";
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  OutputCommitter committer(mpi, *fs, dest, WriteMode::kError);
  ASSERT_TRUE(committer.status().ok()) << committer.status().ToString();

  WritableFile* part = committer.NewPart("parquet");
  ParquetWriterOptions o;
  o.row_group_bytes = 2048;  // several row groups per part
  ParquetWriter w(part,
                  {ParquetColumn::Required("id", ParquetType::kInt64),
                   ParquetColumn::Optional("rank", ParquetType::kInt32),
                   ParquetColumn::List("tags", ParquetType::kString)},
                  o);
  const int rows = 300 * (mpi.rank() + 1);
  for (int i = 0; i < rows; ++i) {
    w.AppendInt64(0, int64_t{mpi.rank()} * 1000000 + i);
    w.AppendInt32(1, mpi.rank());
    w.BeginList(2);
    if (i % 2 == 0) w.AppendString(2, "r" + std::to_string(mpi.rank()));
    w.EndList(2);
    ASSERT_TRUE(w.EndRow().ok());
  }
  const Status finished = w.Finish();
  EXPECT_TRUE(finished.ok()) << finished.ToString();
  committer.SetRecords(part, w.records());
  const Status committed = committer.Commit(finished.ok(), "\"job\":\"parquet_commit_test\"");
  ASSERT_TRUE(committed.ok()) << committed.ToString();
  if (!mpi.is_root()) return;

  std::vector<std::string> want_names;
  int64_t want_rows = 0, want_sum = 0, want_tags = 0;
  for (int r = 0; r < mpi.size(); ++r) {
    char name[32];
    std::snprintf(name, sizeof name, "part-%05d.parquet", r);
    want_names.push_back(name);
    const int n = 300 * (r + 1);
    want_rows += n;
    want_tags += (n + 1) / 2;
    want_sum += int64_t{r} * 1000000 * n + int64_t{n} * (n - 1) / 2;
  }
  EXPECT_EQ(testing::CommittedNames(dest), want_names);
  std::string files;
  for (const std::string& name : want_names) {
    files += (files.empty() ? "" : ", ") + testing::SqlString(testing::CommittedFile(dest, name));
  }
  testing::DuckDbResult d = testing::DuckDbQuery(
      {"SELECT count(*), sum(id), count(DISTINCT rank), sum(len(tags)) FROM read_parquet([" +
       files + "])"});
  ASSERT_TRUE(d.ok) << d.error;
  const rapidjson::Value& row = d.rows()[0];
  EXPECT_EQ(std::string(row[0].GetString()), std::to_string(want_rows));
  EXPECT_EQ(std::string(row[1].GetString()), std::to_string(want_sum));
  EXPECT_EQ(std::string(row[2].GetString()), std::to_string(mpi.size()));
  EXPECT_EQ(std::string(row[3].GetString()), std::to_string(want_tags));
}

}  // namespace
}  // namespace rankflow
