// ParquetSource at 1, 2 and 4 ranks over the DuckDB fixtures (tests/data/parquet: 10000 rows in
// 5 row groups of two files): every row read exactly once, values as make_fixtures.sh says, the
// counters summed over ranks; RunValueCounts counts every row group once; a non-Parquet input, a
// missing column and a failing callback give every rank the same error.
#include "runtime/parquet/parquet_source.h"

#include <gtest/gtest.h>

#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::TestMpi;

std::string FixtureDir() { return testing::SourcePath("tests/data/parquet"); }

TEST(ParquetSourceTest, EveryRowOnceWithItsValues) {
  auto fs = NewLocalFileSystem();
  Metrics metrics;
  ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
  ParquetSourceOptions o;
  o.src = FixtureDir();
  o.name_regex = "^rows_.*\\.parquet$";
  o.columns = {"hashtags", "id"};
  o.batch_rows = 1000;
  Status s = source.Plan(o);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(source.plan().units.size(), 5u);
  EXPECT_EQ(source.total_rows(), 10000);
  int64_t rows = 0, id_sum = 0, tags = 0, bad = 0;
  s = source.Run([&](const ParquetRowBatch& b) {
    const ParquetColumnBatch& t = b.columns[0];
    const ParquetColumnBatch& id = b.columns[1];
    for (size_t r = 0; r < b.num_rows; ++r) {
      const int64_t i = id.Int(id.ValueBegin(r));
      ++rows;
      id_sum += i;
      const size_t n = t.ValueEnd(r) - t.ValueBegin(r);
      tags += static_cast<int64_t>(n);
      const bool ok = i % 9 == 0 ? t.IsNull(r)
                      : i % 9 == 1
                          ? !t.IsNull(r) && n == 0
                          : n == 2 && t.String(t.ValueBegin(r)) == "#t" + std::to_string(i % 7);
      bad += !ok;
    }
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::vector<int64_t> sums =
      TestMpi().AllSum({rows, id_sum, tags, bad, metrics.Get("records_in"), metrics.Get("units_in"),
                        metrics.Get("files_in"), metrics.Get("stored_bytes_in")});
  EXPECT_EQ(sums[0], 10000);
  EXPECT_EQ(sums[1], 9999LL * 10000 / 2);
  int64_t want_tags = 0;
  for (int64_t i = 0; i < 10000; ++i) want_tags += i % 9 >= 2 ? 2 : 0;  // neither NULL nor []
  EXPECT_EQ(sums[2], want_tags);
  EXPECT_EQ(sums[3], 0);
  EXPECT_EQ(sums[4], 10000);
  EXPECT_EQ(sums[5], 5);
  EXPECT_EQ(sums[6], 2);
  // stored_bytes_in: exactly the requested columns' chunks of every row group.
  uint64_t chunk_bytes = 0;
  for (const FileInfo& f : source.plan().files) {
    std::unique_ptr<ParquetFileReader> r;
    ASSERT_TRUE(ParquetFileReader::Open(*fs, f, {}, &r).ok());
    std::vector<int> cols;
    ASSERT_TRUE(r->ResolveColumns(o.columns, &cols).ok());
    for (int g = 0; g < r->num_row_groups(); ++g) chunk_bytes += r->ChunkBytes(g, cols, false);
  }
  EXPECT_EQ(static_cast<uint64_t>(sums[7]), chunk_bytes);
  EXPECT_LT(chunk_bytes, source.plan().total_bytes);
}

TEST(ParquetSourceTest, RunValueCountsCountsEveryRowGroupOnce) {
  auto fs = NewLocalFileSystem();
  Metrics metrics;
  ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
  ParquetSourceOptions o;
  o.src = FixtureDir();
  o.name_regex = "^rows_.*\\.parquet$";
  o.columns = {"hashtags"};
  ASSERT_TRUE(source.Plan(o).ok());
  // Occurrences of "#t3" and of every tag, and the rows of the row groups this rank counted.
  int64_t t3 = 0, tags = 0, rows = 0, calls = 0;
  Status s = source.RunValueCounts([&](const ParquetValueCounts& c) {
    ++calls;
    rows += static_cast<int64_t>(c.num_rows);
    for (size_t i = 0; i < c.dictionary_counts.size(); ++i) {
      const int64_t n = static_cast<int64_t>(c.dictionary_counts[i]);
      tags += n;
      if (c.dictionary->strings[i] == "#t3") t3 += n;
    }
    for (std::string_view v : c.others.strings) {
      ++tags;
      t3 += v == "#t3";
    }
    return Status::OK();
  });
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::vector<int64_t> sums =
      TestMpi().AllSum({t3, tags, rows, calls, metrics.Get("records_in"), metrics.Get("units_in")});
  int64_t want_tags = 0, want_t3 = 0;
  for (int64_t i = 0; i < 10000; ++i) {
    want_tags += i % 9 >= 2 ? 2 : 0;
    want_t3 += i % 9 >= 2 && i % 7 == 3;
  }
  EXPECT_EQ(sums[0], want_t3);
  EXPECT_EQ(sums[1], want_tags);
  EXPECT_EQ(sums[2], 10000);
  EXPECT_EQ(sums[3], 5);  // one call per row group and column
  EXPECT_EQ(sums[4], 10000);
  EXPECT_EQ(sums[5], 5);
}

TEST(ParquetSourceTest, ErrorsAreTheSameOnEveryRank) {
  auto fs = NewLocalFileSystem();
  Metrics metrics;
  ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
  ParquetSourceOptions o;
  o.src = FixtureDir();
  o.name_regex = "^make_fixtures\\.sh$";  // a text file: not Parquet
  Status s = source.Plan(o);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.message(), FixtureDir() +
                             "/make_fixtures.sh: not a parquet file (no PAR1 magic at "
                             "its end)");
  o.name_regex = "^rows_a\\.parquet$";
  o.columns = {"id", "retweets"};
  s = source.Plan(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message().rfind(FixtureDir() + "/rows_a.parquet: no column named retweets", 0), 0u)
      << s.message();
  o.name_regex = "\\.nothing$";
  s = source.Plan(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  // Whichever rank reads the first row group of rows_a.parquet fails there; every rank reports it.
  o.name_regex = "^rows_.*\\.parquet$";
  o.columns = {"id"};
  ASSERT_TRUE(source.Plan(o).ok());
  s = source.Run([&](const ParquetRowBatch& b) {
    if (b.columns[0].Int(0) == 0) return Status::InvalidArgument("row 0 gives up");
    return Status::OK();
  });
  EXPECT_EQ(s.message(), "row 0 gives up");
}

}  // namespace
}  // namespace rankflow
