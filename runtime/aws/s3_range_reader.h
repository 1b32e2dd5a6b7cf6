#pragma once

#include <cstdint>
#include <deque>
#include <future>
#include <memory>
#include <optional>
#include <string>

#include "runtime/aws/s3_client.h"

namespace rankflow::aws {

// Reads bytes [begin, end) of an object as a stream, keeping up to read_parallelism ranged GETs
// of read_chunk_bytes in flight ahead of the consumer (parallel download + prefetch). Not
// thread-safe (one consumer); the fetches run on background threads.
class S3RangeReader {
 public:
  // end = S3Client::kToEnd reads to the end of the object without a HeadObject: the first ranged
  // GET tells the size (Content-Range), then the other fetches start.
  S3RangeReader(std::shared_ptr<S3Client> client, std::string bucket, std::string key,
                uint64_t begin, uint64_t end);
  ~S3RangeReader();  // waits for fetches in flight
  // Waits for the first chunk; returns its error (NotFound for a missing object) if it failed.
  Status WaitFirst();
  // Up to n bytes; *got == 0 with ok at the end.
  Status Read(char* buf, size_t n, size_t* got);

 private:
  struct Chunk {
    std::string data;
    uint64_t object_size = 0;
  };
  void Launch();
  Status NextChunk();
  std::shared_ptr<S3Client> client_;
  std::string bucket_, key_;
  uint64_t begin_;
  uint64_t next_fetch_;  // offset of the next chunk to request
  uint64_t end_;         // kToEnd until the first chunk has told the object's size
  std::deque<std::future<Result<Chunk>>> inflight_;
  std::optional<Result<Chunk>> first_;  // set by WaitFirst
  std::string current_;
  size_t current_pos_ = 0;
  Status error_;
};

}  // namespace rankflow::aws
