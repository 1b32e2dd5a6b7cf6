// The parts TweetPartsWriter (jobs/load_tweets_output.h) opens, one class per kind of part: JSON
// lines (plain or ISA-L gzip) and CSV through a RecordWriter, HDF5 (operators/tweet_hdf5.h) and
// Parquet (operators/tweet_parquet.h). The jsonl parts take a normalized record as its JSON, the
// others as a Tweet (LoadRecordEncoding says which). Local; not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>

#include "jobs/load_tweets_output.h"
#include "operators/tweet.h"
#include "runtime/fs.h"
#include "runtime/status.h"

namespace rankflow {

// One open part: takes each record as JSON (jsonl, jsonl.gz) or as a Tweet (csv, hdf5, parquet);
// the other call is a caller's bug (Internal).
class TweetPartsWriter::Part {
 public:
  explicit Part(WritableFile* file) : file_(file) {}
  virtual ~Part() = default;
  WritableFile* file() const { return file_; }
  virtual Status AddJson(std::string_view json);
  virtual Status AddTweet(const Tweet& tweet);
  virtual Status Finish() = 0;
  virtual uint64_t records() const = 0;

 private:
  WritableFile* file_;  // the committer's part
};

// The part extension of a format: "jsonl.gz", "jsonl", "csv", "h5", "parquet".
const char* LoadFormatExtension(LoadFormat format);
// A part of options.format writing into `file` (the committer's part).
std::unique_ptr<TweetPartsWriter::Part> NewTweetPart(WritableFile* file,
                                                     const LoadOutputOptions& options);

}  // namespace rankflow
