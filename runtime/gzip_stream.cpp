#include "runtime/gzip_stream.h"

#include <isa-l.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "runtime/line_reader.h"

namespace rankflow {

Result<GzipBackend> GzipBackendFromEnv() {
  const char* v = std::getenv("RANKFLOW_GZIP");
  if (v == nullptr || *v == '\0' || std::strcmp(v, "isal") == 0) return GzipBackend::kIsal;
  if (std::strcmp(v, "zlib") == 0) return GzipBackend::kZlib;
  return Status::InvalidArgument(std::string("RANKFLOW_GZIP: unknown gzip backend '") + v +
                                 "' (expected isal or zlib)");
}

bool HasGzipMagic(std::string_view data) {
  return data.size() >= 2 && static_cast<unsigned char>(data[0]) == 0x1f &&
         static_cast<unsigned char>(data[1]) == 0x8b;
}

namespace {

constexpr size_t kInputBufferBytes = 1 << 20;
// ISA-L and zlib count output in 32-bit fields.
constexpr size_t kMaxStepOutput = 1u << 30;

// One member at a time: Step() inflates from `in` into `out` and says when the member ended
// (trailer read and checked).
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual Status Reset() = 0;
  virtual Status Step(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len,
                      size_t* consumed, size_t* produced, bool* member_end) = 0;
};

class IsalDecoder : public Decoder {
 public:
  IsalDecoder() : state_(std::make_unique<inflate_state>()) {}

  Status Reset() override {
    isal_inflate_init(state_.get());
    state_->crc_flag = ISAL_GZIP;
    return Status::OK();
  }

  Status Step(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len, size_t* consumed,
              size_t* produced, bool* member_end) override {
    state_->next_in = const_cast<uint8_t*>(in);
    state_->avail_in = static_cast<uint32_t>(in_len);
    state_->next_out = out;
    state_->avail_out = static_cast<uint32_t>(out_len);
    int rc = isal_inflate(state_.get());
    *consumed = in_len - state_->avail_in;
    *produced = out_len - state_->avail_out;
    *member_end = state_->block_state == ISAL_BLOCK_FINISH;
    if (rc == ISAL_DECOMP_OK) return Status::OK();
    return Status::Corruption(std::string("bad gzip data (isa-l: ") + ErrorName(rc) + ")");
  }

 private:
  static const char* ErrorName(int rc) {
    switch (rc) {
      case ISAL_INVALID_BLOCK:
        return "invalid deflate block";
      case ISAL_INVALID_SYMBOL:
        return "invalid deflate symbol";
      case ISAL_INVALID_LOOKBACK:
        return "invalid lookback distance";
      case ISAL_INVALID_WRAPPER:
        return "invalid gzip header";
      case ISAL_UNSUPPORTED_METHOD:
        return "unsupported compression method";
      case ISAL_INCORRECT_CHECKSUM:
        return "crc mismatch";
      case ISAL_NEED_DICT:
        return "needs a dictionary";
      default:
        return "error";
    }
  }

  std::unique_ptr<inflate_state> state_;
};

class ZlibDecoder : public Decoder {
 public:
  ~ZlibDecoder() override {
    if (initialized_) inflateEnd(&zs_);
  }

  Status Reset() override {
    if (initialized_) {
      if (inflateReset(&zs_) != Z_OK) return Status::Internal("zlib inflateReset failed");
      return Status::OK();
    }
    std::memset(&zs_, 0, sizeof zs_);
    if (inflateInit2(&zs_, 16 + MAX_WBITS) != Z_OK)
      return Status::Internal("zlib inflateInit2 failed");
    initialized_ = true;
    return Status::OK();
  }

  Status Step(const uint8_t* in, size_t in_len, uint8_t* out, size_t out_len, size_t* consumed,
              size_t* produced, bool* member_end) override {
    zs_.next_in = const_cast<Bytef*>(in);
    zs_.avail_in = static_cast<uInt>(in_len);
    zs_.next_out = out;
    zs_.avail_out = static_cast<uInt>(out_len);
    int rc = inflate(&zs_, Z_NO_FLUSH);
    *consumed = in_len - zs_.avail_in;
    *produced = out_len - zs_.avail_out;
    *member_end = rc == Z_STREAM_END;
    if (rc == Z_OK || rc == Z_STREAM_END || rc == Z_BUF_ERROR) return Status::OK();
    if (rc == Z_MEM_ERROR) return Status::Internal("zlib: out of memory");
    return Status::Corruption(std::string("bad gzip data (zlib: ") +
                              (zs_.msg != nullptr ? zs_.msg : "error " + std::to_string(rc)) + ")");
  }

 private:
  z_stream zs_;
  bool initialized_ = false;
};

class GzipInputStream : public InputStream {
 public:
  GzipInputStream(std::unique_ptr<InputStream> raw, std::string head, GzipBackend backend)
      : raw_(std::move(raw)), in_(new uint8_t[kInputBufferBytes]) {
    if (backend == GzipBackend::kZlib) {
      decoder_ = std::make_unique<ZlibDecoder>();
    } else {
      decoder_ = std::make_unique<IsalDecoder>();
    }
    RF_CHECK(head.size() <= kInputBufferBytes);
    std::memcpy(in_.get(), head.data(), head.size());
    in_len_ = head.size();
  }

  Status Read(char* buf, size_t n, size_t* got) override {
    *got = 0;
    if (!status_.ok()) return status_;
    if (done_ || n == 0) return Status::OK();
    n = std::min(n, kMaxStepOutput);
    while (*got == 0) {
      if (in_len_ == 0 && !raw_eof_) {
        status_ = Refill();
        if (!status_.ok()) return status_;
      }
      if (between_members_) {
        status_ = StartMember();
        if (!status_.ok()) return status_;
        if (done_) return Status::OK();
        continue;
      }
      size_t consumed = 0;
      size_t produced = 0;
      bool member_end = false;
      status_ = decoder_->Step(in_.get() + in_pos_, in_len_, reinterpret_cast<uint8_t*>(buf), n,
                               &consumed, &produced, &member_end);
      in_pos_ += consumed;
      in_len_ -= consumed;
      stored_offset_ += consumed;
      *got = produced;
      if (!status_.ok()) return status_ = status_.WithPrefix(Where());
      if (member_end) {
        between_members_ = true;
        continue;
      }
      if (consumed > 0 || produced > 0) continue;
      // No progress: the decoder wants more input than is buffered.
      if (raw_eof_) return status_ = Status::Corruption("truncated gzip stream (" + Where() + ")");
      if (in_len_ == kInputBufferBytes) {
        return status_ = Status::Corruption("gzip decoder made no progress (" + Where() + ")");
      }
      status_ = Refill();
      if (!status_.ok()) return status_;
    }
    return Status::OK();
  }

 private:
  std::string Where() const {
    return "member " + std::to_string(members_) + ", compressed byte " +
           std::to_string(stored_offset_);
  }

  // Moves unread input to the front and reads more after it.
  Status Refill() {
    if (in_pos_ > 0) {
      std::memmove(in_.get(), in_.get() + in_pos_, in_len_);
      in_pos_ = 0;
    }
    size_t got = 0;
    RF_RETURN_IF_ERROR(raw_->Read(reinterpret_cast<char*>(in_.get()) + in_len_,
                                  kInputBufferBytes - in_len_, &got));
    if (got == 0) raw_eof_ = true;
    in_len_ += got;
    return Status::OK();
  }

  // At a member boundary: the next member, zero padding to the end, or the end.
  Status StartMember() {
    while (in_len_ < 2 && !raw_eof_) RF_RETURN_IF_ERROR(Refill());
    if (in_len_ == 0 && raw_eof_) {
      if (members_ == 0) return Status::Corruption("empty gzip stream");
      done_ = true;
      return Status::OK();
    }
    std::string_view next(reinterpret_cast<const char*>(in_.get() + in_pos_), in_len_);
    if (HasGzipMagic(next)) {
      RF_RETURN_IF_ERROR(decoder_->Reset());
      between_members_ = false;
      ++members_;
      return Status::OK();
    }
    if (members_ == 0) return Status::Corruption("not a gzip stream");
    if (next.find_first_not_of('\0') != std::string_view::npos) {
      return Status::Corruption("unexpected bytes after gzip member " + std::to_string(members_) +
                                " at compressed byte " + std::to_string(stored_offset_));
    }
    stored_offset_ += in_len_;
    in_pos_ += in_len_;
    in_len_ = 0;
    return Status::OK();
  }

  std::unique_ptr<InputStream> raw_;
  std::unique_ptr<Decoder> decoder_;
  std::unique_ptr<uint8_t[]> in_;
  size_t in_pos_ = 0;
  size_t in_len_ = 0;
  bool raw_eof_ = false;
  bool between_members_ = true;
  bool done_ = false;
  int members_ = 0;
  uint64_t stored_offset_ = 0;
  Status status_;
};

// Serves the peeked head bytes, then reads straight from the raw stream into the caller's buffer.
class PassThroughStream : public InputStream {
 public:
  PassThroughStream(std::unique_ptr<InputStream> raw, std::string head)
      : raw_(std::move(raw)), head_(std::move(head)) {}

  Status Read(char* buf, size_t n, size_t* got) override {
    if (head_pos_ < head_.size()) {
      *got = std::min(n, head_.size() - head_pos_);
      std::memcpy(buf, head_.data() + head_pos_, *got);
      head_pos_ += *got;
      return Status::OK();
    }
    return raw_->Read(buf, n, got);
  }

 private:
  std::unique_ptr<InputStream> raw_;
  std::string head_;
  size_t head_pos_ = 0;
};

}  // namespace

std::unique_ptr<InputStream> NewGzipInputStream(std::unique_ptr<InputStream> raw, std::string head,
                                                GzipBackend backend) {
  return std::make_unique<GzipInputStream>(std::move(raw), std::move(head), backend);
}

Status OpenDecodingStream(std::unique_ptr<InputStream> raw, std::unique_ptr<InputStream>* out,
                          bool* is_gzip) {
  char head[2];
  size_t have = 0;
  RF_RETURN_IF_ERROR(ReadUpTo(*raw, head, sizeof head, &have));
  std::string head_bytes(head, have);
  *is_gzip = HasGzipMagic(head_bytes);
  if (!*is_gzip) {
    *out = std::make_unique<PassThroughStream>(std::move(raw), std::move(head_bytes));
    return Status::OK();
  }
  Result<GzipBackend> backend = GzipBackendFromEnv();
  if (!backend.ok()) return backend.status();
  *out = NewGzipInputStream(std::move(raw), std::move(head_bytes), backend.value());
  return Status::OK();
}

Status NewDecodingStream(std::unique_ptr<InputStream> raw, std::unique_ptr<InputStream>* out) {
  bool is_gzip = false;
  return OpenDecodingStream(std::move(raw), out, &is_gzip);
}

}  // namespace rankflow
