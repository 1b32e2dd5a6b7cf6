// RecordWriter: jsonl, jsonl.gz (read back with zlib and with our LineReader), csv quoting,
// misuse and append failures.
#include "runtime/writer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <random>

#include "runtime/line_reader.h"
#include "tests/util/failing_file.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::ReadMaybeGzipFile;
using testing::TempDir;

std::unique_ptr<RecordWriter> NewWriter(FileSystem& fs, const std::string& path,
                                        OutputFormat format,
                                        const std::vector<std::string>& header = {}) {
  std::unique_ptr<WritableFile> file;
  Status s = fs.NewWritableFile(path, &file);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return std::make_unique<RecordWriter>(std::move(file), format, header);
}

TEST(WriterTest, ParseAndExtension) {
  EXPECT_EQ(ParseOutputFormat("jsonl").value(), OutputFormat::kJsonl);
  EXPECT_EQ(ParseOutputFormat("jsonl.gz").value(), OutputFormat::kJsonlGz);
  EXPECT_EQ(ParseOutputFormat("csv").value(), OutputFormat::kCsv);
  Result<OutputFormat> bad = ParseOutputFormat("parquet");
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("'parquet'"), std::string::npos);
  EXPECT_STREQ(OutputFormatExtension(OutputFormat::kJsonlGz), "jsonl.gz");
  EXPECT_STREQ(OutputFormatExtension(OutputFormat::kCsv), "csv");
}

TEST(WriterTest, CsvQuoteFollowsRfc4180) {
  EXPECT_EQ(CsvQuote("plain"), "plain");
  EXPECT_EQ(CsvQuote(""), "");
  EXPECT_EQ(CsvQuote("a,b"), "\"a,b\"");
  EXPECT_EQ(CsvQuote("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(CsvQuote("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(CsvQuote("cr\r"), "\"cr\r\"");
  EXPECT_EQ(CsvQuote("#hashtag"), "#hashtag");
}

TEST(WriterTest, JsonlIsInvisibleUntilPublishedAndCountsRecords) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  auto w = NewWriter(*fs, dir.Join("out.jsonl"), OutputFormat::kJsonl);
  ASSERT_TRUE(w->WriteJson("{\"a\":1}").ok());
  ASSERT_TRUE(w->WriteJson("{\"b\":\"x\\ny\"}").ok());
  Status s = w->WriteJson("{\"c\":\"raw\nnewline\"}");
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("record 3"), std::string::npos) << s.message();
  EXPECT_EQ(w->WriteCsvRow({"x"}).code(), StatusCode::kInvalidArgument);
  ASSERT_TRUE(w->WriteJson("{}").ok()) << "a rejected record does not break the writer";
  EXPECT_EQ(w->records(), 3u);
  ASSERT_TRUE(w->Finish().ok());
  ASSERT_TRUE(w->Finish().ok()) << "Finish twice is harmless";
  EXPECT_FALSE(w->WriteJson("{}").ok()) << "no writes after Finish";
  EXPECT_FALSE(std::filesystem::exists(dir.Join("out.jsonl")));
  ASSERT_TRUE(w->file().Publish().ok());
  EXPECT_EQ(ReadFile(dir.Join("out.jsonl")), "{\"a\":1}\n{\"b\":\"x\\ny\"}\n{}\n");
  EXPECT_EQ(w->bytes(), 24u);
}

TEST(WriterTest, JsonlGzRoundTripsThroughZlibAndOurReader) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  auto w = NewWriter(*fs, dir.Join("out.jsonl.gz"), OutputFormat::kJsonlGz);
  std::mt19937 rng(5);
  std::string expected;
  std::vector<std::string> records;
  for (int i = 0; i < 60000; ++i) {  // ~5 MB: several buffer flushes and deflate steps
    std::string rec = "{\"i\":" + std::to_string(i) + ",\"r\":" + std::to_string(rng()) +
                      ",\"pad\":\"" + std::string(rng() % 120, 'p') + "\"}";
    ASSERT_TRUE(w->WriteJson(rec).ok());
    expected += rec + "\n";
    records.push_back(rec);
  }
  ASSERT_TRUE(w->Finish().ok());
  ASSERT_TRUE(w->file().Publish().ok());
  EXPECT_EQ(w->records(), 60000u);
  std::string raw = ReadFile(dir.Join("out.jsonl.gz"));
  EXPECT_EQ(w->bytes(), raw.size());
  EXPECT_LT(raw.size(), expected.size() / 2) << "compressed";
  EXPECT_EQ(ReadMaybeGzipFile(dir.Join("out.jsonl.gz")), expected);

  std::unique_ptr<LineReader> reader;
  ASSERT_TRUE(LineReader::Open(*fs, {dir.Join("out.jsonl.gz"), raw.size()}, &reader).ok());
  std::string_view line;
  size_t n = 0;
  while (reader->Next(&line)) {
    ASSERT_LT(n, records.size());
    ASSERT_EQ(line, records[n]);
    ++n;
  }
  ASSERT_TRUE(reader->status().ok()) << reader->status().ToString();
  EXPECT_EQ(n, records.size());
}

TEST(WriterTest, EmptyGzipOutputIsAValidGzipFile) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  auto w = NewWriter(*fs, dir.Join("empty.jsonl.gz"), OutputFormat::kJsonlGz);
  ASSERT_TRUE(w->Finish().ok());
  ASSERT_TRUE(w->file().Publish().ok());
  EXPECT_GT(ReadFile(dir.Join("empty.jsonl.gz")).size(), 10u);
  EXPECT_EQ(ReadMaybeGzipFile(dir.Join("empty.jsonl.gz")), "");
}

TEST(WriterTest, CsvHasAHeaderAndQuotedFields) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  auto w = NewWriter(*fs, dir.Join("t.csv"), OutputFormat::kCsv, {"term", "count, total"});
  ASSERT_TRUE(w->WriteCsvRow({"#rust", "12"}).ok());
  ASSERT_TRUE(w->WriteCsvRow({"say \"hi\"", "3"}).ok());
  ASSERT_TRUE(w->WriteCsvRow({"multi\nline", ""}).ok());
  EXPECT_EQ(w->WriteJson("{}").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(w->records(), 3u) << "the header is not a record";
  ASSERT_TRUE(w->Finish().ok());
  ASSERT_TRUE(w->file().Publish().ok());
  EXPECT_EQ(ReadFile(dir.Join("t.csv")),
            "term,\"count, total\"\n#rust,12\n\"say \"\"hi\"\"\",3\n\"multi\nline\",\n");
}

TEST(WriterTest, NulNeverReachesACsvFile) {
  // Regression: "\u0000" in tweet text reached CSV output as a raw NUL byte.
  const std::string nul(1, '\0');
  EXPECT_EQ(CsvQuote("a" + nul + "b"),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(CsvQuote(nul + "," + nul), "\"\xEF\xBF\xBD,\xEF\xBF\xBD\"");
  EXPECT_EQ(CsvQuote(nul), "\xEF\xBF\xBD");
  TempDir dir;
  auto fs = NewLocalFileSystem();
  auto w = NewWriter(*fs, dir.Join("n.csv"), OutputFormat::kCsv, {"te" + nul + "xt", "n"});
  ASSERT_TRUE(w->WriteCsvRow({"hello" + nul + "world", "1"}).ok());
  ASSERT_TRUE(w->WriteCsvRow({"say \"" + nul + "\"", nul}).ok());
  ASSERT_TRUE(w->Finish().ok());
  ASSERT_TRUE(w->file().Publish().ok());
  const std::string text = ReadFile(dir.Join("n.csv"));
  EXPECT_EQ(text.find('\0'), std::string::npos);
  EXPECT_EQ(
      text,
      "te\xEF\xBF\xBDxt,n\nhello\xEF\xBF\xBDworld,1\n\"say \"\"\xEF\xBF\xBD\"\"\",\xEF\xBF\xBD\n");
}

TEST(WriterTest, BorrowedFileStaysWithItsOwner) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(dir.Join("b.jsonl"), &file).ok());
  {
    RecordWriter w(file.get(), OutputFormat::kJsonl);
    ASSERT_TRUE(w.WriteJson("{\"k\":1}").ok());
    ASSERT_TRUE(w.Finish().ok());
  }
  ASSERT_TRUE(file->Publish().ok()) << "the writer's destructor must not touch a borrowed file";
  EXPECT_EQ(ReadFile(dir.Join("b.jsonl")), "{\"k\":1}\n");
}

using testing::FailingFile;

TEST(WriterTest, AppendFailuresAreReportedAndSticky) {
  for (OutputFormat format : {OutputFormat::kJsonl, OutputFormat::kJsonlGz}) {
    FailingFile file(1);
    RecordWriter w(&file, format);
    Status first;
    std::string rec(1000, 'x');
    rec = "{\"x\":\"" + rec + "\"}";
    std::mt19937 rng(1);
    for (int i = 0; i < 20000 && first.ok(); ++i) {
      first = w.WriteJson(rec + std::to_string(rng()));
    }
    if (first.ok()) first = w.Finish();
    EXPECT_EQ(first.code(), StatusCode::kIOError) << first.ToString();
    EXPECT_EQ(w.WriteJson("{}").code(), StatusCode::kIOError);
    EXPECT_EQ(w.Finish().code(), StatusCode::kIOError);
  }
}

}  // namespace
}  // namespace rankflow
