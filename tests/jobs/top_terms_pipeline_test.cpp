// top_terms' pipeline in process (Thrill's shape): CountTerms / RankTerms / TopTermRows of
// jobs/top_terms.h called directly, under mpirun at 1, 2 and 4 ranks (rankflow_add_mpi_test),
// compared with a sequential reference: every tweet of the archive through TweetParser, its terms
// (ExtractTerms, operators/terms.h) counted in a std::map and sorted. The binary's flags, exit
// codes, files and summary: tests/jobs/top_terms_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include "jobs/top_terms.h"
#include "operators/tokenizer.h"
#include "tests/util/mpi_test.h"
#include "tests/util/tweet_corpus.h"

namespace rankflow {
namespace {

using testing::TestMpi;

// The ranking of the whole archive, sequentially: (bucket, term) -> count, then (bucket, count
// descending, term) order.
std::vector<TermCount> Reference(const std::vector<Tweet>& tweets, const TopTermsOptions& o) {
  Tokenizer tokenizer;
  std::map<std::pair<int64_t, std::string>, uint64_t> counts;
  for (const Tweet& t : tweets) {
    const int64_t bucket = o.by ? BucketStartMs(t.timestamp_ms, *o.by) : 0;
    for (const std::string& term : ExtractTerms(t, o.what, &tokenizer)) ++counts[{bucket, term}];
  }
  std::vector<TermCount> rows;
  for (const auto& [key, count] : counts) rows.push_back({key.first, key.second, count});
  std::sort(rows.begin(), rows.end(), [](const TermCount& a, const TermCount& b) {
    return std::tie(a.bucket_ms, b.count, a.term) < std::tie(b.bucket_ms, a.count, b.term);
  });
  return rows;
}

// The reference's first `top` rows of each bucket.
std::vector<TermCount> ReferenceTop(const std::vector<TermCount>& ranked, int64_t top) {
  std::vector<TermCount> rows;
  int64_t in_bucket = 0;
  for (size_t i = 0; i < ranked.size(); ++i) {
    in_bucket = i > 0 && ranked[i].bucket_ms == ranked[i - 1].bucket_ms ? in_bucket + 1 : 0;
    if (in_bucket < top) rows.push_back(ranked[i]);
  }
  return rows;
}

std::vector<std::tuple<int64_t, std::string, uint64_t>> Tuples(const std::vector<TermCount>& rows) {
  std::vector<std::tuple<int64_t, std::string, uint64_t>> out;
  for (const TermCount& r : rows) out.emplace_back(r.bucket_ms, r.term, r.count);
  return out;
}

class TopTermsPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new testing::TestArchive(TestMpi(), testing::SmallTweetgen(4, 11));
  }
  static void TearDownTestSuite() { delete archive_; }

  // Runs the pipeline at this test's rank count and checks the ranking, the top rows and the
  // tweets counter against the reference. Returns the number of ranked rows.
  size_t ExpectMatchesReference(const TopTermsOptions& o, flow::ContextOptions co = {}) {
    const MpiContext& mpi = TestMpi();
    flow::Context ctx(mpi, co);
    const flow::Dataset<TermCount> counts = CountTerms(ctx, o, archive_->files());
    const std::vector<TermCount> ranked = RankTerms(counts).Collect();
    const std::vector<TermCount> top = TopTermRows(counts, o);
    const std::vector<TermCount> want = Reference(archive_->parsed().tweets, o);
    const int64_t tweets = mpi.AllSum(ctx.metrics().Get("tweets"));
    EXPECT_EQ(tweets, static_cast<int64_t>(archive_->parsed().tweets.size()));
    // Which reader read the lines: TweetParser for every one with full_parser; plain v1.1 lines
    // (every one of tweetgen's) go to the fast entity reader for mentions and urls.
    const int64_t parsed = mpi.AllSum(ctx.metrics().Get("tweets_full_parser"));
    if (o.full_parser) {
      EXPECT_EQ(parsed, tweets);
    }
    if (!o.full_parser && o.what != TweetTermKind::kWords && o.what != TweetTermKind::kEmoji) {
      EXPECT_LE(parsed, tweets - static_cast<int64_t>(archive_->tweetgen_tweets()));
    }
    if (!mpi.is_root()) {
      EXPECT_TRUE(ranked.empty());
      EXPECT_TRUE(top.empty());
      return 0;
    }
    EXPECT_EQ(Tuples(ranked), Tuples(want)) << mpi.size() << " ranks";
    EXPECT_EQ(Tuples(top), Tuples(ReferenceTop(want, o.top)));
    return want.size();
  }

  static testing::TestArchive* archive_;
};

testing::TestArchive* TopTermsPipelineTest::archive_ = nullptr;

TEST_F(TopTermsPipelineTest, TheArchiveHasEveryKindOfLine) {
  EXPECT_GT(archive_->parsed().tweets.size(), 300u);
  EXPECT_GT(archive_->parsed().notices, 0u);
  EXPECT_GT(archive_->parsed().bad_lines, 0u);
}

// The fast entity reader (V1EntityReader) reads mentions and urls of plain v1.1 lines.
TEST_F(TopTermsPipelineTest, MentionsAndUrlsMatchTheReference) {
  for (TweetTermKind what : {TweetTermKind::kMentions, TweetTermKind::kUrls}) {
    TopTermsOptions o;
    o.what = what;
    o.top = 7;
    const size_t rows = ExpectMatchesReference(o);
    if (TestMpi().is_root()) {
      EXPECT_GT(rows, 100u) << TweetTermKindName(what);
    }
  }
}

// Without a bucket, hashtags and words come from V1TermScanner, which reads a retweet's own
// entities and text (jobs/README.md); --full-parser gives the parser's reading, the reference's.
TEST_F(TopTermsPipelineTest, HashtagsWordsAndEmojiThroughTheParserMatchTheReference) {
  for (TweetTermKind what :
       {TweetTermKind::kHashtags, TweetTermKind::kWords, TweetTermKind::kEmoji}) {
    TopTermsOptions o;
    o.what = what;
    o.full_parser = true;
    const size_t rows = ExpectMatchesReference(o);
    if (TestMpi().is_root()) {
      EXPECT_GT(rows, 3u) << TweetTermKindName(what);
    }
  }
}

TEST_F(TopTermsPipelineTest, PerBucketCountsMatchTheReference) {
  for (TimeBucket by : {TimeBucket::kMinute, TimeBucket::kHour, TimeBucket::kDay}) {
    for (bool full_parser : {false, true}) {
      TopTermsOptions o;
      o.by = by;
      o.top = 3;
      o.full_parser = full_parser;
      ExpectMatchesReference(o);
    }
  }
  TopTermsOptions words;
  words.what = TweetTermKind::kWords;
  words.by = TimeBucket::kHour;
  ExpectMatchesReference(words);
}

// Forced spills and tiny exchange rounds (the hard paths of the shuffle and the sort).
TEST_F(TopTermsPipelineTest, ForcedSpillsGiveTheSameAnswer) {
  flow::ContextOptions co;
  co.debug_shuffle = true;
  TopTermsOptions o;
  o.what = TweetTermKind::kMentions;
  o.by = TimeBucket::kHour;
  ExpectMatchesReference(o, co);
}

TEST_F(TopTermsPipelineTest, TopZeroAsksForNoRows) {
  flow::Context ctx(TestMpi(), {});
  TopTermsOptions o;
  o.top = 0;
  EXPECT_TRUE(TopTermRows(CountTerms(ctx, o, archive_->files()), o).empty());
}

TEST(TopTermsFormatTest, PrintsRanksCountsAndBucketLabels) {
  TopTermsOptions o;
  o.top = 2;
  EXPECT_EQ(FormatTopTerms({{0, "a", 12}, {0, "b", 3}}, o),
            "top 2 hashtags:\n   1            12  a\n   2             3  b\n");
  o.by = TimeBucket::kHour;
  o.what = TweetTermKind::kWords;
  EXPECT_EQ(FormatTopTerms({{0, "x", 2}, {3600000, "y", 1}}, o),
            "top 2 words per hour (2 buckets):\n1970-01-01T00:00:00Z\n   1             2  x\n"
            "1970-01-01T01:00:00Z\n   1             1  y\n");
}

}  // namespace
}  // namespace rankflow
