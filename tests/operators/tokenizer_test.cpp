#include "operators/tokenizer.h"

#include <gtest/gtest.h>

#include "operators/terms.h"

namespace rankflow {
namespace {

using Strings = std::vector<std::string>;

TEST(TokenizerTest, KeepsEntitiesAndEmojiDropsUrls) {
  Tokenizer t;
  EXPECT_EQ(t.TokenTexts("RT @Jack: Don't STOP #BelieveIn $AAPL now!! https://t.co/abc123 ok"),
            (Strings{"rt", "@jack", "don't", "stop", "#believein", "$aapl", "now", "ok"}));
  // ZWJ sequence, skin tone and a flag are one token each.
  EXPECT_EQ(t.TokenTexts("hi👩‍🚒there 👍🏽 🇨🇱!"),
            (Strings{"hi", "👩‍🚒", "there", "👍🏽", "🇨🇱"}));
  std::vector<Token> tokens = t.Tokenize("#Ñandú ÉCOLE d’été");
  ASSERT_EQ(tokens.size(), 3u);
  EXPECT_EQ(tokens[0].kind, TokenKind::kHashtag);
  EXPECT_EQ(tokens[0].text, "#ñandú");
  EXPECT_EQ(tokens[1].text, "école");
  EXPECT_EQ(tokens[2].text, "d'été");  // U+2019 normalized
  EXPECT_TRUE(t.TokenTexts("  ...  ").empty());
}

TEST(TokenizerTest, NGramsAndHashing) {
  EXPECT_EQ(NGrams({"a", "b", "c"}, 2), (Strings{"a b", "b c"}));
  EXPECT_TRUE(NGrams({"a"}, 2).empty());
  EXPECT_EQ(Fnv1a64(""), 14695981039346656037ull);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cull);  // FNV-1a 64 reference value
  std::vector<float> v = HashedNGramCounts({"a", "b", "a"}, 1, 2, 16);
  float total = 0;
  for (float x : v) total += x;
  EXPECT_EQ(total, 5.0f);  // 3 unigrams + 2 bigrams
  EXPECT_EQ(v[Fnv1a64("a") % 16], Fnv1a64("a") % 16 == Fnv1a64("b") % 16 ? 3.0f : 2.0f);
}

TEST(TermsTest, ExtractsEachKindAndBuckets) {
  Tweet tw;
  tw.text = "Vote #MAGA @Jack 😀 https://t.co/x";
  tw.hashtags = {"MAGA"};
  tw.mentions = {"Jack"};
  tw.urls = {"https://example.com/a"};
  Tokenizer t;
  // The forms operators/terms.h defines (the one rule since issue 10, item 2): entities
  // lowercased without their sigil; words are ForEachWord's, split at every non-letter (URLs too).
  EXPECT_EQ(ExtractTerms(tw, TweetTermKind::kHashtags, &t), Strings{"maga"});
  EXPECT_EQ(ExtractTerms(tw, TweetTermKind::kMentions, &t), Strings{"jack"});
  EXPECT_EQ(ExtractTerms(tw, TweetTermKind::kUrls, &t), Strings{"https://example.com/a"});
  EXPECT_EQ(ExtractTerms(tw, TweetTermKind::kWords, &t),
            (Strings{"vote", "maga", "jack", "https", "t", "co", "x"}));
  EXPECT_EQ(ExtractTerms(tw, TweetTermKind::kEmoji, &t), Strings{"😀"});
  EXPECT_FALSE(ParseTweetTermKind("tweets").ok());
  const int64_t ms = 1495657145123;  // 2017-05-24T20:19:05.123Z
  EXPECT_EQ(BucketLabel(ms, TimeBucket::kMinute), "2017-05-24T20:19:00Z");
  EXPECT_EQ(BucketLabel(ms, TimeBucket::kHour), "2017-05-24T20:00:00Z");
  EXPECT_EQ(BucketLabel(ms, TimeBucket::kDay), "2017-05-24T00:00:00Z");
  EXPECT_EQ(ParseTimeBucket("hour").value(), TimeBucket::kHour);
  EXPECT_FALSE(ParseTimeBucket("week").ok());
}

}  // namespace
}  // namespace rankflow
