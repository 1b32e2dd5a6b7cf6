// TweetParser against the real samples in tests/data/tweets (see its README for sources).
// Expected values were read by hand from the JSON files.
#include "operators/tweet_parser.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <random>
#include <string>
#include <vector>

#include "runtime/json_string.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using ::rankflow::testing::ReadFile;
using ::rankflow::testing::SourcePath;
using ::rankflow::testing::SplitLines;

std::string DataPath(const std::string& rel) { return SourcePath("tests/data/tweets/" + rel); }

struct FileParse {
  std::vector<Tweet> tweets;
  std::vector<ParseResult> results;
  int Count(ParseResult::Kind kind) const {
    int n = 0;
    for (const auto& r : results) n += r.kind == kind ? 1 : 0;
    return n;
  }
};

// A ".json" file is one document (possibly pretty-printed); anything else is JSON lines.
FileParse ParsePath(const std::string& path, bool as_lines) {
  FileParse out;
  TweetParser parser;
  const std::string text = ReadFile(path);
  std::vector<std::string> docs;
  if (as_lines) {
    for (std::string line : SplitLines(text)) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) docs.push_back(line);
    }
  } else {
    docs.push_back(text);
  }
  for (const std::string& d : docs) out.results.push_back(parser.Parse(d, &out.tweets));
  return out;
}

FileParse ParseData(const std::string& rel) {
  const bool lines = rel.size() < 5 || rel.substr(rel.size() - 5) != ".json";
  return ParsePath(DataPath(rel), lines);
}

Tweet One(const std::string& rel) {
  FileParse p = ParseData(rel);
  EXPECT_EQ(p.tweets.size(), 1u) << rel;
  return p.tweets.empty() ? Tweet() : p.tweets[0];
}

TEST(TweetParserTest, V1ClassicHashtags) {
  Tweet t = One("by-shape/v1.1/classic_hashtags.json");
  EXPECT_EQ(t.id, "872836379595620353");
  EXPECT_EQ(t.created_at, "2017-06-08T15:23:04Z");
  EXPECT_EQ(t.timestamp_ms, 1496935384000);
  EXPECT_EQ(t.user_id, "815279070241955840");
  EXPECT_EQ(t.screen_name, "RobotPrincessFi");
  EXPECT_EQ(t.followers, 1);
  EXPECT_EQ(t.lang, "en");
  EXPECT_EQ(t.text, "L) This is a #Tweet with a #hashtag");
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"Tweet", "hashtag"}));
  EXPECT_FALSE(t.is_retweet || t.is_quote || t.is_reply);
  EXPECT_EQ(t.place, "Las Condes, Chile");
  EXPECT_EQ(t.source_format, SourceFormat::kV1);
}

TEST(TweetParserTest, V1UrlIsExpanded) {
  Tweet t = One("by-shape/v1.1/classic_url.json");
  EXPECT_EQ(t.urls,
            (std::vector<std::string>{
                "https://smittenkitchen.com/2009/12/ridiculously-easy-butterscotch-sauce/"}));
}

TEST(TweetParserTest, V1ExtendedReplyUsesFullTextAndDecodesEntities) {
  Tweet t = One("by-shape/v1.1/extended_tweet_replies_emoji.json");
  // The truncated "text" holds "&amp;"; the full text is used and decoded.
  EXPECT_EQ(t.text.rfind("@notFromShrek @ericmbudd G) 140 chars & replies.", 0), 0u) << t.text;
  EXPECT_NE(t.text.find("\xF0\x9F\x8D\xB8\xF0\x9F\x8D\xB9\xF0\x9F\x8D\xBE\xF0\x9F\x8D\xBD"),
            std::string::npos);  // the last emoji of extended_tweet.full_text
  EXPECT_TRUE(t.is_reply);
  EXPECT_EQ(t.in_reply_to_id, "863566329168711681");
  EXPECT_EQ(t.mentions, (std::vector<std::string>{"notFromShrek", "ericmbudd"}));
}

TEST(TweetParserTest, V1RetweetOfExtendedReadsAsRtPlusFullText) {
  Tweet t = One("by-shape/v1.1/retweet_of_extended.json");
  EXPECT_EQ(t.id, "867475059358683136");
  EXPECT_TRUE(t.is_retweet);
  EXPECT_FALSE(t.is_quote);
  EXPECT_EQ(t.retweeted_id, "867471562613575680");
  EXPECT_EQ(t.retweeted_user_id, "815279070241955840");
  EXPECT_EQ(t.retweeted_screen_name, "RobotPrincessFi");
  EXPECT_EQ(t.text.rfind("RT @RobotPrincessFi: F) Tweet with 140 characters + media.", 0), 0u);
  EXPECT_NE(t.text.find("consectetur adipi https://t.co/x2MZliBLyk"), std::string::npos);
  EXPECT_EQ(t.media_count, 1);
  EXPECT_EQ(t.mentions, (std::vector<std::string>{"RobotPrincessFi"}));
}

TEST(TweetParserTest, V1QuoteAndGeo) {
  Tweet q = One("by-shape/v1.1/quote.json");
  EXPECT_TRUE(q.is_quote);
  EXPECT_EQ(q.quoted_id, "872836379595620353");
  EXPECT_EQ(q.hashtags, (std::vector<std::string>{"QuoteTweet", "hashtags"}));
  Tweet g = One("by-shape/v1.1/geo_coordinates.json");
  ASSERT_TRUE(g.has_coordinates);
  EXPECT_DOUBLE_EQ(g.lon, -105.27786886);
  EXPECT_DOUBLE_EQ(g.lat, 40.01736548);
  EXPECT_EQ(g.place, "Boulder, CO");
  EXPECT_EQ(g.created_at, "2017-07-18T23:25:04Z");
  EXPECT_EQ(One("by-shape/v1.1/media_two_photos.json").media_count, 2);
}

TEST(TweetParserTest, GnipQuoteGeoAndShare) {
  Tweet q = One("by-shape/gnip/quote.json");
  EXPECT_EQ(q.source_format, SourceFormat::kGnip);
  EXPECT_EQ(q.id, "872836479608733696");
  EXPECT_EQ(q.created_at, "2017-06-08T15:23:27Z");
  EXPECT_EQ(q.user_id, "815279070241955840");
  EXPECT_EQ(q.quoted_id, "872836379595620353");
  Tweet g = One("by-shape/gnip/geo_coordinates.json");
  ASSERT_TRUE(g.has_coordinates);  // Gnip "geo" is [lat, lon]; output is [lon, lat]
  EXPECT_DOUBLE_EQ(g.lon, -105.27786886);
  EXPECT_DOUBLE_EQ(g.lat, 40.01736548);
  EXPECT_EQ(g.place, "Boulder, CO");
  Tweet s = One("gnip/gnip4j_extended_retweet_w_replies_attachment-from-gnip.json");
  EXPECT_TRUE(s.is_retweet);
  EXPECT_EQ(s.retweeted_id, "758839565989720065");
  EXPECT_EQ(s.retweeted_user_id, "735369652956766208");  // the shared activity's actor
  EXPECT_EQ(s.retweeted_screen_name, "ygritteygritte");
  // long_object.body of the shared activity, not the truncated share body.
  EXPECT_NE(
      s.text.find("& I still have room to attach a photo of a puppy! https://t.co/nJXyQ8hfab"),
      std::string::npos);
  EXPECT_EQ(s.text.rfind("RT @ygritteygritte: @ygritteygritte @joyding", 0), 0u);
  EXPECT_EQ(s.media_count, 1);
}

TEST(TweetParserTest, GnipSystemMessagesAreNotices) {
  for (const char* f : {"gnip/gnip4j_system_replay-request-completed.json",
                        "gnip/gnip4j_system_replay-request-completed-with-errors.json"}) {
    FileParse p = ParseData(f);
    ASSERT_EQ(p.results.size(), 1u);
    EXPECT_EQ(p.results[0].kind, ParseResult::Kind::kNotice) << f;
    EXPECT_EQ(p.results[0].notice, NoticeKind::kGnipInfo);
  }
}

TEST(TweetParserTest, GnipActivitiesWrapperAndOldPayload) {
  EXPECT_EQ(ParseData("gnip/gnip4j_activities_utf8_tweets.json").tweets.size(), 3u);
  FileParse p = ParseData("gnip/gnip4j_payload-example-2.jsonl");
  EXPECT_EQ(p.tweets.size(), 104u);
  EXPECT_EQ(p.Count(ParseResult::Kind::kTweets), 104);
}

// The two tweet_parser files hold the same 25 tweets line for line in two formats.
TEST(TweetParserTest, V1AndGnipExamplesAgreeLineForLine) {
  FileParse v1 = ParseData("v1.1-stream/tweet_parser_original_format_examples.jsonl");
  FileParse gnip = ParseData("gnip/tweet_parser_activity_streams_examples.jsonl");
  ASSERT_EQ(v1.tweets.size(), 25u);
  ASSERT_EQ(gnip.tweets.size(), 25u);
  for (size_t i = 0; i < 25; ++i) {
    Tweet a = v1.tweets[i];
    Tweet b = gnip.tweets[i];
    EXPECT_EQ(a.source_format, SourceFormat::kV1);
    EXPECT_EQ(b.source_format, SourceFormat::kGnip);
    b.source_format = a.source_format;
    EXPECT_EQ(a, b) << "line " << i + 1 << "\n" << TweetToJson(a) << "\n" << TweetToJson(b);
  }
}

TEST(TweetParserTest, V1StreamLinesAreAllExtended) {
  FileParse p = ParseData("v1.1-stream/python-twitter_streaming_lines.jsonl");
  EXPECT_EQ(p.tweets.size(), 72u);
  for (const Tweet& t : p.tweets) EXPECT_EQ(t.text.find("&amp;"), std::string::npos) << t.id;
}

TEST(TweetParserTest, RestSearchWrappersYieldEveryStatus) {
  EXPECT_EQ(ParseData("v1.1-rest/python-twitter_get_search_geocode.json").tweets.size(), 15u);
  EXPECT_EQ(ParseData("v1.1-rest/twitter-ruby_search.json").tweets.size(), 3u);
  Tweet t = One("v1.1-rest/python-twitter_3.2_extended_tweet_in_extended_mode.json");
  EXPECT_EQ(t.text,
            "has more details about these changes.  Thanks for making more expressive!writing "
            "requirements to python_twitt python_twitter.egg-info/SOURCE https://t.co/JWSPztfoyt");
  EXPECT_EQ(t.created_at, "2016-10-03T00:23:22Z");
}

TEST(TweetParserTest, StreamNoticesAreCountedByKind) {
  FileParse p = ParseData("stream-notices/twitter4j_streamingapi-testcase.jsonl");
  ASSERT_EQ(p.results.size(), 6u);
  EXPECT_EQ(p.results[0].notice, NoticeKind::kDelete);
  EXPECT_EQ(p.Count(ParseResult::Kind::kNotice), 3);
  EXPECT_EQ(p.Count(ParseResult::Kind::kTweets), 3);
  // 2009 tweets have no id_str: small numeric ids are exact and accepted.
  ASSERT_EQ(p.tweets.size(), 3u);
  EXPECT_EQ(p.tweets[0].id, "6832063504");
  EXPECT_EQ(p.tweets[0].screen_name, "_Sabrinaa_");
  EXPECT_EQ(p.tweets[0].user_id, "87018638");
  EXPECT_EQ(p.tweets[0].created_at, "2009-12-19T16:01:35Z");

  FileParse user = ParseData("stream-notices/twitter-ruby_track_streaming_user.crlf.jsonl");
  std::vector<NoticeKind> kinds;
  for (const auto& r : user.results) {
    if (r.kind == ParseResult::Kind::kNotice) kinds.push_back(r.notice);
  }
  EXPECT_EQ(kinds, (std::vector<NoticeKind>{NoticeKind::kFriends, NoticeKind::kDirectMessage,
                                            NoticeKind::kEvent, NoticeKind::kDelete,
                                            NoticeKind::kWarning}));
  EXPECT_EQ(user.tweets.size(), 1u);
  EXPECT_EQ(ParseData("stream-notices/twitter4j_stallwarning.json").results[0].notice,
            NoticeKind::kWarning);
}

TEST(TweetParserTest, V2PageResolvesUsersRetweetsAndPlaces) {
  Tweet t = One("v2/twarc-csv_two_tweets.jsonl");
  EXPECT_EQ(t.source_format, SourceFormat::kV2);
  EXPECT_EQ(t.id, "1394735776701816833");
  EXPECT_EQ(t.screen_name, "LachiVeronica");
  EXPECT_EQ(t.user_id, "1379899464345923590");
  EXPECT_EQ(t.followers, 0);
  EXPECT_TRUE(t.is_retweet);
  EXPECT_EQ(t.retweeted_id, "1391677057810288641");
  EXPECT_EQ(t.retweeted_user_id, "1380086327023169540");  // includes.tweets -> includes.users
  EXPECT_EQ(t.retweeted_screen_name, "bibaigna96");
  EXPECT_EQ(t.text, "RT @bibaigna96: #POIUYTREWQ");
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"POIUYTREWQ"}));

  FileParse s = ParseData("v2/twarc-csv_streaming_output_with_error.jsonl");
  EXPECT_EQ(s.tweets.size(), 7u);
  ASSERT_EQ(s.results.size(), 8u);
  EXPECT_EQ(s.results[7].kind, ParseResult::Kind::kBad);  // the cut-off last line
  EXPECT_EQ(s.results[7].bad, BadKind::kInvalidJson);
  const Tweet& geo = s.tweets[2];
  EXPECT_EQ(geo.id, "1377650277642338305");
  ASSERT_TRUE(geo.has_coordinates);
  EXPECT_DOUBLE_EQ(geo.lon, -86.58216981);
  EXPECT_DOUBLE_EQ(geo.lat, 34.75192228);
  EXPECT_EQ(geo.place, "Huntsville, AL");
  EXPECT_EQ(s.tweets[0].quoted_id, "1377640162566496258");
  EXPECT_EQ(s.tweets[0].media_count, 1);
  EXPECT_EQ(s.tweets[1].in_reply_to_id, "1377266697850257410");

  EXPECT_EQ(ParseData("v2/twarc-csv_brexit.jsonl").tweets.size(), 100u);
}

TEST(TweetParserTest, V2DefaultFieldsUseSnowflakeTimeAndTextEntities) {
  Tweet t = One("v2/tweepy_get_tweet_single.json");
  EXPECT_EQ(t.id, "1293593516040269825");
  // (1293593516040269825 >> 22) + 1288834974657
  EXPECT_EQ(t.timestamp_ms, 1597251702686);
  EXPECT_EQ(t.created_at, "2020-08-12T17:01:42Z");
  EXPECT_EQ(t.user_id, "");
  // No entities object: extracted from the text by the twitter-text rules.
  EXPECT_EQ(t.hashtags, (std::vector<std::string>{"TwitterAPI"}));
  EXPECT_EQ(t.urls,
            (std::vector<std::string>{"https://t.co/32VrwpGaJw", "https://t.co/KaFSbjWUA8"}));
  EXPECT_EQ(ParseData("v2/tweepy_get_tweets_by_ids.json").tweets.size(), 2u);
}

TEST(TweetParserTest, V2ComplianceLinesAreNotices) {
  FileParse p = ParseData("v2/twarc-csv_tweets_compliance.jsonl");
  ASSERT_EQ(p.results.size(), 2u);
  for (const auto& r : p.results) {
    EXPECT_EQ(r.kind, ParseResult::Kind::kNotice);
    EXPECT_EQ(r.notice, NoticeKind::kV2Compliance);
  }
  EXPECT_TRUE(p.tweets.empty());
}

TEST(TweetParserTest, MalformedSamples) {
  FileParse missing_user = ParseData("malformed/tweet_parser_original_format_missing_user.json");
  EXPECT_EQ(missing_user.results[0].kind, ParseResult::Kind::kBad);
  EXPECT_EQ(missing_user.results[0].bad, BadKind::kMissingUser);
  // Numeric ids were rounded by the producer; id_str is what counts.
  FileParse sample = ParsePath(DataPath("malformed/tweet_parser_public_api_sample.json"), true);
  ASSERT_EQ(sample.tweets.size(), 20u);
  bool found = false;
  for (const Tweet& t : sample.tweets) found = found || t.id == "872836479608733696";
  EXPECT_TRUE(found);
}

TEST(TweetParserTest, EverySampleFileParsesWithoutCrash) {
  int files = 0, tweets = 0;
  for (const auto& entry : std::filesystem::recursive_directory_iterator(DataPath(""))) {
    const std::string path = entry.path().string();
    if (!entry.is_regular_file() || path.find("LICENSE") != std::string::npos || path.size() < 5 ||
        path.find(".json") == std::string::npos) {
      continue;
    }
    const bool lines = path.substr(path.size() - 5) != ".json" ||
                       path.find("public_api_sample") != std::string::npos;
    FileParse p = ParsePath(path, lines);
    ++files;
    tweets += static_cast<int>(p.tweets.size());
    for (const Tweet& t : p.tweets) {
      EXPECT_TRUE(IsDecimalId(t.id)) << path;
      EXPECT_EQ(t.created_at.size(), 20u) << path;
    }
  }
  EXPECT_GE(files, 90);
  EXPECT_GT(tweets, 400);
}

TEST(TweetParserTest, BadInputsAreClassified) {
  TweetParser p;
  std::vector<Tweet> out;
  EXPECT_EQ(p.Parse("{\"id_str\":\"1\"", &out).bad, BadKind::kInvalidJson);
  EXPECT_EQ(p.Parse("{} trailing", &out).bad, BadKind::kInvalidJson);
  EXPECT_EQ(p.Parse("42", &out).bad, BadKind::kNotAnObject);
  EXPECT_EQ(p.Parse("\"a string\"", &out).bad, BadKind::kNotAnObject);
  EXPECT_EQ(p.Parse("not json at all", &out).bad, BadKind::kInvalidJson);
  EXPECT_EQ(p.Parse("nul", &out).bad, BadKind::kInvalidJson);
  EXPECT_EQ(p.Parse("12x", &out).bad, BadKind::kInvalidJson);
  EXPECT_EQ(p.Parse("[1,2]", &out).bad, BadKind::kNotAnObject);
  EXPECT_EQ(p.Parse("", &out).bad, BadKind::kInvalidJson);
  EXPECT_EQ(p.Parse("{\"foo\":1}", &out).bad, BadKind::kUnknownShape);
  EXPECT_EQ(p.Parse("{\"text\":\"hi\",\"user\":{\"id_str\":\"5\"}}", &out).bad,
            BadKind::kMissingId);
  EXPECT_EQ(p.Parse("{\"id_str\":\"12\",\"text\":\"hi\",\"user\":{\"id_str\":\"5\"}}", &out).bad,
            BadKind::kMissingTime);
  ParseResult empty = p.Parse("{\"data\":[],\"meta\":{\"result_count\":0}}", &out);
  EXPECT_EQ(empty.kind, ParseResult::Kind::kNotice);
  EXPECT_EQ(empty.notice, NoticeKind::kEmptyPage);
  ParseResult errors = p.Parse("{\"errors\":[{\"title\":\"Not Found Error\"}]}", &out);
  EXPECT_EQ(errors.notice, NoticeKind::kV2Errors);
  EXPECT_TRUE(out.empty());
}

// The retweeted tweet's author is "" unless the tweet is a retweet, and unknown ("") when the input
// does not say: a v2 retweet whose retweeted tweet is not in includes, a retweeted status without
// a user. Written as null in the normalized JSON, after source_format, and read back.
TEST(TweetParserTest, RetweetedAuthorIsEmptyUnlessKnown) {
  TweetParser p;
  std::vector<Tweet> out;
  ASSERT_EQ(p.Parse(R"({"id_str":"5","created_at":"Tue Jul 18 23:25:04 +0000 2017","text":"hi",)"
                    R"("user":{"id_str":"7","screen_name":"u"}})",
                    &out)
                .kind,
            ParseResult::Kind::kTweets);
  ASSERT_EQ(p.Parse(R"({"data":{"id":"1394735776701816833","text":"RT @x: y","author_id":"9",)"
                    R"("referenced_tweets":[{"type":"retweeted","id":"11"}]}})",
                    &out)
                .kind,
            ParseResult::Kind::kTweets);
  ASSERT_EQ(p.Parse(R"({"id_str":"6","created_at":"Tue Jul 18 23:25:04 +0000 2017","text":"RT",)"
                    R"("user":{"id_str":"7","screen_name":"u"},"retweeted_status":{"id_str":"3",)"
                    R"("created_at":"Tue Jul 18 23:25:04 +0000 2017","text":"orig"}})",
                    &out)
                .kind,
            ParseResult::Kind::kTweets);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].is_retweet);
  EXPECT_EQ(out[0].retweeted_user_id, "");
  EXPECT_EQ(out[0].retweeted_screen_name, "");
  const std::string json = TweetToJson(out[0]);
  const std::string tail =
      R"("source_format":"v1","retweeted_user_id":null,"retweeted_screen_name":null})";
  ASSERT_GT(json.size(), tail.size());
  EXPECT_EQ(json.substr(json.size() - tail.size()), tail);
  EXPECT_TRUE(out[1].is_retweet);
  EXPECT_EQ(out[1].retweeted_id, "11");
  EXPECT_EQ(out[1].retweeted_user_id, "");
  EXPECT_EQ(out[1].retweeted_screen_name, "");
  EXPECT_TRUE(out[2].is_retweet);
  EXPECT_EQ(out[2].retweeted_id, "3");
  EXPECT_EQ(out[2].retweeted_user_id, "");
  EXPECT_EQ(out[2].text, "RT");  // no retweeted author: the retweet reads as itself
}

TEST(TweetParserTest, NormalizedOutputParsesBackToTheSameTweet) {
  FileParse v1 = ParseData("v1.1-stream/tweet_parser_original_format_examples.jsonl");
  FileParse v2 = ParseData("v2/twarc-csv_streaming_output_with_error.jsonl");
  std::vector<Tweet> all = v1.tweets;
  all.insert(all.end(), v2.tweets.begin(), v2.tweets.end());
  all.push_back(One("v2/twarc-csv_two_tweets.jsonl"));
  all.push_back(One("gnip/gnip4j_extended_retweet_w_replies_attachment-from-gnip.json"));
  ASSERT_FALSE(all.back().retweeted_screen_name.empty());
  TweetParser p;
  for (const Tweet& t : all) {
    std::vector<Tweet> back;
    ParseResult r = p.Parse(TweetToJson(t), &back);
    ASSERT_EQ(r.kind, ParseResult::Kind::kTweets) << r.message;
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0], t) << TweetToJson(t) << "\n" << TweetToJson(back[0]);
  }
}

// Inputs found by the fuzzer (tests/operators/fuzz/regressions): the fuzz properties must hold.
TEST(TweetParserTest, FuzzRegressionsHoldTheFuzzProperties) {
  const std::string dir = SourcePath("tests/operators/fuzz/regressions");
  int files = 0;
  TweetParser p, back_parser;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    ++files;
    std::vector<Tweet> tweets;
    ParseResult r = p.Parse(ReadFile(entry.path().string()), &tweets);
    EXPECT_EQ(static_cast<size_t>(r.tweets), tweets.size());
    for (const Tweet& t : tweets) {
      std::vector<Tweet> back;
      back_parser.Parse(TweetToJson(t), &back);
      ASSERT_EQ(back.size(), 1u) << entry.path();
      EXPECT_EQ(back[0], t) << entry.path();
    }
  }
  EXPECT_GE(files, 1);
}

TEST(TweetTimeTest, ParsesAndFormats) {
  int64_t ms = 0;
  ASSERT_TRUE(ParseTwitterDate("Tue Jul 18 23:25:04 +0000 2017", &ms));
  EXPECT_EQ(ms, 1500420304000);
  ASSERT_TRUE(ParseTwitterDate("Tue Jul 18 23:25:04 -0130 2017", &ms));
  EXPECT_EQ(ms, 1500420304000 + 90 * 60 * 1000);
  ASSERT_TRUE(ParseIsoDate("2017-05-24T20:19:05.123Z", &ms));
  EXPECT_EQ(ms, 1495657145123);
  ASSERT_TRUE(ParseIsoDate("2013-02-27T16:00:02+00:00", &ms));
  EXPECT_EQ(FormatIsoUtc(ms), "2013-02-27T16:00:02Z");
  EXPECT_FALSE(ParseIsoDate("2017-13-24T20:19:05Z", &ms));
  EXPECT_FALSE(ParseTwitterDate("Tue Foo 18 23:25:04 +0000 2017", &ms));
  EXPECT_EQ(FormatIsoUtc(0), "1970-01-01T00:00:00Z");
  EXPECT_EQ(DecodeHtmlEntities("a &amp;amp; &lt;b&gt; &x"), "a &amp; <b> &x");
}

// FormatIsoUtc formats years 0-9999 by hand and the rest with snprintf: both against gmtime_r.
TEST(TweetTimeTest, FormatIsoUtcMatchesGmtime) {
  std::mt19937_64 rng(11);
  std::vector<int64_t> cases = {0,
                                999,
                                1000,
                                -1,
                                -1000,
                                -1001,
                                951782400000,
                                253402300799999,
                                253402300800000,
                                -62167219200000,
                                -62167219200001};
  for (int i = 0; i < 20000; ++i) {
    cases.push_back(static_cast<int64_t>(rng() % 400000000000000ull) - 100000000000000);
  }
  for (int64_t ms : cases) {
    const int64_t secs = ms >= 0 ? ms / 1000 : (ms - 999) / 1000;
    const time_t t = static_cast<time_t>(secs);
    std::tm tm{};
    ASSERT_NE(gmtime_r(&t, &tm), nullptr);
    char want[64];
    std::snprintf(want, sizeof(want), "%04lld-%02d-%02dT%02d:%02d:%02dZ",
                  static_cast<long long>(tm.tm_year) + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                  tm.tm_min, tm.tm_sec);
    EXPECT_EQ(FormatIsoUtc(ms), want) << ms;
  }
}

// The JSON escapers skip 8 plain bytes at a time: compare with a byte-at-a-time escaper on random
// strings over every byte value (specials placed at every offset of the 8-byte windows). The
// trusted one copies every byte >= 0x80; the validating one must agree on valid UTF-8 and turn
// each byte of an invalid sequence into U+FFFD.
TEST(TweetJsonTest, JsonEscapersMatchBytewiseEscaping) {
  auto reference = [](std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
      if (c == '"') {
        out += "\\\"";
      } else if (c == '\\') {
        out += "\\\\";
      } else if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c < 0x20) {
        char buf[8];
        std::snprintf(buf, sizeof(buf), "\\u%04x", c);
        out += buf;
      } else {
        out.push_back(static_cast<char>(c));
      }
    }
    return out + "\"";
  };
  std::mt19937_64 rng(5);
  for (int i = 0; i < 20000; ++i) {
    std::string s(rng() % 40, 'a');
    const int mode = static_cast<int>(rng() % 3);
    for (char& c : s) {
      const uint64_t r = rng();
      if (mode == 0) c = static_cast<char>(r & 0xff);                           // any byte
      if (mode == 1) c = r % 16 == 0 ? static_cast<char>(r >> 8 & 0x3f) : 'x';  // rare specials
      if (mode == 2) c = static_cast<char>(0x1f + r % 0x62);  // around '"', '\\', 0x20, 0x7f
    }
    std::string got;
    AppendValidUtf8JsonString(&got, s);
    ASSERT_EQ(got, reference(s)) << i;
    std::string checked;
    AppendJsonString(&checked, s);
    if (std::all_of(s.begin(), s.end(), [](char c) { return (c & 0x80) == 0; })) {
      ASSERT_EQ(checked, got) << i;  // ASCII: both escapers give the same bytes
    }
  }
  // Valid UTF-8 (2, 3 and 4 byte sequences among specials) is kept by both.
  const std::string valid = "a\"é\\日本\n🙂\x01x";
  std::string trusted, checked;
  AppendValidUtf8JsonString(&trusted, valid);
  AppendJsonString(&checked, valid);
  EXPECT_EQ(checked, trusted);
  EXPECT_EQ(checked, reference(valid));
  // Invalid bytes: a lone continuation byte, a truncated sequence at the end, an invalid lead.
  checked.clear();
  AppendJsonString(&checked, std::string("ab\x80"
                                         "cd\xe6\x97"
                                         "x\xff"
                                         "yz\xf0\x9f",
                                         13));
  const std::string r = "\xEF\xBF\xBD";  // U+FFFD
  EXPECT_EQ(checked, "\"ab" + r + "cd" + r + r + "x" + r + "yz" + r + r + "\"");
}

}  // namespace
}  // namespace rankflow
