// DuckDB (npm @duckdb/node-api) reads every kind of file ParquetWriter produces: each column
// type, nulls, empty lists and null elements, non-ASCII text, several pages and row groups,
// dictionary pages with and without the PLAIN fallback, each compression. Checked: the schema
// DuckDB sees (DESCRIBE, parquet_schema), the row count, every value against what was written,
// and the column chunk metadata DuckDB exposes (parquet_metadata: statistics, encodings, codec).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/parquet/parquet_writer.h"
#include "tests/interop/duckdb.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

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

  DuckDbResult d = DuckDbQuery({"DESCRIBE SELECT * FROM " + ReadParquet(path)});
  ASSERT_TRUE(d.ok) << d.error;
  std::map<std::string, std::string> types;
  for (const auto& row : d.rows().GetArray()) types[row[0].GetString()] = row[1].GetString();
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

  d = DuckDbQuery({"SELECT count(*) FROM " + ReadParquet(path)});
  ASSERT_TRUE(d.ok) << d.error;
  EXPECT_EQ(std::string(d.rows()[0][0].GetString()), std::to_string(rows.size()));

  d = DuckDbQuery({std::string(kSelectAll) + ReadParquet(path) + " ORDER BY id"});
  ASSERT_TRUE(d.ok) << d.error;
  ExpectRowsEqual(rows, d.rows());

  // Signs, -0.0 included, which the JSON rows cannot show.
  d = DuckDbQuery({"SELECT count(*) FROM " + ReadParquet(path) + " WHERE signbit(dbl)"});
  ASSERT_TRUE(d.ok) << d.error;
  size_t negative = 0;
  for (const Row& r : rows) negative += r.dbl && std::signbit(*r.dbl) ? 1 : 0;
  EXPECT_EQ(std::string(d.rows()[0][0].GetString()), std::to_string(negative));

  // The codec DuckDB reports for every column chunk, and how many row groups there are.
  d = DuckDbQuery({"SELECT DISTINCT compression FROM parquet_metadata(" + SqlString(path) + ")"});
  ASSERT_TRUE(d.ok) << d.error;
  ASSERT_EQ(d.rows().Size(), 1u);
  static const std::map<ParquetCompression, std::string> kNames = {
      {ParquetCompression::kUncompressed, "UNCOMPRESSED"},
      {ParquetCompression::kSnappy, "SNAPPY"},
      {ParquetCompression::kGzip, "GZIP"},
      {ParquetCompression::kZstd, "ZSTD"}};
  EXPECT_EQ(std::string(d.rows()[0][0].GetString()), kNames.at(c.compression));
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

}  // namespace
}  // namespace rankflow
