// ParquetWriter -> ParquetFileReader: random rows (fixed seed) of every column type, nullable and
// not, lists (null, empty, null elements), written with every codec, tiny pages and row groups
// (many of each), dictionaries on, off and falling back to PLAIN; read back, every value equal.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>
#include <random>

#include "runtime/parquet/parquet_reader.h"
#include "runtime/parquet/parquet_writer.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using Cell = std::optional<std::string>;            // nullopt = null
using ListCell = std::optional<std::vector<Cell>>;  // nullopt = null list

struct Table {
  std::vector<ParquetColumn> schema;
  std::vector<std::vector<ListCell>> rows;  // plain columns: a one-element list
};

std::string RandomText(std::mt19937_64& rng) {
  static const char* kWords[] = {"a",    "tweet", "\xc3\xa9t\xc3\xa9", "\xe6\xbc\xa2\xe5\xad\x97",
                                 "#tag", "",      "\xf0\x9f\x98\x80",  "long long long words"};
  std::string s;
  const int n = static_cast<int>(rng() % 4);
  for (int i = 0; i < n; ++i) s += kWords[rng() % 8];
  return s;
}

// A value of `type` as the reader prints it (ints as decimal, doubles with %.17g, bools 0/1).
std::string RandomValue(ParquetType type, std::mt19937_64& rng, int64_t* raw) {
  switch (type) {
    case ParquetType::kBool:
      *raw = static_cast<int64_t>(rng() % 2);
      return std::to_string(*raw);
    case ParquetType::kInt32:
      *raw = static_cast<int32_t>(rng() % 2 ? rng() % 50 : rng());
      return std::to_string(*raw);
    case ParquetType::kInt64:
    case ParquetType::kTimestampMillis:
      *raw = static_cast<int64_t>(rng() % 3 ? rng() % 1000 : rng());
      return std::to_string(*raw);
    case ParquetType::kDouble: {
      const double d =
          rng() % 2 ? static_cast<double>(rng() % 10) / 4 : static_cast<double>(rng()) / 7;
      std::memcpy(raw, &d, 8);
      char buf[64];
      snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    case ParquetType::kString:
      return RandomText(rng);
  }
  return "";
}

void Append(ParquetWriter& w, size_t col, ParquetType type, const std::string& text, int64_t raw) {
  switch (type) {
    case ParquetType::kBool:
      w.AppendBool(col, raw != 0);
      break;
    case ParquetType::kInt32:
      w.AppendInt32(col, static_cast<int32_t>(raw));
      break;
    case ParquetType::kInt64:
      w.AppendInt64(col, raw);
      break;
    case ParquetType::kTimestampMillis:
      w.AppendTimestampMillis(col, raw);
      break;
    case ParquetType::kDouble: {
      double d;
      std::memcpy(&d, &raw, 8);
      w.AppendDouble(col, d);
      break;
    }
    case ParquetType::kString:
      w.AppendString(col, text);
      break;
  }
}

std::string Print(const ParquetColumnBatch& c, size_t i) {
  switch (c.leaf->type) {
    case pq::PhysicalType::kByteArray:
      return std::string(c.String(i));
    case pq::PhysicalType::kDouble: {
      char buf[64];
      snprintf(buf, sizeof buf, "%.17g", c.Double(i));
      return buf;
    }
    default:
      return std::to_string(c.Int(i));
  }
}

ListCell ReadCell(const ParquetColumnBatch& c, size_t row) {
  if (c.IsNull(row)) return std::nullopt;
  if (!c.leaf->is_list) return std::vector<Cell>{Print(c, c.ValueBegin(row))};
  std::vector<Cell> items;
  size_t v = c.ValueBegin(row);
  for (uint32_t e = c.entry_offsets[row]; e < c.entry_offsets[row + 1]; ++e) {
    if (c.def_levels[e] == c.leaf->max_def) {
      items.emplace_back(Print(c, v++));
    } else if (c.def_levels[e] > c.leaf->row_def) {
      items.emplace_back(std::nullopt);
    }
  }
  return items;
}

// Writes `rows` random rows and returns what was written.
Table WriteTable(const std::string& path, const ParquetWriterOptions& options, int rows,
                 uint64_t seed) {
  Table t;
  using C = ParquetColumn;
  using T = ParquetType;
  t.schema = {C::Required("id", T::kInt64),           C::Optional("flag", T::kBool),
              C::Optional("n32", T::kInt32),          C::Optional("x", T::kDouble),
              C::Optional("text", T::kString),        C::Required("label", T::kString),
              C::Optional("at", T::kTimestampMillis), C::List("tags", T::kString),
              C::List("nums", T::kInt64, true, true), C::List("req", T::kString, false, false)};
  auto fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> file;
  EXPECT_TRUE(fs->NewWritableFile(path, &file).ok());
  ParquetWriter w(file.get(), t.schema, options);
  std::mt19937_64 rng(seed);
  for (int r = 0; r < rows; ++r) {
    std::vector<ListCell> row;
    for (size_t c = 0; c < t.schema.size(); ++c) {
      const ParquetColumn& col = t.schema[c];
      if (col.nullable && rng() % 5 == 0) {
        w.AppendNull(c);
        row.emplace_back(std::nullopt);
        continue;
      }
      int64_t raw = 0;
      if (!col.list) {
        const std::string text = c == 0 ? std::to_string(r) : RandomValue(col.type, rng, &raw);
        if (c == 0) raw = r;
        Append(w, c, col.type, text, raw);
        row.emplace_back(std::vector<Cell>{text});
        continue;
      }
      w.BeginList(c);
      std::vector<Cell> items;
      const int n = static_cast<int>(rng() % 4);
      for (int k = 0; k < n; ++k) {
        if (col.element_nullable && rng() % 4 == 0) {
          w.AppendNull(c);
          items.emplace_back(std::nullopt);
          continue;
        }
        const std::string text = RandomValue(col.type, rng, &raw);
        Append(w, c, col.type, text, raw);
        items.emplace_back(text);
      }
      w.EndList(c);
      row.emplace_back(std::move(items));
    }
    Status s = w.EndRow();
    EXPECT_TRUE(s.ok()) << s.ToString();
    t.rows.push_back(std::move(row));
  }
  Status s = w.Finish();
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(file->Finish().ok());
  EXPECT_TRUE(file->Publish().ok());
  return t;
}

struct Variant {
  const char* name;
  ParquetCompression codec;
  bool dictionary;
  uint64_t dictionary_bytes;
};

class ParquetRoundTripTest : public ::testing::TestWithParam<Variant> {};

TEST_P(ParquetRoundTripTest, EveryValueReadsBackAsWritten) {
  testing::TempDir dir;
  const std::string path = dir.path() + "/t.parquet";
  ParquetWriterOptions o;
  o.compression = GetParam().codec;
  o.dictionary = GetParam().dictionary;
  o.dictionary_bytes = GetParam().dictionary_bytes;
  o.page_bytes = 700;         // many pages per chunk
  o.row_group_bytes = 20000;  // several row groups
  const Table t = WriteTable(path, o, 3000, 12);
  auto fs = NewLocalFileSystem();
  auto size = fs->Size(path);
  ASSERT_TRUE(size.ok());
  std::unique_ptr<ParquetFileReader> r;
  Status s = ParquetFileReader::Open(*fs, {path, *size}, {}, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_GT(r->num_row_groups(), 1);
  ASSERT_EQ(r->num_rows(), 3000);
  std::vector<int> cols;
  ASSERT_TRUE(r->ResolveColumns({}, &cols).ok());
  ASSERT_EQ(cols.size(), t.schema.size());
  size_t row = 0;
  for (int g = 0; g < r->num_row_groups(); ++g) {
    s = r->ReadRowGroup(g, cols, 333, [&](const ParquetRowBatch& b) {
      for (size_t i = 0; i < b.num_rows; ++i, ++row) {
        for (size_t c = 0; c < cols.size(); ++c) {
          EXPECT_EQ(ReadCell(b.columns[c], i), t.rows[row][c])
              << GetParam().name << " row " << row << " column " << t.schema[c].name;
        }
      }
      return ::testing::Test::HasFailure() ? Status::Internal("stop") : Status::OK();
    });
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  EXPECT_EQ(row, 3000u);
}

INSTANTIATE_TEST_SUITE_P(
    Codecs, ParquetRoundTripTest,
    ::testing::Values(Variant{"snappy", ParquetCompression::kSnappy, true, 1 << 20},
                      Variant{"zstd", ParquetCompression::kZstd, true, 1 << 20},
                      Variant{"gzip", ParquetCompression::kGzip, true, 1 << 20},
                      Variant{"uncompressed", ParquetCompression::kUncompressed, true, 1 << 20},
                      Variant{"plain", ParquetCompression::kSnappy, false, 1 << 20},
                      Variant{"fallback", ParquetCompression::kZstd, true, 64}),
    [](const auto& info) { return std::string(info.param.name); });

}  // namespace
}  // namespace rankflow
