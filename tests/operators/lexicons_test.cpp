#include "operators/lexicons.h"

#include <gtest/gtest.h>

#include "operators/features.h"

namespace rankflow {
namespace {

TEST(ProfanityTest, MatchesPhrasesOnTokenBoundaries) {
  const ProfanityLexicon lex = ProfanityLexicon::Embedded();
  EXPECT_EQ(lex.size(), 403u);  // en.txt has 403 lines, all distinct after tokenizing
  Tokenizer t;
  EXPECT_EQ(lex.Count(t.Tokenize("What the FUCK, this is shit")), 2);
  EXPECT_EQ(lex.Count(t.Tokenize("#fuck this")), 1);                     // hashtag body counts
  EXPECT_EQ(lex.Count(t.Tokenize("Scunthorpe classic assessment")), 0);  // no substrings
  EXPECT_EQ(lex.Count(t.Tokenize("2 girls 1 cup")), 1);                  // multi-word entry, once
  EXPECT_EQ(lex.Count(t.Tokenize("🖕")), 1);                           // emoji entry
  EXPECT_EQ(lex.Count(t.Tokenize("a lovely day")), 0);
}

TEST(AfinnTest, SumsWordsPhrasesAndEmoticons) {
  const AfinnLexicon lex = AfinnLexicon::Embedded();
  Tokenizer t;
  auto score = [&](const std::string& s) { return lex.Score(s, t.Tokenize(s)); };
  EXPECT_EQ(score("good"), 3);  // AFINN-165: good 3
  EXPECT_EQ(score("This is bad"), -3);
  EXPECT_EQ(score("I can't stand it"), -3);  // phrase "can't stand" -3, not "stand"
  EXPECT_EQ(score("happy :)"), 3 + 2);       // happy 3, emoticon :) 2
  EXPECT_FALSE(AfinnLexicon::FromText("good\n", "").ok());
}

// Expected values: the vaderSentiment README's published example outputs.
TEST(VaderTest, MatchesPublishedExamples) {
  const VaderScorer v = VaderScorer::Embedded();
  EXPECT_NEAR(v.Compound("VADER is smart, handsome, and funny."), 0.8316, 1e-4);
  EXPECT_NEAR(v.Compound("VADER is smart, handsome, and funny!"), 0.8439, 1e-4);
  EXPECT_NEAR(v.Compound("VADER is very smart, handsome, and funny."), 0.8545, 1e-4);
  EXPECT_NEAR(v.Compound("VADER is VERY SMART, handsome, and FUNNY."), 0.9227, 1e-4);
  EXPECT_NEAR(v.Compound("VADER is VERY SMART, handsome, and FUNNY!!!"), 0.9342, 1e-4);
  EXPECT_NEAR(v.Compound("The book was good."), 0.4404, 1e-4);
  EXPECT_NEAR(v.Compound("The book was kind of good."), 0.3832, 1e-4);
  EXPECT_NEAR(
      v.Compound("The plot was good, but the characters are uncompelling and the dialog is not "
                 "great."),
      -0.7042, 1e-4);
  EXPECT_NEAR(v.Compound("Today SUX!"), -0.5461, 1e-4);
  EXPECT_NEAR(v.Compound("Make sure you :) or :D today!"), 0.8633, 1e-4);
  EXPECT_NEAR(v.Compound("Not bad at all"), 0.4310, 1e-4);
  EXPECT_EQ(v.Compound(""), 0.0);
}

TEST(FeaturesTest, ComputesEveryColumn) {
  FeatureExtractor fx(FeatureOptions{64, 1, 2});
  Tweet t;
  t.id = "1";
  t.timestamp_ms = 5;
  t.text = "RT @a: good shit day #win";
  t.hashtags = {"win"};
  t.mentions = {"a"};
  t.is_retweet = true;
  t.followers = 7;
  TweetFeatures f = fx.Compute(t);
  EXPECT_EQ(f.scalars[0], 1);          // hashtags
  EXPECT_EQ(f.scalars[1], 1);          // mentions
  EXPECT_EQ(f.scalars[3], 6);          // rt @a good shit day #win
  EXPECT_EQ(f.scalars[4], 3 - 4 + 4);  // AFINN-165: good 3, shit -4, win 4 (hashtag body)
  EXPECT_EQ(f.scalars[6], 1);          // "shit" (LDNOOBW)
  EXPECT_EQ(f.scalars[7], 1);
  EXPECT_EQ(f.scalars[11], 7);
  ASSERT_EQ(f.ngrams.size(), 64u);
  float total = 0;
  for (float x : f.ngrams) total += x;
  EXPECT_EQ(total, 6 + 5);
  EXPECT_NE(FeaturesToJson(f).find("\"profanity\":1"), std::string::npos);
}

}  // namespace
}  // namespace rankflow
