#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/aws/s3_client.h"

namespace rankflow::aws {

// A multipart upload fed sequentially: full parts go up on background threads (at most
// upload_parallelism in flight), Finish() uploads the rest, Complete() makes the object visible,
// Abort() (or destruction before Complete) aborts the upload. Not thread-safe (one producer).
class S3MultipartWriter {
 public:
  S3MultipartWriter(std::shared_ptr<S3Client> client, std::string bucket, std::string key,
                    std::string content_type = "application/octet-stream");
  ~S3MultipartWriter();
  Status Append(std::string_view data);
  Status Finish();
  Status Complete();
  void Abort();
  uint64_t bytes() const { return bytes_; }
  const std::string& upload_id() const { return upload_id_; }

 private:
  Status EnsureUpload();
  Status StartPart();
  Status WaitOldest();
  std::shared_ptr<S3Client> client_;
  std::string bucket_, key_, content_type_;
  std::string upload_id_;
  std::string buffer_;
  int next_part_ = 1;
  uint64_t bytes_ = 0;
  std::deque<std::pair<int, std::future<Result<std::string>>>> inflight_;
  std::vector<std::pair<int, std::string>> done_;
  Status error_;
  bool finished_ = false;
  bool completed_ = false;
  bool aborted_ = false;
};

}  // namespace rankflow::aws
