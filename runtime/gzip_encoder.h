// GzipEncoder: the gzip codecs of the jsonl.gz writers (RecordWriter, runtime/writer.h). One
// member per stream, compressed in 256 KiB output steps and appended to a WritableFile, so memory
// stays bounded whatever the size.
//
//   kZlib: zlib deflate level 6 — the default; the smallest output.
//   kIsal: ISA-L igzip level 1 — on tweetgen's normalized tweets (15 MB, one core) 9.8x zlib -6's
//          speed (0.066 s vs 0.645 s) for 17% more bytes; used by load_tweets, where zlib -6
//          alone cost as much CPU as reading the input.
// Both produce plain RFC 1952 gzip that any reader takes. Not thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "runtime/fs.h"
#include "runtime/status.h"

namespace rankflow {

enum class GzipCodec { kZlib, kIsal };

class GzipEncoder {
 public:
  virtual ~GzipEncoder() = default;
  // Compresses `data` and appends what it produced to `file`; finish = true ends the member
  // (call it once, last, possibly with empty data). Errors name file.path().
  virtual Status Compress(std::string_view data, bool finish, WritableFile& file) = 0;
  // The input size the codec is tuned for: the writer hands over its buffer once it holds this
  // much (so a file's bytes depend only on its records and the codec).
  virtual size_t input_bytes() const = 0;
};

std::unique_ptr<GzipEncoder> NewGzipEncoder(GzipCodec codec);

}  // namespace rankflow
