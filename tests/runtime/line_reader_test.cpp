// LineReader and the gzip decoders: plain, gzip (ISA-L and zlib), multi-member, byte ranges,
// line endings, long lines and the bad inputs (truncated, damaged, garbage, empty, missing).
#include "runtime/line_reader.h"

#include <gtest/gtest.h>
#include <stdlib.h>
#include <zlib.h>

#include <random>

#include "runtime/gzip_stream.h"
#include "tests/util/forwarding_fs.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::SourcePath;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteFile;

// One gzip member holding `data` (zlib, level 6).
std::string Gzip(const std::string& data) {
  z_stream zs{};
  EXPECT_EQ(deflateInit2(&zs, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
  std::string out(deflateBound(&zs, data.size()) + 64, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  zs.avail_in = static_cast<uInt>(data.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(deflate(&zs, Z_FINISH), Z_STREAM_END);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

FileInfo Info(const std::string& path) {
  auto fs = NewLocalFileSystem();
  auto size = fs->Size(path);
  EXPECT_TRUE(size.ok()) << size.status().ToString();
  return {path, size.ok() ? size.value() : 0};
}

struct ReadResult {
  std::vector<std::string> lines;
  Status status;
  uint64_t stored = 0;
  uint64_t bytes = 0;
  uint64_t last_line_number = 0;
};

ReadResult ReadUnit(const FileInfo& file, uint64_t begin, uint64_t end) {
  auto fs = NewLocalFileSystem();
  ReadResult r;
  std::unique_ptr<LineReader> reader;
  InputUnit unit;
  unit.begin = begin;
  unit.end = end;
  r.status = LineReader::Open(*fs, file, unit, &reader);
  if (!r.status.ok()) return r;
  std::string_view line;
  while (reader->Next(&line)) r.lines.emplace_back(line);
  r.status = reader->status();
  r.stored = reader->stored_bytes_read();
  r.bytes = reader->bytes_read();
  r.last_line_number = reader->line_number();
  return r;
}

ReadResult ReadWhole(const std::string& path) {
  FileInfo file = Info(path);
  return ReadUnit(file, 0, file.size);
}

// Deterministic text: lines of random length (some empty, some CRLF, some long).
std::string MakeText(size_t target_bytes, uint32_t seed, std::vector<std::string>* expected) {
  std::mt19937 rng(seed);
  std::string text;
  int n = 0;
  while (text.size() < target_bytes) {
    size_t len = rng() % 8 == 0 ? rng() % 20000 : rng() % 300;
    if (rng() % 17 == 0) len = 0;
    std::string line = "{\"n\":" + std::to_string(n++) + ",\"t\":\"";
    for (size_t i = 0; i < len; ++i) line.push_back(static_cast<char>('a' + rng() % 26));
    line += "\"}";
    if (len == 0 && rng() % 2 == 0) line.clear();  // an empty line
    bool crlf = rng() % 5 == 0;
    text += line;
    text += crlf ? "\r\n" : "\n";
    if (!line.empty()) expected->push_back(line);
  }
  return text;
}

class GzipBackendTest : public ::testing::TestWithParam<const char*> {
 protected:
  void SetUp() override { setenv("RANKFLOW_GZIP", GetParam(), 1); }
  void TearDown() override { unsetenv("RANKFLOW_GZIP"); }
};

INSTANTIATE_TEST_SUITE_P(Backends, GzipBackendTest, ::testing::Values("isal", "zlib"));

TEST(LineReaderTest, PlainLinesCrlfEmptyLinesAndNoTrailingNewline) {
  TempDir dir;
  WriteFile(dir.Join("a.jsonl"), "one\r\ntwo\n\n\r\nthree\nlast");
  ReadResult r = ReadWhole(dir.Join("a.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"one", "two", "three", "last"}));
  EXPECT_EQ(r.last_line_number, 6u) << "line numbers count empty lines too";
  EXPECT_EQ(r.stored, 22u);
  EXPECT_EQ(r.bytes, 22u);
}

TEST(LineReaderTest, EmptyFilesHaveNoLines) {
  TempDir dir;
  WriteFile(dir.Join("empty.jsonl"), "");
  WriteFile(dir.Join("empty.jsonl.gz"), "");
  WriteFile(dir.Join("only-newlines.jsonl"), "\n\r\n\n");
  WriteFile(dir.Join("empty-member.gz"), Gzip(""));
  for (const char* name :
       {"empty.jsonl", "empty.jsonl.gz", "only-newlines.jsonl", "empty-member.gz"}) {
    ReadResult r = ReadWhole(dir.Join(name));
    EXPECT_TRUE(r.status.ok()) << name << ": " << r.status.ToString();
    EXPECT_TRUE(r.lines.empty()) << name;
  }
}

TEST(LineReaderTest, MissingFileIsNotFoundNamingThePath) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  std::unique_ptr<LineReader> reader;
  Status s = LineReader::Open(*fs, {dir.Join("nope.jsonl.gz"), 10}, &reader);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), dir.Join("nope.jsonl.gz") + ": no such file or directory");
}

TEST(LineReaderTest, RealTweetFilesPlainAndCrlf) {
  ReadResult r = ReadWhole(SourcePath("tests/data/io/tweet_parser_original_format_examples.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.lines.size(), 25u);
  for (const auto& l : r.lines) EXPECT_EQ(l.front(), '{');
  for (const auto& l : r.lines) EXPECT_EQ(l.back(), '}');

  ReadResult crlf = ReadWhole(SourcePath("tests/data/io/twitter-ruby_track_streaming.crlf.jsonl"));
  ASSERT_TRUE(crlf.status.ok()) << crlf.status.ToString();
  ASSERT_EQ(crlf.lines.size(), 2u);
  for (const auto& l : crlf.lines) EXPECT_EQ(l.back(), '}') << "the \\r must be dropped";
}

TEST_P(GzipBackendTest, RealTweetFileGzippedGivesTheSameLines) {
  TempDir dir;
  std::string plain =
      ReadFile(SourcePath("tests/data/io/tweet_parser_original_format_examples.jsonl"));
  WriteFile(dir.Join("t.jsonl.gz"), Gzip(plain));
  ReadResult r = ReadWhole(dir.Join("t.jsonl.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, SplitLines(plain));
  EXPECT_EQ(r.bytes, plain.size());
  EXPECT_EQ(r.stored, Info(dir.Join("t.jsonl.gz")).size);
}

TEST_P(GzipBackendTest, LargeGzipAcrossManyBuffers) {
  TempDir dir;
  std::vector<std::string> expected;
  std::string text = MakeText(12 << 20, 7, &expected);
  WriteFile(dir.Join("big.jsonl.gz"), Gzip(text));
  ReadResult r = ReadWhole(dir.Join("big.jsonl.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.lines.size(), expected.size());
  EXPECT_TRUE(r.lines == expected);
  EXPECT_EQ(r.bytes, text.size());
}

TEST_P(GzipBackendTest, MultiMemberFilesAreReadToTheLastMember) {
  TempDir dir;
  // Members end mid-line: a line may span two members.
  std::string gz = Gzip("a1\na2\npart") + Gzip("ial\nb1\n") + Gzip("") + Gzip("c1\nc2");
  WriteFile(dir.Join("multi.gz"), gz);
  ReadResult r = ReadWhole(dir.Join("multi.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"a1", "a2", "partial", "b1", "c1", "c2"}));
  EXPECT_EQ(r.stored, gz.size());
}

TEST_P(GzipBackendTest, ManyLargeMembers) {
  TempDir dir;
  std::vector<std::string> expected;
  std::string gz;
  for (uint32_t m = 0; m < 5; ++m) {
    std::vector<std::string> lines;
    gz += Gzip(MakeText(3 << 20, 100 + m, &lines));
    expected.insert(expected.end(), lines.begin(), lines.end());
  }
  WriteFile(dir.Join("multi.jsonl.gz"), gz);
  ReadResult r = ReadWhole(dir.Join("multi.jsonl.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines.size(), expected.size());
  EXPECT_TRUE(r.lines == expected);
}

TEST_P(GzipBackendTest, TruncatedGzipIsCorruptionNamingTheFile) {
  TempDir dir;
  std::vector<std::string> expected;
  std::string gz = Gzip(MakeText(2 << 20, 3, &expected));
  for (size_t cut : {size_t{1}, size_t{5}, size_t{10}, size_t{11}, gz.size() / 3, gz.size() / 2,
                     gz.size() - 9, gz.size() - 4, gz.size() - 1}) {
    std::string path = dir.Join("cut-" + std::to_string(cut) + ".jsonl.gz");
    WriteFile(path, gz.substr(0, cut));
    ReadResult r = ReadWhole(path);
    if (cut == 1) continue;  // one byte is not even the gzip magic: read as plain text
    ASSERT_FALSE(r.status.ok()) << "cut at " << cut;
    EXPECT_EQ(r.status.code(), StatusCode::kCorruption) << r.status.ToString();
    EXPECT_EQ(r.status.message().rfind(path + ": ", 0), 0u) << r.status.ToString();
  }
}

TEST_P(GzipBackendTest, DamagedGzipIsCorruption) {
  TempDir dir;
  std::vector<std::string> expected;
  std::string gz = Gzip(MakeText(1 << 20, 5, &expected));
  std::string bad_crc = gz;
  bad_crc[bad_crc.size() - 6] ^= 0x55;  // inside the CRC-32 of the trailer
  WriteFile(dir.Join("crc.gz"), bad_crc);
  ReadResult r = ReadWhole(dir.Join("crc.gz"));
  EXPECT_EQ(r.status.code(), StatusCode::kCorruption) << r.status.ToString();

  std::string garbage = "\x1f\x8b";
  std::mt19937 rng(11);
  for (int i = 0; i < 100000; ++i) garbage.push_back(static_cast<char>(rng()));
  WriteFile(dir.Join("garbage.jsonl.gz"), garbage);
  r = ReadWhole(dir.Join("garbage.jsonl.gz"));
  EXPECT_EQ(r.status.code(), StatusCode::kCorruption) << r.status.ToString();
  EXPECT_NE(r.status.message().find("garbage.jsonl.gz"), std::string::npos);

  std::string flipped = gz;
  for (size_t i = 100; i < 200; ++i) flipped[i] = static_cast<char>(~flipped[i]);
  WriteFile(dir.Join("flipped.gz"), flipped);
  r = ReadWhole(dir.Join("flipped.gz"));
  EXPECT_EQ(r.status.code(), StatusCode::kCorruption) << r.status.ToString();
}

// Single-byte damage anywhere in a small gzip file: never a crash or hang; either the same lines
// (a header field such as the mtime) or Corruption.
TEST_P(GzipBackendTest, RandomByteDamageIsCorruptionOrHarmless) {
  TempDir dir;
  std::vector<std::string> expected;
  std::string gz = Gzip(MakeText(60000, 9, &expected));
  std::mt19937 rng(17);
  int corrupt = 0;
  for (int trial = 0; trial < 200; ++trial) {
    std::string damaged = gz;
    size_t at = trial < 20 ? static_cast<size_t>(trial) : rng() % damaged.size();
    damaged[at] = static_cast<char>(damaged[at] ^ (1 + rng() % 255));
    std::string path = dir.Join("d.gz");
    WriteFile(path, damaged);
    ReadResult r = ReadWhole(path);
    if (at < 2) continue;  // no magic: read as plain bytes
    if (r.status.ok()) {
      EXPECT_TRUE(r.lines == expected) << "byte " << at << " changed the data without an error";
    } else {
      EXPECT_EQ(r.status.code(), StatusCode::kCorruption) << r.status.ToString();
      ++corrupt;
    }
  }
  EXPECT_GT(corrupt, 150);
}

TEST(LineReaderTest, BinaryGarbageThatIsNotGzipIsReadAsBytes) {
  TempDir dir;
  std::string garbage;
  std::mt19937 rng(23);
  for (int i = 0; i < 300000; ++i) garbage.push_back(static_cast<char>(rng()));
  garbage[0] = 'x';  // not the gzip magic
  WriteFile(dir.Join("garbage.jsonl"), garbage);
  ReadResult r = ReadWhole(dir.Join("garbage.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.bytes, garbage.size());
  size_t total = 0;
  for (const auto& l : r.lines) total += l.size();
  EXPECT_GT(total, garbage.size() * 9 / 10) << "every byte but line endings comes back";
}

TEST_P(GzipBackendTest, TrailingBytesAfterTheLastMember) {
  TempDir dir;
  WriteFile(dir.Join("zeros.gz"), Gzip("x\ny\n") + std::string(1000, '\0'));
  ReadResult r = ReadWhole(dir.Join("zeros.gz"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"x", "y"}));

  WriteFile(dir.Join("junk.gz"), Gzip("x\ny\n") + "junk after the member");
  r = ReadWhole(dir.Join("junk.gz"));
  EXPECT_EQ(r.status.code(), StatusCode::kCorruption) << r.status.ToString();
  EXPECT_NE(r.status.message().find("after gzip member 1"), std::string::npos)
      << r.status.ToString();
}

TEST_P(GzipBackendTest, GzipIsDetectedByMagicNotByName) {
  TempDir dir;
  WriteFile(dir.Join("misnamed.jsonl"), Gzip("p\nq\nr\n"));
  ReadResult r = ReadWhole(dir.Join("misnamed.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  EXPECT_EQ(r.lines, (std::vector<std::string>{"p", "q", "r"}));
  // Split by size as if plain: the unit at 0 reads the whole file, the others nothing.
  FileInfo f = Info(dir.Join("misnamed.jsonl"));
  std::vector<std::string> all;
  for (uint64_t b = 0; b < f.size; b += 7) {
    ReadResult u = ReadUnit(f, b, std::min(f.size, b + 7));
    ASSERT_TRUE(u.status.ok()) << u.status.ToString();
    all.insert(all.end(), u.lines.begin(), u.lines.end());
  }
  EXPECT_EQ(all, (std::vector<std::string>{"p", "q", "r"}));

  WriteFile(dir.Join("plain.jsonl.gz"), "not\ncompressed\n");
  r = ReadWhole(dir.Join("plain.jsonl.gz"));
  ASSERT_TRUE(r.status.ok());
  EXPECT_EQ(r.lines, (std::vector<std::string>{"not", "compressed"}));
}

TEST(LineReaderTest, UnknownBackendIsInvalidArgument) {
  TempDir dir;
  WriteFile(dir.Join("a.gz"), Gzip("a\n"));
  setenv("RANKFLOW_GZIP", "lz4", 1);
  ReadResult r = ReadWhole(dir.Join("a.gz"));
  unsetenv("RANKFLOW_GZIP");
  EXPECT_EQ(r.status.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status.message().find("RANKFLOW_GZIP"), std::string::npos) << r.status.ToString();
}

// The union over the units of a split equals the file's lines, in order, for many split sizes.
void ExpectRangesTile(const std::string& path, const std::vector<std::string>& expected,
                      uint64_t split) {
  FileInfo f = Info(path);
  std::vector<std::string> all;
  for (uint64_t b = 0; b < f.size; b += split) {
    ReadResult u = ReadUnit(f, b, std::min(f.size, b + split));
    ASSERT_TRUE(u.status.ok()) << u.status.ToString();
    all.insert(all.end(), u.lines.begin(), u.lines.end());
  }
  ASSERT_EQ(all.size(), expected.size()) << "split " << split;
  EXPECT_TRUE(all == expected) << "split " << split;
}

TEST(LineReaderTest, ByteRangesTileTheLinesForManySplitSizes) {
  TempDir dir;
  std::string text = "a\n\nbb\r\nccc\n\n\ndddd\r\n\r\neeeee\nf";
  WriteFile(dir.Join("small.jsonl"), text);
  std::vector<std::string> expected = {"a", "bb", "ccc", "dddd", "eeeee", "f"};
  for (uint64_t split = 1; split <= text.size() + 1; ++split) {
    ExpectRangesTile(dir.Join("small.jsonl"), expected, split);
  }
  std::vector<std::string> lines;
  std::string medium = MakeText(200000, 21, &lines);
  WriteFile(dir.Join("medium.jsonl"), medium);
  for (uint64_t split : {97ull, 1000ull, 4096ull, 20000ull, 65537ull, 199999ull, 1000000ull}) {
    ExpectRangesTile(dir.Join("medium.jsonl"), lines, split);
  }
}

TEST(LineReaderTest, ByteRangesTileALargeFileAcrossBufferBoundaries) {
  TempDir dir;
  std::vector<std::string> lines;
  std::string text = MakeText(11 << 20, 42, &lines);
  WriteFile(dir.Join("large.jsonl"), text);
  for (uint64_t split : {(1ull << 20) + 3, (3ull << 20) + 17, 4ull << 20, 11ull << 20}) {
    ExpectRangesTile(dir.Join("large.jsonl"), lines, split);
  }
}

TEST(LineReaderTest, LinesLongerThanTheBufferAndOverTheLimit) {
  TempDir dir;
  std::string long_line(9 << 20, 'x');
  WriteFile(dir.Join("long.jsonl"), "short\n" + long_line + "\r\nafter\n");
  ReadResult r = ReadWhole(dir.Join("long.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.lines.size(), 3u);
  EXPECT_EQ(r.lines[1].size(), long_line.size());
  EXPECT_EQ(r.lines[2], "after");
  // A range that starts inside the long line skips it; the next range's line is kept.
  FileInfo f = Info(dir.Join("long.jsonl"));
  ReadResult tail = ReadUnit(f, 100, f.size);
  ASSERT_TRUE(tail.status.ok());
  EXPECT_EQ(tail.lines, std::vector<std::string>{"after"});

  std::string too_long((64 << 20) + 1, 'y');
  WriteFile(dir.Join("too-long.jsonl"), "ok\n" + too_long + "\nnever\n");
  r = ReadWhole(dir.Join("too-long.jsonl"));
  EXPECT_EQ(r.lines, std::vector<std::string>{"ok"});
  EXPECT_EQ(r.status.code(), StatusCode::kCorruption);
  EXPECT_NE(r.status.message().find("line 2 is longer than the limit"), std::string::npos)
      << r.status.ToString();
  EXPECT_EQ(r.status.message().rfind(dir.Join("too-long.jsonl"), 0), 0u);

  // Exactly at the limit (no newline at the end) is still a line.
  std::string at_limit(64 << 20, 'z');
  WriteFile(dir.Join("at-limit.jsonl"), at_limit);
  r = ReadWhole(dir.Join("at-limit.jsonl"));
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_EQ(r.lines[0].size(), at_limit.size());
}

// A file system whose streams hand out a few bytes per Read (as network streams may), over the
// local one: the reader and the decoders must not depend on full reads.
class ChoppyFileSystem : public testing::ForwardingFileSystem {
 public:
  ChoppyFileSystem() : ForwardingFileSystem(NewLocalFileSystem()) {}
  class Stream : public InputStream {
   public:
    Stream(std::unique_ptr<InputStream> in, uint32_t seed) : in_(std::move(in)), rng_(seed) {}
    Status Read(char* buf, size_t n, size_t* got) override {
      size_t most = 1 + rng_() % 4096;
      if (rng_() % 8 == 0) most = 1 + rng_() % 3;
      return in_->Read(buf, std::min(n, most), got);
    }

   private:
    std::unique_ptr<InputStream> in_;
    std::mt19937 rng_;
  };

  Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                  std::unique_ptr<InputStream>* out) override {
    std::unique_ptr<InputStream> in;
    RF_RETURN_IF_ERROR(base().OpenRead(path, offset, length, &in));
    *out = std::make_unique<Stream>(std::move(in), static_cast<uint32_t>(offset * 31 + opens_++));
    return Status::OK();
  }

 private:
  uint32_t opens_ = 0;
};

std::vector<std::string> ReadAllWith(FileSystem& fs, const FileInfo& file, uint64_t split,
                                     Status* status) {
  std::vector<std::string> all;
  for (uint64_t b = 0; b < std::max<uint64_t>(file.size, 1); b += split) {
    std::unique_ptr<LineReader> reader;
    InputUnit unit;
    unit.begin = b;
    unit.end = std::min(file.size, b + split);
    *status = LineReader::Open(fs, file, unit, &reader);
    if (!status->ok()) return all;
    std::string_view line;
    while (reader->Next(&line)) all.emplace_back(line);
    *status = reader->status();
    if (!status->ok()) return all;
  }
  return all;
}

// Reads with skip_long_lines: every line as (text, long_line, line_bytes, line_number).
struct SkimmedLine {
  std::string text;
  bool long_line;
  uint64_t bytes;
  uint64_t number;
  bool operator==(const SkimmedLine&) const = default;
};

std::vector<SkimmedLine> ReadSkippingLongLines(FileSystem& fs, const FileInfo& file,
                                               const InputUnit& unit, uint64_t max_line_bytes,
                                               Status* status) {
  std::vector<SkimmedLine> out;
  LineReaderOptions options;
  options.max_line_bytes = max_line_bytes;
  options.skip_long_lines = true;
  std::unique_ptr<LineReader> reader;
  *status = LineReader::Open(fs, file, unit, options, &reader);
  if (!status->ok()) return out;
  std::string_view line;
  while (reader->Next(&line)) {
    out.push_back(
        {std::string(line), reader->long_line(), reader->line_bytes(), reader->line_number()});
  }
  *status = reader->status();
  return out;
}

TEST(LineReaderTest, LongLinesAreCutAndSkippedWithSkipLongLines) {
  TempDir dir;
  constexpr uint64_t kMax = 1 << 20;
  // One long line that fits in the first 4 MiB buffer with its newline (cut in place), one far
  // longer than the buffer (dropped while reading), one exactly at the limit, one just over it
  // with CRLF, and a long last line without a newline.
  const std::string in_buffer = "[" + std::string(kMax + 10, '[');
  const std::string huge(9 << 20, '{');
  const std::string at_limit(kMax, 'a');
  const std::string over_crlf(kMax + 1, 'b');
  const std::string last(kMax + 5, 'c');
  const std::string text = "first\n" + in_buffer + "\nsecond\n" + huge + "\n\nthird\n" + at_limit +
                           "\n" + over_crlf + "\r\nfourth\n" + last;
  const std::vector<SkimmedLine> expected = {
      {"first", false, 5, 1},
      {in_buffer.substr(0, LineReader::kLongLinePrefixBytes), true, in_buffer.size(), 2},
      {"second", false, 6, 3},
      {huge.substr(0, LineReader::kLongLinePrefixBytes), true, huge.size(), 4},
      {"third", false, 5, 6},
      {at_limit, false, at_limit.size(), 7},
      {over_crlf.substr(0, LineReader::kLongLinePrefixBytes), true, over_crlf.size(), 8},
      {"fourth", false, 6, 9},
      {last.substr(0, LineReader::kLongLinePrefixBytes), true, last.size(), 10},
  };
  WriteFile(dir.Join("long.jsonl"), text);
  WriteFile(dir.Join("long.jsonl.gz"), Gzip(text));
  auto fs = NewLocalFileSystem();
  for (const char* name : {"long.jsonl", "long.jsonl.gz"}) {
    Status s;
    FileInfo file = Info(dir.Join(name));
    EXPECT_EQ(ReadSkippingLongLines(*fs, file, {0, 0, file.size}, kMax, &s), expected) << name;
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  // Through a stream that hands out a few bytes per read.
  ChoppyFileSystem choppy;
  Status s;
  FileInfo file = Info(dir.Join("long.jsonl.gz"));
  EXPECT_EQ(ReadSkippingLongLines(choppy, file, {0, 0, file.size}, kMax, &s), expected);
  EXPECT_TRUE(s.ok()) << s.ToString();
  // Byte ranges: a unit that starts inside the huge line skips it (it belongs to the unit where it
  // starts); the unit that holds its start reads through it.
  file = Info(dir.Join("long.jsonl"));
  const uint64_t huge_at = text.find(huge);
  std::vector<SkimmedLine> tail =
      ReadSkippingLongLines(*fs, file, {0, huge_at + 7, file.size}, kMax, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(tail.size(), 5u);
  EXPECT_EQ(tail[0].text, "third");
  std::vector<SkimmedLine> head = ReadSkippingLongLines(*fs, file, {0, 0, huge_at + 7}, kMax, &s);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(head.size(), 4u);
  EXPECT_TRUE(head[3].long_line);
  EXPECT_EQ(head[3].bytes, huge.size());

  // Without skip_long_lines the same limit is an error naming the file and line.
  LineReaderOptions strict;
  strict.max_line_bytes = kMax;
  std::unique_ptr<LineReader> reader;
  ASSERT_TRUE(LineReader::Open(*fs, file, {0, 0, file.size}, strict, &reader).ok());
  std::string_view line;
  ASSERT_TRUE(reader->Next(&line));
  EXPECT_FALSE(reader->Next(&line));
  EXPECT_EQ(reader->status().code(), StatusCode::kCorruption);
  EXPECT_EQ(reader->status().message(),
            file.path + ": line 2 is longer than the limit of 1048576 bytes");
}

TEST(LineReaderTest, ByteOrderMarkAtALineStartIsDropped) {
  TempDir dir;
  const std::vector<std::string> tweets =
      SplitLines(ReadFile(SourcePath("tests/data/io/tweet_parser_original_format_examples.jsonl")));
  ASSERT_GE(tweets.size(), 3u);
  const std::string bom = "\xEF\xBB\xBF";
  // A BOM at the file start, one mid-file (concatenated files), a line holding only a BOM (an
  // empty line then), a BOM with CRLF; a BOM-like sequence inside a line is kept.
  const std::string text = bom + tweets[0] + "\n" + bom + tweets[1] + "\r\n" + bom + "\n" +
                           tweets[2] + "\n" + "x" + bom + "\n";
  WriteFile(dir.Join("bom.jsonl"), text);
  WriteFile(dir.Join("bom.jsonl.gz"), Gzip(text));
  for (const char* name : {"bom.jsonl", "bom.jsonl.gz"}) {
    ReadResult r = ReadWhole(dir.Join(name));
    ASSERT_TRUE(r.status.ok()) << r.status.ToString();
    EXPECT_EQ(r.lines, (std::vector<std::string>{tweets[0], tweets[1], tweets[2], "x" + bom}))
        << name;
    EXPECT_EQ(r.last_line_number, 5u);
  }
  // A unit starting right at the mid-file BOM keeps its tweet.
  FileInfo file = Info(dir.Join("bom.jsonl"));
  const uint64_t second = text.find(bom, 3);
  ReadResult r = ReadUnit(file, second, file.size);
  ASSERT_TRUE(r.status.ok()) << r.status.ToString();
  ASSERT_FALSE(r.lines.empty());
  EXPECT_EQ(r.lines[0], tweets[1]);
}

TEST_P(GzipBackendTest, ShortReadsFromTheFileSystemChangeNothing) {
  TempDir dir;
  std::vector<std::string> expected;
  std::string text = MakeText(3 << 20, 77, &expected);
  WriteFile(dir.Join("t.jsonl"), text);
  WriteFile(dir.Join("t.jsonl.gz"), Gzip(text.substr(0, 1000000)) + Gzip(text.substr(1000000)));
  ChoppyFileSystem fs;
  Status s;
  EXPECT_TRUE(ReadAllWith(fs, Info(dir.Join("t.jsonl.gz")), ~uint64_t{0} / 2, &s) == expected);
  EXPECT_TRUE(s.ok()) << s.ToString();
  for (uint64_t split : {5000ull, 262144ull, 1ull << 30}) {
    EXPECT_TRUE(ReadAllWith(fs, Info(dir.Join("t.jsonl")), split, &s) == expected) << split;
    EXPECT_TRUE(s.ok()) << s.ToString();
  }
  std::string gz = Gzip(text);
  WriteFile(dir.Join("cut.gz"), gz.substr(0, gz.size() - 3));
  ReadAllWith(fs, Info(dir.Join("cut.gz")), ~uint64_t{0} / 2, &s);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
}

TEST(LineReaderTest, NewDecodingStreamRoundTrips) {
  TempDir dir;
  std::string data = "hello\nworld\n";
  WriteFile(dir.Join("x.gz"), Gzip(data) + Gzip(data));
  auto fs = NewLocalFileSystem();
  for (const char* name : {"x.gz"}) {
    std::unique_ptr<InputStream> raw;
    ASSERT_TRUE(fs->OpenRead(dir.Join(name), 0, FileSystem::kToEnd, &raw).ok());
    std::unique_ptr<InputStream> decoded;
    ASSERT_TRUE(NewDecodingStream(std::move(raw), &decoded).ok());
    std::string out;
    char buf[3];  // tiny output buffer: many decoder steps
    for (;;) {
      size_t got = 0;
      ASSERT_TRUE(decoded->Read(buf, sizeof buf, &got).ok());
      if (got == 0) break;
      out.append(buf, got);
    }
    EXPECT_EQ(out, data + data);
  }
}

}  // namespace
}  // namespace rankflow
