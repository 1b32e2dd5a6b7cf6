#include "runtime/gzip_encoder.h"

#include <isa-l/igzip_lib.h>
#include <zlib.h>

#include <cstring>
#include <vector>

namespace rankflow {
namespace {

constexpr size_t kOutputStepBytes = 256 << 10;

class ZlibEncoder : public GzipEncoder {
 public:
  ZlibEncoder() : out_(kOutputStepBytes) {
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = deflateInit2(&zs_, kLevel, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~ZlibEncoder() override {
    if (ok_) deflateEnd(&zs_);
  }

  Status Compress(std::string_view data, bool finish, WritableFile& file) override {
    if (!ok_) return Status::Internal(file.path() + ": zlib deflateInit2 failed");
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_.avail_in = static_cast<uInt>(data.size());
    const int flush = finish ? Z_FINISH : Z_NO_FLUSH;
    for (;;) {
      zs_.next_out = out_.data();
      zs_.avail_out = static_cast<uInt>(out_.size());
      const int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return Status::Internal(file.path() + ": zlib deflate failed");
      const size_t have = out_.size() - zs_.avail_out;
      if (have > 0) {
        RF_RETURN_IF_ERROR(
            file.Append(std::string_view(reinterpret_cast<const char*>(out_.data()), have)));
      }
      if (finish ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) break;
    }
    return Status::OK();
  }
  size_t input_bytes() const override { return 1 << 20; }

 private:
  static constexpr int kLevel = 6;
  z_stream zs_;
  bool ok_ = false;
  std::vector<unsigned char> out_;
};

class IsalEncoder : public GzipEncoder {
 public:
  IsalEncoder() : level_buf_(ISAL_DEF_LVL1_DEFAULT), out_(kOutputStepBytes) {
    isal_deflate_init(&stream_);
    stream_.level = 1;
    stream_.level_buf = level_buf_.data();
    stream_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
    stream_.gzip_flag = IGZIP_GZIP;
    stream_.flush = NO_FLUSH;
  }

  Status Compress(std::string_view data, bool finish, WritableFile& file) override {
    stream_.next_in = reinterpret_cast<uint8_t*>(const_cast<char*>(data.data()));
    stream_.avail_in = static_cast<uint32_t>(data.size());
    stream_.end_of_stream = finish ? 1 : 0;
    do {
      stream_.next_out = out_.data();
      stream_.avail_out = static_cast<uint32_t>(out_.size());
      const int rc = isal_deflate(&stream_);
      if (rc != COMP_OK) {
        return Status::Internal(file.path() + ": isa-l deflate failed (" + std::to_string(rc) +
                                ")");
      }
      const size_t produced = out_.size() - stream_.avail_out;
      if (produced > 0) {
        RF_RETURN_IF_ERROR(
            file.Append(std::string_view(reinterpret_cast<const char*>(out_.data()), produced)));
      }
    } while (stream_.avail_in > 0 || (finish && stream_.internal_state.state != ZSTATE_END));
    return Status::OK();
  }
  size_t input_bytes() const override { return 256 << 10; }

 private:
  isal_zstream stream_;
  std::vector<uint8_t> level_buf_;
  std::vector<uint8_t> out_;
};

}  // namespace

std::unique_ptr<GzipEncoder> NewGzipEncoder(GzipCodec codec) {
  if (codec == GzipCodec::kIsal) return std::make_unique<IsalEncoder>();
  return std::make_unique<ZlibEncoder>();
}

}  // namespace rankflow
