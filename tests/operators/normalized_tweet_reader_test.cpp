// NormalizedTweetReader: on the normalized JSON of every sample tweet (every archive shape) it
// gives exactly TweetParser's tweet for that line; anything that is not AppendTweetJson's form
// (another key, a missing or reordered key, a wrong type, an edited created_at, bad JSON) is
// declined, never guessed.
#include "operators/normalized_tweet_reader.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "operators/tweet_parser.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

std::vector<Tweet> SampleTweets() {
  std::vector<Tweet> out;
  TweetParser parser;
  for (const auto& e :
       std::filesystem::recursive_directory_iterator(testing::SourcePath("tests/data/tweets"))) {
    if (!e.is_regular_file() || e.path().extension() != ".jsonl") continue;
    for (std::string line : testing::SplitLines(testing::ReadFile(e.path()))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      parser.Parse(line, &out);
    }
  }
  return out;
}

TEST(NormalizedTweetReaderTest, GivesTweetParsersAnswerOnEverySampleTweet) {
  const std::vector<Tweet> tweets = SampleTweets();
  ASSERT_GT(tweets.size(), 300u);
  NormalizedTweetReader reader;
  TweetParser parser;
  size_t with_coordinates = 0, retweets = 0, non_ascii = 0;
  for (const Tweet& t : tweets) {
    const std::string json = TweetToJson(t);
    Tweet got;
    ASSERT_TRUE(reader.Read(json, &got)) << json;
    std::vector<Tweet> parsed;
    parser.Parse(json, &parsed);
    ASSERT_EQ(parsed.size(), 1u) << json;
    EXPECT_EQ(got, parsed[0]) << json;
    EXPECT_EQ(TweetToJson(got), json);
    with_coordinates += got.has_coordinates;
    retweets += got.is_retweet;
    non_ascii += std::any_of(got.text.begin(), got.text.end(), [](char c) { return c & 0x80; });
  }
  EXPECT_GT(with_coordinates, 0u);
  EXPECT_GT(retweets, 0u);
  EXPECT_GT(non_ascii, 0u);
}

TEST(NormalizedTweetReaderTest, DeclinesWhatIsNotItsOwnForm) {
  Tweet t;
  t.id = "42";
  t.timestamp_ms = 1500420304000;
  t.created_at = FormatIsoUtc(t.timestamp_ms);
  t.text = "hi #x";
  t.hashtags = {"x"};
  const std::string json = TweetToJson(t);
  NormalizedTweetReader reader;
  Tweet got;
  ASSERT_TRUE(reader.Read(json, &got));
  EXPECT_EQ(got, t);
  auto replaced = [&](const std::string& from, const std::string& to) {
    std::string s = json;
    const size_t at = s.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    return s.replace(at, from.size(), to);
  };
  const std::vector<std::string> declined = {
      "",
      "[]",
      "{\"id\":\"42\"}",
      json.substr(0, json.size() - 1),                           // truncated
      replaced("\"lang\":null,", ""),                            // a key missing
      replaced("\"lang\":null,", "\"lang\":null,\"extra\":1,"),  // a key added
      replaced("\"id\":\"42\"", "\"id\":42"),                    // a number id
      replaced("\"id\":\"42\"", "\"id\":\"4x\""),                // not decimal
      replaced("\"is_quote\":false", "\"is_quote\":0"),          // wrong type
      replaced("\"hashtags\":[\"x\"]", "\"hashtags\":[1]"),      // a number in a list
      replaced("\"coordinates\":null", "\"coordinates\":[1]"),   // one coordinate
      replaced("\"source_format\":\"v1\"", "\"source_format\":\"v9\""),
      replaced(t.created_at, "2017-07-18T23:25:05Z"),                // created_at edited
      replaced("{\"id\":\"42\",\"created_at\"", "{\"created_at\""),  // reordered / missing
  };
  for (const std::string& s : declined) EXPECT_FALSE(reader.Read(s, &got)) << s;
}

}  // namespace
}  // namespace rankflow
