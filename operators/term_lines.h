// TermLines: the terms of tweets as a source, for jobs that count terms (top_terms). Every line of
// any archive shape gives (tweet time, term) for each term of each tweet on it, read by the fastest
// reader that covers the request; what that reader declines goes to TweetParser, so every shape
// works:
//   - kind hashtags or words, time not needed: V1TermScanner (operators/v1_term_scanner.h; its
//     own semantics, kept from the first top_terms: a retweet counts its own top-level hashtags,
//     words come from the retweet's own full text);
//   - kind hashtags, mentions or urls otherwise: V1EntityReader (operators/v1_entity_reader.h),
//     which gives TweetParser's answer on every line it takes;
//   - everything else (words or emoji with time, emoji, every declined line, and every line with
//     full_parser_only): TweetParser through TweetLines, terms by ExtractTerms (operators/terms.h).
// Terms are as operators/terms.h says (EntityTerm, ForEachWord): lowercased, no sigil, URLs as
// given, empties dropped. Counters (TweetLines' kTwoKinds scheme): tweets, tweets_full_parser,
// notices, terms, bad_lines.invalid_json | not_a_tweet (via LineContext::BadLine, so --strict
// makes them fatal), bad_entries.<kind>.
// Not thread-safe; one per map phase.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string_view>

#include "operators/terms.h"
#include "operators/tokenizer.h"
#include "operators/tweet_lines.h"
#include "runtime/metrics.h"
#include "runtime/pipeline.h"

namespace rankflow {

class V1EntityReader;
class V1TermScanner;

struct TermLinesOptions {
  TweetTermKind kind = TweetTermKind::kHashtags;
  bool need_time = false;         // the caller uses the tweet's time (e.g. per time bucket)
  bool full_parser_only = false;  // every line through TweetParser (for checks and timing)
};

// fn(epoch_ms, term): the term's view is valid only during the call. epoch_ms is the tweet's time
// (timestamp_ms), or 0 when the options did not ask for time and V1TermScanner read the line.
using TermFn = std::function<void(int64_t epoch_ms, std::string_view term)>;

class TermLines {
 public:
  TermLines(Metrics* metrics, const TermLinesOptions& options);
  ~TermLines();
  TermLines(const TermLines&) = delete;
  TermLines& operator=(const TermLines&) = delete;
  void Handle(std::string_view line, LineContext& ctx, const TermFn& fn);

 private:
  TermLinesOptions options_;
  int64_t* tweets_;
  int64_t* notices_;
  int64_t* terms_;
  std::unique_ptr<V1TermScanner> scanner_;
  std::unique_ptr<V1EntityReader> entities_;
  TweetLines full_;
  std::unique_ptr<Tokenizer> tokenizer_;  // emoji only
  std::string term_;
};

}  // namespace rankflow
