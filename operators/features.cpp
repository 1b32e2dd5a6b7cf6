#include "operators/features.h"

#include <cstdio>

#include "runtime/json_string.h"

namespace rankflow {

FeatureExtractor::FeatureExtractor(FeatureOptions options)
    : options_(options),
      profanity_(ProfanityLexicon::Embedded()),
      afinn_(AfinnLexicon::Embedded()),
      vader_(VaderScorer::Embedded()) {}

TweetFeatures FeatureExtractor::Compute(const Tweet& tweet) {
  TweetFeatures f;
  f.id = tweet.id;
  f.timestamp_ms = tweet.timestamp_ms;
  const std::vector<Token> tokens = tokenizer_.Tokenize(tweet.text);
  std::vector<std::string> texts;
  texts.reserve(tokens.size());
  for (const Token& t : tokens) texts.push_back(t.text);
  const float values[kFeatureScalarCount] = {static_cast<float>(tweet.hashtags.size()),
                                             static_cast<float>(tweet.mentions.size()),
                                             static_cast<float>(tweet.urls.size()),
                                             static_cast<float>(tokens.size()),
                                             static_cast<float>(afinn_.Score(tweet.text, tokens)),
                                             static_cast<float>(vader_.Compound(tweet.text)),
                                             static_cast<float>(profanity_.Count(tokens)),
                                             tweet.is_retweet ? 1.0f : 0.0f,
                                             tweet.is_quote ? 1.0f : 0.0f,
                                             tweet.is_reply ? 1.0f : 0.0f,
                                             static_cast<float>(tweet.media_count),
                                             static_cast<float>(tweet.followers)};
  for (int i = 0; i < kFeatureScalarCount; ++i) f.scalars[i] = values[i];
  f.ngrams = HashedNGramCounts(texts, options_.min_n, options_.max_n, options_.dimension);
  return f;
}

std::string FeaturesToJson(const TweetFeatures& f) {
  std::string out = "{\"id\":";
  AppendValidUtf8JsonString(&out, f.id);
  out += ",\"timestamp_ms\":" + std::to_string(f.timestamp_ms);
  char buf[32];
  for (int i = 0; i < kFeatureScalarCount; ++i) {
    std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(f.scalars[i]));
    out += ",\"" + std::string(kFeatureScalarNames[i]) + "\":" + buf;
  }
  out += ",\"ngrams\":{";
  bool first = true;
  for (size_t i = 0; i < f.ngrams.size(); ++i) {
    if (f.ngrams[i] == 0.0f) continue;
    std::snprintf(buf, sizeof(buf), "%.9g", static_cast<double>(f.ngrams[i]));
    out += (first ? "\"" : ",\"") + std::to_string(i) + "\":" + buf;
    first = false;
  }
  out += "}}";
  return out;
}

}  // namespace rankflow
