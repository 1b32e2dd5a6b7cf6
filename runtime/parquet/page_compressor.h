// PageCompressor: compresses the body of one Parquet page with the file's codec (Compression.md):
// snappy (raw block format), gzip (one RFC 1952 member), zstd (one frame), or none. Codec state
// (zstd context, zlib stream) is kept between pages. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "runtime/parquet/parquet_schema.h"
#include "runtime/status.h"

namespace rankflow::pq {

class PageCompressor {
 public:
  // level 0: the codec's default (zstd 3, gzip 6); ignored by snappy and uncompressed.
  explicit PageCompressor(ParquetCompression codec, int level = 0);
  ~PageCompressor();
  PageCompressor(const PageCompressor&) = delete;
  PageCompressor& operator=(const PageCompressor&) = delete;

  ParquetCompression codec() const { return codec_; }
  // The compressed bytes of `in`: `in` itself when uncompressed, else a view of an internal
  // buffer, valid until the next call. Internal on a codec failure (out of memory only).
  Result<std::string_view> Compress(std::string_view in);
  // The same for the concatenation head + tail, without concatenating them first (a page's
  // levels and its values). Uncompressed: the two copied into an internal buffer.
  Result<std::string_view> Compress(std::string_view head, std::string_view tail);

 private:
  struct State;
  ParquetCompression codec_;
  int level_;
  std::unique_ptr<State> state_;
  std::string out_;
};

}  // namespace rankflow::pq
