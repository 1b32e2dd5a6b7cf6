// ParquetWriter without a peer: the RLE/bit-packed hybrid against the spec's example and the
// reader's decoder, the footer read back with the generated types (layout, encodings and page
// statistics per chunk, statistics bytes, dictionary fallback), the memory bound, and every
// misuse as a clear error. DuckDB reading the files is tests/interop/parquet_writer_duckdb_test.
#include "runtime/parquet/parquet_writer.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "runtime/parquet/decoders.h"
#include "runtime/parquet/parquet_reader.h"
#include "runtime/parquet/parquet_types.h"
#include "runtime/parquet/rle_encoder.h"
#include "runtime/parquet/thrift_io.h"
#include "runtime/writer.h"
#include "tests/util/failing_file.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::TempDir;

// The bytes of `s` as "0a 1b …".
std::string Hex(const std::string& s) {
  std::string out;
  char buf[4];
  for (unsigned char c : s) {
    std::snprintf(buf, sizeof buf, "%02x ", c);
    out += buf;
  }
  if (!out.empty()) out.pop_back();
  return out;
}

TEST(RleEncoderTest, BitPackedRunIsTheSpecExample) {
  // Encodings.md: 0..7 at bit width 3 pack into 10001000 11000110 11111010.
  const uint32_t values[] = {0, 1, 2, 3, 4, 5, 6, 7};
  std::string out;
  pq::AppendRleHybrid(values, 8, 3, &out);
  EXPECT_EQ(Hex(out), "03 88 c6 fa");  // header: 1 group << 1 | 1
}

TEST(RleEncoderTest, RepeatedValuesBecomeRleRuns) {
  std::vector<uint8_t> levels(100, 1);
  std::string out;
  pq::AppendRleHybridWithLength(levels.data(), levels.size(), 1, &out);
  // Length 3, then ULEB128(100 << 1) = c8 01, then the value in one byte.
  EXPECT_EQ(Hex(out), "03 00 00 00 c8 01 01");
}

TEST(RleEncoderTest, DecoderReadsBackMixedRunsAtEveryBitWidth) {
  std::mt19937 rng(12);
  for (int width = 1; width <= 32; ++width) {
    SCOPED_TRACE("bit width " + std::to_string(width));
    const uint64_t limit = width == 32 ? 0xffffffffULL : (uint64_t{1} << width) - 1;
    std::vector<uint32_t> values;
    while (values.size() < 5000) {
      const uint32_t v = static_cast<uint32_t>(rng() % (limit + 1));
      const size_t repeat = rng() % 3 == 0 ? 1 + rng() % 40 : 1;
      values.insert(values.end(), repeat, v);
    }
    values.resize(5000 + width);  // not a multiple of 8: the last group is padded
    std::string out;
    pq::AppendRleHybrid(values.data(), values.size(), width, &out);
    pq::RleDecoder decoder(reinterpret_cast<const uint8_t*>(out.data()), out.size(), width);
    std::vector<uint32_t> back(values.size());
    ASSERT_EQ(decoder.GetBatch(back.data(), back.size()), values.size());
    EXPECT_FALSE(decoder.error());
    EXPECT_EQ(back, values);
  }
}

std::vector<ParquetColumn> SmallSchema() {
  return {ParquetColumn::Required("id", ParquetType::kInt64),
          ParquetColumn::Optional("name", ParquetType::kString),
          ParquetColumn::Optional("score", ParquetType::kDouble),
          ParquetColumn::List("tags", ParquetType::kString)};
}

struct Written {
  std::string bytes;
  parquet::FileMetaData meta;
};

// Writes `rows` rows of SmallSchema; name cycles through `distinct_names` values, 10 rows each
// (0: unique).
Written WriteSmall(const TempDir& dir, int rows, int distinct_names, ParquetWriterOptions o,
                   const std::vector<double>& scores = {}) {
  const std::string path = dir.Join("small.parquet");
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(fs->NewWritableFile(path, &file).ok());
  ParquetWriter w(std::move(file), SmallSchema(), o);
  EXPECT_TRUE(w.status().ok()) << w.status().ToString();
  for (int i = 0; i < rows; ++i) {
    w.AppendInt64(0, i);
    if (i % 10 == 3) {
      w.AppendNull(1);
    } else {
      const int n = distinct_names == 0 ? i : (i / 10) % distinct_names;  // runs of 10
      w.AppendString(1, "name-" + std::to_string(n));
    }
    if (scores.empty()) {
      w.AppendDouble(2, i * 0.5);
    } else {
      w.AppendDouble(2, scores[static_cast<size_t>(i) % scores.size()]);
    }
    w.BeginList(3);
    for (int t = 0; t < i % 3; ++t) w.AppendString(3, "t" + std::to_string(t));
    w.EndList(3);
    EXPECT_TRUE(w.EndRow().ok());
  }
  EXPECT_TRUE(w.Finish().ok());
  EXPECT_EQ(w.records(), static_cast<uint64_t>(rows));
  EXPECT_TRUE(w.file().Publish().ok());
  Written out;
  out.bytes = ReadFile(path);
  EXPECT_EQ(w.bytes(), out.bytes.size());
  const std::string& b = out.bytes;
  EXPECT_EQ(b.substr(0, 4), "PAR1");
  EXPECT_EQ(b.substr(b.size() - 4), "PAR1");
  uint32_t len = 0;
  std::memcpy(&len, b.data() + b.size() - 8, 4);
  EXPECT_LT(len, b.size());
  const auto* footer = reinterpret_cast<const uint8_t*>(b.data() + b.size() - 8 - len);
  EXPECT_TRUE(ReadThrift(footer, len, &out.meta).ok());
  return out;
}

int EncodingStatsCount(const parquet::ColumnMetaData& m, parquet::PageType::type page,
                       parquet::Encoding::type encoding) {
  for (const auto& s : m.encoding_stats) {
    if (s.page_type == page && s.encoding == encoding) return s.count;
  }
  return 0;
}

// The page header at `offset` of a file's bytes.
parquet::PageHeader PageHeaderAt(const std::string& bytes, int64_t offset) {
  parquet::PageHeader header;
  const auto at = static_cast<size_t>(offset);
  EXPECT_TRUE(
      ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + at, bytes.size() - at, &header)
          .ok());
  return header;
}

TEST(ParquetWriterTest, FooterDescribesTheFile) {
  TempDir dir;
  ParquetWriterOptions o;
  o.row_group_bytes = 4096;
  o.page_bytes = 512;
  Written f = WriteSmall(dir, 2000, 5, o);
  const parquet::FileMetaData& m = f.meta;
  EXPECT_EQ(m.version, 1);
  EXPECT_EQ(m.num_rows, 2000);
  EXPECT_EQ(m.created_by, "rankflow version 0.1.0");
  ASSERT_EQ(m.schema.size(), 1u + 4 + 2);
  EXPECT_EQ(m.schema[0].num_children, 4);
  EXPECT_EQ(m.schema[4].name, "tags");
  EXPECT_EQ(m.schema[4].converted_type, parquet::ConvertedType::LIST);
  EXPECT_TRUE(m.schema[4].logicalType.__isset.LIST);
  EXPECT_EQ(m.schema[5].name, "list");
  EXPECT_EQ(m.schema[5].repetition_type, parquet::FieldRepetitionType::REPEATED);
  EXPECT_EQ(m.schema[6].name, "element");
  EXPECT_EQ(m.column_orders.size(), 4u);
  ASSERT_GT(m.row_groups.size(), 2u);
  int64_t rows = 0;
  int64_t expected_offset = 4;  // after "PAR1"
  for (const parquet::RowGroup& g : m.row_groups) {
    rows += g.num_rows;
    ASSERT_EQ(g.columns.size(), 4u);
    EXPECT_EQ(g.file_offset, expected_offset);
    int64_t group_bytes = 0;
    for (const parquet::ColumnChunk& c : g.columns) {
      const parquet::ColumnMetaData& cm = c.meta_data;
      // Chunks are back to back: the dictionary page (if any) first, then the data pages.
      const int64_t first =
          cm.__isset.dictionary_page_offset ? cm.dictionary_page_offset : cm.data_page_offset;
      EXPECT_EQ(first, expected_offset);
      if (cm.__isset.dictionary_page_offset) {
        EXPECT_LT(cm.dictionary_page_offset, cm.data_page_offset);
      }
      expected_offset += cm.total_compressed_size;
      group_bytes += cm.total_compressed_size;
      EXPECT_TRUE(cm.statistics.__isset.null_count);
    }
    EXPECT_EQ(g.total_compressed_size, group_bytes);
    // id: unique, so PLAIN only; name: 5 values, so a dictionary and its indices.
    const parquet::ColumnMetaData& id = g.columns[0].meta_data;
    EXPECT_FALSE(id.__isset.dictionary_page_offset);
    EXPECT_EQ(
        EncodingStatsCount(id, parquet::PageType::DATA_PAGE, parquet::Encoding::RLE_DICTIONARY), 0);
    const parquet::ColumnMetaData& name = g.columns[1].meta_data;
    EXPECT_TRUE(name.__isset.dictionary_page_offset);
    EXPECT_EQ(
        EncodingStatsCount(name, parquet::PageType::DICTIONARY_PAGE, parquet::Encoding::PLAIN), 1);
    EXPECT_EQ(EncodingStatsCount(name, parquet::PageType::DATA_PAGE, parquet::Encoding::PLAIN), 0);
    // tags: a list's values count its levels (empty lists too), not its rows.
    EXPECT_GT(g.columns[3].meta_data.num_values, g.num_rows / 2);
    EXPECT_EQ(g.columns[3].meta_data.path_in_schema,
              (std::vector<std::string>{"tags", "list", "element"}));
  }
  EXPECT_EQ(rows, 2000);
  // The footer follows the last chunk.
  uint32_t footer_len = 0;
  std::memcpy(&footer_len, f.bytes.data() + f.bytes.size() - 8, 4);
  EXPECT_EQ(static_cast<size_t>(expected_offset), f.bytes.size() - 8 - footer_len);
}

TEST(ParquetWriterTest, DictionaryFallsBackToPlainWhenItGrowsPastItsLimit) {
  TempDir dir;
  ParquetWriterOptions o;
  o.page_bytes = 4096;        // many pages
  o.dictionary_bytes = 2000;  // ~150 of the 400 names fit
  Written f = WriteSmall(dir, 4000, 400, o);
  ASSERT_EQ(f.meta.row_groups.size(), 1u);
  const parquet::ColumnMetaData& name = f.meta.row_groups[0].columns[1].meta_data;
  EXPECT_TRUE(name.__isset.dictionary_page_offset);
  EXPECT_GT(
      EncodingStatsCount(name, parquet::PageType::DATA_PAGE, parquet::Encoding::RLE_DICTIONARY), 0);
  EXPECT_GT(EncodingStatsCount(name, parquet::PageType::DATA_PAGE, parquet::Encoding::PLAIN), 0);
  // It falls back after the row whose name took it past 2000 bytes: names 0-9 take 4 + 6 bytes,
  // 10-99 4 + 7, then 4 + 8: 1090 + 76 * 12 = 2002 at the 176th name (strings are looked up in
  // batches, but one that could cross the limit is looked up at its row).
  const parquet::PageHeader dict = PageHeaderAt(f.bytes, name.dictionary_page_offset);
  EXPECT_EQ(dict.dictionary_page_header.num_values, 176);
  // Statistics cover both halves: the names sort as strings, "name-0" … "name-99".
  EXPECT_EQ(name.statistics.min_value, "name-0");
  EXPECT_EQ(name.statistics.max_value, "name-99");
  EXPECT_EQ(name.statistics.null_count, 400);
  EXPECT_FALSE(name.statistics.__isset.min);  // strings: no deprecated signed-order bounds
}

// The dictionary's hash table (runtime/parquet/parquet_column_writer.cpp) over many values that
// stress it: every string of 0 to 2 bytes over a small alphabet (the short-string hash path),
// random bytes (zeros too) of every length to 80 (the 4-8, 9-16 and 16-byte-block paths), long
// shared prefixes, and each value written twice, the second time in shuffled order. Each value is
// in the dictionary exactly once (its page's num_values), the table grew many times, and every
// row reads back as written.
TEST(ParquetWriterTest, DictionaryHoldsEachOfManyDistinctStringsOnceAndReadsBack) {
  std::mt19937_64 rng(7);
  std::set<std::string> unique;
  const std::string alphabet("a\0\xff", 3);
  for (char a : alphabet) {
    unique.insert(std::string(1, a));
    for (char b : alphabet) unique.insert(std::string{a, b});
  }
  unique.insert("");
  for (int i = 0; i < 20000; ++i) {
    std::string v(static_cast<size_t>(i % 81), '\0');
    for (char& c : v) c = static_cast<char>(rng());
    unique.insert(v);
    unique.insert(std::string(40, 'p') + std::to_string(i));  // differ only in the last bytes
  }
  std::vector<std::string> rows(unique.begin(), unique.end());
  std::vector<std::string> again = rows;
  std::shuffle(again.begin(), again.end(), rng);
  rows.insert(rows.end(), again.begin(), again.end());

  TempDir dir;
  const std::string path = dir.Join("dict.parquet");
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(path, &file).ok());
  ParquetWriterOptions o;
  o.dictionary_bytes = 64 << 20;  // no fallback: one dictionary for the whole chunk
  ParquetWriter w(std::move(file), {ParquetColumn::Required("s", ParquetType::kString)}, o);
  for (const std::string& v : rows) {
    w.AppendString(0, v);
    ASSERT_TRUE(w.EndRow().ok());
  }
  ASSERT_TRUE(w.Finish().ok());
  ASSERT_TRUE(w.file().Publish().ok());

  const std::string bytes = ReadFile(path);
  uint32_t len = 0;
  std::memcpy(&len, bytes.data() + bytes.size() - 8, 4);
  parquet::FileMetaData meta;
  ASSERT_TRUE(ReadThrift(reinterpret_cast<const uint8_t*>(bytes.data()) + bytes.size() - 8 - len,
                         len, &meta)
                  .ok());
  ASSERT_EQ(meta.row_groups.size(), 1u);
  const parquet::ColumnMetaData& m = meta.row_groups[0].columns[0].meta_data;
  ASSERT_TRUE(m.__isset.dictionary_page_offset);
  EXPECT_EQ(EncodingStatsCount(m, parquet::PageType::DATA_PAGE, parquet::Encoding::PLAIN), 0);
  const parquet::PageHeader dict = PageHeaderAt(bytes, m.dictionary_page_offset);
  ASSERT_EQ(dict.type, parquet::PageType::DICTIONARY_PAGE);
  EXPECT_EQ(dict.dictionary_page_header.num_values, static_cast<int32_t>(unique.size()));

  std::unique_ptr<ParquetFileReader> r;
  ASSERT_TRUE(ParquetFileReader::Open(*fs, {path, bytes.size()}, {}, &r).ok());
  std::vector<int> cols;
  ASSERT_TRUE(r->ResolveColumns({}, &cols).ok());
  size_t row = 0;
  const Status s = r->ReadRowGroup(0, cols, 4096, [&](const ParquetRowBatch& b) {
    for (size_t i = 0; i < b.num_rows; ++i, ++row) {
      if (b.columns[0].String(i) != rows[row])
        return Status::Internal("row " + std::to_string(row));
    }
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(row, rows.size());
}

TEST(ParquetWriterTest, NoDictionaryOptionWritesPlainOnly) {
  TempDir dir;
  ParquetWriterOptions o;
  o.dictionary = false;
  Written f = WriteSmall(dir, 500, 3, o);
  for (const parquet::ColumnChunk& c : f.meta.row_groups[0].columns) {
    EXPECT_FALSE(c.meta_data.__isset.dictionary_page_offset);
    for (auto e : c.meta_data.encodings) EXPECT_NE(e, parquet::Encoding::RLE_DICTIONARY);
  }
}

double FromBytes(const std::string& b) {
  double d = 0;
  EXPECT_EQ(b.size(), 8u);
  std::memcpy(&d, b.data(), 8);
  return d;
}

TEST(ParquetWriterTest, DoubleStatisticsIgnoreNanAndSignZeros) {
  TempDir dir;
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  Written f = WriteSmall(dir, 40, 3, {}, {nan, 0.0, 2.5, nan});
  const parquet::Statistics& s = f.meta.row_groups[0].columns[2].meta_data.statistics;
  EXPECT_EQ(FromBytes(s.min_value), 0.0);
  EXPECT_TRUE(std::signbit(FromBytes(s.min_value)));  // a zero minimum is -0.0
  EXPECT_EQ(FromBytes(s.max_value), 2.5);
  EXPECT_EQ(s.min, s.min_value);  // signed order: the deprecated fields too

  f = WriteSmall(dir, 40, 3, {}, {-1.0, 0.0, -0.0});
  const parquet::Statistics& z = f.meta.row_groups[0].columns[2].meta_data.statistics;
  EXPECT_EQ(FromBytes(z.max_value), 0.0);
  EXPECT_FALSE(std::signbit(FromBytes(z.max_value)));  // a zero maximum is +0.0

  f = WriteSmall(dir, 40, 3, {}, {-inf, inf});
  const parquet::Statistics& i = f.meta.row_groups[0].columns[2].meta_data.statistics;
  EXPECT_EQ(FromBytes(i.min_value), -inf);
  EXPECT_EQ(FromBytes(i.max_value), inf);

  f = WriteSmall(dir, 40, 3, {}, {nan});
  const parquet::Statistics& n = f.meta.row_groups[0].columns[2].meta_data.statistics;
  EXPECT_FALSE(n.__isset.min_value);  // only NaN: no bounds at all
  EXPECT_EQ(n.null_count, 0);
}

TEST(ParquetWriterTest, BufferedBytesStayNearTheRowGroupLimit) {
  TempDir dir;
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(dir.Join("big.parquet"), &file).ok());
  ParquetWriterOptions o;
  o.row_group_bytes = 256 << 10;
  o.page_bytes = 32 << 10;
  o.dictionary_bytes = 32 << 10;
  o.compression = ParquetCompression::kUncompressed;
  ParquetWriter w(std::move(file), SmallSchema(), o);
  const std::string text(100, 'x');
  uint64_t peak = 0;
  for (int i = 0; i < 50000; ++i) {
    w.AppendInt64(0, i);
    w.AppendString(1, text + std::to_string(i));
    w.AppendDouble(2, i);
    w.BeginList(3);
    w.AppendString(3, std::to_string(i % 7));
    w.EndList(3);
    ASSERT_TRUE(w.EndRow().ok());
    peak = std::max(peak, w.buffered_bytes());
  }
  ASSERT_TRUE(w.Finish().ok());
  // ~6 MB of values: many row groups, and never more than the limit plus one row.
  EXPECT_GT(w.row_groups_written(), 10u);
  EXPECT_LT(peak, o.row_group_bytes + 4096);
}

// Each misuse: the writer's next EndRow/Finish names the row, the column and the call.
struct Misuse {
  const char* name;
  void (*apply)(ParquetWriter&);
  const char* message;
};

class ParquetWriterMisuseTest : public ::testing::TestWithParam<Misuse> {};

TEST_P(ParquetWriterMisuseTest, IsAClearErrorAndSticks) {
  TempDir dir;
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(dir.Join("bad.parquet"), &file).ok());
  ParquetWriter w(std::move(file), SmallSchema());
  // One good row first, so the error names row 1.
  w.AppendInt64(0, 1);
  w.AppendNull(1);
  w.AppendNull(2);
  w.AppendNull(3);
  ASSERT_TRUE(w.EndRow().ok());
  GetParam().apply(w);
  Status s = w.EndRow();
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), GetParam().message);
  EXPECT_EQ(w.Finish().message(), GetParam().message);  // the writer stays failed
}

void FillAfterId(ParquetWriter& w) {
  w.AppendNull(1);
  w.AppendNull(2);
  w.AppendNull(3);
}

INSTANTIATE_TEST_SUITE_P(
    Calls, ParquetWriterMisuseTest,
    ::testing::Values(
        Misuse{"wrong_type",
               [](ParquetWriter& w) {
                 w.AppendString(0, "1");
                 FillAfterId(w);
               },
               "parquet: row 1, column 'id': AppendString: the column holds int64"},
        Misuse{"null_in_required",
               [](ParquetWriter& w) {
                 w.AppendNull(0);
                 FillAfterId(w);
               },
               "parquet: row 1, column 'id': AppendNull: the column is not nullable"},
        Misuse{"missing_column",
               [](ParquetWriter& w) {
                 w.AppendInt64(0, 2);
                 w.AppendNull(1);
                 w.AppendNull(3);
               },
               "parquet: row 1, column 'score': EndRow: no value in this row"},
        Misuse{"value_twice",
               [](ParquetWriter& w) {
                 w.AppendInt64(0, 2);
                 w.AppendInt64(0, 3);
                 FillAfterId(w);
               },
               "parquet: row 1, column 'id': AppendInt64: the column already has an entry in "
               "this row"},
        Misuse{"no_such_column", [](ParquetWriter& w) { w.AppendInt64(7, 2); },
               "parquet: row 1, column 7: AppendInt64: no such column"},
        Misuse{"list_value_outside_list",
               [](ParquetWriter& w) {
                 w.AppendInt64(0, 2);
                 w.AppendNull(1);
                 w.AppendNull(2);
                 w.AppendString(3, "x");
               },
               "parquet: row 1, column 'tags': AppendString: a list column takes values "
               "between BeginList and EndList"},
        Misuse{"null_element",
               [](ParquetWriter& w) {
                 w.AppendInt64(0, 2);
                 w.AppendNull(1);
                 w.AppendNull(2);
                 w.BeginList(3);
                 w.AppendNull(3);
                 w.EndList(3);
               },
               "parquet: row 1, column 'tags': AppendNull: elements are not nullable"},
        Misuse{"end_list_without_begin", [](ParquetWriter& w) { w.EndList(3); },
               "parquet: row 1, column 'tags': EndList: no open list (BeginList first)"},
        Misuse{"open_list",
               [](ParquetWriter& w) {
                 w.AppendInt64(0, 2);
                 w.AppendNull(1);
                 w.AppendNull(2);
                 w.BeginList(3);
               },
               "parquet: row 1, column 'tags': EndRow: the list is still open (EndList)"},
        Misuse{"begin_list_on_plain", [](ParquetWriter& w) { w.BeginList(1); },
               "parquet: row 1, column 'name': BeginList: not a list column"}),
    [](const ::testing::TestParamInfo<Misuse>& info) { return std::string(info.param.name); });

TEST(ParquetWriterTest, FinishRefusesAnUnendedRowAndWritesNothingAfterFinish) {
  TempDir dir;
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  ASSERT_TRUE(fs->NewWritableFile(dir.Join("f.parquet"), &file).ok());
  ParquetWriter w(std::move(file), SmallSchema());
  w.AppendInt64(0, 1);
  EXPECT_EQ(w.Finish().message(),
            "parquet: row 0, column 'id': Finish: the last row was not ended (EndRow)");

  ASSERT_TRUE(fs->NewWritableFile(dir.Join("g.parquet"), &file).ok());
  ParquetWriter g(std::move(file), SmallSchema());
  ASSERT_TRUE(g.Finish().ok());
  ASSERT_TRUE(g.Finish().ok());  // idempotent
  g.AppendInt64(0, 1);
  EXPECT_EQ(g.EndRow().message(),
            "parquet: row 0, column 'id': AppendInt64: the writer is finished");
}

TEST(ParquetWriterTest, BadSchemaAndOptionsAreRefusedUpFront) {
  struct Case {
    std::vector<ParquetColumn> schema;
    ParquetWriterOptions options;
    std::string message;
  };
  ParquetWriterOptions zero_rows;
  zero_rows.row_group_bytes = 0;
  ParquetWriterOptions zero_page;
  zero_page.page_bytes = 0;
  ParquetWriterOptions gzip10;
  gzip10.compression = ParquetCompression::kGzip;
  gzip10.compression_level = 10;
  ParquetWriterOptions zstd23;
  zstd23.compression = ParquetCompression::kZstd;
  zstd23.compression_level = 23;
  ParquetWriterOptions huge_dict;
  huge_dict.dictionary_bytes = uint64_t{2} << 30;
  ParquetColumn plain_with_elements = ParquetColumn::Optional("a", ParquetType::kInt64);
  plain_with_elements.element_nullable = true;
  const std::vector<Case> cases = {
      {{}, {}, "parquet schema: no columns"},
      {{ParquetColumn::Optional("", ParquetType::kInt64)},
       {},
       "parquet schema: column 0 has an "
       "empty name"},
      {{ParquetColumn::Optional("a", ParquetType::kInt64),
        ParquetColumn::Optional("a", ParquetType::kString)},
       {},
       "parquet schema: duplicate column name 'a'"},
      {{plain_with_elements},
       {},
       "parquet schema: column 'a' is not a list but has element_nullable"},
      {SmallSchema(), zero_rows, "parquet: row_group_bytes must be > 0"},
      {SmallSchema(), zero_page, "parquet: page_bytes must be 1 to 1 GiB, not 0"},
      {SmallSchema(), gzip10, "parquet: gzip level must be 1 to 9 (0: default), not 10"},
      {SmallSchema(), zstd23, "parquet: zstd level must be 1 to 22 (0: default), not 23"},
      {SmallSchema(), huge_dict, "parquet: dictionary_bytes must be at most 1 GiB, not 2147483648"},
  };
  TempDir dir;
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  for (const Case& c : cases) {
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs->NewWritableFile(dir.Join("x.parquet"), &file).ok());
    ParquetWriter w(std::move(file), c.schema, c.options);
    EXPECT_EQ(w.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(w.status().message(), c.message);
    EXPECT_EQ(w.Finish().message(), c.message);
    EXPECT_EQ(w.bytes(), 0u);  // not even the magic
  }
}

// A full disk while a row group is written out: EndRow returns the file's error, and so does every
// later call (the magic took the one successful append).
TEST(ParquetWriterTest, FailedAppendIsReturnedAndSticks) {
  testing::FailingFile file(1);
  ParquetWriterOptions o;
  o.row_group_bytes = 4096;
  ParquetWriter w(&file, SmallSchema(), o);
  ASSERT_TRUE(w.status().ok());
  Status s;
  int rows = 0;
  for (; rows < 10000 && s.ok(); ++rows) {
    w.AppendInt64(0, rows);
    w.AppendString(1, "name " + std::to_string(rows));
    w.AppendNull(2);
    w.AppendNull(3);
    s = w.EndRow();
  }
  EXPECT_LT(rows, 10000) << "the row group was never written out";
  EXPECT_EQ(s.code(), StatusCode::kIOError);
  EXPECT_EQ(s.message(), "/full/disk: no space left on device");
  w.AppendInt64(0, 1);
  EXPECT_EQ(w.EndRow().message(), s.message());
  EXPECT_EQ(w.Finish().message(), s.message());
}

TEST(ParquetWriterTest, CompressionNamesParse) {
  EXPECT_EQ(ParseParquetCompression("snappy").value(), ParquetCompression::kSnappy);
  EXPECT_EQ(ParseParquetCompression("ZSTD").value(), ParquetCompression::kZstd);
  EXPECT_EQ(ParseParquetCompression("gzip").value(), ParquetCompression::kGzip);
  EXPECT_EQ(ParseParquetCompression("none").value(), ParquetCompression::kUncompressed);
  EXPECT_EQ(ParseParquetCompression("uncompressed").value(), ParquetCompression::kUncompressed);
  Result<ParquetCompression> bad = ParseParquetCompression("lz4");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(),
            "unknown parquet compression 'lz4' (expected snappy, zstd, gzip or uncompressed)");
}

}  // namespace
}  // namespace rankflow
