#include "operators/targets.h"

#include <gtest/gtest.h>

namespace rankflow {
namespace {

TEST(TargetsTest, ParsesLabelsAndTermKinds) {
  Tokenizer tok;
  Result<std::vector<Target>> t =
      ParseTargets("// c\n\nBiden: biden, Joe Biden, @JoeBiden, #Biden2020\ndogs\n", &tok);
  ASSERT_TRUE(t.ok()) << t.status().message();
  ASSERT_EQ(t->size(), 2u);
  EXPECT_EQ((*t)[0].label, "Biden");
  EXPECT_EQ((*t)[0].mentions, std::vector<std::string>{"joebiden"});
  EXPECT_EQ((*t)[0].hashtags, std::vector<std::string>{"biden2020"});
  ASSERT_EQ((*t)[0].phrases.size(), 2u);
  EXPECT_EQ((*t)[0].phrases[1], (std::vector<std::string>{"joe", "biden"}));
  EXPECT_EQ((*t)[1].label, "dogs");
  EXPECT_FALSE(ParseTargets("A: a\nA: b\n", &tok).ok());  // duplicate label
  EXPECT_FALSE(ParseTargets("A: , \n", &tok).ok());       // no terms
  EXPECT_FALSE(ParseTargets("\n// only comments\n", &tok).ok());
}

TEST(TargetsTest, MatchesMentionsHashtagsAndPhrases) {
  Tokenizer tok;
  Target t = std::move(ParseTargets("B: joe biden, @JoeBiden, #biden2020", &tok).value()[0]);
  auto match = [&](const std::string& text, std::vector<std::string> mentions = {},
                   std::vector<std::string> hashtags = {}) {
    Tweet tw;
    tw.text = text;
    tw.mentions = std::move(mentions);
    tw.hashtags = std::move(hashtags);
    return MentionsTarget(t, tw, tok.Tokenize(text));
  };
  EXPECT_TRUE(match("I met Joe Biden today"));
  EXPECT_TRUE(match("#Joe #Biden rally"));  // hashtag bodies count as words
  EXPECT_FALSE(match("joe and biden"));     // not the phrase
  EXPECT_TRUE(match("hi @joebiden"));       // token, case-insensitive
  EXPECT_TRUE(match("hi", {"JoeBiden"}));   // entity
  EXPECT_TRUE(match("x", {}, {"Biden2020"}));
  EXPECT_FALSE(match("bidenomics"));
}

}  // namespace
}  // namespace rankflow
