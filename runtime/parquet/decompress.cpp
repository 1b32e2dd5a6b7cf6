#include "runtime/parquet/decompress.h"

#include <snappy.h>
#include <zlib.h>
#include <zstd.h>

#include <cstring>
#include <memory>

namespace rankflow::pq {
namespace {

enum Codec {
  kUncompressed = 0,
  kSnappy = 1,
  kGzip = 2,
  kLzo = 3,
  kBrotli = 4,
  kLz4 = 5,
  kZstd = 6,
  kLz4Raw = 7
};

Status SizeMismatch(const char* codec, uint64_t got, size_t want) {
  return Status::Corruption(std::string(codec) + " page decompresses to " + std::to_string(got) +
                            " bytes, its header says " + std::to_string(want));
}

Status Snappy(const uint8_t* data, size_t size, size_t want, std::string* out) {
  const char* in = reinterpret_cast<const char*>(data);
  size_t len = 0;
  if (!snappy::GetUncompressedLength(in, size, &len)) {
    return Status::Corruption("snappy page has a bad length preamble");
  }
  if (len != want) return SizeMismatch("snappy", len, want);
  out->resize(want);
  if (!snappy::RawUncompress(in, size, out->data())) {
    return Status::Corruption("snappy page does not decompress");
  }
  return Status::OK();
}

// One or more frames, decoded straight into the output (no window buffer is allocated).
Status Zstd(const uint8_t* data, size_t size, size_t want, std::string* out) {
  const unsigned long long declared = ZSTD_getFrameContentSize(data, size);
  if (declared == ZSTD_CONTENTSIZE_ERROR) return Status::Corruption("zstd page has no valid frame");
  if (declared != ZSTD_CONTENTSIZE_UNKNOWN && declared > want) {
    return SizeMismatch("zstd", declared, want);
  }
  out->resize(want);
  std::unique_ptr<ZSTD_DCtx, size_t (*)(ZSTD_DCtx*)> ctx(ZSTD_createDCtx(), ZSTD_freeDCtx);
  if (!ctx) return Status::Internal("zstd: out of memory");
  const size_t r = ZSTD_decompressDCtx(ctx.get(), out->data(), want, data, size);
  if (ZSTD_isError(r)) {
    return Status::Corruption(std::string("zstd page does not decompress: ") +
                              ZSTD_getErrorName(r));
  }
  if (r != want) return SizeMismatch("zstd", r, want);
  return Status::OK();
}

Status Gzip(const uint8_t* data, size_t size, size_t want, std::string* out) {
  out->resize(want);
  z_stream z;
  std::memset(&z, 0, sizeof z);
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return Status::Internal("gzip: inflateInit2");
  z.next_in = const_cast<Bytef*>(data);
  z.avail_in = static_cast<uInt>(size);
  z.next_out = reinterpret_cast<Bytef*>(out->data());
  z.avail_out = static_cast<uInt>(want);
  Status s;
  for (;;) {
    const int r = inflate(&z, Z_FINISH);
    if (r == Z_STREAM_END) {
      if (z.avail_in == 0) break;
      inflateReset(&z);  // another member follows
      continue;
    }
    if (r == Z_BUF_ERROR && z.avail_out == 0) {
      s = SizeMismatch("gzip", want + 1, want);
    } else {
      s = Status::Corruption(std::string("gzip page does not decompress: ") +
                             (z.msg != nullptr ? z.msg : "truncated"));
    }
    break;
  }
  const uint64_t produced = want - z.avail_out;
  inflateEnd(&z);
  RF_RETURN_IF_ERROR(s);
  if (produced != want) return SizeMismatch("gzip", produced, want);
  return Status::OK();
}

}  // namespace

const char* CompressionName(int codec) {
  switch (codec) {
    case kUncompressed:
      return "UNCOMPRESSED";
    case kSnappy:
      return "SNAPPY";
    case kGzip:
      return "GZIP";
    case kLzo:
      return "LZO";
    case kBrotli:
      return "BROTLI";
    case kLz4:
      return "LZ4";
    case kZstd:
      return "ZSTD";
    case kLz4Raw:
      return "LZ4_RAW";
    default:
      return "unknown";
  }
}

Status Decompress(int codec, const uint8_t* data, size_t size, size_t uncompressed_size,
                  std::string* out) {
  switch (codec) {
    case kUncompressed:
      if (size != uncompressed_size) return SizeMismatch("uncompressed", size, uncompressed_size);
      out->assign(reinterpret_cast<const char*>(data), size);
      return Status::OK();
    case kSnappy:
      return Snappy(data, size, uncompressed_size, out);
    case kGzip:
      return Gzip(data, size, uncompressed_size, out);
    case kZstd:
      return Zstd(data, size, uncompressed_size, out);
    default:
      return Status::InvalidArgument(std::string("compression ") + CompressionName(codec) + " (" +
                                     std::to_string(codec) + ") is not supported");
  }
}

}  // namespace rankflow::pq
