// tweetgen: same seed -> byte-identical files; sizes and shares as asked; every good line is JSON;
// times spread over the span with a daily curve and bursts; topics, profanity (as profanity_index
// counts it) and link domains in realistic shares.
#include "jobs/tweetgen.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <map>
#include <set>

#include "jobs/tweetgen_text.h"
#include "jobs/tweetgen_time.h"
#include "operators/lexicons.h"
#include "operators/tokenizer.h"
#include "operators/tweet.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::ReadMaybeGzipFile;
using testing::SplitLines;
using testing::TempDir;

TEST(TweetgenTest, SameSeedSameBytesOtherSeedOtherBytes) {
  TempDir t;
  std::vector<TweetgenFileStats> a, b, c;
  TweetgenOptions o;
  o.files = 2;
  o.total_mb = 1;
  o.seed = 5;
  o.bad_share = 0.02;
  o.dup_share = 0.02;
  o.dest = t.Join("a");
  ASSERT_TRUE(GenerateArchive(o, &a).ok());
  o.dest = t.Join("b");
  ASSERT_TRUE(GenerateArchive(o, &b).ok());
  o.dest = t.Join("c");
  o.seed = 6;
  ASSERT_TRUE(GenerateArchive(o, &c).ok());
  ASSERT_EQ(a.size(), 2u);
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(ReadFile(a[i].path), ReadFile(b[i].path));
    EXPECT_NE(ReadFile(a[i].path), ReadFile(c[i].path));
  }
}

TEST(TweetgenTest, SharesSizesAndShapes) {
  TempDir t;
  TweetgenOptions o;
  o.dest = t.path();
  o.files = 1;
  o.total_mb = 2;
  o.seed = 9;
  o.bad_share = 0.05;
  o.dup_share = 0.05;
  std::vector<TweetgenFileStats> stats;
  ASSERT_TRUE(GenerateArchive(o, &stats).ok());
  std::string text = ReadMaybeGzipFile(stats[0].path);
  EXPECT_EQ(text.size(), stats[0].bytes);
  EXPECT_GE(stats[0].bytes, 2000000u);
  EXPECT_LT(stats[0].bytes, 2000000u + 20000u);
  uint64_t bad = 0, retweets = 0, extended = 0, quotes = 0, notices = 0, escaped = 0;
  std::vector<std::string> lines = SplitLines(text);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  EXPECT_EQ(lines.size(), stats[0].lines);
  for (const std::string& line : lines) {
    rapidjson::Document d;
    d.Parse(line.c_str(), line.size());
    if (d.HasParseError()) {
      ++bad;
      continue;
    }
    retweets += d.HasMember("retweeted_status");
    extended += d.HasMember("extended_tweet");
    quotes += d.HasMember("quoted_status");
    notices += d.HasMember("delete") || d.HasMember("limit");
    escaped += line.find("\\u") != std::string::npos;
  }
  EXPECT_EQ(bad, stats[0].bad_lines);
  EXPECT_EQ(notices, stats[0].notices);
  double n = static_cast<double>(lines.size());
  EXPECT_NEAR(bad / n, 0.05, 0.02);
  EXPECT_NEAR(retweets / n, 0.49 * 0.88, 0.06);
  EXPECT_GT(extended, 0u);
  EXPECT_GT(quotes, 0u);
  EXPECT_GT(escaped, 0u);
  double per_line = static_cast<double>(stats[0].bytes) / n;
  EXPECT_GT(per_line, 3000);
  EXPECT_LT(per_line, 5000);
}

TEST(TweetgenTest, RejectsBadOptions) {
  TweetgenOptions o;
  o.dest = "/tmp/unused";
  o.files = 0;
  std::vector<TweetgenFileStats> stats;
  EXPECT_EQ(GenerateArchive(o, &stats).code(), StatusCode::kInvalidArgument);
  o.files = 1;
  o.bad_share = 0.7;
  o.dup_share = 0.5;
  EXPECT_EQ(GenerateArchive(o, &stats).code(), StatusCode::kInvalidArgument);
  o.bad_share = 0;
  o.dup_share = 0;
  // A span outside 2011..2099 (ids are snowflakes from late 2010) or of 0 or 367 days.
  for (int64_t start : {int64_t{0}, int64_t{1'200'000'000'000}, int64_t{4'200'000'000'000}}) {
    o.start_ms = start;
    EXPECT_EQ(GenerateArchive(o, &stats).code(), StatusCode::kInvalidArgument) << start;
  }
  o.start_ms = -1;
  for (int days : {0, 367}) {
    o.days = days;
    Status s = GenerateArchive(o, &stats);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << days;
    EXPECT_NE(s.message().find("--days"), std::string::npos) << s.message();
  }
  o.days = 1;
  // Sizes whose byte count would not fit a uint64 (the cast wrapped) are refused.
  o.bad_share = 0;
  o.dup_share = 0;
  for (double mb : {1e20, 1e300, 0.0, -1.0}) {
    o.total_mb = mb;
    Status s = GenerateArchive(o, &stats);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << mb;
    EXPECT_NE(s.message().find("--mb"), std::string::npos) << s.message();
  }
}

// Every status of an archive (top-level lines only), parsed.
struct GeneratedStatus {
  int64_t ms = 0;
  std::string text;  // extended_tweet.full_text, else text
  std::vector<std::string> expanded_urls;
  bool retweet = false;
};

std::vector<GeneratedStatus> ReadStatuses(const std::vector<TweetgenFileStats>& stats) {
  std::vector<GeneratedStatus> out;
  for (const TweetgenFileStats& f : stats) {
    for (const std::string& line : SplitLines(ReadMaybeGzipFile(f.path))) {
      rapidjson::Document d;
      d.Parse(line.c_str(), line.size());
      if (d.HasParseError() || !d.IsObject() || !d.HasMember("created_at")) continue;
      GeneratedStatus s;
      s.ms = std::stoll(d["timestamp_ms"].GetString());
      int64_t created_ms = 0;
      EXPECT_TRUE(ParseTwitterDate(d["created_at"].GetString(), &created_ms));
      EXPECT_EQ(created_ms, s.ms / 1000 * 1000);
      s.retweet = d.HasMember("retweeted_status");
      const rapidjson::Value& top = d.HasMember("extended_tweet") ? d["extended_tweet"] : d;
      s.text = top.HasMember("full_text") ? top["full_text"].GetString() : d["text"].GetString();
      for (const auto& u : top["entities"]["urls"].GetArray()) {
        s.expanded_urls.push_back(u["expanded_url"].GetString());
      }
      out.push_back(std::move(s));
    }
  }
  return out;
}

TEST(TweetgenTest, TimesSpreadOverTheSpanWithADailyCurveInOrder) {
  TempDir t;
  TweetgenOptions o;
  o.dest = t.path();
  o.files = 3;
  o.total_mb = 12;
  o.seed = 4;
  ASSERT_TRUE(ParseIsoDate("2019-03-01T00:00:00Z", &o.start_ms));
  o.days = 3;
  std::vector<TweetgenFileStats> stats;
  ASSERT_TRUE(GenerateArchive(o, &stats).ok());
  const std::vector<GeneratedStatus> statuses = ReadStatuses(stats);
  ASSERT_GT(statuses.size(), 2500u);
  const int64_t end_ms = o.start_ms + 3 * 86'400'000;
  std::map<int, int> by_hour;
  std::set<int64_t> seconds;
  for (size_t i = 0; i < statuses.size(); ++i) {
    ASSERT_GE(statuses[i].ms, o.start_ms);
    ASSERT_LT(statuses[i].ms, end_ms);
    if (i > 0) {
      ASSERT_GE(statuses[i].ms, statuses[i - 1].ms) << "line " << i;  // across files too
    }
    ++by_hour[static_cast<int>(statuses[i].ms / 3'600'000 % 24)];
    seconds.insert(statuses[i].ms / 1000);
  }
  EXPECT_EQ(by_hour.size(), 24u);
  // The first and last hours of the span are used (file 0 starts it, the last file ends it).
  EXPECT_LT(statuses.front().ms, o.start_ms + 3'600'000);
  EXPECT_GT(statuses.back().ms, end_ms - 3'600'000);
  // The daily curve: the evening (UTC) is well above the early morning.
  int morning = 0, evening = 0;
  for (int h = 3; h < 7; ++h) morning += by_hour[h];
  for (int h = 17; h < 21; ++h) evening += by_hour[h];
  EXPECT_GT(evening, 2 * morning) << evening << " vs " << morning;
  EXPECT_GT(seconds.size(), statuses.size() * 9 / 10);  // second-level times, few repeats
}

// The share of positions in [0, 1) whose time falls in [from_ms, to_ms).
double ShareOfPositions(const tweetgen::TweetClock& clock, uint64_t from_ms, uint64_t to_ms) {
  constexpr int kSteps = 200000;
  int in = 0;
  for (int i = 0; i < kSteps; ++i) {
    const uint64_t ms = clock.TimeAt(static_cast<double>(i) / kSteps);
    in += ms >= from_ms && ms < to_ms;
  }
  return static_cast<double>(in) / kSteps;
}

TEST(TweetgenTest, ClockHasBurstsAndIsMonotonic) {
  const tweetgen::TweetClock clock(1'577'836'800'000, 7, 3, 5);
  ASSERT_EQ(clock.bursts().size(), 5u);  // (days + 3) / 2
  uint64_t previous = 0;
  for (int i = 0; i < 10000; ++i) {
    const uint64_t ms = clock.TimeAt(i / 10000.0);
    ASSERT_GE(ms, previous);
    ASSERT_GE(ms, clock.start_ms());
    ASSERT_LT(ms, clock.end_ms());
    previous = ms;
  }
  for (const tweetgen::Burst& b : clock.bursts()) {
    ASSERT_GE(b.start_ms, clock.start_ms());
    ASSERT_LE(b.end_ms, clock.end_ms());
    int topic = -1;
    const uint64_t near_peak = b.start_ms + (b.end_ms - b.start_ms) / 10;
    EXPECT_GT(clock.BurstShare(near_peak, &topic), 0.6);
    EXPECT_GE(topic, 0);
    EXPECT_LT(topic, 5);
    // Around its peak a burst's minutes get more tweets than as many minutes just before it.
    const uint64_t length = b.end_ms - b.start_ms;
    const uint64_t window = length / 5;
    const uint64_t peak_from = b.start_ms + length / 20;
    EXPECT_GT(ShareOfPositions(clock, peak_from, peak_from + window),
              1.8 * ShareOfPositions(clock, b.start_ms - window, b.start_ms))
        << "burst at " << b.start_ms;
  }
  int topic = -1;
  EXPECT_EQ(clock.BurstShare(clock.start_ms() - 1, &topic), 0);
}

TEST(TweetgenTest, TopicsProfanityAndLinksInRealisticShares) {
  TempDir t;
  TweetgenOptions o;
  o.dest = t.path();
  o.files = 2;
  o.total_mb = 12;
  o.seed = 8;
  o.days = 2;
  std::vector<TweetgenFileStats> stats;
  ASSERT_TRUE(GenerateArchive(o, &stats).ok());
  const std::vector<GeneratedStatus> statuses = ReadStatuses(stats);
  ASSERT_GT(statuses.size(), 2500u);
  Tokenizer tokenizer;
  const ProfanityLexicon lexicon = ProfanityLexicon::Embedded();
  size_t profane = 0, topical = 0;
  std::map<std::string, size_t> domains;
  for (const GeneratedStatus& s : statuses) {
    profane += lexicon.Count(tokenizer.Tokenize(s.text)) > 0;
    std::string lower = s.text;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    bool names_topic = false;
    for (const tweetgen::Topic& k : tweetgen::Topics()) {
      std::string label = k.label;
      std::transform(label.begin(), label.end(), label.begin(), ::tolower);
      names_topic = names_topic || lower.find(label) != std::string::npos;
    }
    topical += names_topic;
    for (const std::string& url : s.expanded_urls) {
      std::string host = url.substr(url.find("://") + 3);
      host = host.substr(0, host.find('/'));
      if (host.starts_with("www.")) host = host.substr(4);
      ++domains[host];
    }
  }
  const double n = static_cast<double>(statuses.size());
  // Outside bursts 1.5-5% of statuses are profane and 5% name a topic; bursts add more of both.
  EXPECT_GT(profane / n, 0.01);
  EXPECT_LT(profane / n, 0.15);
  EXPECT_GT(topical / n, 0.03);
  EXPECT_LT(topical / n, 0.3);
  // Links: many domains, YouTube among the most linked, none of the old example.com.
  EXPECT_GT(domains.size(), 50u);
  EXPECT_GT(domains["youtube.com"], domains["github.com"]);
  EXPECT_GT(domains["youtube.com"], 100u);
  EXPECT_EQ(domains.count("example.com"), 0u);
}

TEST(TweetgenTest, CommandLineExitCodesAndStart) {
  TempDir t;
  TweetgenOutcome help = RunTweetgen({"--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.stdout_text.find("--days"), std::string::npos) << help.stdout_text;
  for (const std::vector<std::string>& bad :
       {std::vector<std::string>{"--dest", t.Join("x"), "--nope", "1"},
        {"--files", "2"},  // no --dest
        {"--dest", t.Join("x"), "--days", "0"},
        {"--dest", t.Join("x"), "--start", "yesterday"},
        {"--dest", t.Join("x"), "--start", "2009-01-01"},
        {"--dest", t.Join("x"), "--mb", "-1"}}) {
    TweetgenOutcome o = RunTweetgen(bad);
    EXPECT_EQ(o.exit_code, 2) << ::testing::PrintToString(bad);
    EXPECT_TRUE(o.stderr_text.starts_with("tweetgen: ")) << o.stderr_text;
    EXPECT_EQ(std::count(o.stderr_text.begin(), o.stderr_text.end(), '\n'), 1) << o.stderr_text;
    EXPECT_TRUE(o.stdout_text.empty());
  }
  TweetgenOutcome ok = RunTweetgen({"--dest", t.Join("ok"), "--files", "2", "--mb", "0.5",
                                    "--start", "2019-05-01", "--days", "2"});
  ASSERT_EQ(ok.exit_code, 0) << ok.stderr_text;
  EXPECT_TRUE(ok.stdout_text.starts_with("tweetgen: wrote 2 files to " + t.Join("ok") + ": "))
      << ok.stdout_text;
  const std::string first = SplitLines(ReadMaybeGzipFile(t.Join("ok/tweets-00000.jsonl.gz")))[0];
  EXPECT_NE(first.find("\"created_at\":\"Wed May 01 00:"), std::string::npos) << first;
  TweetgenOutcome iso = RunTweetgen(
      {"--dest", t.Join("iso"), "--files", "1", "--mb", "0.1", "--start", "2019-05-01T12:00:00Z"});
  ASSERT_EQ(iso.exit_code, 0) << iso.stderr_text;
  const std::string line = SplitLines(ReadMaybeGzipFile(t.Join("iso/tweets-00000.jsonl.gz")))[0];
  EXPECT_NE(line.find("\"created_at\":\"Wed May 01 12:"), std::string::npos) << line;
}

}  // namespace
}  // namespace rankflow
