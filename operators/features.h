// Per-tweet feature rows for learning (tweet_features): entity counts, token count, sentiment,
// profanity, flags and a hashed n-gram vector. Column meanings are documented in
// operators/README.md ("Feature rows").
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "operators/lexicons.h"
#include "operators/tokenizer.h"
#include "operators/tweet.h"

namespace rankflow {

struct FeatureOptions {
  int dimension = 1024;  // hashed n-gram vector length
  int min_n = 1;         // n-grams from min_n to max_n tokens
  int max_n = 2;
};

// The scalar columns, in this order, are the HDF5 "scalars" dataset's columns.
inline constexpr const char* kFeatureScalarNames[] = {
    "hashtags",  "mentions",   "urls",     "tokens",   "afinn",       "vader_compound",
    "profanity", "is_retweet", "is_quote", "is_reply", "media_count", "followers"};
inline constexpr int kFeatureScalarCount = 12;

struct TweetFeatures {
  std::string id;
  int64_t timestamp_ms = 0;
  float scalars[kFeatureScalarCount] = {};
  std::vector<float> ngrams;  // FeatureOptions::dimension counts
};

// The lexicons and tokenizer one thread needs. Not thread-safe (the tokenizer); one per thread.
class FeatureExtractor {
 public:
  explicit FeatureExtractor(FeatureOptions options);
  TweetFeatures Compute(const Tweet& tweet);
  const FeatureOptions& options() const { return options_; }

 private:
  FeatureOptions options_;
  Tokenizer tokenizer_;
  ProfanityLexicon profanity_;
  AfinnLexicon afinn_;
  VaderScorer vader_;
};

// One JSON object: {"id":…,"timestamp_ms":…,<scalar name>:<value>…,"ngrams":{"<slot>":count,…}}
// (the n-gram vector sparse, slots in increasing order).
std::string FeaturesToJson(const TweetFeatures& f);

}  // namespace rankflow
