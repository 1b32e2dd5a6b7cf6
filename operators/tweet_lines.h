// TweetLines: the map-side glue between MapPhase (runtime/pipeline.h) and TweetParser: parses each
// line, hands its tweets to a callback, and counts the rest in the job's Metrics:
//   tweets_in               tweets parsed (a v2 page line may hold many)
//   notices, notices.<kind> stream notices (NoticeKindName)
//   bad_lines.<kind>        via LineContext::BadLine (BadKindName; --strict makes it fatal)
//   bad_entries.<kind>      entries of a page/wrapper line that were not tweets (the line's good
//                           tweets are kept)
// Not thread-safe; one per map phase.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>
#include <vector>

#include "operators/tweet_parser.h"
#include "runtime/metrics.h"
#include "runtime/pipeline.h"

namespace rankflow {

class TweetLines {
 public:
  explicit TweetLines(Metrics* metrics, TweetParserOptions options = {});
  // Parses one line; calls fn for each tweet in it (the tweet may be moved from).
  void Handle(std::string_view line, LineContext& ctx, const std::function<void(Tweet&)>& fn);
  // The same for a line handled away from its MapPhase callback (a worker thread): bad lines go
  // straight to Metrics::BadLine with their file and line number (no --strict handling).
  void Handle(std::string_view line, std::string_view path, uint64_t line_number,
              const std::function<void(Tweet&)>& fn);

 private:
  // Parses and counts; returns the bad kind's name for a bad line, else nullptr.
  const char* Parse(std::string_view line, const std::function<void(Tweet&)>& fn);
  Metrics* metrics_;
  TweetParser parser_;
  std::vector<Tweet> tweets_;
  int64_t* tweets_in_;
  int64_t* notices_;
  int64_t* notice_kinds_[kNoticeKindCount];
};

}  // namespace rankflow
