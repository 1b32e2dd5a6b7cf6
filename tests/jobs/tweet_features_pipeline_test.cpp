// tweet_features' pipeline in process (Thrill's shape): ComputeTweetFeatures of
// jobs/tweet_features.h on a JobIo built here (tests/util/in_process_job.h), under mpirun at 1, 2
// and 4 ranks (rankflow_add_mpi_test), compared with a sequential reference: every tweet of the
// archive (tweetgen + the real v1.1, Gnip and v2 samples) through TweetParser and
// FeatureExtractor, as FeaturesToJson rows. The binary's HDF5 part (read with h5py), flags and exit
// codes: tests/jobs/tweet_features_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "jobs/tweet_features.h"
#include "tests/util/in_process_job.h"
#include "tests/util/mpi_test.h"
#include "tests/util/tweet_corpus.h"

namespace rankflow {
namespace {

using testing::InProcessJob;
using testing::TestMpi;

std::vector<std::string> Reference(const std::vector<Tweet>& tweets, const FeatureOptions& o) {
  FeatureExtractor extractor(o);
  std::vector<std::string> rows;
  for (const Tweet& t : tweets) rows.push_back(FeaturesToJson(extractor.Compute(t)));
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Every line of every committed part of dest (gunzipped), sorted.
std::vector<std::string> CommittedRows(const std::string& dest) {
  std::vector<std::string> rows;
  for (const std::string& part : testing::CommittedPaths(dest)) {
    for (const std::string& line : testing::SplitLines(testing::ReadMaybeGzipFile(part))) {
      if (!line.empty()) rows.push_back(line);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

class TweetFeaturesPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new testing::TestArchive(TestMpi(), testing::SmallTweetgen(3, 7));
  }
  static void TearDownTestSuite() { delete archive_; }

  static TweetFeaturesOptions Options(const std::string& format) {
    TweetFeaturesOptions o;
    o.features = {64, 1, 2};
    o.format = format;
    o.input.src = archive_->path();
    o.input.split_bytes = 64 << 10;  // the plain samples in byte ranges
    return o;
  }

  static testing::TestArchive* archive_;
};

testing::TestArchive* TweetFeaturesPipelineTest::archive_ = nullptr;

TEST_F(TweetFeaturesPipelineTest, JsonRowsMatchTheSequentialReference) {
  const testing::ParsedArchive& parsed = archive_->parsed();
  for (const std::string format : {"jsonl", "jsonl.gz"}) {
    const std::string dest = archive_->dir().Join("features-" + format);
    InProcessJob job(TestMpi(), archive_->path(), dest, "tweet_features");
    InputPlan inputs;
    const TweetFeaturesOptions o = Options(format);
    const Status s = ComputeTweetFeatures(job.io(), o, &inputs);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(job.Commit().ok());
    const auto files = std::filesystem::directory_iterator(archive_->path());
    EXPECT_EQ(inputs.files.size(), static_cast<size_t>(std::distance(begin(files), end(files))));
    const int64_t tweets = static_cast<int64_t>(parsed.tweets.size());
    EXPECT_EQ(job.Sum("tweets_in"), tweets);
    EXPECT_EQ(job.Sum("records_out"), tweets);
    EXPECT_EQ(job.Sum("notices"), static_cast<int64_t>(parsed.notices));
    EXPECT_EQ(TestMpi().AllSum(job.metrics().BadLinesTotal()),
              static_cast<int64_t>(parsed.bad_lines));
    if (!TestMpi().is_root()) continue;
    EXPECT_EQ(testing::CommittedPaths(dest).size(), static_cast<size_t>(TestMpi().size()));
    EXPECT_EQ(CommittedRows(dest), Reference(parsed.tweets, o.features)) << format;
  }
}

// --strict: the first bad line (tweetgen writes 1%) fails every rank, naming the file and line;
// nothing is committed.
TEST_F(TweetFeaturesPipelineTest, StrictFailsOnTheFirstBadLineOnEveryRank) {
  const std::string dest = archive_->dir().Join("strict");
  InProcessJob job(TestMpi(), archive_->path(), dest, "tweet_features");
  TweetFeaturesOptions o = Options("jsonl");
  o.input.strict = true;
  InputPlan inputs;
  const Status s = ComputeTweetFeatures(job.io(), o, &inputs);
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find(archive_->path() + "/"), std::string::npos) << s.ToString();
  EXPECT_FALSE(job.Commit(s.ok()).ok());
  EXPECT_FALSE(std::filesystem::exists(dest + "/_SUCCESS"));
}

}  // namespace
}  // namespace rankflow
