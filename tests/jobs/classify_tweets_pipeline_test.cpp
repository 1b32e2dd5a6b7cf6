// classify_tweets' pipeline in process (Thrill's shape): ClassifyTweets of jobs/classify_tweets.h
// on a JobContext made without flags (tests/util/in_process_job.h), under mpirun at 1, 2 and 4
// ranks (rankflow_add_mpi_test), on a tweetgen archive plus the real v1.1, Gnip and v2 samples
// (tests/util/tweet_corpus.h). The sequential reference is computed here from the archive's
// sequential reading (ParseArchive: every line through TweetParser, files in name order): each
// tweet's hashed n-grams (FeatureExtractor), the first row of each id kept, tweets whose lang is a
// language code kept, languages under min_class pooled as "other", one in five held out by the
// FNV-1a hash of the id, log(1 + count) scaled to unit L2 norm. The committed features/train.h5
// and features/test.h5 must hold the same rows (as multisets: the order of rows follows the ranks'
// shares of the files) with the same labels and classes. The model step is one epoch of the
// logistic model (hidden 0); the binary's flags, exit codes, report and accuracy on a separable
// corpus: tests/jobs/classify_tweets_test.cpp.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "jobs/classify_tweets.h"
#include "operators/features.h"
#include "operators/ml/dataset.h"
#include "operators/tweet.h"
#include "tests/util/in_process_job.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"
#include "tests/util/tweet_corpus.h"

namespace rankflow {
namespace {

using testing::InProcessJobContext;
using testing::TestMpi;

constexpr int kDim = 256;
constexpr int kMinClass = 20;

// One example as the data set stores it: its class name and its non-zero (slot, value) pairs.
using Row = std::pair<std::string, std::vector<std::pair<int32_t, float>>>;

struct Reference {
  int64_t tweets = 0, unique = 0;
  std::vector<std::pair<std::string, int64_t>> classes;  // by count descending, ties by name
  std::vector<Row> train, test;                          // sorted
};

// The job's split, written out again: FNV-1a over the id's bytes from the basis
// 1469598103934665603, one in five (hash % 5 == 0) held out.
bool HeldOut(const std::string& id) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ULL;
  return h % 5 == 0;
}

Row MakeRow(const std::string& label, const std::vector<float>& counts) {
  double norm = 0;
  for (float v : counts) norm += std::pow(std::log1p(v), 2);
  norm = norm > 0 ? std::sqrt(norm) : 1;
  Row row{label, {}};
  for (size_t slot = 0; slot < counts.size(); ++slot) {
    if (counts[slot] == 0) continue;
    row.second.emplace_back(static_cast<int32_t>(slot),
                            static_cast<float>(std::log1p(counts[slot]) / norm));
  }
  return row;
}

Reference Sequential(const std::vector<Tweet>& tweets) {
  Reference r;
  r.tweets = static_cast<int64_t>(tweets.size());
  std::set<std::string> seen;
  std::vector<const Tweet*> kept;
  std::map<std::string, int64_t> counts;
  for (const Tweet& t : tweets) {
    if (!seen.insert(t.id).second) continue;
    if (!IsLanguageCode(t.lang)) continue;
    kept.push_back(&t);
    ++counts[t.lang];
  }
  r.unique = static_cast<int64_t>(seen.size());
  int64_t pooled = 0;
  for (const auto& [lang, n] : counts) {
    if (n >= kMinClass) {
      r.classes.emplace_back(lang, n);
    } else {
      pooled += n;
    }
  }
  if (pooled > 0) r.classes.emplace_back("other", pooled);
  std::sort(r.classes.begin(), r.classes.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  FeatureExtractor extractor(FeatureOptions{.dimension = kDim});
  for (const Tweet* t : kept) {
    const std::string label = counts[t->lang] >= kMinClass ? t->lang : "other";
    (HeldOut(t->id) ? r.test : r.train).push_back(MakeRow(label, extractor.Compute(*t).ngrams));
  }
  std::sort(r.train.begin(), r.train.end());
  std::sort(r.test.begin(), r.test.end());
  return r;
}

// The rows of a committed sparse data set, sorted; its class names into *classes.
std::vector<Row> ReadRows(const std::string& path, std::vector<std::string>* classes) {
  ml::Dataset d;
  Result<int64_t> n = ml::CountDatasetRows(path);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  if (!n.ok()) return {};
  const Status s = ml::ReadDatasetRows(path, 0, *n, &d);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(d.sparse);
  EXPECT_EQ(d.inputs, kDim);
  *classes = d.class_names;
  std::vector<Row> rows;
  for (int64_t i = 0; i < d.rows(); ++i) {
    Row row{d.class_names.at(d.labels[i]), {}};
    for (int64_t k = d.indptr[i]; k < d.indptr[i + 1]; ++k) {
      row.second.emplace_back(d.indices[k], d.values[k]);
    }
    rows.push_back(std::move(row));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// How many rows of `got` differ from `want` (same length assumed): a label, a slot, or a value
// off by more than float rounding.
int64_t RowsThatDiffer(const std::vector<Row>& got, const std::vector<Row>& want) {
  int64_t differ = 0;
  for (size_t i = 0; i < got.size() && i < want.size(); ++i) {
    bool same = got[i].first == want[i].first && got[i].second.size() == want[i].second.size();
    for (size_t k = 0; same && k < got[i].second.size(); ++k) {
      same = got[i].second[k].first == want[i].second[k].first &&
             std::fabs(got[i].second[k].second - want[i].second[k].second) <= 1e-6f;
    }
    differ += !same;
  }
  return differ;
}

class ClassifyTweetsPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new testing::TestArchive(TestMpi(), testing::SmallTweetgen(3, 11));
  }
  static void TearDownTestSuite() { delete archive_; }
  static testing::TestArchive* archive_;
};

testing::TestArchive* ClassifyTweetsPipelineTest::archive_ = nullptr;

TEST_F(ClassifyTweetsPipelineTest, FeatureFilesEqualTheSequentialReference) {
  const std::string dest = archive_->dir().Join("classify");
  auto ctx = InProcessJobContext(TestMpi(), JobSettings{.src = archive_->path(), .dest = dest},
                                 "classify_tweets");
  ASSERT_NE(ctx, nullptr);
  ClassifyTweetsOptions o;
  o.dim = kDim;
  o.min_class = kMinClass;
  o.train.models = {{0}};
  o.train.epochs = 1;
  o.train.batch = 32;
  o.train.optimizer.learning_rate = 0.01f;
  ClassifyTweetsResult r;
  const Status s = ClassifyTweets(*ctx, o, &r);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(ctx->committed());
  if (!TestMpi().is_root()) return;

  const Reference want = Sequential(archive_->parsed().tweets);
  std::printf("ranks %d: %lld tweets, %lld distinct, %zu classes, %zu train / %zu held out\n",
              TestMpi().size(), static_cast<long long>(want.tweets),
              static_cast<long long>(want.unique), want.classes.size(), want.train.size(),
              want.test.size());
  // The corpus has several languages and repeated ids, so each step has work to do.
  ASSERT_GE(want.classes.size(), 3u);
  ASSERT_LT(want.unique, want.tweets);
  EXPECT_EQ(r.tweets_read, want.tweets);
  EXPECT_EQ(r.unique_tweets, want.unique);
  EXPECT_EQ(r.class_counts, want.classes);
  EXPECT_EQ(r.train_rows, static_cast<int64_t>(want.train.size()));
  EXPECT_EQ(r.test_rows, static_cast<int64_t>(want.test.size()));
  EXPECT_EQ(r.examples, r.train_rows + r.test_rows);

  std::vector<std::string> names;
  for (const auto& [c, n] : want.classes) names.push_back(c);
  const std::string features = dest + "/features";
  std::vector<std::string> train_classes, test_classes;
  const std::vector<Row> train =
      ReadRows(testing::CommittedFile(features, "train.h5"), &train_classes);
  const std::vector<Row> test =
      ReadRows(testing::CommittedFile(features, "test.h5"), &test_classes);
  EXPECT_EQ(train_classes, names);
  EXPECT_EQ(test_classes, names);
  ASSERT_EQ(train.size(), want.train.size());
  ASSERT_EQ(test.size(), want.test.size());
  EXPECT_EQ(RowsThatDiffer(train, want.train), 0);
  EXPECT_EQ(RowsThatDiffer(test, want.test), 0);
  int64_t majority = 0;
  for (const Row& row : want.test) majority += row.first == names[0];
  EXPECT_DOUBLE_EQ(r.majority_baseline,
                   static_cast<double>(majority) / static_cast<double>(want.test.size()));

  // The model step trained on those files and committed beside them.
  ASSERT_EQ(r.training.models.size(), 1u);
  EXPECT_EQ(r.training.train_rows, r.train_rows);
  EXPECT_EQ(r.training.test_rows, r.test_rows);
  EXPECT_EQ(testing::CommittedNames(dest + "/model"),
            (std::vector<std::string>{"metrics.csv", "model-hidden-0.h5", "report.html",
                                      "selection.json"}));
}

// The archive's bad lines (tweetgen writes 1%) are counted in features/_SUCCESS; with strict the
// first one ends the job before anything is committed, naming its file and line.
TEST_F(ClassifyTweetsPipelineTest, BadLinesAreCountedAndStrictFailsOnTheFirst) {
  ClassifyTweetsOptions o;
  o.dim = kDim;
  o.min_class = kMinClass;
  o.train.models = {{0}};
  o.train.epochs = 1;
  const std::string dest = archive_->dir().Join("bad-lines");
  {
    auto ctx = InProcessJobContext(TestMpi(), JobSettings{.src = archive_->path(), .dest = dest},
                                   "classify_tweets");
    ASSERT_NE(ctx, nullptr);
    ClassifyTweetsResult r;
    const Status s = ClassifyTweets(*ctx, o, &r);
    ASSERT_TRUE(s.ok()) << s.ToString();
  }
  const std::string strict_dest = archive_->dir().Join("strict");
  auto ctx = InProcessJobContext(
      TestMpi(), JobSettings{.src = archive_->path(), .dest = strict_dest, .strict = true},
      "classify_tweets");
  ASSERT_NE(ctx, nullptr);
  ClassifyTweetsResult r;
  const Status s = ClassifyTweets(*ctx, o, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(ctx->committed());
  if (!TestMpi().is_root()) return;
  // Rank 0 reports the failing rank's message: the kind, then FILE:LINE.
  EXPECT_EQ(s.message().rfind("--strict: ", 0), 0u) << s.ToString();
  EXPECT_NE(s.message().find(" at " + archive_->path() + "/"), std::string::npos) << s.ToString();
  const uint64_t bad = archive_->parsed().bad_lines;
  ASSERT_GT(bad, 0u);
  rapidjson::Document m;
  m.Parse(testing::ReadFile(dest + "/features/_SUCCESS").c_str());
  ASSERT_TRUE(m.IsObject());
  uint64_t counted = 0;
  for (const auto& kind : m["bad_lines"].GetObject()) counted += kind.value.GetUint64();
  EXPECT_EQ(counted, bad);
  EXPECT_EQ(m["records_in"].GetUint64(), archive_->parsed().lines);
  EXPECT_FALSE(std::filesystem::exists(strict_dest + "/features/_SUCCESS"));
}

TEST(ClassifyTweetsPipelineErrorsTest, TooFewClassesIsAClearErrorAndCommitsNothing) {
  testing::SharedTempDir dir([](const std::string& path) {
    testing::WriteFile(path + "/src/a.jsonl",
                       "{\"id_str\":\"5\",\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\","
                       "\"text\":\"hello\",\"lang\":\"en\",\"user\":{\"id_str\":\"7\"}}\n");
  });
  auto ctx = InProcessJobContext(
      TestMpi(), JobSettings{.src = dir.Join("src"), .dest = dir.Join("out")}, "classify_tweets");
  ASSERT_NE(ctx, nullptr);
  ClassifyTweetsOptions o;
  o.min_class = 1;
  ClassifyTweetsResult r;
  const Status s = ClassifyTweets(*ctx, o, &r);
  EXPECT_FALSE(s.ok());
  EXPECT_FALSE(ctx->committed());
  if (!TestMpi().is_root()) return;  // rank 0 found it; the others saw the commit refused
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_NE(s.message().find("fewer than 2 classes"), std::string::npos) << s.ToString();
  EXPECT_FALSE(std::filesystem::exists(dir.Join("out/features/_SUCCESS")));
}

}  // namespace
}  // namespace rankflow
