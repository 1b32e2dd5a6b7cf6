#include "runtime/parquet/page_compressor.h"

#include <snappy-sinksource.h>
#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>

namespace rankflow::pq {
namespace {

// Two byte ranges read as one, for snappy's streaming compressor.
class TwoPieceSource : public snappy::Source {
 public:
  TwoPieceSource(std::string_view head, std::string_view tail) : head_(head), tail_(tail) {}
  size_t Available() const override { return head_.size() + tail_.size(); }
  const char* Peek(size_t* len) override {
    const std::string_view& piece = head_.empty() ? tail_ : head_;
    *len = piece.size();
    return piece.data();
  }
  void Skip(size_t n) override {
    const size_t from_head = std::min(n, head_.size());
    head_.remove_prefix(from_head);
    tail_.remove_prefix(n - from_head);
  }

 private:
  std::string_view head_, tail_;
};

}  // namespace

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

Result<std::string_view> PageCompressor::Compress(std::string_view head, std::string_view tail) {
  if (tail.empty()) return Compress(head);
  if (head.empty()) return Compress(tail);
  const size_t total = head.size() + tail.size();
  switch (codec_) {
    case ParquetCompression::kUncompressed:
      out_.assign(head);
      out_.append(tail);
      return std::string_view(out_);
    case ParquetCompression::kSnappy: {
      out_.resize(snappy::MaxCompressedLength(total));
      TwoPieceSource source(head, tail);
      snappy::UncheckedByteArraySink sink(out_.data());
      const size_t n = snappy::Compress(&source, &sink);
      return std::string_view(out_.data(), n);
    }
    case ParquetCompression::kZstd: {
      if (state_->zstd == nullptr) state_->zstd = ZSTD_createCCtx();
      if (state_->zstd == nullptr) return Status::Internal("zstd: cannot create a context");
      ZSTD_CCtx* z = state_->zstd;
      ZSTD_CCtx_reset(z, ZSTD_reset_session_only);
      ZSTD_CCtx_setParameter(z, ZSTD_c_compressionLevel, level_ == 0 ? 3 : level_);
      ZSTD_CCtx_setPledgedSrcSize(z, total);  // the frame states its size, as one-shot frames do
      out_.resize(ZSTD_compressBound(total));
      ZSTD_outBuffer out{out_.data(), out_.size(), 0};
      ZSTD_inBuffer first{head.data(), head.size(), 0};
      ZSTD_inBuffer second{tail.data(), tail.size(), 0};
      while (first.pos < first.size) {
        const size_t r = ZSTD_compressStream2(z, &out, &first, ZSTD_e_continue);
        if (ZSTD_isError(r)) return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(r));
      }
      for (;;) {
        const size_t left = ZSTD_compressStream2(z, &out, &second, ZSTD_e_end);
        if (ZSTD_isError(left)) {
          return Status::Internal(std::string("zstd: ") + ZSTD_getErrorName(left));
        }
        if (left == 0) break;
        if (out.pos == out.size) return Status::Internal("zstd: output larger than its bound");
      }
      return std::string_view(out_.data(), out.pos);
    }
    case ParquetCompression::kGzip: {
      RF_RETURN_IF_ERROR(Compress(std::string_view()).status());  // init or reset the stream
      z_stream& z = state_->zlib;
      if (deflateReset(&z) != Z_OK) return Status::Internal("zlib: deflateReset failed");
      out_.resize(deflateBound(&z, total) + 32);
      z.next_out = reinterpret_cast<Bytef*>(out_.data());
      z.avail_out = static_cast<uInt>(out_.size());
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(head.data()));
      z.avail_in = static_cast<uInt>(head.size());
      if (deflate(&z, Z_NO_FLUSH) != Z_OK || z.avail_in != 0) {
        return Status::Internal("zlib: deflate failed");
      }
      z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(tail.data()));
      z.avail_in = static_cast<uInt>(tail.size());
      if (deflate(&z, Z_FINISH) != Z_STREAM_END) return Status::Internal("zlib: deflate failed");
      return std::string_view(out_.data(), out_.size() - z.avail_out);
    }
  }
  return Status::Internal("unknown parquet compression");
}

}  // namespace rankflow::pq
