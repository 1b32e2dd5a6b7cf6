// rankflow reads the Parquet files DuckDB writes: DuckDB (npm @duckdb/node-api) COPYs one table
// of ints, doubles, floats, booleans, strings (non-ASCII, nulls, a low-cardinality one that
// becomes a dictionary), lists (null, empty, with null elements) and timestamps to Parquet with
// its defaults (snappy, pages v1), zstd, gzip, uncompressed, PARQUET_VERSION v2
// (DELTA_BINARY_PACKED / DELTA_LENGTH_BYTE_ARRAY, still in pages v1) and small row groups;
// ParquetFileReader reads each file and every value is compared with what DuckDB's own read_parquet
// returns for it. A second writer, arrow-rs (npm parquet-wasm), rewrites the table with data pages
// v2 and the DELTA_* and BYTE_STREAM_SPLIT encodings, compared the same way. Projection: reading
// two columns fetches only their chunks' bytes.
#include <gtest/gtest.h>

#include <cmath>
#include <map>

#include "runtime/parquet/parquet_reader.h"
#include "tests/interop/duckdb.h"
#include "tests/util/forwarding_fs.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::DuckDbQuery;
using testing::SqlString;

constexpr int kRows = 5000;

std::string SourceSql() {
  return "SELECT i::BIGINT AS id, (i * 7 % 1000 - 500)::INTEGER AS i32,"
         " CASE WHEN i % 7 = 0 THEN NULL ELSE i / 3.0 END::DOUBLE AS d,"
         " CASE WHEN i % 17 = 0 THEN NULL ELSE (i * 1.5)::FLOAT END AS f,"
         " (i % 3 = 0) AS b,"
         " CASE WHEN i % 11 = 0 THEN NULL ELSE 'v' || i || ' \xc3\xa9\xe6\xbc\xa2\xf0\x9f\x98\x80 "
         "' ||"
         " (i % 5) END AS s,"
         " 'cat' || (i % 4) AS low,"
         " CASE WHEN i % 13 = 0 THEN NULL WHEN i % 4 = 0 THEN []::VARCHAR[]"
         " ELSE ['#a' || (i % 10), '#\xc3\xbc' || (i % 3)] END AS tags,"
         " CASE WHEN i % 5 = 0 THEN [i, NULL, i + 1] ELSE [i] END::BIGINT[] AS nums,"
         " TIMESTAMP '2015-08-06 00:00:00' + INTERVAL (i * 1001) MILLISECOND AS ts"
         " FROM range(" +
         std::to_string(kRows) + ") t(i)";
}

// What DuckDB reads back, timestamps as epoch microseconds (strings, as BIGINTs come).
const char* kReadBack =
    "SELECT id, i32, d, f, b, s, low, tags, nums, epoch_us(ts)::BIGINT AS ts FROM read_parquet(";

// One row of one column as rankflow reads it, in DuckDB's JSON forms for comparison.
struct Cell {
  bool null = false;
  std::vector<std::optional<std::string>> items;  // list elements (nullopt = null element)
  std::string scalar;                             // scalars, printed
};

std::string Print(const ParquetColumnBatch& c, size_t i) {
  switch (c.leaf->type) {
    case pq::PhysicalType::kByteArray:
    case pq::PhysicalType::kFixedLenByteArray:
      return std::string(c.String(i));
    case pq::PhysicalType::kFloat:
    case pq::PhysicalType::kDouble: {
      char buf[64];
      snprintf(buf, sizeof buf, "%.17g", c.Double(i));
      return buf;
    }
    case pq::PhysicalType::kBoolean:
      return c.Int(i) ? "true" : "false";
    default:
      return std::to_string(c.Int(i));
  }
}

Cell ReadCell(const ParquetColumnBatch& c, size_t row) {
  Cell cell;
  cell.null = c.IsNull(row);
  if (!c.leaf->is_list) {
    if (!cell.null) cell.scalar = Print(c, c.ValueBegin(row));
    return cell;
  }
  size_t v = c.ValueBegin(row);
  for (uint32_t e = c.entry_offsets[row]; e < c.entry_offsets[row + 1]; ++e) {
    const int def = c.def_levels[e];
    if (def == c.leaf->max_def) {
      cell.items.emplace_back(Print(c, v++));
    } else if (def > c.leaf->row_def) {
      cell.items.emplace_back(std::nullopt);
    }
  }
  EXPECT_EQ(v, c.ValueEnd(row));
  return cell;
}

std::string PrintJson(const rapidjson::Value& v) {
  if (v.IsString()) return v.GetString();
  if (v.IsBool()) return v.GetBool() ? "true" : "false";
  if (v.IsInt64()) return std::to_string(v.GetInt64());
  char buf[64];
  snprintf(buf, sizeof buf, "%.17g", v.GetDouble());
  return buf;
}

void ExpectSame(const Cell& got, const rapidjson::Value& want, const std::string& where) {
  ASSERT_EQ(got.null, want.IsNull()) << where;
  if (want.IsNull()) return;
  if (!want.IsArray()) {
    EXPECT_EQ(got.scalar, PrintJson(want)) << where;
    return;
  }
  ASSERT_EQ(got.items.size(), want.Size()) << where;
  for (rapidjson::SizeType k = 0; k < want.Size(); ++k) {
    ASSERT_EQ(got.items[k].has_value(), !want[k].IsNull()) << where << " element " << k;
    if (got.items[k]) {
      EXPECT_EQ(*got.items[k], PrintJson(want[k])) << where << " element " << k;
    }
  }
}

class ParquetReaderDuckDbTest
    : public ::testing::TestWithParam<std::pair<const char*, const char*>> {};

// Reads every row of `path` with ParquetFileReader and compares each value with `want` (DuckDB's
// read of the same file, kReadBack's columns).
void ExpectEveryValue(const std::string& path, const rapidjson::Value& want,
                      const std::string& label) {
  auto fs = NewLocalFileSystem();
  auto size = fs->Size(path);
  ASSERT_TRUE(size.ok());
  std::unique_ptr<ParquetFileReader> reader;
  Status st = ParquetFileReader::Open(*fs, {path, *size}, {}, &reader);
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(reader->num_rows(), kRows);
  std::vector<int> cols;
  const std::vector<std::string> names = {"id", "i32", "d",    "f",    "b",
                                          "s",  "low", "tags", "nums", "ts"};
  st = reader->ResolveColumns(names, &cols);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const auto& leaves = reader->leaves();
  EXPECT_TRUE(leaves[cols[5]].is_string);
  EXPECT_TRUE(leaves[cols[7]].is_list);
  EXPECT_EQ(leaves[cols[9]].time_unit, ParquetTimeUnit::kMicros);

  size_t row = 0;
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    st = reader->ReadRowGroup(rg, cols, 777, [&](const ParquetRowBatch& b) {
      for (size_t r = 0; r < b.num_rows; ++r, ++row) {
        for (size_t c = 0; c < cols.size(); ++c) {
          ExpectSame(ReadCell(b.columns[c], r), want[static_cast<rapidjson::SizeType>(row)][c],
                     label + " row " + std::to_string(row) + " column " + names[c]);
          if (::testing::Test::HasFatalFailure()) return Status::Internal("stop");
        }
      }
      return Status::OK();
    });
    ASSERT_TRUE(st.ok()) << st.ToString();
  }
  EXPECT_EQ(row, static_cast<size_t>(kRows));
}

TEST_P(ParquetReaderDuckDbTest, EveryValueEqualsDuckDbs) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/duck.parquet";
  const std::string options = GetParam().second;
  auto written =
      DuckDbQuery({"COPY (" + SourceSql() + ") TO " + SqlString(path) + " (" + options + ")",
                   std::string(kReadBack) + SqlString(path) + ")"});
  ASSERT_TRUE(written.ok) << written.error;
  ASSERT_EQ(written.rows().Size(), static_cast<rapidjson::SizeType>(kRows));
  ExpectEveryValue(path, written.rows(), GetParam().first);
}

INSTANTIATE_TEST_SUITE_P(
    Variants, ParquetReaderDuckDbTest,
    ::testing::Values(std::make_pair("snappy", "FORMAT parquet"),
                      std::make_pair("zstd", "FORMAT parquet, COMPRESSION zstd"),
                      std::make_pair("gzip", "FORMAT parquet, COMPRESSION gzip"),
                      std::make_pair("uncompressed", "FORMAT parquet, COMPRESSION uncompressed"),
                      std::make_pair("v2", "FORMAT parquet, PARQUET_VERSION v2"),
                      std::make_pair("v2_zstd",
                                     "FORMAT parquet, PARQUET_VERSION v2, COMPRESSION zstd"),
                      std::make_pair("row_groups", "FORMAT parquet, ROW_GROUP_SIZE 1000")),
    [](const auto& info) { return std::string(info.param.first); });

// The same table rewritten by arrow-rs (tests/interop/arrow_rs_rewrite.mjs): data pages v2, and
// without dictionaries the DELTA_* and BYTE_STREAM_SPLIT encodings. The variant's page kind and
// encodings are checked on the file first (DuckDB's parquet_metadata and the first page header's
// bytes), so a writer that quietly fell back to pages v1 or PLAIN fails here instead of passing.
class ParquetReaderArrowRsTest : public ::testing::TestWithParam<const char*> {};

TEST_P(ParquetReaderArrowRsTest, EveryValueEqualsDuckDbs) {
  testing::TempDir dir;
  const std::string duck = dir.path() + "/duck.parquet";
  const std::string path = dir.path() + "/arrow_rs.parquet";
  const std::string variant = GetParam();
  auto base = DuckDbQuery(
      {"COPY (" + SourceSql() + ") TO " + SqlString(duck) + " (FORMAT parquet)", "SELECT 1"});
  ASSERT_TRUE(base.ok) << base.error;
  std::string error;
  ASSERT_TRUE(testing::ArrowRsRewrite(duck, path, variant, &error)) << error;
  auto results = testing::DuckDbQueries(
      {std::string(kReadBack) + SqlString(path) + ")",
       "SELECT path_in_schema, encodings, data_page_offset, compression FROM parquet_metadata(" +
           SqlString(path) + ") WHERE row_group_id = 0"});
  ASSERT_TRUE(results[0].ok) << results[0].error;
  ASSERT_EQ(results.size(), 2u);
  const auto& want = results[0].rows();
  ASSERT_EQ(want.Size(), static_cast<rapidjson::SizeType>(kRows));

  // The first data page's header, thrift compact: field 1 (type, i32) is 0x15, then the zigzag
  // varint of the page type: 0x00 DATA_PAGE, 0x06 DATA_PAGE_V2.
  const std::string bytes = testing::ReadFile(path);
  std::map<std::string, std::string> encodings;
  for (const auto& chunk : results[1].rows().GetArray()) {
    const std::string column = chunk[0].GetString();
    encodings[column] = chunk[1].GetString();
    const size_t offset = std::stoull(chunk[2].GetString());
    ASSERT_LT(offset + 1, bytes.size());
    EXPECT_EQ(bytes[offset], '\x15') << column;
    EXPECT_EQ(bytes[offset + 1], variant == "v1" ? '\x00' : '\x06') << column << " page kind";
    EXPECT_EQ(std::string(chunk[3].GetString()), variant == "v2_zstd" ? "ZSTD" : "SNAPPY");
  }
  if (variant == "v2_delta") {
    EXPECT_NE(encodings["id"].find("DELTA_BINARY_PACKED"), std::string::npos);
    EXPECT_NE(encodings["s"].find("DELTA_BYTE_ARRAY"), std::string::npos);
    EXPECT_NE(encodings["low"].find("DELTA_LENGTH_BYTE_ARRAY"), std::string::npos);
    EXPECT_NE(encodings["d"].find("BYTE_STREAM_SPLIT"), std::string::npos);
    EXPECT_EQ(encodings["s"].find("DICTIONARY"), std::string::npos);
  } else {
    EXPECT_NE(encodings["s"].find("DICTIONARY"), std::string::npos);
  }
  ExpectEveryValue(path, want, "arrow-rs " + variant);
}

INSTANTIATE_TEST_SUITE_P(Variants, ParquetReaderArrowRsTest,
                         ::testing::Values("v1", "v2", "v2_delta", "v2_zstd"));

// Counts the bytes a reader fetches.
class CountingFs : public testing::ForwardingFileSystem {
 public:
  using ForwardingFileSystem::ForwardingFileSystem;
  Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                  std::unique_ptr<InputStream>* out) override {
    bytes += length;
    ++reads;
    return base().OpenRead(path, offset, length, out);
  }
  uint64_t bytes = 0;
  int reads = 0;
};

TEST(ParquetReaderProjectionTest, ReadsOnlyTheRequestedChunks) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/wide.parquet";
  auto r =
      DuckDbQuery({"COPY (SELECT i AS id, md5(i::VARCHAR) || md5((i + 1)::VARCHAR) || md5((i + "
                   "2)::VARCHAR) AS text, ['#t' || (i % 7)] AS"
                   " tags FROM range(20000) t(i)) TO " +
                       SqlString(path) + " (FORMAT parquet, ROW_GROUP_SIZE 5000)",
                   "SELECT count(*) FROM read_parquet(" + SqlString(path) + ")"});
  ASSERT_TRUE(r.ok) << r.error;
  CountingFs fs(NewLocalFileSystem());
  auto size = fs.Size(path);
  ASSERT_TRUE(size.ok());
  std::unique_ptr<ParquetFileReader> reader;
  ASSERT_TRUE(ParquetFileReader::Open(fs, {path, *size}, {}, &reader).ok());
  const uint64_t footer_bytes = fs.bytes;
  EXPECT_EQ(fs.reads, 1);
  std::vector<int> cols;
  ASSERT_TRUE(reader->ResolveColumns({"tags"}, &cols).ok());
  ASSERT_GE(reader->num_row_groups(), 4);
  uint64_t chunk_bytes = 0;
  std::map<std::string, int64_t> counts;
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    chunk_bytes += reader->ChunkBytes(rg, cols, false);
    ASSERT_TRUE(reader
                    ->ReadRowGroup(rg, cols, 4096,
                                   [&](const ParquetRowBatch& b) {
                                     const ParquetColumnBatch& t = b.columns[0];
                                     for (size_t row = 0; row < b.num_rows; ++row) {
                                       for (size_t v = t.ValueBegin(row); v < t.ValueEnd(row); ++v)
                                         ++counts[std::string(t.String(v))];
                                     }
                                     return Status::OK();
                                   })
                    .ok());
  }
  EXPECT_EQ(counts.size(), 7u);
  EXPECT_EQ(counts["#t3"], 20000 / 7 + (20000 % 7 > 3 ? 1 : 0));
  // Footer plus exactly the tags chunks: the 96-byte texts are never fetched.
  EXPECT_EQ(fs.bytes, footer_bytes + chunk_bytes);
  EXPECT_EQ(fs.reads, 1 + reader->num_row_groups());
  EXPECT_LT(fs.bytes * 10, *size);
}

}  // namespace
}  // namespace rankflow
