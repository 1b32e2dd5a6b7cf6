// DuckDB (npm @duckdb/node-api) reads every kind of file ParquetWriter produces: each column
// type, nulls, empty lists and null elements, non-ASCII text, several pages and row groups,
// dictionary pages with and without the PLAIN fallback, each compression. Checked: the schema
// DuckDB sees (DESCRIBE, parquet_schema), the row count, every value against what was written,
// and the column chunk metadata DuckDB exposes (parquet_metadata: statistics, encodings, codec).
// ParquetEveryShapeTest: every type as a required and an optional column and as a list in all four
// (list, element) nullabilities, with codec and sizes drawn from a seed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/parquet/parquet_writer.h"
#include "tests/interop/duckdb.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::DuckDbQueries;
using testing::DuckDbQuery;
using testing::DuckDbResult;
using testing::SqlString;
using testing::TempDir;

// One row of the all-types table; std::nullopt is NULL.
struct Row {
  int64_t id = 0;
  std::optional<int32_t> i32;
  std::optional<int64_t> i64;
  std::optional<double> dbl;
  std::optional<bool> flag;
  std::optional<std::string> text;
  std::optional<int64_t> ts_ms;
  std::optional<std::vector<std::string>> tags;   // nullable list of non-null strings
  std::vector<std::optional<std::string>> words;  // required list of nullable strings
  std::optional<std::vector<int64_t>> nums;       // nullable list of int64
  std::string lang;                               // required, few distinct values
};

std::vector<ParquetColumn> AllTypesSchema() {
  return {ParquetColumn::Required("id", ParquetType::kInt64),
          ParquetColumn::Optional("i32", ParquetType::kInt32),
          ParquetColumn::Optional("i64", ParquetType::kInt64),
          ParquetColumn::Optional("dbl", ParquetType::kDouble),
          ParquetColumn::Optional("flag", ParquetType::kBool),
          ParquetColumn::Optional("text", ParquetType::kString),
          ParquetColumn::Optional("ts", ParquetType::kTimestampMillis),
          ParquetColumn::List("tags", ParquetType::kString),
          ParquetColumn::List("words", ParquetType::kString, /*nullable=*/false,
                              /*element_nullable=*/true),
          ParquetColumn::List("nums", ParquetType::kInt64),
          ParquetColumn::Required("lang", ParquetType::kString)};
}

const std::vector<std::string> kTexts = {"plain ascii",
                                         "",
                                         "caf\xC3\xA9 cr\xC3\xA8me",
                                         "\xE6\x97\xA5\xE6\x9C\xAC\xE8\xAA\x9E",
                                         "emoji \xF0\x9F\x98\x80\xF0\x9F\x8E\x89",
                                         "quote ' and \" and \\ backslash",
                                         "tab\tnew\nline",
                                         "\xD0\x9F\xD1\x80\xD0\xB8\xD0\xB2\xD0\xB5\xD1\x82"};

std::vector<Row> MakeRows(size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  auto chance = [&](int percent) { return static_cast<int>(rng() % 100) < percent; };
  std::vector<Row> rows(n);
  const std::vector<double> specials = {
      0.0, -0.0, 1.5, -2.25, 1e300, -1e-300, std::numeric_limits<double>::infinity()};
  for (size_t i = 0; i < n; ++i) {
    Row& r = rows[i];
    r.id = static_cast<int64_t>(i) * 7919 - 100000;
    if (!chance(10)) r.i32 = static_cast<int32_t>(rng());
    if (!chance(10)) {
      r.i64 = static_cast<int64_t>(rng());
      if (i == 3) r.i64 = std::numeric_limits<int64_t>::min();
      if (i == 4) r.i64 = std::numeric_limits<int64_t>::max();
    }
    if (!chance(10)) {
      r.dbl = chance(20)
                  ? specials[rng() % specials.size()]
                  : static_cast<double>(static_cast<int64_t>(rng() % 2000001) - 1000000) / 64.0;
    }
    if (!chance(10)) r.flag = chance(50);
    if (!chance(15)) {
      // Mostly unique texts (fallback to PLAIN), some repeated ones.
      r.text = chance(30) ? kTexts[rng() % kTexts.size()]
                          : kTexts[rng() % kTexts.size()] + " #" + std::to_string(rng() % 100000);
    }
    if (!chance(10)) {
      r.ts_ms = 1438819200000LL + static_cast<int64_t>(rng() % 86400000ULL) * 30;
      if (i == 5) r.ts_ms = -86400000LL * 365;  // before the epoch
    }
    if (!chance(10)) {
      std::vector<std::string> tags;
      const int k = static_cast<int>(rng() % 4);  // 0: an empty list
      for (int t = 0; t < k; ++t) tags.push_back("tag" + std::to_string(rng() % 50));
      if (k > 0 && chance(20))
        tags.push_back(
            "\xC3\xBC"
            "ber");
      r.tags = tags;
    }
    const int w = static_cast<int>(rng() % 3);
    for (int t = 0; t < w; ++t) {
      if (chance(25)) {
        r.words.push_back(std::nullopt);
      } else {
        r.words.push_back("w" + std::to_string(rng() % 1000));
      }
    }
    if (!chance(20)) {
      std::vector<int64_t> nums;
      const int k = static_cast<int>(rng() % 3);
      for (int t = 0; t < k; ++t) nums.push_back(static_cast<int64_t>(rng() % 1000) - 500);
      r.nums = nums;
    }
    static const char* kLangs[] = {"en", "ja", "es", "und"};
    r.lang = kLangs[rng() % 4];
  }
  return rows;
}

Status WriteRows(const std::string& path, const std::vector<Row>& rows,
                 const ParquetWriterOptions& options) {
  std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  RF_RETURN_IF_ERROR(fs->NewWritableFile(path, &file));
  ParquetWriter w(std::move(file), AllTypesSchema(), options);
  RF_RETURN_IF_ERROR(w.status());
  for (const Row& r : rows) {
    w.AppendInt64(0, r.id);
    r.i32 ? w.AppendInt32(1, *r.i32) : w.AppendNull(1);
    r.i64 ? w.AppendInt64(2, *r.i64) : w.AppendNull(2);
    r.dbl ? w.AppendDouble(3, *r.dbl) : w.AppendNull(3);
    r.flag ? w.AppendBool(4, *r.flag) : w.AppendNull(4);
    r.text ? w.AppendString(5, *r.text) : w.AppendNull(5);
    r.ts_ms ? w.AppendTimestampMillis(6, *r.ts_ms) : w.AppendNull(6);
    if (r.tags) {
      w.BeginList(7);
      for (const std::string& t : *r.tags) w.AppendString(7, t);
      w.EndList(7);
    } else {
      w.AppendNull(7);
    }
    w.BeginList(8);
    for (const auto& word : r.words) word ? w.AppendString(8, *word) : w.AppendNull(8);
    w.EndList(8);
    if (r.nums) {
      w.BeginList(9);
      for (int64_t v : *r.nums) w.AppendInt64(9, v);
      w.EndList(9);
    } else {
      w.AppendNull(9);
    }
    w.AppendString(10, r.lang);
    RF_RETURN_IF_ERROR(w.EndRow());
  }
  RF_RETURN_IF_ERROR(w.Finish());
  return w.file().Publish();
}

std::string DoubleText(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  return "";
}

// Compares DuckDB's rows (SELECT id, i32, i64, dbl, flag, text, epoch_ms(ts), tags, words, nums,
// lang ORDER BY id) with what was written; one failure per differing value.
void ExpectRowsEqual(const std::vector<Row>& want, const rapidjson::Value& got) {
  ASSERT_EQ(got.Size(), want.size());
  for (size_t i = 0; i < want.size(); ++i) {
    const Row& r = want[i];
    const rapidjson::Value& g = got[static_cast<rapidjson::SizeType>(i)];
    SCOPED_TRACE("row " + std::to_string(i));
    EXPECT_EQ(std::string(g[0].GetString()), std::to_string(r.id));
    if (r.i32) {
      EXPECT_EQ(g[1].GetInt(), *r.i32);
    } else {
      EXPECT_TRUE(g[1].IsNull());
    }
    if (r.i64) {
      EXPECT_EQ(std::string(g[2].GetString()), std::to_string(*r.i64));
    } else {
      EXPECT_TRUE(g[2].IsNull());
    }
    if (!r.dbl) {
      EXPECT_TRUE(g[3].IsNull());
    } else if (g[3].IsString()) {
      EXPECT_EQ(std::string(g[3].GetString()), DoubleText(*r.dbl));
    } else {
      // JSON has no -0 (JavaScript prints it as 0): the sign is checked in SQL, see NegativeCount.
      EXPECT_EQ(g[3].GetDouble(), *r.dbl);
    }
    if (r.flag) {
      EXPECT_EQ(g[4].GetBool(), *r.flag);
    } else {
      EXPECT_TRUE(g[4].IsNull());
    }
    if (r.text) {
      EXPECT_EQ(std::string(g[5].GetString(), g[5].GetStringLength()), *r.text);
    } else {
      EXPECT_TRUE(g[5].IsNull());
    }
    if (r.ts_ms) {
      EXPECT_EQ(std::string(g[6].GetString()), std::to_string(*r.ts_ms));
    } else {
      EXPECT_TRUE(g[6].IsNull());
    }
    if (r.tags) {
      ASSERT_TRUE(g[7].IsArray());
      ASSERT_EQ(g[7].Size(), r.tags->size());
      for (size_t k = 0; k < r.tags->size(); ++k) {
        EXPECT_EQ(std::string(g[7][static_cast<rapidjson::SizeType>(k)].GetString()), (*r.tags)[k]);
      }
    } else {
      EXPECT_TRUE(g[7].IsNull());
    }
    ASSERT_TRUE(g[8].IsArray());
    ASSERT_EQ(g[8].Size(), r.words.size());
    for (size_t k = 0; k < r.words.size(); ++k) {
      const rapidjson::Value& e = g[8][static_cast<rapidjson::SizeType>(k)];
      if (r.words[k]) {
        EXPECT_EQ(std::string(e.GetString()), *r.words[k]);
      } else {
        EXPECT_TRUE(e.IsNull());
      }
    }
    if (r.nums) {
      ASSERT_TRUE(g[9].IsArray());
      ASSERT_EQ(g[9].Size(), r.nums->size());
      for (size_t k = 0; k < r.nums->size(); ++k) {
        EXPECT_EQ(std::string(g[9][static_cast<rapidjson::SizeType>(k)].GetString()),
                  std::to_string((*r.nums)[k]));
      }
    } else {
      EXPECT_TRUE(g[9].IsNull());
    }
    EXPECT_EQ(std::string(g[10].GetString()), r.lang);
  }
}

const char kSelectAll[] =
    "SELECT id, i32, i64, dbl, flag, text, epoch_ms(ts), tags, words, nums, lang FROM ";

std::string ReadParquet(const std::string& path) { return "read_parquet(" + SqlString(path) + ")"; }

struct Case {
  const char* name;
  ParquetCompression compression;
  uint64_t row_group_bytes;
  uint64_t page_bytes;
  bool dictionary;
  uint64_t dictionary_bytes;
};

// GoogleTest prints a parameter by name (its default dumps the struct's bytes, padding included).
void PrintTo(const Case& c, std::ostream* os) { *os << c.name; }

class ParquetDuckDbTest : public ::testing::TestWithParam<Case> {};

// Every value, the schema and the row count, for each compression and page/row group shape.
TEST_P(ParquetDuckDbTest, DuckDbReadsEveryValue) {
  const Case& c = GetParam();
  TempDir dir;
  const std::string path = dir.Join("t.parquet");
  const std::vector<Row> rows = MakeRows(3000, 20261204);
  ParquetWriterOptions o;
  o.compression = c.compression;
  o.row_group_bytes = c.row_group_bytes;
  o.page_bytes = c.page_bytes;
  o.dictionary = c.dictionary;
  o.dictionary_bytes = c.dictionary_bytes;
  ASSERT_TRUE(WriteRows(path, rows, o).ok());

  // One DuckDB process for all the queries: the schema, the row count, every value, the signs
  // of the doubles (-0.0 included, which JSON cannot show), and the codec of every column chunk.
  const std::string file = ReadParquet(path);
  std::vector<DuckDbResult> d =
      DuckDbQueries({"DESCRIBE SELECT * FROM " + file, "SELECT count(*) FROM " + file,
                     std::string(kSelectAll) + file + " ORDER BY id",
                     "SELECT count(*) FROM " + file + " WHERE signbit(dbl)",
                     "SELECT DISTINCT compression FROM parquet_metadata(" + SqlString(path) + ")"});
  ASSERT_EQ(d.size(), 5u) << d[0].error;
  for (const DuckDbResult& r : d) ASSERT_TRUE(r.ok) << r.error;

  std::map<std::string, std::string> types;
  for (const auto& row : d[0].rows().GetArray()) types[row[0].GetString()] = row[1].GetString();
  const std::map<std::string, std::string> want_types = {{"id", "BIGINT"},
                                                         {"i32", "INTEGER"},
                                                         {"i64", "BIGINT"},
                                                         {"dbl", "DOUBLE"},
                                                         {"flag", "BOOLEAN"},
                                                         {"text", "VARCHAR"},
                                                         {"ts", "TIMESTAMP WITH TIME ZONE"},
                                                         {"tags", "VARCHAR[]"},
                                                         {"words", "VARCHAR[]"},
                                                         {"nums", "BIGINT[]"},
                                                         {"lang", "VARCHAR"}};
  EXPECT_EQ(types, want_types);

  EXPECT_EQ(std::string(d[1].rows()[0][0].GetString()), std::to_string(rows.size()));
  ExpectRowsEqual(rows, d[2].rows());

  size_t negative = 0;
  for (const Row& r : rows) negative += r.dbl && std::signbit(*r.dbl) ? 1 : 0;
  EXPECT_EQ(std::string(d[3].rows()[0][0].GetString()), std::to_string(negative));

  ASSERT_EQ(d[4].rows().Size(), 1u);
  static const std::map<ParquetCompression, std::string> kNames = {
      {ParquetCompression::kUncompressed, "UNCOMPRESSED"},
      {ParquetCompression::kSnappy, "SNAPPY"},
      {ParquetCompression::kGzip, "GZIP"},
      {ParquetCompression::kZstd, "ZSTD"}};
  EXPECT_EQ(std::string(d[4].rows()[0][0].GetString()), kNames.at(c.compression));
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ParquetDuckDbTest,
    ::testing::Values(
        // Defaults: one row group, one page per column.
        Case{"snappy", ParquetCompression::kSnappy, 128 << 20, 1 << 20, true, 1 << 20},
        Case{"zstd", ParquetCompression::kZstd, 128 << 20, 1 << 20, true, 1 << 20},
        Case{"gzip", ParquetCompression::kGzip, 128 << 20, 1 << 20, true, 1 << 20},
        Case{"uncompressed", ParquetCompression::kUncompressed, 128 << 20, 1 << 20, true, 1 << 20},
        // Many row groups and pages; dictionaries that fall back to PLAIN part way.
        Case{"small_snappy", ParquetCompression::kSnappy, 16 << 10, 512, true, 256},
        Case{"small_zstd", ParquetCompression::kZstd, 8 << 10, 1024, true, 64},
        Case{"small_gzip", ParquetCompression::kGzip, 32 << 10, 300, true, 1024},
        Case{"small_uncompressed", ParquetCompression::kUncompressed, 4 << 10, 100, true, 128},
        // No dictionary at all.
        Case{"plain_only", ParquetCompression::kSnappy, 20 << 10, 700, false, 0}),
    [](const ::testing::TestParamInfo<Case>& info) { return std::string(info.param.name); });

// Expected statistics of one leaf column over some rows: what ParquetWriter promises.
struct Stats {
  int64_t nulls = 0;
  bool has = false;
  std::string min, max;  // strings; integers and booleans as DuckDB prints them
  double dmin = 0, dmax = 0;
  void Int(int64_t v) {
    Str(std::to_string(v),
        [](const std::string& a, const std::string& b) { return std::stoll(a) < std::stoll(b); });
  }
  template <typename Less = std::less<std::string>>
  void Str(const std::string& v, Less less = Less()) {
    if (!has || less(v, min)) min = v;
    if (!has || less(max, v)) max = v;
    has = true;
  }
  void Double(double v) {
    if (std::isnan(v)) return;
    if (!has || v < dmin) dmin = v;
    if (!has || v > dmax) dmax = v;
    has = true;
  }
};

std::vector<Stats> ExpectedStats(const std::vector<Row>& rows, size_t begin, size_t end) {
  std::vector<Stats> s(11);
  for (size_t i = begin; i < end; ++i) {
    const Row& r = rows[i];
    s[0].Int(r.id);
    r.i32 ? s[1].Int(*r.i32) : void(++s[1].nulls);
    r.i64 ? s[2].Int(*r.i64) : void(++s[2].nulls);
    r.dbl ? s[3].Double(*r.dbl) : void(++s[3].nulls);
    r.flag ? s[4].Str(*r.flag ? "true" : "false") : void(++s[4].nulls);
    r.text ? s[5].Str(*r.text) : void(++s[5].nulls);
    r.ts_ms ? s[6].Int(*r.ts_ms) : void(++s[6].nulls);
    // Lists: a null or empty list, and a null element, are entries without a value.
    if (!r.tags || r.tags->empty()) ++s[7].nulls;
    if (r.tags) {
      for (const std::string& t : *r.tags) s[7].Str(t);
    }
    if (r.words.empty()) ++s[8].nulls;
    for (const auto& w : r.words) w ? s[8].Str(*w) : void(++s[8].nulls);
    if (!r.nums || r.nums->empty()) ++s[9].nulls;
    if (r.nums) {
      for (int64_t v : *r.nums) s[9].Int(v);
    }
    s[10].Str(r.lang);
  }
  return s;
}

std::optional<std::string> OptString(const rapidjson::Value& v) {
  if (v.IsNull()) return std::nullopt;
  return std::string(v.GetString(), v.GetStringLength());
}

// parquet_metadata(): per row group and column, null_count and min/max (min_value/max_value and
// the deprecated min/max) equal what the rows of that row group hold.
TEST(ParquetDuckDbMetadataTest, StatisticsOfEveryRowGroupMatchItsRows) {
  TempDir dir;
  const std::string path = dir.Join("t.parquet");
  const std::vector<Row> rows = MakeRows(2500, 99);
  ParquetWriterOptions o;
  o.row_group_bytes = 24 << 10;
  o.page_bytes = 2048;
  o.dictionary_bytes = 512;
  ASSERT_TRUE(WriteRows(path, rows, o).ok());
  // Timestamps come back as text in DuckDB's format: turned into epoch milliseconds here.
  const std::string ts = "path_in_schema = 'ts'";
  DuckDbResult d = DuckDbQuery(
      {"SELECT row_group_id, row_group_num_rows, column_id, path_in_schema, stats_null_count, "
       "CASE WHEN " +
       ts +
       " THEN epoch_ms(stats_min_value::TIMESTAMP)::VARCHAR "
       "ELSE stats_min_value END, "
       "CASE WHEN " +
       ts +
       " THEN epoch_ms(stats_max_value::TIMESTAMP)::VARCHAR "
       "ELSE stats_max_value END, "
       "CASE WHEN " +
       ts +
       " THEN epoch_ms(stats_min::TIMESTAMP)::VARCHAR ELSE stats_min END, "
       "CASE WHEN " +
       ts +
       " THEN epoch_ms(stats_max::TIMESTAMP)::VARCHAR ELSE stats_max END, "
       "min_is_exact, max_is_exact FROM parquet_metadata(" +
       SqlString(path) +
       ") "
       "ORDER BY row_group_id, column_id"});
  ASSERT_TRUE(d.ok) << d.error;
  const rapidjson::Value& got = d.rows();
  ASSERT_EQ(got.Size() % 11, 0u);
  const size_t groups = got.Size() / 11;
  EXPECT_GT(groups, 3u) << "the test wants several row groups";
  const std::vector<std::string> paths = {"id",
                                          "i32",
                                          "i64",
                                          "dbl",
                                          "flag",
                                          "text",
                                          "ts",
                                          "tags, list, element",
                                          "words, list, element",
                                          "nums, list, element",
                                          "lang"};
  size_t begin = 0;
  for (size_t g = 0; g < groups; ++g) {
    const size_t n = std::stoull(got[static_cast<rapidjson::SizeType>(g * 11)][1].GetString());
    const std::vector<Stats> want = ExpectedStats(rows, begin, begin + n);
    for (size_t c = 0; c < 11; ++c) {
      const rapidjson::Value& r = got[static_cast<rapidjson::SizeType>(g * 11 + c)];
      const std::string path_in_schema = r[3].GetString();
      SCOPED_TRACE("row group " + std::to_string(g) + ", " + path_in_schema);
      EXPECT_EQ(path_in_schema, paths[c]);
      EXPECT_EQ(std::string(r[4].GetString()), std::to_string(want[c].nulls));
      const std::optional<std::string> min = OptString(r[5]), max = OptString(r[6]);
      const std::optional<std::string> old_min = OptString(r[7]), old_max = OptString(r[8]);
      ASSERT_EQ(min.has_value(), want[c].has);
      if (!want[c].has) continue;
      EXPECT_TRUE(r[9].GetBool());
      EXPECT_TRUE(r[10].GetBool());
      if (c == 3) {
        EXPECT_EQ(std::strtod(min->c_str(), nullptr), want[c].dmin);
        // DuckDB shows no maximum when it is +infinity (for its own files too).
        if (std::isinf(want[c].dmax)) {
          EXPECT_FALSE(max.has_value());
        } else {
          ASSERT_TRUE(max.has_value());
          EXPECT_EQ(std::strtod(max->c_str(), nullptr), want[c].dmax);
        }
        continue;
      }
      EXPECT_EQ(*min, want[c].min);
      EXPECT_EQ(max.value_or("(none)"), want[c].max);
      const bool is_string = c == 5 || c == 7 || c == 8 || c == 10;
      if (is_string) {
        // The deprecated fields are in signed byte order: left out for strings.
        EXPECT_FALSE(old_min.has_value());
        EXPECT_FALSE(old_max.has_value());
      } else {
        EXPECT_EQ(old_min.value_or("(none)"), want[c].min);
        EXPECT_EQ(old_max.value_or("(none)"), want[c].max);
      }
    }
    begin += n;
  }
  EXPECT_EQ(begin, rows.size());
}

// parquet_metadata(): a unique column is PLAIN only; a low-cardinality one has its dictionary
// page first in every row group; parquet_schema(): the 3-level lists and the logical types;
// parquet_kv_metadata(): the key/value pairs; created_by.
TEST(ParquetDuckDbMetadataTest, EncodingsSchemaAndKeyValueMetadata) {
  TempDir dir;
  const std::string path = dir.Join("t.parquet");
  const std::vector<Row> rows = MakeRows(4000, 5);
  ParquetWriterOptions o;
  o.row_group_bytes = 64 << 10;
  o.key_value_metadata = {{"rankflow.job", "test"}, {"note", "caf\xC3\xA9"}};
  ASSERT_TRUE(WriteRows(path, rows, o).ok());

  DuckDbResult d = DuckDbQuery(
      {"SELECT path_in_schema, encodings, dictionary_page_offset IS NOT NULL, "
       "coalesce(dictionary_page_offset < data_page_offset, true) FROM parquet_metadata(" +
       SqlString(path) + ") WHERE path_in_schema IN ('id', 'lang') ORDER BY row_group_id"});
  ASSERT_TRUE(d.ok) << d.error;
  ASSERT_GT(d.rows().Size(), 2u);
  for (const auto& r : d.rows().GetArray()) {
    const std::string column = r[0].GetString();
    SCOPED_TRACE(column);
    if (column == "id") {
      EXPECT_EQ(std::string(r[1].GetString()), "PLAIN");
      EXPECT_FALSE(r[2].GetBool());
    } else {
      EXPECT_EQ(std::string(r[1].GetString()), "PLAIN, RLE_DICTIONARY");
      EXPECT_TRUE(r[2].GetBool());
    }
    EXPECT_TRUE(r[3].GetBool());
  }

  d =
      DuckDbQuery({"SELECT name, coalesce(type, ''), coalesce(repetition_type, ''), "
                   "coalesce(converted_type, ''), "
                   "coalesce(logical_type, '') FROM parquet_schema(" +
                   SqlString(path) + ")"});
  ASSERT_TRUE(d.ok) << d.error;
  std::vector<std::string> schema;
  for (const auto& r : d.rows().GetArray()) {
    schema.push_back(std::string(r[0].GetString()) + " " + r[1].GetString() + " " +
                     r[2].GetString() + " " + r[3].GetString() + " " + r[4].GetString());
  }
  ASSERT_EQ(schema.size(), 1u + 11 + 3 * 2);  // root, columns, two more levels per list
  // DuckDB prints IntType's i8 bitWidth as a character: '@' is 64.
  EXPECT_EQ(schema[1], "id INT64 REQUIRED INT_64 IntType(bitWidth=@, isSigned=1)");
  EXPECT_EQ(schema[7],
            "ts INT64 OPTIONAL TIMESTAMP_MILLIS TimestampType(isAdjustedToUTC=1, "
            "unit=TimeUnit(MILLIS=MilliSeconds(), MICROS=<null>, NANOS=<null>))");
  EXPECT_EQ(schema[8], "tags  OPTIONAL LIST ListType()");
  EXPECT_EQ(schema[9], "list  REPEATED  ");
  EXPECT_EQ(schema[10], "element BYTE_ARRAY REQUIRED UTF8 StringType()");
  EXPECT_EQ(schema[11], "words  REQUIRED LIST ListType()");
  EXPECT_EQ(schema[13], "element BYTE_ARRAY OPTIONAL UTF8 StringType()");

  d = DuckDbQuery({"SELECT decode(key), decode(value) FROM parquet_kv_metadata(" + SqlString(path) +
                   ") ORDER BY 1"});
  ASSERT_TRUE(d.ok) << d.error;
  ASSERT_EQ(d.rows().Size(), 2u);
  EXPECT_EQ(std::string(d.rows()[0][0].GetString()), "note");
  EXPECT_EQ(std::string(d.rows()[0][1].GetString()), "caf\xC3\xA9");
  EXPECT_EQ(std::string(d.rows()[1][0].GetString()), "rankflow.job");
  EXPECT_EQ(std::string(d.rows()[1][1].GetString()), "test");

  d = DuckDbQuery(
      {"SELECT created_by, num_rows FROM parquet_file_metadata(" + SqlString(path) + ")"});
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(std::string(d.rows()[0][0].GetString()), "rankflow version 0.1.0");
  EXPECT_EQ(std::string(d.rows()[0][1].GetString()), std::to_string(rows.size()));
}

// A file without rows (a rank that got no input) is a valid table with the schema.
TEST(ParquetDuckDbMetadataTest, EmptyFileHasTheSchemaAndNoRows) {
  TempDir dir;
  const std::string path = dir.Join("empty.parquet");
  ASSERT_TRUE(WriteRows(path, {}, ParquetWriterOptions{}).ok());
  DuckDbResult d = DuckDbQuery({"SELECT count(*) FROM " + ReadParquet(path)});
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(std::string(d.rows()[0][0].GetString()), "0");
  d = DuckDbQuery({"DESCRIBE SELECT * FROM " + ReadParquet(path)});
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(d.rows().Size(), 11u);
}

}  // namespace
}  // namespace rankflow

namespace rankflow {
namespace {

// One value of the every-shape table; kind kNull is NULL.
struct Cell {
  enum Kind { kNull, kInt, kDouble, kBool, kString } kind = kNull;
  int64_t i = 0;
  double d = 0;
  std::string s;
};

struct Entry {
  bool null = false;        // a null value (plain) or a null list
  Cell value;               // plain columns
  std::vector<Cell> items;  // list columns
};

// Every type as a required and an optional plain column, and as a list in all four
// (list nullable, element nullable) combinations.
std::vector<ParquetColumn> EveryShapeSchema() {
  const ParquetType types[] = {ParquetType::kBool,   ParquetType::kInt32,
                               ParquetType::kInt64,  ParquetType::kDouble,
                               ParquetType::kString, ParquetType::kTimestampMillis};
  std::vector<ParquetColumn> out;
  for (ParquetType t : types) {
    const std::string n = ParquetTypeName(t);
    out.push_back(ParquetColumn::Required("req_" + n, t));
    out.push_back(ParquetColumn::Optional("opt_" + n, t));
    for (int shape = 0; shape < 4; ++shape) {
      out.push_back(ParquetColumn::List("list" + std::to_string(shape) + "_" + n, t, shape & 1,
                                        (shape & 2) != 0));
    }
  }
  return out;
}

Cell RandomCell(ParquetType type, std::mt19937_64& rng) {
  Cell c;
  switch (type) {
    case ParquetType::kBool:
      c.kind = Cell::kBool;
      c.i = static_cast<int64_t>(rng() % 2);
      break;
    case ParquetType::kInt32:
      c.kind = Cell::kInt;
      c.i = static_cast<int32_t>(rng() % 7 == 0 ? rng() : rng() % 20);
      break;
    case ParquetType::kInt64:
    case ParquetType::kTimestampMillis:
      c.kind = Cell::kInt;
      c.i = rng() % 7 == 0 ? static_cast<int64_t>(rng() >> 20) : static_cast<int64_t>(rng() % 20);
      break;
    case ParquetType::kDouble:
      c.kind = Cell::kDouble;
      c.d = static_cast<double>(static_cast<int64_t>(rng() % 4001) - 2000) / 8;
      break;
    case ParquetType::kString:
      c.kind = Cell::kString;
      c.s = rng() % 5 == 0 ? kTexts[rng() % kTexts.size()] : "s" + std::to_string(rng() % 30);
      break;
  }
  return c;
}

std::vector<std::vector<Entry>> MakeEveryShapeRows(const std::vector<ParquetColumn>& schema,
                                                   size_t n, uint32_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::vector<Entry>> rows(n, std::vector<Entry>(schema.size()));
  for (size_t r = 0; r < n; ++r) {
    for (size_t c = 0; c < schema.size(); ++c) {
      const ParquetColumn& col = schema[c];
      Entry& e = rows[r][c];
      e.null = col.nullable && rng() % 5 == 0;
      if (e.null) continue;
      if (!col.list) {
        e.value = RandomCell(col.type, rng);
        continue;
      }
      const size_t k = rng() % 4;  // 0: an empty list
      for (size_t j = 0; j < k; ++j) {
        e.items.push_back(col.element_nullable && rng() % 4 == 0 ? Cell{}
                                                                 : RandomCell(col.type, rng));
      }
    }
  }
  return rows;
}

void AppendCell(ParquetWriter& w, size_t c, ParquetType type, const Cell& v) {
  if (v.kind == Cell::kNull) return w.AppendNull(c);
  switch (type) {
    case ParquetType::kBool:
      return w.AppendBool(c, v.i != 0);
    case ParquetType::kInt32:
      return w.AppendInt32(c, static_cast<int32_t>(v.i));
    case ParquetType::kInt64:
      return w.AppendInt64(c, v.i);
    case ParquetType::kDouble:
      return w.AppendDouble(c, v.d);
    case ParquetType::kString:
      return w.AppendString(c, v.s);
    case ParquetType::kTimestampMillis:
      return w.AppendTimestampMillis(c, v.i);
  }
}

// One cell of DuckDB's JSON against what was written (int32 and bool as JSON numbers and
// booleans; int64 and timestamps, selected as epoch_ms, as strings).
void ExpectCell(const rapidjson::Value& g, ParquetType type, const Cell& v) {
  if (v.kind == Cell::kNull) {
    EXPECT_TRUE(g.IsNull());
    return;
  }
  switch (type) {
    case ParquetType::kBool:
      EXPECT_EQ(g.GetBool(), v.i != 0);
      return;
    case ParquetType::kInt32:
      EXPECT_EQ(g.GetInt64(), v.i);
      return;
    case ParquetType::kInt64:
    case ParquetType::kTimestampMillis:
      EXPECT_EQ(std::string(g.GetString()), std::to_string(v.i));
      return;
    case ParquetType::kDouble:
      EXPECT_EQ(g.GetDouble(), v.d);
      return;
    case ParquetType::kString:
      EXPECT_EQ(std::string(g.GetString(), g.GetStringLength()), v.s);
      return;
  }
}

// Every cell of a peer's rows (DuckDB's JSON forms) against what was written.
void ExpectEveryShapeRows(const std::vector<ParquetColumn>& schema,
                          const std::vector<std::vector<Entry>>& rows,
                          const rapidjson::Value& got) {
  ASSERT_EQ(got.Size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < schema.size(); ++c) {
      SCOPED_TRACE("row " + std::to_string(r) + ", " + schema[c].name);
      const rapidjson::Value& g =
          got[static_cast<rapidjson::SizeType>(r)][static_cast<rapidjson::SizeType>(c)];
      const Entry& e = rows[r][c];
      if (e.null) {
        EXPECT_TRUE(g.IsNull());
      } else if (!schema[c].list) {
        ExpectCell(g, schema[c].type, e.value);
      } else {
        ASSERT_TRUE(g.IsArray());
        ASSERT_EQ(g.Size(), e.items.size());
        for (size_t k = 0; k < e.items.size(); ++k) {
          ExpectCell(g[static_cast<rapidjson::SizeType>(k)], schema[c].type, e.items[k]);
        }
      }
    }
  }
}

class ParquetEveryShapeTest : public ::testing::TestWithParam<uint32_t> {};

// Every type in every repetition, with options drawn from the seed (codec, page, row group and
// dictionary sizes): DuckDB reads the schema and every value back.
TEST_P(ParquetEveryShapeTest, DuckDbReadsEveryValueOfEveryShape) {
  const uint32_t seed = GetParam();
  std::mt19937_64 rng(seed);
  ParquetWriterOptions o;
  o.compression = static_cast<ParquetCompression>(rng() % 4);
  o.page_bytes = 64 + rng() % 4096;
  o.row_group_bytes = 1024 + rng() % (256 << 10);
  o.dictionary = rng() % 4 != 0;
  o.dictionary_bytes = 16 + rng() % 2048;
  SCOPED_TRACE("seed " + std::to_string(seed) + ": " + ParquetCompressionName(o.compression) +
               ", page " + std::to_string(o.page_bytes) + ", row group " +
               std::to_string(o.row_group_bytes) + ", dictionary " +
               (o.dictionary ? std::to_string(o.dictionary_bytes) : "off"));
  const std::vector<ParquetColumn> schema = EveryShapeSchema();
  const auto rows = MakeEveryShapeRows(schema, 700, seed);
  TempDir dir;
  const std::string path = dir.Join("shapes.parquet");
  {
    std::unique_ptr<FileSystem> fs = NewLocalFileSystem();
    std::unique_ptr<WritableFile> file;
    ASSERT_TRUE(fs->NewWritableFile(path, &file).ok());
    ParquetWriter w(std::move(file), schema, o);
    ASSERT_TRUE(w.status().ok()) << w.status().ToString();
    for (const auto& row : rows) {
      for (size_t c = 0; c < schema.size(); ++c) {
        const Entry& e = row[c];
        if (e.null) {
          w.AppendNull(c);
        } else if (!schema[c].list) {
          AppendCell(w, c, schema[c].type, e.value);
        } else {
          w.BeginList(c);
          for (const Cell& item : e.items) AppendCell(w, c, schema[c].type, item);
          w.EndList(c);
        }
      }
      ASSERT_TRUE(w.EndRow().ok()) << w.EndRow().ToString();
    }
    ASSERT_TRUE(w.Finish().ok());
    ASSERT_TRUE(w.file().Publish().ok());
  }
  std::string select;
  for (const ParquetColumn& c : schema) {
    std::string expr = '"' + c.name + '"';
    if (c.type == ParquetType::kTimestampMillis) {
      expr = c.list ? "list_transform(" + expr + ", x -> epoch_ms(x))" : "epoch_ms(" + expr + ")";
    }
    select += (select.empty() ? "" : ", ") + expr;
  }
  const std::string file = ReadParquet(path);
  std::vector<DuckDbResult> d =
      DuckDbQueries({"DESCRIBE SELECT * FROM " + file, "SELECT " + select + " FROM " + file,
                     "SELECT name, repetition_type FROM parquet_schema(" + SqlString(path) + ")"});
  ASSERT_EQ(d.size(), 3u) << d[0].error;
  ASSERT_TRUE(d[0].ok && d[1].ok && d[2].ok) << d[0].error << d[1].error << d[2].error;
  // The repetitions DuckDB reads: the column's, then for lists the repeated group's and the
  // element's (DESCRIBE shows every column as nullable).
  std::vector<std::string> want_repetitions, got_repetitions;
  auto repetition = [](bool nullable) { return nullable ? "OPTIONAL" : "REQUIRED"; };
  for (const ParquetColumn& c : schema) {
    want_repetitions.push_back(c.name + " " + repetition(c.nullable));
    if (!c.list) continue;
    want_repetitions.push_back("list REPEATED");
    want_repetitions.push_back(std::string("element ") + repetition(c.element_nullable));
  }
  for (rapidjson::SizeType i = 1; i < d[2].rows().Size(); ++i) {  // 0 is the root
    got_repetitions.push_back(std::string(d[2].rows()[i][0].GetString()) + " " +
                              d[2].rows()[i][1].GetString());
  }
  EXPECT_EQ(got_repetitions, want_repetitions);
  const std::map<ParquetType, std::string> duck = {
      {ParquetType::kBool, "BOOLEAN"},
      {ParquetType::kInt32, "INTEGER"},
      {ParquetType::kInt64, "BIGINT"},
      {ParquetType::kDouble, "DOUBLE"},
      {ParquetType::kString, "VARCHAR"},
      {ParquetType::kTimestampMillis, "TIMESTAMP WITH TIME ZONE"}};
  ASSERT_EQ(d[0].rows().Size(), schema.size());
  for (size_t c = 0; c < schema.size(); ++c) {
    const auto& r = d[0].rows()[static_cast<rapidjson::SizeType>(c)];
    EXPECT_EQ(std::string(r[0].GetString()), schema[c].name);
    EXPECT_EQ(std::string(r[1].GetString()),
              duck.at(schema[c].type) + (schema[c].list ? "[]" : ""));
  }
  ExpectEveryShapeRows(schema, rows, d[1].rows());

  // A second, independent reader (hyparquet, JavaScript) gets the same values.
  DuckDbResult h = testing::HyparquetRead(path);
  ASSERT_TRUE(h.ok) << h.error;
  EXPECT_EQ(h.column_names.size(), schema.size());
  ExpectEveryShapeRows(schema, rows, h.rows());
}

INSTANTIATE_TEST_SUITE_P(Seeds, ParquetEveryShapeTest, ::testing::Values(1u, 2u, 3u, 4u, 5u, 6u));

}  // namespace
}  // namespace rankflow
