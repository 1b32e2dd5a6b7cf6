// TweetLines: tweets as a source. The map-side glue between a line reader (MapPhase,
// runtime/pipeline.h, or a flow source) and TweetParser: parses each line of any archive shape,
// hands its normalized tweets to a callback, and counts the rest in the job's Metrics. Two
// counting schemes, so that each job's manifest stays what it was:
//   TweetCounting::kByKind (load_tweets, tweet_features, profanity_index, the flow's ReadTweets):
//     tweets_in               tweets parsed (a v2 page line may hold many)
//     notices, notices.<kind> stream notices (NoticeKindName)
//     bad_lines.<kind>        via LineContext::BadLine (BadKindName; --strict makes it fatal)
//   TweetCounting::kTwoKinds (top_terms):
//     tweets, tweets_full_parser  both count the tweets parsed here (the fast term readers of
//                             operators/term_lines.h add to "tweets" only)
//     notices                 stream notices, not by kind
//     bad_lines.invalid_json | bad_lines.not_a_tweet (every other BadKind)
//   and in both: bad_entries.<kind>  entries of a page/wrapper line that were not tweets (the
//                           line's good tweets are kept).
// Not thread-safe; one per map phase.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "operators/tweet_parser.h"
#include "runtime/fs.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/pipeline.h"
#include "runtime/status.h"

namespace rankflow {

enum class TweetCounting { kByKind, kTwoKinds };

class TweetLines {
 public:
  explicit TweetLines(Metrics* metrics, TweetParserOptions options = {},
                      TweetCounting counting = TweetCounting::kByKind);
  // Parses one line; calls fn for each tweet in it (the tweet may be moved from).
  void Handle(std::string_view line, LineContext& ctx, const std::function<void(Tweet&)>& fn);
  // The same for a line handled away from its MapPhase callback (a worker thread): bad lines go
  // straight to Metrics::BadLine with their file and line number (no --strict handling). Returns
  // the bad kind's name for a bad line, else nullptr.
  const char* Handle(std::string_view line, std::string_view path, uint64_t line_number,
                     const std::function<void(Tweet&)>& fn);

 private:
  // Parses and counts; returns the bad kind's name for a bad line, else nullptr.
  const char* Parse(std::string_view line, const std::function<void(Tweet&)>& fn);
  Metrics* metrics_;
  TweetParser parser_;
  TweetCounting counting_;
  std::vector<Tweet> tweets_;
  int64_t* tweets_in_;
  int64_t* full_parser_ = nullptr;  // kTwoKinds only
  int64_t* notices_;
  int64_t* notice_kinds_[kNoticeKindCount];
};

// Every tweet of this rank's share of `files` (file i goes to rank i mod mpi.size(), no
// claiming), through a TweetLines (kByKind) counting into *metrics: a ".json" file is one
// document (a REST or v2 response, often pretty-printed), any other file is read line by line
// (gzip or not; runtime/line_reader.h). A file that cannot be read ends it with that Status.
// Counts, as MapPhase does: files_in, stored_bytes_in (file sizes), records_in (lines, a .json
// file being one), bytes_in (their bytes, newlines included).
// Local: not collective. For jobs that read small, mixed archives whole (classify_tweets);
// large ones go through MapPhase or the flow sources.
// With `strict`, the first bad line ends it: InvalidArgument "--strict: <kind> at FILE:LINE".
Status ForEachTweetInFiles(const MpiContext& mpi, FileSystem& fs,
                           const std::vector<FileInfo>& files, bool strict, Metrics* metrics,
                           const std::function<void(Tweet&)>& fn);

}  // namespace rankflow
