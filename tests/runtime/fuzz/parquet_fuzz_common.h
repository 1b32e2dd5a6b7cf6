// The Parquet fuzz targets' work, shared with parquet_reader_test, which replays the findings in
// tests/runtime/fuzz/parquet_regressions/ through the same functions (footer-*: FooterInput,
// page-*: PageInput). A whole file is opened in memory with small limits and every column of
// every row group decoded, touching every value, so ASan sees every read. Any error is fine; a
// crash, a sanitizer report, a leak, or an ok result that breaks the batch invariants is a
// finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "runtime/parquet/decoders.h"
#include "runtime/parquet/decompress.h"
#include "runtime/parquet/parquet_reader.h"

namespace rankflow::fuzz {

[[noreturn]] inline void Finding(const char* what) {
  std::fprintf(stderr, "fuzz finding: %s\n", what);
  std::abort();
}

inline ParquetReadLimits SmallLimits() {
  ParquetReadLimits l;
  l.max_footer_bytes = 1 << 20;
  l.max_page_bytes = 4 << 20;
  l.max_page_values = 1 << 16;
  l.max_chunk_bytes = 1 << 20;
  return l;
}

inline void ReadWholeFile(std::string bytes) {
  std::unique_ptr<ParquetFileReader> r;
  if (!ParquetFileReader::OpenBytes(
           "fuzz.parquet", std::make_shared<const std::string>(std::move(bytes)), SmallLimits(), &r)
           .ok()) {
    return;
  }
  std::vector<int> cols;
  if (!r->ResolveColumns({}, &cols).ok()) return;
  uint64_t sink = 0;
  for (int g = 0; g < r->num_row_groups(); ++g) {
    (void)r->ReadRowGroup(g, cols, 37, [&](const ParquetRowBatch& b) {
      for (const ParquetColumnBatch& c : b.columns) {
        if (c.value_offsets.size() != b.num_rows + 1 || c.row_null.size() != b.num_rows) {
          Finding("batch offsets do not match its rows");
        }
        for (size_t row = 0; row < b.num_rows; ++row) {
          if (c.ValueBegin(row) > c.ValueEnd(row)) Finding("row values out of order");
          for (size_t v = c.ValueBegin(row); v < c.ValueEnd(row); ++v) {
            if (!c.values.strings.empty()) {
              const std::string_view s = c.String(v);
              for (char ch : s) sink += static_cast<uint8_t>(ch);
            } else if (!c.values.doubles.empty()) {
              sink += c.Double(v) > 0;
            } else {
              sink += static_cast<uint64_t>(c.Int(v));
            }
          }
        }
        if (c.ValueEnd(b.num_rows - 1) != c.values.size(c.leaf->type)) {
          Finding("values left over after the last row");
        }
      }
      return Status::OK();
    });
  }
  for (int g = 0; g < r->num_row_groups(); ++g) {
    (void)r->CountRowGroupValues(g, cols, [&](const ParquetValueCounts& c) {
      if (!c.dictionary_counts.empty() &&
          c.dictionary_counts.size() != c.dictionary->size(c.leaf->type)) {
        Finding("value counts do not match the dictionary");
      }
      for (uint64_t n : c.dictionary_counts) sink += n;
      for (std::string_view v : c.others.strings)
        sink += v.empty() ? 0 : static_cast<uint8_t>(v[0]);
      return Status::OK();
    });
  }
  if (sink == 42) std::fprintf(stderr, " ");  // keeps the reads
}

// The decoders straight: byte 1 = encoding, byte 2 = physical type (and FIXED_LEN_BYTE_ARRAY's
// length), byte 3 = value count, the rest = page bytes, decoded against a 4-entry dictionary;
// then the same bytes as levels (max level from byte 1) and through every codec (uncompressed
// size 16 * byte 3).
inline void DecodeStraight(const uint8_t* data, size_t size) {
  if (size < 4) return;
  using rankflow::pq::PhysicalType;
  const int encoding = data[1] % 10;
  const auto type = static_cast<PhysicalType>(data[2] % 8);
  const size_t n = data[3];
  const uint8_t* page = data + 4;
  const size_t page_size = size - 4;
  rankflow::pq::Values dict;
  dict.ints = {1, 2, 3, 4};
  dict.doubles = {1.5, 2.5, 3.5, 4.5};
  dict.strings = {"a", "bb", "", "dddd"};
  std::string scratch;
  rankflow::pq::DecodeArgs args;
  args.type = type;
  args.type_length = 1 + data[2] / 8 % 16;
  args.dictionary = &dict;
  args.scratch = &scratch;
  args.max_scratch_bytes = 1 << 20;
  rankflow::pq::Values out;
  if (rankflow::pq::DecodeValues(encoding, args, page, page_size, n, &out).ok() &&
      out.size(type) != n) {
    Finding("a decoder said ok with a wrong number of values");
  }
  std::vector<uint64_t> counts(4);
  if (rankflow::pq::CountDictionaryIndices(page, page_size, n, &counts).ok()) {
    uint64_t total = 0;
    for (uint64_t c : counts) total += c;
    if (total != n) Finding("dictionary indices counted ok with a wrong number of values");
  }
  int16_t levels[256];
  (void)rankflow::pq::DecodeLevels(page, page_size, data[1] % 40, n, levels);
  std::string inflated;
  for (int codec = 0; codec < 8; ++codec) {
    if (rankflow::pq::Decompress(codec, page, page_size, n * 16, &inflated).ok() &&
        inflated.size() != n * 16) {
      Finding("a codec said ok with a wrong size");
    }
  }
}

// parquet_page_fuzz: first byte < 0x80: the rest is a whole file; else DecodeStraight.
inline void PageInput(const uint8_t* data, size_t size) {
  if (size == 0) return;
  if (data[0] < 0x80) {
    ReadWholeFile(std::string(reinterpret_cast<const char*>(data) + 1, size - 1));
  } else {
    DecodeStraight(data, size);
  }
}

// parquet_footer_fuzz: the input is a serialized FileMetaData, read as PAR1 <input> <length> PAR1.
inline void FooterInput(const uint8_t* data, size_t size) {
  std::string file = "PAR1";
  file.append(reinterpret_cast<const char*>(data), size);
  const uint32_t n = static_cast<uint32_t>(size);
  file.append(reinterpret_cast<const char*>(&n), 4);
  file += "PAR1";
  ReadWholeFile(std::move(file));
}

}  // namespace rankflow::fuzz
