// tweetgen: same seed -> byte-identical files; sizes and shares as asked; every good line is JSON.
#include "jobs/tweetgen.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

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

}  // namespace
}  // namespace rankflow
