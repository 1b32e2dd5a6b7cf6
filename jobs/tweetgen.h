// tweetgen: a deterministic synthetic archive of Twitter v1.1 stream lines, gzipped.
//
// Shapes: plain tweets, replies, retweets (with `retweeted_status`), quotes (with `quoted_status`),
// extended tweets (`truncated`, `extended_tweet.full_text` + entities), text with emoji, Latin-1,
// Greek, Cyrillic and CJK characters (entity indices in code points; a share of lines escapes
// non-ASCII as \u sequences like the real stream does), delete and limit notices, a share of
// malformed lines and a share of duplicated tweets (an earlier line repeated). Lines average about
// 3.8 KB like real stream tweets. Same options -> byte-identical files (no std:: distributions,
// gzip header without a timestamp).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

struct TweetgenOptions {
  std::string dest;      // local folder, created if missing
  int files = 4;         // tweets-00000.jsonl.gz …
  double total_mb = 16;  // uncompressed megabytes over all files (1 MB = 10^6 bytes)
  uint64_t seed = 1;
  double bad_share = 0.0;      // share of malformed lines
  double dup_share = 0.0;      // share of lines that repeat an earlier tweet (same id)
  double notice_share = 0.02;  // share of delete/limit notices
  int gzip_level = 6;
};

struct TweetgenFileStats {
  std::string path;
  uint64_t lines = 0;
  uint64_t bytes = 0;  // uncompressed, newlines included
  uint64_t tweets = 0;
  uint64_t notices = 0;
  uint64_t bad_lines = 0;
  uint64_t duplicates = 0;
};

// One line (no newline) of the stream for a given generator state; exposed for tests.
class TweetSource {
 public:
  explicit TweetSource(uint64_t seed, double bad_share = 0, double dup_share = 0,
                       double notice_share = 0.02);
  ~TweetSource();
  TweetSource(const TweetSource&) = delete;
  TweetSource& operator=(const TweetSource&) = delete;
  enum class Kind { kTweet, kNotice, kBad, kDuplicate };
  // Appends the next line to *out (cleared first) and returns what it is.
  Kind Next(std::string* out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes options.files files into options.dest. IOError naming the file on failure.
Status GenerateArchive(const TweetgenOptions& options, std::vector<TweetgenFileStats>* stats);

}  // namespace rankflow
