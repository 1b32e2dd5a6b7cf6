#include "operators/terms.h"

#include "runtime/utf8.h"

namespace rankflow {
namespace {

// Decodes the UTF-8 sequence at text[i]; returns its length (1 for an invalid byte, whose value is
// then returned as is with *valid = false).
size_t Decode(std::string_view text, size_t i, uint32_t* cp, bool* valid) {
  auto c = static_cast<unsigned char>(text[i]);
  *valid = true;
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  size_t n = 0;
  uint32_t v = 0;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
    n = 2;
    v = c & 0x1F;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
    v = c & 0x0F;
  } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
    n = 4;
    v = c & 0x07;
  }
  if (n == 0 || i + n > text.size()) {
    *cp = c;
    *valid = false;
    return 1;
  }
  for (size_t k = 1; k < n; ++k) {
    auto cc = static_cast<unsigned char>(text[i + k]);
    if ((cc & 0xC0) != 0x80) {
      *cp = c;
      *valid = false;
      return 1;
    }
    v = (v << 6) | (cc & 0x3F);
  }
  *cp = v;
  return n;
}

uint32_t LowerLatinExtendedA(uint32_t cp) {
  if (cp == 0x0130) return 'i';
  if (cp == 0x0178) return 0x00FF;
  // Pairs start on an even code point in 0100–0137 and 014A–0177, on an odd one in 0139–0148
  // and 0179–017E; 0138 (kra), 0149 and 017F have no capital pair.
  if ((cp <= 0x0137) || (cp >= 0x014A && cp <= 0x0177)) return (cp % 2 == 0) ? cp + 1 : cp;
  if ((cp >= 0x0139 && cp <= 0x0148) || (cp >= 0x0179 && cp <= 0x017E)) {
    return (cp % 2 == 1) ? cp + 1 : cp;
  }
  return cp;
}

}  // namespace

uint32_t LowercaseCodePoint(uint32_t cp) {
  if (cp < 0x80) return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
  if (cp >= 0x00C0 && cp <= 0x00DE && cp != 0x00D7) return cp + 0x20;
  if (cp >= 0x0100 && cp <= 0x017F) return LowerLatinExtendedA(cp);
  if (cp >= 0x0391 && cp <= 0x03AB && cp != 0x03A2) return cp + 0x20;
  if (cp == 0x0386) return 0x03AC;
  if (cp >= 0x0388 && cp <= 0x038A) return cp + 0x25;
  if (cp == 0x038C) return 0x03CC;
  if (cp == 0x038E || cp == 0x038F) return cp + 0x3F;
  if (cp >= 0x0410 && cp <= 0x042F) return cp + 0x20;
  if (cp >= 0x0400 && cp <= 0x040F) return cp + 0x50;
  return cp;
}

void AppendLowercaseTerm(std::string_view text, std::string* out) {
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {  // fast path
      out->push_back(static_cast<char>((c >= 'A' && c <= 'Z') ? c + 32 : c));
      ++i;
      continue;
    }
    uint32_t cp = 0;
    bool valid = false;
    size_t n = Decode(text, i, &cp, &valid);
    if (valid) {
      AppendUtf8(LowercaseCodePoint(cp), out);
    } else {
      out->push_back(text[i]);
    }
    i += n;
  }
}

std::string LowercaseTerm(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendLowercaseTerm(text, &out);
  return out;
}

bool IsWordCodePoint(uint32_t cp) {
  if (cp < 0x80) {
    return (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z') || (cp >= '0' && cp <= '9') ||
           cp == '_';
  }
  if (cp < 0x00C0 || cp == 0x00D7 || cp == 0x00F7) return false;
  if (cp >= 0x2000 && cp <= 0x2BFF) return false;
  if (cp >= 0x3000 && cp <= 0x303F) return false;
  if (cp >= 0xFE00 && cp <= 0xFE0F) return false;
  if (cp >= 0xFFF0 && cp <= 0xFFFF) return false;
  if (cp >= 0x1F000 && cp <= 0x1FAFF) return false;
  if (cp >= 0xE0000 && cp <= 0xE007F) return false;
  return true;
}

void ForEachWord(std::string_view text, const std::function<void(std::string_view)>& fn) {
  std::string word;
  for (size_t i = 0; i < text.size();) {
    uint32_t cp = 0;
    bool valid = false;
    size_t n = Decode(text, i, &cp, &valid);
    if (valid && IsWordCodePoint(cp)) {
      AppendUtf8(LowercaseCodePoint(cp), &word);
    } else if (!word.empty()) {
      fn(word);
      word.clear();
    }
    i += n;
  }
  if (!word.empty()) fn(word);
}

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

bool EntityTerm(TweetTermKind kind, std::string_view raw, std::string* out) {
  out->clear();
  if (kind == TweetTermKind::kHashtags || kind == TweetTermKind::kMentions) {
    AppendLowercaseTerm(raw, out);
  } else {
    out->assign(raw);
  }
  return !out->empty();
}

void ForEachTerm(const Tweet& tweet, TweetTermKind kind, Tokenizer* tokenizer,
                 const std::function<void(std::string&&)>& fn) {
  std::string term;
  switch (kind) {
    case TweetTermKind::kHashtags:
    case TweetTermKind::kMentions:
    case TweetTermKind::kUrls: {
      const std::vector<std::string>& raw = kind == TweetTermKind::kHashtags   ? tweet.hashtags
                                            : kind == TweetTermKind::kMentions ? tweet.mentions
                                                                               : tweet.urls;
      for (const std::string& r : raw) {
        if (EntityTerm(kind, r, &term)) fn(std::move(term));
      }
      break;
    }
    case TweetTermKind::kWords:
      ForEachWord(tweet.text, [&](std::string_view w) { fn(std::string(w)); });
      break;
    case TweetTermKind::kEmoji:
      for (Token& t : tokenizer->Tokenize(tweet.text)) {
        if (t.kind == TokenKind::kEmoji) fn(std::move(t.text));
      }
      break;
  }
}

std::vector<std::string> ExtractTerms(const Tweet& tweet, TweetTermKind kind,
                                      Tokenizer* tokenizer) {
  std::vector<std::string> out;
  ForEachTerm(tweet, kind, tokenizer, [&](std::string&& term) { out.push_back(std::move(term)); });
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
