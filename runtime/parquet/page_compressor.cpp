#include "runtime/parquet/page_compressor.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

namespace rankflow::pq {

struct PageCompressor::State {
  ZSTD_CCtx* zstd = nullptr;
  z_stream zlib{};
  bool zlib_ready = false;
  ~State() {
    if (zstd != nullptr) ZSTD_freeCCtx(zstd);
    if (zlib_ready) deflateEnd(&zlib);
  }
};

PageCompressor::PageCompressor(ParquetCompression codec, int level)
    : codec_(codec), level_(level), state_(std::make_unique<State>()) {}

PageCompressor::~PageCompressor() = default;

Result<std::string_view> PageCompressor::Compress(std::string_view in) {
  switch (codec_) {
    case ParquetCompression::kUncompressed:
      return in;
    case ParquetCompression::kSnappy: {
      out_.resize(snappy::MaxCompressedLength(in.size()));
      size_t n = 0;
      snappy::RawCompress(in.data(), in.size(), out_.data(), &n);
      return std::string_view(out_.data(), n);
    }
    case ParquetCompression::kZstd: {
      if (state_->zstd == nullptr) state_->zstd = ZSTD_createCCtx();
      if (state_->zstd == nullptr) return Status::Internal("zstd: cannot create a context");
      out_.resize(ZSTD_compressBound(in.size()));
      const size_t n = ZSTD_compressCCtx(state_->zstd, out_.data(), out_.size(), in.data(),
                                         in.size(), level_ == 0 ? 3 : level_);
      if (ZSTD_isError(n)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(n));
      return std::string_view(out_.data(), n);
    }
    case ParquetCompression::kGzip: {
      z_stream& z = state_->zlib;
      if (!state_->zlib_ready) {
        // windowBits 15 + 16: a gzip header and trailer (RFC 1952), not zlib's own framing.
        if (deflateInit2(&z, level_ == 0 ? 6 : level_, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK) {
          return Status::Internal("zlib: deflateInit2 failed");
        }
        state_->zlib_ready = true;
      } else if (deflateReset(&z) != Z_OK) {
        return Status::Internal("zlib: deflateReset failed");
      }
      out_.resize(deflateBound(&z, in.size()) + 32);
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
      z.avail_in = static_cast<uInt>(in.size());
      z.next_out = reinterpret_cast<Bytef*>(out_.data());
      z.avail_out = static_cast<uInt>(out_.size());
      if (deflate(&z, Z_FINISH) != Z_STREAM_END) return Status::Internal("zlib: deflate failed");
      return std::string_view(out_.data(), out_.size() - z.avail_out);
    }
  }
  return Status::Internal("unknown parquet compression");
}

}  // namespace rankflow::pq
