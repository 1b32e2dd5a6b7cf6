// Terms of a normalized tweet by kind, and time buckets: the operators behind top_terms and
// profanity_index. Pure functions, thread-safe except where a Tokenizer is passed (one per thread).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "operators/tokenizer.h"
#include "operators/tweet.h"
#include "runtime/status.h"

namespace rankflow {

enum class TweetTermKind { kHashtags, kMentions, kUrls, kWords, kEmoji };
// "hashtags" | "mentions" | "urls" | "words" | "emoji"; InvalidArgument naming the value otherwise.
Result<TweetTermKind> ParseTweetTermKind(const std::string& name);
const char* TweetTermKindName(TweetTermKind kind);

// The terms of one tweet, in text order, duplicates kept:
//   hashtags: "#" + lowercased tag (from the tweet's entities);
//   mentions: "@" + lowercased screen name (from the entities);
//   urls:     the expanded URLs as given;
//   words:    Tokenizer word tokens (lowercased, no sigils, URLs dropped);
//   emoji:    Tokenizer emoji tokens.
std::vector<std::string> ExtractTerms(const Tweet& tweet, TweetTermKind kind, Tokenizer* tokenizer);

enum class TimeBucket { kMinute, kHour, kDay };
// "minute" | "hour" | "day".
Result<TimeBucket> ParseTimeBucket(const std::string& name);
const char* TimeBucketName(TimeBucket bucket);
// Start of the UTC bucket holding epoch_ms.
int64_t BucketStartMs(int64_t epoch_ms, TimeBucket bucket);
// The bucket start as ISO-8601 UTC ("2017-05-24T20:00:00Z"); sorts in time order.
std::string BucketLabel(int64_t epoch_ms, TimeBucket bucket);

}  // namespace rankflow
