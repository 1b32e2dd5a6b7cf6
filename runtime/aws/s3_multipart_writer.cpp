#include "runtime/aws/s3_multipart_writer.h"

#include <algorithm>

namespace rankflow::aws {

S3MultipartWriter::S3MultipartWriter(std::shared_ptr<S3Client> client, std::string bucket,
                                     std::string key, std::string content_type)
    : client_(std::move(client)),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      content_type_(std::move(content_type)) {}

S3MultipartWriter::~S3MultipartWriter() {
  if (!completed_) Abort();
}

Status S3MultipartWriter::EnsureUpload() {
  if (!upload_id_.empty()) return Status::OK();
  Result<std::string> id = client_->CreateMultipartUpload(bucket_, key_, content_type_);
  if (!id.ok()) return id.status();
  upload_id_ = std::move(id).value();
  return Status::OK();
}

Status S3MultipartWriter::WaitOldest() {
  auto [number, future] = std::move(inflight_.front());
  inflight_.pop_front();
  Result<std::string> etag = future.get();
  if (!etag.ok()) return etag.status();
  done_.emplace_back(number, std::move(etag).value());
  return Status::OK();
}

Status S3MultipartWriter::StartPart() {
  RF_RETURN_IF_ERROR(EnsureUpload());
  while (static_cast<int>(inflight_.size()) >= std::max(1, client_->options().upload_parallelism)) {
    RF_RETURN_IF_ERROR(WaitOldest());
  }
  const int number = next_part_++;
  inflight_.emplace_back(
      number, std::async(std::launch::async, [c = client_, b = bucket_, k = key_, id = upload_id_,
                                              number, data = std::move(buffer_)]() {
        return c->UploadPart(b, k, id, number, data);
      }));
  buffer_ = std::string();
  return Status::OK();
}

Status S3MultipartWriter::Append(std::string_view data) {
  if (!error_.ok()) return error_;
  if (finished_ || aborted_) {
    return Status::Internal("s3://" + bucket_ + "/" + key_ + ": append after finish or abort");
  }
  const uint64_t part = std::max<uint64_t>(client_->options().part_size_bytes, 5ull << 20);
  bytes_ += data.size();
  while (!data.empty()) {
    if (buffer_.capacity() < part) buffer_.reserve(part);
    const size_t take = std::min<size_t>(data.size(), part - buffer_.size());
    buffer_.append(data.substr(0, take));
    data.remove_prefix(take);
    if (buffer_.size() == part) {
      error_ = StartPart();
      if (!error_.ok()) return error_;
    }
  }
  return Status::OK();
}

Status S3MultipartWriter::Finish() {
  if (!error_.ok()) return error_;
  if (finished_) return Status::OK();
  // The last (or only) part may be small, even empty for an empty object.
  if (!buffer_.empty() || next_part_ == 1) error_ = StartPart();
  while (error_.ok() && !inflight_.empty()) error_ = WaitOldest();
  if (!error_.ok()) return error_;
  std::sort(done_.begin(), done_.end());
  finished_ = true;
  return Status::OK();
}

Status S3MultipartWriter::Complete() {
  if (!finished_) RF_RETURN_IF_ERROR(Finish());
  if (completed_) return Status::OK();
  Status s = client_->CompleteMultipartUpload(bucket_, key_, upload_id_, done_);
  if (!s.ok()) return s;
  completed_ = true;
  return Status::OK();
}

void S3MultipartWriter::Abort() {
  if (aborted_ || completed_) return;
  aborted_ = true;
  for (auto& [n, f] : inflight_) f.wait();
  inflight_.clear();
  if (!upload_id_.empty()) {
    // Best effort: the next commit to the folder aborts an upload whose abort failed.
    (void)client_->AbortMultipartUpload(bucket_, key_, upload_id_);
  }
}

}  // namespace rankflow::aws
