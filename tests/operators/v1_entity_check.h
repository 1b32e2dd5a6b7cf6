// The property V1EntityReader promises (operators/v1_entity_reader.h), as one function shared by
// the deterministic test (v1_entity_reader_test) and the differential libFuzzer target
// (fuzz/v1_entity_fuzz.cpp): for every entity kind, a line the fast reader answers gives, through
// TweetParser, exactly one tweet with the same time and the same terms. Lines it declines are
// answered by the parser itself, so there is nothing to compare.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "operators/tweet_parser.h"
#include "operators/v1_entity_reader.h"

namespace rankflow::testing {

struct V1EntityReaders {
  V1EntityReader hashtags{TweetTermKind::kHashtags};
  V1EntityReader mentions{TweetTermKind::kMentions};
  V1EntityReader urls{TweetTermKind::kUrls};
  TweetParser parser;
};

inline std::string JoinTerms(const std::vector<std::string_view>& terms) {
  std::string out = "[";
  for (std::string_view t : terms) out.append(out.size() > 1 ? "|" : "").append(t);
  return out + "]";
}

// Empty when the fast reader agrees with TweetParser on `line` for every kind; else what differs.
// *answered (optional) counts the kinds the fast reader answered.
inline std::string V1EntityDisagreement(V1EntityReaders& r, std::string_view line,
                                        int* answered = nullptr) {
  std::vector<Tweet> tweets;
  const ParseResult parsed = r.parser.Parse(line, &tweets);
  struct Kind {
    const char* name;
    V1EntityReader* reader;
  };
  for (const Kind& k :
       {Kind{"hashtags", &r.hashtags}, Kind{"mentions", &r.mentions}, Kind{"urls", &r.urls}}) {
    int64_t ms = 0;
    if (!k.reader->Read(line, &ms)) continue;
    if (answered != nullptr) ++*answered;
    const std::string what = std::string("--what ") + k.name + ": ";
    if (parsed.kind != ParseResult::Kind::kTweets || tweets.size() != 1) {
      return what + "fast reader answered, parser gave " + std::to_string(tweets.size()) +
             " tweets (" + parsed.message + ")";
    }
    const Tweet& t = tweets[0];
    if (t.timestamp_ms != ms) {
      return what + "time " + std::to_string(ms) + " != parser's " + std::to_string(t.timestamp_ms);
    }
    const std::vector<std::string>& want = k.reader == &r.hashtags   ? t.hashtags
                                           : k.reader == &r.mentions ? t.mentions
                                                                     : t.urls;
    const std::vector<std::string_view> want_views(want.begin(), want.end());
    if (k.reader->terms() != want_views) {
      return what + "terms " + JoinTerms(k.reader->terms()) + " != parser's " +
             JoinTerms(want_views);
    }
  }
  return "";
}

}  // namespace rankflow::testing
