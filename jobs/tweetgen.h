// tweetgen: a deterministic synthetic archive of Twitter v1.1 stream lines, gzipped.
//
// Shapes: plain tweets, replies, retweets (with `retweeted_status`), quotes (with `quoted_status`),
// extended tweets (`truncated`, `extended_tweet.full_text` + entities), text with emoji, Latin-1,
// Greek, Cyrillic and CJK characters (entity indices in code points; a share of lines escapes
// non-ASCII as \u sequences like the real stream does), delete and limit notices, a share of
// malformed lines and a share of duplicated tweets (an earlier line repeated). Lines average about
// 3.8 KB like real stream tweets. Same options -> byte-identical files (no std:: distributions,
// gzip header without a timestamp).
//
// Time: the tweets spread over [start, start + days) with a daily curve and a few bursts
// (jobs/tweetgen_time.h), in time order across the files (file 0 first). A small share of the
// tweets names one of five brands (tweetgen_text.h, Topics(): Netflix, Spotify, Tesla, Starbucks,
// Uber) and a small share holds a word of operators' LDNOOBW list, more at night and many more in
// a burst, which is about one brand: profanity_index draws a curve on such an archive. Links go
// to YouTube, Instagram, news sites, URL shorteners and a long tail of small sites.
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
  // The first instant of the span (ms since the epoch, 2011-01-01 to 2099-12-31); -1: midnight
  // UTC of 2020-01-01 + (seed mod 1000) days.
  int64_t start_ms = -1;
  int days = 1;  // the span's length, 1 to 366
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

namespace tweetgen {
class TweetClock;
}

// One line (no newline) of the stream for a given generator state; exposed for tests. Shares as
// in TweetgenOptions; `clock` (not owned) says when tweets happen.
class TweetSource {
 public:
  TweetSource(uint64_t seed, const TweetgenOptions& shares, const tweetgen::TweetClock* clock);
  ~TweetSource();
  TweetSource(const TweetSource&) = delete;
  TweetSource& operator=(const TweetSource&) = delete;
  enum class Kind { kTweet, kNotice, kBad, kDuplicate };
  // Appends the line at `position` in [0, 1) of the archive to *out (cleared first) and returns
  // what it is. Positions must not decrease from one call to the next.
  Kind Next(double position, std::string* out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Writes options.files files into options.dest. IOError naming the file on failure.
Status GenerateArchive(const TweetgenOptions& options, std::vector<TweetgenFileStats>* stats);

// The command line (jobs/tweetgen_cli.cpp): args without the program name. Exit code 0 (the
// archive is written; stdout_text: a summary line; or --help), 1 (GenerateArchive failed), 2 (a bad
// flag or value: FlagSet's errors and GenerateArchive's InvalidArgument); stderr_text: one line
// "tweetgen: <why>" when not 0. Prints nothing itself.
struct TweetgenOutcome {
  int exit_code = 1;
  std::string stdout_text;
  std::string stderr_text;
};
TweetgenOutcome RunTweetgen(const std::vector<std::string>& args);

}  // namespace rankflow
