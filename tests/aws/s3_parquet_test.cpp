// ParquetFileReader on S3 (moto behind tests/aws/fault_proxy.py, which logs every request): the
// footer is one ranged GET, and reading one column of a 3-row-group file adds exactly one GET per
// row group — the other columns' bytes are never requested. A corrupt object is an error naming
// its s3:// url.
#include <gtest/gtest.h>

#include "runtime/parquet/parquet_reader.h"
#include "runtime/s3_fs.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::SharedMoto;

size_t CountGets(const testing::FaultProxy& proxy, const std::string& path) {
  size_t n = 0;
  for (const std::string& line : proxy.Requests()) {
    n += line.rfind("pass GET " + path + " ", 0) == 0;
  }
  return n;
}

TEST(S3ParquetTest, OneColumnIsOneRangedGetPerRowGroup) {
  ASSERT_TRUE(SharedMoto().ok()) << SharedMoto().error();
  auto direct = testing::TestS3Client(SharedMoto().endpoint());
  const std::string bucket = testing::UniqueBucket("rf-pq");
  ASSERT_TRUE(direct->CreateBucket(bucket).ok());
  const std::string bytes =
      testing::ReadFile(testing::SourcePath("tests/data/parquet/rows_a.parquet"));
  ASSERT_TRUE(direct->PutObject(bucket, "t/rows_a.parquet", bytes).ok());
  std::string bad = bytes;
  bad[bad.size() - 9] = static_cast<char>(bad[bad.size() - 9] ^ 0x40);  // the footer length
  ASSERT_TRUE(direct->PutObject(bucket, "t/bad.parquet", bad).ok());

  testing::FaultProxy proxy(SharedMoto().endpoint(), "");
  ASSERT_FALSE(proxy.endpoint().empty());
  std::unique_ptr<FileSystem> fs =
      NewS3FileSystemWithClient(testing::TestS3Client(proxy.endpoint()));
  const std::string url = "s3://" + bucket + "/t/rows_a.parquet";
  std::unique_ptr<ParquetFileReader> r;
  Status s = ParquetFileReader::Open(*fs, {url, bytes.size()}, {}, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  const std::string path = "/" + bucket + "/t/rows_a.parquet";
  EXPECT_EQ(CountGets(proxy, path), 1u);
  ASSERT_EQ(r->num_row_groups(), 3);
  std::vector<int> cols;
  ASSERT_TRUE(r->ResolveColumns({"id"}, &cols).ok());
  int64_t sum = 0, rows = 0;
  for (int g = 0; g < r->num_row_groups(); ++g) {
    s = r->ReadRowGroup(g, cols, 1000, [&](const ParquetRowBatch& b) {
      for (size_t i = 0; i < b.num_rows; ++i) sum += b.columns[0].Int(i);
      rows += static_cast<int64_t>(b.num_rows);
      return Status::OK();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(rows, 6000);
  EXPECT_EQ(sum, 5999LL * 6000 / 2);
  EXPECT_EQ(CountGets(proxy, path), 4u);  // footer + one id chunk per row group

  const std::string bad_url = "s3://" + bucket + "/t/bad.parquet";
  s = ParquetFileReader::Open(*fs, {bad_url, bad.size()}, {}, &r);
  EXPECT_EQ(s.code(), StatusCode::kCorruption);
  EXPECT_EQ(s.message().rfind(bad_url + ": ", 0), 0u) << s.message();
}

}  // namespace
}  // namespace rankflow
