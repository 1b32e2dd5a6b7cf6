// GzipEncoder through RecordWriter: both codecs give a valid single-member gzip of exactly the
// records written (read back with zlib), empty and multi-buffer outputs included.
#include "runtime/gzip_encoder.h"

#include <gtest/gtest.h>

#include <random>

#include "runtime/writer.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

std::vector<std::string> Records(int n) {
  std::mt19937_64 rng(7);
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) {
    std::string text(rng() % 300, 'a');
    for (char& c : text) c = static_cast<char>('a' + rng() % 26);
    out.push_back("{\"id\":\"" + std::to_string(rng()) + "\",\"text\":\"" + text + "\"}");
  }
  return out;
}

std::string WriteGz(const std::string& path, const std::vector<std::string>& records,
                    GzipCodec codec) {
  auto fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(fs->NewWritableFile(path, &file).ok());
  RecordWriter w(std::move(file), OutputFormat::kJsonlGz, {}, codec);
  for (const std::string& r : records) EXPECT_TRUE(w.WriteJson(r).ok());
  EXPECT_TRUE(w.Finish().ok());
  EXPECT_TRUE(w.file().Publish().ok());
  return testing::ReadFile(path);
}

TEST(GzipEncoderTest, BothCodecsRoundTrip) {
  testing::TempDir dir;
  for (int n : {0, 1, 3000, 20000}) {  // 20000 records pass both codecs' buffer sizes
    const std::vector<std::string> records = Records(n);
    std::string expected;
    for (const std::string& r : records) expected += r + "\n";
    const std::string zlib = WriteGz(dir.Join("z.jsonl.gz"), records, GzipCodec::kZlib);
    const std::string isal = WriteGz(dir.Join("i.jsonl.gz"), records, GzipCodec::kIsal);
    ASSERT_GE(isal.size(), 18u);
    EXPECT_EQ(isal.substr(0, 2), "\x1f\x8b");
    EXPECT_EQ(testing::ReadMaybeGzipFile(dir.Join("z.jsonl.gz")), expected) << n;
    EXPECT_EQ(testing::ReadMaybeGzipFile(dir.Join("i.jsonl.gz")), expected) << n;
    if (n > 1000) {
      EXPECT_NE(zlib, isal) << "the codecs differ (ISA-L level 1 vs zlib -6)";
    }
  }
}

TEST(GzipEncoderTest, EncoderAloneRoundTrips) {
  testing::TempDir dir;
  auto fs = NewLocalFileSystem();
  for (GzipCodec codec : {GzipCodec::kZlib, GzipCodec::kIsal}) {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs->NewWritableFile(dir.Join("e.gz"), &file).ok());
    std::unique_ptr<GzipEncoder> enc = NewGzipEncoder(codec);
    EXPECT_GT(enc->input_bytes(), 0u);
    ASSERT_TRUE(enc->Compress("hello ", false, *file).ok());
    ASSERT_TRUE(enc->Compress("world\n", true, *file).ok());
    ASSERT_TRUE(file->Finish().ok());
    ASSERT_TRUE(file->Publish().ok());
    EXPECT_EQ(testing::ReadMaybeGzipFile(dir.Join("e.gz")), "hello world\n");
  }
}

}  // namespace
}  // namespace rankflow
