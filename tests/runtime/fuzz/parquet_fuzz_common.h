// What both Parquet fuzz targets do with a whole file: open it in memory with small limits and
// decode every column of every row group, touching every value, so ASan sees every read. Any
// error is fine; a crash, a sanitizer report, a leak or an ok read that breaks the batch
// invariants is a finding.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

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
  if (!ParquetFileReader::OpenBytes("fuzz.parquet",
                                    std::make_shared<const std::string>(std::move(bytes)),
                                    SmallLimits(), &r)
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
  if (sink == 42) std::fprintf(stderr, " ");  // keeps the reads
}

}  // namespace rankflow::fuzz
