#include "runtime/aws/s3_range_reader.h"

#include <algorithm>

namespace rankflow::aws {

S3RangeReader::S3RangeReader(std::shared_ptr<S3Client> client, std::string bucket, std::string key,
                             uint64_t begin, uint64_t end)
    : client_(std::move(client)),
      bucket_(std::move(bucket)),
      key_(std::move(key)),
      begin_(begin),
      next_fetch_(begin),
      end_(end) {
  if (end_ == S3Client::kToEnd) {
    Launch();  // one fetch until the size is known
    return;
  }
  const int depth = std::max(1, client_->options().read_parallelism);
  for (int i = 0; i < depth && next_fetch_ < end_; ++i) Launch();
}

S3RangeReader::~S3RangeReader() {
  for (auto& f : inflight_) f.wait();
}

void S3RangeReader::Launch() {
  const uint64_t chunk = std::max<uint64_t>(1, client_->options().read_chunk_bytes);
  const uint64_t from = next_fetch_;
  const bool size_known = end_ != S3Client::kToEnd;
  const uint64_t len = size_known ? std::min(chunk, end_ - from) : chunk;
  next_fetch_ += len;
  inflight_.push_back(std::async(
      std::launch::async,
      [c = client_, b = bucket_, k = key_, from, len, size_known]() -> Result<Chunk> {
        Chunk chunk_data;
        Status s = c->GetObjectRange(b, k, from, len, &chunk_data.data, &chunk_data.object_size);
        if (!s.ok()) return s;
        // Unknown size: the chunk may end early at the object's end.
        const uint64_t want = size_known ? len
                                         : (chunk_data.object_size > from
                                                ? std::min(len, chunk_data.object_size - from)
                                                : 0);
        if (chunk_data.data.size() != want) {
          return Status::Corruption("s3://" + b + "/" + k + ": GetObject: got " +
                                    std::to_string(chunk_data.data.size()) + " of " +
                                    std::to_string(want) + " bytes at offset " +
                                    std::to_string(from) + " (object changed while read?)");
        }
        return chunk_data;
      }));
}

Status S3RangeReader::WaitFirst() {
  if (first_ || inflight_.empty()) return Status::OK();
  first_ = inflight_.front().get();
  inflight_.pop_front();
  return first_->ok() ? Status::OK() : first_->status();
}

// Makes the next fetched chunk current, launching further fetches; current_ stays empty at the end.
Status S3RangeReader::NextChunk() {
  Result<Chunk> chunk = Status::OK();
  if (first_) {
    chunk = std::move(*first_);
    first_.reset();
  } else if (inflight_.empty()) {
    current_.clear();
    current_pos_ = 0;
    return Status::OK();
  } else {
    chunk = inflight_.front().get();
    inflight_.pop_front();
  }
  if (!chunk.ok()) return chunk.status();
  if (end_ == S3Client::kToEnd) {
    // The first chunk told the size: fetch the rest in parallel.
    end_ = std::max(begin_, chunk->object_size);
    if (next_fetch_ > end_) next_fetch_ = end_;
    const int depth = std::max(1, client_->options().read_parallelism);
    while (static_cast<int>(inflight_.size()) < depth && next_fetch_ < end_) Launch();
  } else if (next_fetch_ < end_) {
    Launch();
  }
  current_ = std::move(chunk->data);
  current_pos_ = 0;
  return Status::OK();
}

Status S3RangeReader::Read(char* buf, size_t n, size_t* got) {
  *got = 0;
  if (!error_.ok()) return error_;
  while (current_pos_ == current_.size()) {
    if (!first_ && inflight_.empty()) return Status::OK();  // end
    error_ = NextChunk();
    if (!error_.ok()) return error_;
  }
  const size_t take = std::min(n, current_.size() - current_pos_);
  std::copy_n(current_.data() + current_pos_, take, buf);
  current_pos_ += take;
  *got = take;
  return Status::OK();
}

}  // namespace rankflow::aws
