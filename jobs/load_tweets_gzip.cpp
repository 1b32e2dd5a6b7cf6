#include "jobs/load_tweets_gzip.h"

namespace rankflow {
namespace {
constexpr size_t kInputChunk = 1 << 18;
constexpr size_t kOutputChunk = 1 << 18;
}  // namespace

IsalGzipLineWriter::IsalGzipLineWriter(WritableFile* file)
    : file_(file), level_buf_(ISAL_DEF_LVL1_DEFAULT), out_(kOutputChunk) {
  isal_deflate_init(&stream_);
  stream_.level = 1;
  stream_.level_buf = level_buf_.data();
  stream_.level_buf_size = static_cast<uint32_t>(level_buf_.size());
  stream_.gzip_flag = IGZIP_GZIP;
  stream_.flush = NO_FLUSH;
  in_.reserve(kInputChunk + 4096);
}

Status IsalGzipLineWriter::WriteLine(std::string_view line) {
  in_.append(line);
  in_.push_back('\n');
  ++records_;
  return in_.size() >= kInputChunk ? Compress(false) : Status::OK();
}

Status IsalGzipLineWriter::Compress(bool end) {
  stream_.next_in = reinterpret_cast<uint8_t*>(in_.data());
  stream_.avail_in = static_cast<uint32_t>(in_.size());
  stream_.end_of_stream = end ? 1 : 0;
  do {
    stream_.next_out = out_.data();
    stream_.avail_out = static_cast<uint32_t>(out_.size());
    const int rc = isal_deflate(&stream_);
    if (rc != COMP_OK) {
      return Status::Internal(file_->path() + ": isa-l deflate failed (" + std::to_string(rc) +
                              ")");
    }
    const size_t produced = out_.size() - stream_.avail_out;
    if (produced > 0) {
      RF_RETURN_IF_ERROR(
          file_->Append(std::string_view(reinterpret_cast<const char*>(out_.data()), produced)));
    }
  } while (stream_.avail_in > 0 || (end && stream_.internal_state.state != ZSTATE_END));
  in_.clear();
  return Status::OK();
}

Status IsalGzipLineWriter::Finish() {
  if (finished_) return Status::OK();
  finished_ = true;
  RF_RETURN_IF_ERROR(Compress(true));
  return file_->Finish();
}

}  // namespace rankflow
