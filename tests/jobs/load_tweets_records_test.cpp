// load_tweets' records (jobs/load_tweets_records.h): csv, hdf5 and parquet carry each record
// through the dedupe as the Tweet's codec bytes, jsonl as its normalized JSON; either way, of
// several records of one id with one timestamp the one with the smallest normalized JSON must win
// (TweetTable at one rank, and the HashShuffle's combiner KeepEarliest), and the codec record must
// give back the Tweet it was made of. Cases where the codec's byte order and the JSON's disagree
// ('"' sorts before '#' raw, after it escaped as '\"') pin that the order is the JSON's.
#include "jobs/load_tweets_records.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "jobs/load_tweets_dedupe.h"
#include "jobs/load_tweets_output.h"
#include "operators/tweet.h"

namespace rankflow {
namespace {

Tweet Base() {
  Tweet t;
  t.id = "1022867396125085696";
  t.created_at = FormatIsoUtc(1532731200123);
  t.timestamp_ms = 1532731200123;
  t.user_id = "7";
  t.screen_name = "someone";
  t.followers = 12;
  t.lang = "en";
  t.text = "a";
  t.hashtags = {"one", "a-rather-long-hashtag-past-the-small-string-size"};
  t.urls = {"https://example.com/a/long/path/that/does/not/fit/in/place"};
  return t;
}

// Records of one id and one time that differ elsewhere, some in ways the codec orders otherwise.
std::vector<Tweet> Variants() {
  std::vector<Tweet> v;
  for (const char* text : {"a\"", "a#", "a\\", "a", "ab", "a\n", "\xc3\xa9t\xc3\xa9"}) {
    Tweet t = Base();
    t.text = text;
    v.push_back(t);
  }
  Tweet t = Base();
  t.followers = -1;  // null sorts after digits in JSON, -1 before 12 in the codec
  v.push_back(t);
  t = Base();
  t.followers = 100;
  v.push_back(t);
  t = Base();
  t.hashtags.clear();
  v.push_back(t);
  t = Base();
  t.has_coordinates = true;
  t.lon = -105.27;
  t.lat = 40.01;
  v.push_back(t);
  t = Base();
  t.source_format = SourceFormat::kGnip;
  v.push_back(t);
  return v;
}

std::string Json(const Tweet& t) { return TweetToJson(t); }

std::string Record(RecordEncoding e, const Tweet& t) {
  std::string r;
  AppendRecord(e, t, &r);
  return r;
}

// The normalized JSON of a record in encoding e.
std::string JsonOf(RecordEncoding e, std::string_view record) {
  if (e == RecordEncoding::kJson) return std::string(record);
  Tweet t;
  EXPECT_TRUE(DecodeTweetRecord(record, &t));
  return Json(t);
}

std::string SmallestJson(const std::vector<Tweet>& tweets) {
  std::string best = Json(tweets[0]);
  for (const Tweet& t : tweets) best = std::min(best, Json(t));
  return best;
}

TEST(LoadTweetsRecordsTest, ACodecRecordGivesBackItsTweet) {
  Tweet decoded = Base();
  decoded.mentions = {"left", "over"};  // decoding into a used Tweet replaces every field
  for (const Tweet& t : Variants()) {
    ASSERT_TRUE(DecodeTweetRecord(Record(RecordEncoding::kTweetCodec, t), &decoded));
    EXPECT_EQ(decoded, t);
  }
  EXPECT_FALSE(DecodeTweetRecord("not a record", &decoded));
  EXPECT_EQ(Record(RecordEncoding::kJson, Base()), Json(Base()));
}

TEST(LoadTweetsRecordsTest, RecordLessIsTheOrderOfTheJson) {
  const std::vector<Tweet> v = Variants();
  int codec_disagrees = 0;
  for (const Tweet& a : v) {
    for (const Tweet& b : v) {
      const bool want = Json(a) < Json(b);
      for (RecordEncoding e : {RecordEncoding::kJson, RecordEncoding::kTweetCodec}) {
        EXPECT_EQ(RecordLess(e, Record(e, a), Record(e, b)), want) << Json(a) << " " << Json(b);
      }
      const std::string ca = Record(RecordEncoding::kTweetCodec, a);
      const std::string cb = Record(RecordEncoding::kTweetCodec, b);
      codec_disagrees += (ca < cb) != want && ca != cb;
    }
  }
  EXPECT_GT(codec_disagrees, 0);  // the cases above do test the JSON order
}

TEST(LoadTweetsRecordsTest, KeepEarliestKeepsTheEarliestTimeThenTheSmallestJson) {
  std::vector<Tweet> v = Variants();
  Tweet later = Base();
  later.timestamp_ms += 1;
  later.created_at = FormatIsoUtc(later.timestamp_ms);
  later.text = "";  // the smallest JSON of all, but later
  for (RecordEncoding e : {RecordEncoding::kJson, RecordEncoding::kTweetCodec}) {
    const HashShuffle::Combine keep = KeepEarliest(e);
    for (size_t first = 0; first < v.size(); ++first) {
      std::string acc = EncodeTweetValue(later.timestamp_ms, Record(e, later));
      for (size_t i = 0; i < v.size(); ++i) {
        const Tweet& t = v[(first + i) % v.size()];
        keep(&acc, EncodeTweetValue(t.timestamp_ms, Record(e, t)));
      }
      EXPECT_EQ(DecodeTweetTimestamp(acc), Base().timestamp_ms);
      EXPECT_EQ(JsonOf(e, std::string_view(acc).substr(8)), SmallestJson(v));
    }
  }
}

TEST(LoadTweetsRecordsTest, TheTableKeepsTheEarliestTimeThenTheSmallestJson) {
  std::vector<Tweet> v = Variants();
  Tweet other = Base();
  other.id = "5";
  v.push_back(other);
  Tweet later = Base();
  later.timestamp_ms += 1;
  later.text = "";
  v.insert(v.begin(), later);
  for (RecordEncoding e : {RecordEncoding::kJson, RecordEncoding::kTweetCodec}) {
    TweetTable table(1, 0, uint64_t{1} << 20, e);
    for (const Tweet& t : v) ASSERT_TRUE(table.Add(t.id, t.timestamp_ms, Record(e, t)));
    std::vector<std::string> out;
    ASSERT_TRUE(table
                    .ForEach([&](int64_t, std::string_view record) {
                      out.push_back(JsonOf(e, record));
                      return Status::OK();
                    })
                    .ok());
    v.pop_back();
    v.erase(v.begin());
    ASSERT_EQ(out.size(), 2u);  // ids in numeric order: "5", then the variants' id
    EXPECT_EQ(out[0], Json(other));
    EXPECT_EQ(out[1], SmallestJson(v));
    v.insert(v.begin(), later);
    v.push_back(other);
  }
}

TEST(LoadTweetsRecordsTest, OnlyTheJsonFormatsCarryJson) {
  EXPECT_EQ(LoadRecordEncoding(LoadFormat::kJsonl), RecordEncoding::kJson);
  EXPECT_EQ(LoadRecordEncoding(LoadFormat::kJsonlGz), RecordEncoding::kJson);
  EXPECT_EQ(LoadRecordEncoding(LoadFormat::kCsv), RecordEncoding::kTweetCodec);
  EXPECT_EQ(LoadRecordEncoding(LoadFormat::kHdf5), RecordEncoding::kTweetCodec);
  EXPECT_EQ(LoadRecordEncoding(LoadFormat::kParquet), RecordEncoding::kTweetCodec);
}

}  // namespace
}  // namespace rankflow
