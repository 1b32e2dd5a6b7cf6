#include "operators/terms.h"

namespace rankflow {

Result<TweetTermKind> ParseTweetTermKind(const std::string& name) {
  if (name == "hashtags") return TweetTermKind::kHashtags;
  if (name == "mentions") return TweetTermKind::kMentions;
  if (name == "urls") return TweetTermKind::kUrls;
  if (name == "words") return TweetTermKind::kWords;
  if (name == "emoji") return TweetTermKind::kEmoji;
  return Status::InvalidArgument("unknown term kind \"" + name +
                                 "\" (expected hashtags, mentions, urls, words or emoji)");
}

const char* TweetTermKindName(TweetTermKind kind) {
  switch (kind) {
    case TweetTermKind::kHashtags:
      return "hashtags";
    case TweetTermKind::kMentions:
      return "mentions";
    case TweetTermKind::kUrls:
      return "urls";
    case TweetTermKind::kWords:
      return "words";
    case TweetTermKind::kEmoji:
      return "emoji";
  }
  return "words";
}

std::vector<std::string> ExtractTerms(const Tweet& tweet, TweetTermKind kind,
                                      Tokenizer* tokenizer) {
  std::vector<std::string> out;
  switch (kind) {
    case TweetTermKind::kHashtags:
      for (const std::string& h : tweet.hashtags) out.push_back("#" + LowercaseUtf8(h));
      break;
    case TweetTermKind::kMentions:
      for (const std::string& m : tweet.mentions) out.push_back("@" + LowercaseUtf8(m));
      break;
    case TweetTermKind::kUrls:
      out = tweet.urls;
      break;
    case TweetTermKind::kWords:
    case TweetTermKind::kEmoji: {
      const TokenKind want = kind == TweetTermKind::kWords ? TokenKind::kWord : TokenKind::kEmoji;
      for (Token& t : tokenizer->Tokenize(tweet.text)) {
        if (t.kind == want) out.push_back(std::move(t.text));
      }
      break;
    }
  }
  return out;
}

Result<TimeBucket> ParseTimeBucket(const std::string& name) {
  if (name == "minute") return TimeBucket::kMinute;
  if (name == "hour") return TimeBucket::kHour;
  if (name == "day") return TimeBucket::kDay;
  return Status::InvalidArgument("unknown time bucket \"" + name +
                                 "\" (expected minute, hour or day)");
}

const char* TimeBucketName(TimeBucket bucket) {
  switch (bucket) {
    case TimeBucket::kMinute:
      return "minute";
    case TimeBucket::kHour:
      return "hour";
    case TimeBucket::kDay:
      return "day";
  }
  return "day";
}

int64_t BucketStartMs(int64_t epoch_ms, TimeBucket bucket) {
  const int64_t width = bucket == TimeBucket::kMinute ? 60000
                        : bucket == TimeBucket::kHour ? 3600000
                                                      : 86400000;
  int64_t q = epoch_ms / width;
  if (epoch_ms % width < 0) --q;
  return q * width;
}

std::string BucketLabel(int64_t epoch_ms, TimeBucket bucket) {
  return FormatIsoUtc(BucketStartMs(epoch_ms, bucket));
}

}  // namespace rankflow
