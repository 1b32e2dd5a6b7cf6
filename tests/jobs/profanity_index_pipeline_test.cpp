// profanity_index's pipeline in process (Thrill's shape): ProfanityIndex of
// jobs/profanity_index.h called directly under mpirun at 1, 2 and 4 ranks
// (rankflow_add_mpi_test), compared with a sequential reference over the same archive (tweetgen
// and the real v1.1, Gnip and v2 samples, which span years): every
// tweet through TweetParser, each target it mentions (MentionsTarget) counted per bucket in a
// std::map with whether the tweet holds an LDNOOBW term. A hand-counted archive, the binary's
// files, flags and exit codes: tests/jobs/profanity_index_test.cpp.
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jobs/profanity_index.h"
#include "operators/lexicons.h"
#include "operators/tokenizer.h"
#include "tests/util/mpi_test.h"
#include "tests/util/tweet_corpus.h"

namespace rankflow {
namespace {

using testing::TestMpi;

std::vector<ProfanityRow> Reference(const std::vector<Tweet>& tweets,
                                    const ProfanityIndexOptions& o) {
  Tokenizer tokenizer;
  const ProfanityLexicon profanity = ProfanityLexicon::Embedded();
  std::map<std::pair<int64_t, size_t>, std::pair<int64_t, int64_t>> cells;  // tweets, profane
  for (const Tweet& t : tweets) {
    const std::vector<Token> tokens = tokenizer.Tokenize(t.text);
    for (size_t i = 0; i < o.targets.size(); ++i) {
      if (!MentionsTarget(o.targets[i], t, tokens)) continue;
      auto& [n, profane] = cells[{BucketStartMs(t.timestamp_ms, o.by), i}];
      ++n;
      profane += profanity.Count(tokens) > 0;
    }
  }
  std::vector<ProfanityRow> rows;
  for (const auto& [key, cell] : cells) {
    rows.push_back({FormatIsoUtc(key.first), o.targets[key.second].label, cell.first, cell.second});
  }
  return rows;
}

std::vector<std::tuple<std::string, std::string, int64_t, int64_t>> Tuples(
    const std::vector<ProfanityRow>& rows) {
  std::vector<std::tuple<std::string, std::string, int64_t, int64_t>> out;
  for (const ProfanityRow& r : rows) out.emplace_back(r.bucket, r.target, r.tweets, r.profane);
  return out;
}

// The most frequent entry of counts (ties: the smallest).
std::string MostFrequent(const std::map<std::string, int>& counts) {
  std::string best;
  int n = 0;
  for (const auto& [term, count] : counts) {
    if (count > n) std::tie(best, n) = std::tie(term, count);
  }
  return best;
}

// Targets the archive mentions: its most used hashtag, mention and word, a profane word, and a
// target no tweet mentions.
std::string TargetsFor(const std::vector<Tweet>& tweets) {
  std::map<std::string, int> tags, mentions, words;
  Tokenizer tokenizer;
  for (const Tweet& t : tweets) {
    for (const std::string& h : t.hashtags) ++tags[LowercaseTerm(h)];
    for (const std::string& m : t.mentions) ++mentions[LowercaseTerm(m)];
    for (const Token& token : tokenizer.Tokenize(t.text)) {
      if (token.text.size() > 4 && std::isalpha(static_cast<unsigned char>(token.text[0]))) {
        ++words[token.text];
      }
    }
  }
  return "Tag: #" + MostFrequent(tags) + "\nUser: @" + MostFrequent(mentions) +
         "\nWord: " + MostFrequent(words) + "\nSwearing: shit, fuck\nNobody: zzqxv unseen\n";
}

class ProfanityIndexPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new testing::TestArchive(TestMpi(), testing::SmallTweetgen(3, 5));
  }
  static void TearDownTestSuite() { delete archive_; }

  static ProfanityIndexOptions Options(TimeBucket by) {
    Tokenizer tokenizer;
    Result<std::vector<Target>> targets =
        ParseTargets(TargetsFor(archive_->parsed().tweets), &tokenizer);
    EXPECT_TRUE(targets.ok()) << targets.status().ToString();
    return {targets.ok() ? *targets : std::vector<Target>{}, by};
  }

  static testing::TestArchive* archive_;
};

testing::TestArchive* ProfanityIndexPipelineTest::archive_ = nullptr;

TEST_F(ProfanityIndexPipelineTest, MatchesTheSequentialReferenceForEveryBucket) {
  for (TimeBucket by : {TimeBucket::kMinute, TimeBucket::kHour, TimeBucket::kDay}) {
    const ProfanityIndexOptions o = Options(by);
    flow::ContextOptions co;
    co.debug_shuffle = by == TimeBucket::kMinute;  // forced spills and tiny rounds once
    flow::Context ctx(TestMpi(), co);
    const std::vector<ProfanityRow> rows = ProfanityIndex(ctx, o, archive_->files());
    const std::vector<ProfanityRow> want = Reference(archive_->parsed().tweets, o);
    const int64_t mentions = TestMpi().AllSum(ctx.metrics().Get("target_mentions"));
    int64_t want_mentions = 0;
    for (const ProfanityRow& r : want) want_mentions += r.tweets;
    EXPECT_EQ(mentions, want_mentions);
    if (!TestMpi().is_root()) {
      EXPECT_TRUE(rows.empty());
      continue;
    }
    EXPECT_EQ(Tuples(rows), Tuples(want)) << TimeBucketName(by);
    // The archive mentions the tag, the user and the word targets; nobody mentions "Nobody".
    std::map<std::string, int64_t> per_target;
    for (const ProfanityRow& r : want) per_target[r.target] += r.tweets;
    for (const char* label : {"Tag", "User", "Word"}) {
      EXPECT_GT(per_target[label], 0) << label << " " << TimeBucketName(by);
    }
    EXPECT_EQ(per_target.count("Nobody"), 0u);
    EXPECT_GT(want.size(), per_target.size());
  }
}

}  // namespace
}  // namespace rankflow
