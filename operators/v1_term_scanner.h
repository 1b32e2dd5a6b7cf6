// V1TermScanner: the fastest reader of plain Twitter v1.1 lines, for counting hashtags or words
// without time (top_terms' default path). One simdjson On-Demand pass over a padded copy of the
// line reads only id, text, full_text, entities.hashtags and extended_tweet; terms come out through
// operators/terms.h (EntityTerm for hashtags, ForEachWord for words), only after the whole line was
// found valid JSON.
//
//   V1TermScanner scan(TweetTermKind::kHashtags);
//   switch (scan.Scan(line, [&](std::string_view term) { Count(term); })) { … }
//
// Semantics (kept byte for byte from the first top_terms; they are NOT the normalized tweet's):
//   - a tweet is an object with "id_str" or "id" and a non-empty "text" / "full_text", or an
//     "extended_tweet";
//   - hashtags are extended_tweet.entities.hashtags[].text when extended_tweet is present, else
//     entities.hashtags[].text; a retweet counts its OWN top-level entities (not the retweeted
//     tweet's, which is what TweetParser, V1EntityReader and the normalized tweet give);
//   - words come from extended_tweet.full_text, else full_text, else text (not the "RT @user: "
//     text of the normalized tweet);
//   - a notice is an object holding a stream-control key (delete, limit, scrub_geo,
//     status_withheld, user_withheld, disconnect, warning, event, friends);
//   - every top-level field is visited, so a truncated line or trailing bytes are kInvalidJson;
//     kNotATweet lines (Gnip, v2, wrappers, rankflow's normalized tweets — a top-level
//     "hashtags" or "source_format" — and oddities) are for TweetParser.
// Cost: ~4 GB/s of JSON; memory bounded by the longest line (a padded copy and simdjson's index).
// Not thread-safe; one per thread.
#pragma once

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "operators/terms.h"

namespace rankflow {

enum class V1LineClass { kTweet, kNotice, kInvalidJson, kNotATweet };

class V1TermScanner {
 public:
  // kind: kHashtags or kWords (any other kind reads as kWords).
  explicit V1TermScanner(TweetTermKind kind) : kind_(kind) {}
  // Classifies a line; for a tweet calls fn with each of its terms (the view is valid only during
  // the call; empty terms are dropped).
  V1LineClass Scan(std::string_view line, const std::function<void(std::string_view)>& fn);

 private:
  V1LineClass Classify(std::string_view line);
  TweetTermKind kind_;
  simdjson::ondemand::parser parser_;
  simdjson::dom::parser dom_parser_;  // only for lines that are not objects
  std::string padded_;
  std::vector<std::string_view> tags_;
  std::vector<std::string_view> extended_tags_;
  std::string_view text_, full_text_, extended_text_;
  bool has_extended_ = false;
  std::string term_;
};

}  // namespace rankflow
