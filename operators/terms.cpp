#include "operators/terms.h"

namespace rankflow {

Result<TermKind> ParseTermKind(const std::string& name) {
  if (name == "hashtags") return TermKind::kHashtags;
  if (name == "mentions") return TermKind::kMentions;
  if (name == "urls") return TermKind::kUrls;
  if (name == "words") return TermKind::kWords;
  if (name == "emoji") return TermKind::kEmoji;
  return Status::InvalidArgument("unknown term kind \"" + name +
                                 "\" (expected hashtags, mentions, urls, words or emoji)");
}

const char* TermKindName(TermKind kind) {
  switch (kind) {
    case TermKind::kHashtags:
      return "hashtags";
    case TermKind::kMentions:
      return "mentions";
    case TermKind::kUrls:
      return "urls";
    case TermKind::kWords:
      return "words";
    case TermKind::kEmoji:
      return "emoji";
  }
  return "words";
}

std::vector<std::string> ExtractTerms(const Tweet& tweet, TermKind kind, Tokenizer* tokenizer) {
  std::vector<std::string> out;
  switch (kind) {
    case TermKind::kHashtags:
      for (const std::string& h : tweet.hashtags) out.push_back("#" + LowercaseUtf8(h));
      break;
    case TermKind::kMentions:
      for (const std::string& m : tweet.mentions) out.push_back("@" + LowercaseUtf8(m));
      break;
    case TermKind::kUrls:
      out = tweet.urls;
      break;
    case TermKind::kWords:
    case TermKind::kEmoji: {
      const TokenKind want = kind == TermKind::kWords ? TokenKind::kWord : TokenKind::kEmoji;
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
