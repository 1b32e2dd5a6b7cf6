// Unit tests of the term rules (operators/terms.h) and the fast v1.1 term scanner
// (operators/v1_term_scanner.h); glibc's towlower (C.UTF-8) is the oracle for lowercasing.
#include "operators/terms.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cwctype>
#include <vector>

#include "operators/tweet.h"
#include "operators/v1_term_scanner.h"

namespace rankflow {
namespace {

TEST(LowercaseTest, AgreesWithTowlowerOnSupportedRanges) {
  ASSERT_NE(std::setlocale(LC_CTYPE, "C.UTF-8"), nullptr);
  std::vector<std::pair<uint32_t, uint32_t>> ranges = {
      {0x0000, 0x007F}, {0x00C0, 0x00DE}, {0x0100, 0x017F}, {0x0386, 0x03AB}, {0x0400, 0x042F}};
  int checked = 0;
  for (auto [lo, hi] : ranges) {
    for (uint32_t cp = lo; cp <= hi; ++cp) {
      EXPECT_EQ(LowercaseCodePoint(cp), static_cast<uint32_t>(std::towlower(cp))) << std::hex << cp;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 373);
}

TEST(LowercaseTest, Utf8Strings) {
  EXPECT_EQ(LowercaseTerm("PyThon"), "python");
  EXPECT_EQ(LowercaseTerm("CAFÉ"), "café");
  EXPECT_EQ(LowercaseTerm("ΕΛΛΆΔΑ"), "ελλάδα");
  EXPECT_EQ(LowercaseTerm("МОСКВА"), "москва");
  EXPECT_EQ(LowercaseTerm("東京😀ß"), "東京😀ß");
  EXPECT_EQ(LowercaseTerm("A\xff"
                          "B"),
            "a\xff"
            "b");  // invalid bytes kept
}

TEST(WordsTest, SplitsOnPunctuationSymbolsAndEmoji) {
  std::vector<std::string> words;
  ForEachWord("RT @Ann: Café—naïve #Python 😀 don't 東京 x_1",
              [&](std::string_view w) { words.emplace_back(w); });
  EXPECT_EQ(words, (std::vector<std::string>{"rt", "ann", "café", "naïve", "python", "don", "t",
                                             "東京", "x_1"}));
}

TEST(V1TermScannerTest, ClassifiesAndExtracts) {
  V1TermScanner ex(TweetTermKind::kHashtags);
  std::vector<std::string> got;
  auto collect = [&](std::string_view t) { got.emplace_back(t); };
  EXPECT_EQ(
      ex.Scan(R"({"id_str":"1","text":"a","entities":{"hashtags":[{"text":"Go"}]}})", collect),
      V1LineClass::kTweet);
  EXPECT_EQ(got, std::vector<std::string>{"go"});
  got.clear();
  // extended_tweet entities replace the classic ones.
  EXPECT_EQ(ex.Scan(R"({"id_str":"1","text":"a","entities":{"hashtags":[{"text":"A"}]},)"
                    R"("extended_tweet":{"full_text":"a b","entities":{"hashtags":)"
                    R"([{"text":"A"},{"text":"\u0392"}]}}})",
                    collect),
            V1LineClass::kTweet);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "β"}));
  got.clear();
  // A truncated line emits nothing even though its hashtags were readable.
  EXPECT_EQ(ex.Scan(R"({"id_str":"1","entities":{"hashtags":[{"text":"X"}]},"text":"a")", collect),
            V1LineClass::kInvalidJson);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(ex.Scan(R"({"id_str":"1","text":"a"} trailing)", collect), V1LineClass::kInvalidJson);
  EXPECT_EQ(ex.Scan(R"({"delete":{"status":{"id_str":"1"}}})", collect), V1LineClass::kNotice);
  EXPECT_EQ(ex.Scan(R"({"limit":{"track":5}})", collect), V1LineClass::kNotice);
  EXPECT_EQ(ex.Scan(R"([1,2])", collect), V1LineClass::kNotATweet);
  EXPECT_EQ(ex.Scan(R"({"user":"x"})", collect), V1LineClass::kNotATweet);
  EXPECT_EQ(ex.Scan("<html>", collect), V1LineClass::kInvalidJson);
  EXPECT_EQ(ex.Scan("not json", collect), V1LineClass::kInvalidJson);
  EXPECT_EQ(ex.Scan("[1,2", collect), V1LineClass::kInvalidJson);
  EXPECT_EQ(ex.Scan("\"a string\"", collect), V1LineClass::kNotATweet);
  EXPECT_TRUE(got.empty());
}

// load_tweets' normalized lines are TweetParser's (top-level entity lists): counting them as
// v1.1 tweets without "entities" gave top_terms zero hashtags on load_tweets' output.
TEST(V1TermScannerTest, DeclinesNormalizedTweets) {
  V1TermScanner ex(TweetTermKind::kHashtags);
  int calls = 0;
  EXPECT_EQ(ex.Scan(R"({"id":"1","created_at":"2017-05-24T20:19:05Z","text":"a #Go",)"
                    R"("hashtags":["Go"],"source_format":"v1"})",
                    [&](std::string_view) { ++calls; }),
            V1LineClass::kNotATweet);
  EXPECT_EQ(calls, 0);
}

TEST(V1TermScannerTest, WordsUseTheFullText) {
  V1TermScanner ex(TweetTermKind::kWords);
  std::vector<std::string> got;
  EXPECT_EQ(ex.Scan(R"({"id":1,"text":"Short…","extended_tweet":{"full_text":"Short but LONGER"}})",
                    [&](std::string_view t) { got.emplace_back(t); }),
            V1LineClass::kTweet);
  EXPECT_EQ(got, (std::vector<std::string>{"short", "but", "longer"}));
}

// The one rule for entity terms: lowercased, no sigil, URLs as given, empties dropped.
TEST(EntityTermTest, HashtagsAndMentionsLoseNoSigilAndAreLowercased) {
  std::string term;
  EXPECT_TRUE(EntityTerm(TweetTermKind::kHashtags, "CAFÉ", &term));
  EXPECT_EQ(term, "café");
  EXPECT_TRUE(EntityTerm(TweetTermKind::kMentions, "NASA", &term));
  EXPECT_EQ(term, "nasa");
  EXPECT_TRUE(EntityTerm(TweetTermKind::kUrls, "https://Example.com/A", &term));
  EXPECT_EQ(term, "https://Example.com/A");
  EXPECT_FALSE(EntityTerm(TweetTermKind::kHashtags, "", &term));
  EXPECT_TRUE(term.empty());
}

TEST(ExtractTermsTest, NormalizedTweetGivesTheSameFormsAsTheFastReaders) {
  Tweet t;
  t.text = "RT @Ann: Café—naïve #Python";
  t.hashtags = {"Python", "", "ΕΛΛΆΔΑ"};
  t.mentions = {"Ann", "BOB"};
  t.urls = {"https://x.org/A", ""};
  EXPECT_EQ(ExtractTerms(t, TweetTermKind::kHashtags, nullptr),
            (std::vector<std::string>{"python", "ελλάδα"}));
  EXPECT_EQ(ExtractTerms(t, TweetTermKind::kMentions, nullptr),
            (std::vector<std::string>{"ann", "bob"}));
  EXPECT_EQ(ExtractTerms(t, TweetTermKind::kUrls, nullptr),
            (std::vector<std::string>{"https://x.org/A"}));
  EXPECT_EQ(ExtractTerms(t, TweetTermKind::kWords, nullptr),
            (std::vector<std::string>{"rt", "ann", "café", "naïve", "python"}));
  std::vector<std::string> scanned;
  V1TermScanner scan(TweetTermKind::kHashtags);
  ASSERT_EQ(
      scan.Scan(
          R"({"id_str":"1","text":"a","entities":{"hashtags":)"
          R"([{"text":"Python"},{"text":""},{"text":"\u0395\u039b\u039b\u0386\u0394\u0391"}]}})",
          [&](std::string_view x) { scanned.emplace_back(x); }),
      V1LineClass::kTweet);
  EXPECT_EQ(scanned, ExtractTerms(t, TweetTermKind::kHashtags, nullptr));
}

}  // namespace
}  // namespace rankflow
