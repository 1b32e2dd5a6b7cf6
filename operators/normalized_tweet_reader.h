// NormalizedTweetReader: reads back load_tweets' own normalized JSON (AppendTweetJson's output,
// operators/README.md) into a Tweet, faster than TweetParser, which handles every archive shape.
// load_tweets uses it where a format needs the parsed tweet (csv, hdf5, parquet) after the dedupe,
// which keeps records as their JSON.
//
//   NormalizedTweetReader reader;
//   Tweet t;
//   if (!reader.Read(json, &t)) { /* not a normalized record: use TweetParser */ }
//
// Contract: for every Tweet t, Read(TweetToJson(t)) gives true and a tweet equal to what
// TweetParser gives for that line (tests/operators/normalized_tweet_reader_test checks both on
// every sample tweet). Anything else — another key, a missing key, a wrong type, invalid JSON —
// gives false and the caller falls back to TweetParser; it never guesses. Cost: one simdjson DOM
// parse (SIMD stage 1 picked at run time) of the record and a walk over its 24 fields. Not
// thread-safe: one reader per thread.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "operators/tweet.h"

namespace rankflow {

// The keys of the normalized record, in AppendTweetJson's order ("id", "created_at", …,
// "coordinates", …, "retweeted_screen_name").
const std::vector<std::string_view>& NormalizedTweetKeys();

class NormalizedTweetReader {
 public:
  NormalizedTweetReader();
  ~NormalizedTweetReader();
  NormalizedTweetReader(const NormalizedTweetReader&) = delete;
  NormalizedTweetReader& operator=(const NormalizedTweetReader&) = delete;

  // True and *t filled (every field) if json is a normalized record; false otherwise (*t is then
  // unspecified).
  bool Read(std::string_view json, Tweet* t);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rankflow
