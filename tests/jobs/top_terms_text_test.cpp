// Unit tests of top_terms' text rules; glibc's towlower (C.UTF-8) is the oracle for lowercasing.
#include "jobs/top_terms_text.h"

#include <gtest/gtest.h>

#include <clocale>
#include <cwctype>
#include <vector>

#include "jobs/top_terms.h"

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

TEST(TermExtractorTest, ClassifiesAndExtracts) {
  TermExtractor ex(TermKind::kHashtags);
  std::vector<std::string> got;
  auto collect = [&](std::string_view t) { got.emplace_back(t); };
  EXPECT_EQ(
      ex.Extract(R"({"id_str":"1","text":"a","entities":{"hashtags":[{"text":"Go"}]}})", collect),
      LineClass::kTweet);
  EXPECT_EQ(got, std::vector<std::string>{"go"});
  got.clear();
  // extended_tweet entities replace the classic ones.
  EXPECT_EQ(ex.Extract(R"({"id_str":"1","text":"a","entities":{"hashtags":[{"text":"A"}]},)"
                       R"("extended_tweet":{"full_text":"a b","entities":{"hashtags":)"
                       R"([{"text":"A"},{"text":"\u0392"}]}}})",
                       collect),
            LineClass::kTweet);
  EXPECT_EQ(got, (std::vector<std::string>{"a", "β"}));
  got.clear();
  // A truncated line emits nothing even though its hashtags were readable.
  EXPECT_EQ(
      ex.Extract(R"({"id_str":"1","entities":{"hashtags":[{"text":"X"}]},"text":"a")", collect),
      LineClass::kInvalidJson);
  EXPECT_TRUE(got.empty());
  EXPECT_EQ(ex.Extract(R"({"id_str":"1","text":"a"} trailing)", collect), LineClass::kInvalidJson);
  EXPECT_EQ(ex.Extract(R"({"delete":{"status":{"id_str":"1"}}})", collect), LineClass::kNotice);
  EXPECT_EQ(ex.Extract(R"({"limit":{"track":5}})", collect), LineClass::kNotice);
  EXPECT_EQ(ex.Extract(R"([1,2])", collect), LineClass::kNotATweet);
  EXPECT_EQ(ex.Extract(R"({"user":"x"})", collect), LineClass::kNotATweet);
  EXPECT_EQ(ex.Extract("<html>", collect), LineClass::kInvalidJson);
  EXPECT_EQ(ex.Extract("not json", collect), LineClass::kInvalidJson);
  EXPECT_EQ(ex.Extract("[1,2", collect), LineClass::kInvalidJson);
  EXPECT_EQ(ex.Extract("\"a string\"", collect), LineClass::kNotATweet);
  EXPECT_TRUE(got.empty());
}

TEST(TermExtractorTest, WordsUseTheFullText) {
  TermExtractor ex(TermKind::kWords);
  std::vector<std::string> got;
  EXPECT_EQ(
      ex.Extract(R"({"id":1,"text":"Short…","extended_tweet":{"full_text":"Short but LONGER"}})",
                 [&](std::string_view t) { got.emplace_back(t); }),
      LineClass::kTweet);
  EXPECT_EQ(got, (std::vector<std::string>{"short", "but", "longer"}));
}

}  // namespace
}  // namespace rankflow
