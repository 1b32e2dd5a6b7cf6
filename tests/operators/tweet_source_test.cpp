// The tweet sources of the dataflow API (operators/tweet_source.h) at 1, 2 and 4 ranks on the real
// samples of tests/data/tweets (every shape), against TweetParser and ExtractTerms run here
// sequentially over the same lines.
#include "operators/tweet_source.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using rankflow::testing::TestMpi;

const char* kRegex = "\\.jsonl$";

// Every line of every .jsonl sample, as the line reader gives them (no "\r", no empty lines).
std::vector<std::string> SampleLines() {
  std::vector<std::string> files;
  for (const auto& e : fs::recursive_directory_iterator(testing::SourcePath("tests/data/tweets"))) {
    if (e.is_regular_file() && e.path().extension() == ".jsonl") files.push_back(e.path());
  }
  std::sort(files.begin(), files.end());
  std::vector<std::string> lines;
  for (const std::string& f : files) {
    for (std::string line : testing::SplitLines(testing::ReadFile(f))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (!line.empty()) lines.push_back(line);
    }
  }
  return lines;
}

std::vector<Tweet> ReferenceTweets() {
  TweetParser parser;
  std::vector<Tweet> out;
  for (const std::string& line : SampleLines()) parser.Parse(line, &out);
  return out;
}

std::vector<std::string> AsJson(const std::vector<Tweet>& tweets) {
  std::vector<std::string> out;
  for (const Tweet& t : tweets) out.push_back(TweetToJson(t));
  std::sort(out.begin(), out.end());
  return out;
}

class TweetSourceTest : public ::testing::Test {
 protected:
  TweetSourceTest() : ctx_(TestMpi(), flow::ContextOptions{}) {}
  flow::SourceOptions Files() const { return {testing::SourcePath("tests/data/tweets"), kRegex}; }
  int64_t Total(const char* counter) { return TestMpi().AllSum(*ctx_.Counter(counter)); }
  flow::Context ctx_;
};

TEST_F(TweetSourceTest, ReadTweetsGivesTheParsersTweetsOfEveryShape) {
  const std::vector<Tweet> want = ReferenceTweets();
  ASSERT_GT(want.size(), 300u);
  std::vector<Tweet> got = ReadTweets(ctx_, {Files(), {}}).Collect();
  if (TestMpi().is_root()) {
    EXPECT_EQ(AsJson(got), AsJson(want));
    bool gnip = false, v2 = false, retweet_author = false;
    for (const Tweet& t : got) {
      gnip |= t.source_format == SourceFormat::kGnip;
      v2 |= t.source_format == SourceFormat::kV2;
      retweet_author |= !t.retweeted_screen_name.empty();
    }
    EXPECT_TRUE(gnip && v2 && retweet_author);
  }
  EXPECT_EQ(Total("tweets_in"), static_cast<int64_t>(want.size()));
  EXPECT_GT(Total("notices"), 0);  // the stream and v2 compliance samples
}

// Tweet travels through the codec (Cache spools it; a shuffle would too) unchanged.
TEST_F(TweetSourceTest, TweetsSurviveTheCodec) {
  flow::Dataset<Tweet> cached = ReadTweets(ctx_, {Files(), {}}).Cache();
  std::vector<Tweet> got = cached.Collect();
  if (TestMpi().is_root()) {
    EXPECT_EQ(AsJson(got), AsJson(ReferenceTweets()));
  }
  const uint64_t by_id =
      cached.ReduceByKey([](const Tweet& t) { return t.source_format; }, flow::Count()).Count();
  EXPECT_EQ(by_id, 3u);  // v1, gnip, v2
}

// With time, hashtags/mentions/urls come from V1EntityReader or the parser: the parser's answer.
TEST_F(TweetSourceTest, ReadTermsWithTimeEqualsExtractTermsOfTheParsedTweets) {
  for (TweetTermKind kind : {TweetTermKind::kHashtags, TweetTermKind::kMentions,
                             TweetTermKind::kUrls, TweetTermKind::kWords}) {
    std::vector<std::pair<int64_t, std::string>> want;
    for (const Tweet& t : ReferenceTweets()) {
      for (std::string& term : ExtractTerms(t, kind, nullptr))
        want.emplace_back(t.timestamp_ms, term);
    }
    std::vector<std::pair<int64_t, std::string>> got;
    for (TimedTerm& t : ReadTerms(ctx_, {kind, true, false}, Files()).Collect()) {
      got.emplace_back(t.timestamp_ms, std::move(t.term));
    }
    if (!TestMpi().is_root()) continue;
    std::sort(want.begin(), want.end());
    std::sort(got.begin(), got.end());
    ASSERT_GT(want.size(), 50u) << TweetTermKindName(kind);
    EXPECT_EQ(got, want) << TweetTermKindName(kind);
  }
}

}  // namespace
}  // namespace rankflow
