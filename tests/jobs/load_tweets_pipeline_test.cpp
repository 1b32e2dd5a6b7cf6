// load_tweets' pipeline in process (Thrill's shape): LoadTweets of jobs/load_tweets.h on a JobIo
// built here (tests/util/in_process_job.h), under mpirun at 1, 2 and 4 ranks
// (rankflow_add_mpi_test), compared with a sequential reference: every tweet of the archive
// (tweetgen with 2% repeated ids, and the real v1.1, Gnip and v2 samples) through TweetParser,
// per id the earliest record (smallest timestamp_ms, then normalized JSON bytes) in a std::map.
// Both exchange paths (the TweetTables, and the HashShuffle past the budget), the parse thread,
// --partition-by day, and Parquet through both paths (its records travel as the Tweet's codec
// bytes, not as JSON: jobs/load_tweets_records.h), read back with ReadParquetTweets. The binary's
// formats (CSV, HDF5 via h5py), flags and exit codes: tests/jobs/load_tweets_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "jobs/load_tweets.h"
#include "operators/tweet_parquet.h"
#include "operators/tweet_parser.h"
#include "runtime/local_fs.h"
#include "tests/util/in_process_job.h"
#include "tests/util/mpi_test.h"
#include "tests/util/tweet_corpus.h"

namespace rankflow {
namespace {

using testing::InProcessJob;
using testing::TestMpi;

// Numeric id order: shorter decimal ids first, then bytes.
bool IdLess(const std::string& a, const std::string& b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

// id -> the normalized JSON of its earliest record.
std::map<std::string, std::string> Reference(const std::vector<Tweet>& tweets) {
  std::map<std::string, std::pair<int64_t, std::string>> earliest;
  for (const Tweet& t : tweets) {
    std::string json;
    AppendTweetJson(t, &json);
    auto [it, inserted] = earliest.try_emplace(t.id, t.timestamp_ms, json);
    if (!inserted && std::pair(t.timestamp_ms, json) < it->second)
      it->second = {t.timestamp_ms, json};
  }
  std::map<std::string, std::string> out;
  for (auto& [id, record] : earliest) out[id] = std::move(record.second);
  return out;
}

// id -> line of every committed part of dest; each part must hold its ids in ascending order.
std::map<std::string, std::string> ReadOutput(const std::string& dest, size_t* lines) {
  std::map<std::string, std::string> out;
  TweetParser parser;
  for (const std::string& part : testing::CommittedPaths(dest)) {
    std::string previous;
    for (const std::string& line : testing::SplitLines(testing::ReadMaybeGzipFile(part))) {
      if (line.empty()) continue;
      std::vector<Tweet> tweets;
      parser.Parse(line, &tweets);
      EXPECT_EQ(tweets.size(), 1u) << line;
      if (tweets.size() != 1) continue;
      EXPECT_TRUE(previous.empty() || IdLess(previous, tweets[0].id)) << part;
      previous = tweets[0].id;
      out[tweets[0].id] = line;
      ++*lines;
    }
  }
  return out;
}

// Collective. id -> normalized JSON of every row of the Parquet output in dest (each rank reads
// the row groups it claims; every rank gets them all); *rows: the rows read.
std::map<std::string, std::string> ReadParquetOutput(const std::string& dest, size_t* rows) {
  auto fs = NewLocalFileSystem();
  Metrics metrics;
  ParquetSource source(TestMpi(), *fs, &metrics, nullptr);
  ParquetSourceOptions files;
  files.src = dest;
  int64_t tweets = 0;
  std::string mine;
  const Status s = ReadParquetTweets(source, files, {}, &tweets, [&](Tweet& t) {
    AppendTweetJson(t, &mine);
    mine.push_back('\n');
  });
  EXPECT_TRUE(s.ok()) << s.ToString();
  std::map<std::string, std::string> out;
  TweetParser parser;
  for (const std::string& part : TestMpi().AllGather(mine)) {
    for (const std::string& line : testing::SplitLines(part)) {
      std::vector<Tweet> parsed;
      if (line.empty() || parser.Parse(line, &parsed).kind != ParseResult::Kind::kTweets) continue;
      out[parsed.at(0).id] = line;
      ++*rows;
    }
  }
  return out;
}

class LoadTweetsPipelineTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    archive_ = new testing::TestArchive(TestMpi(), testing::SmallTweetgen(3, 13));
    reference_ = new std::map<std::string, std::string>(Reference(archive_->parsed().tweets));
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete archive_;
  }

  static LoadTweetsOptions Options() {
    LoadTweetsOptions o;
    o.format = LoadFormat::kJsonl;
    o.input.src = archive_->path();
    o.input.split_bytes = 64 << 10;  // the plain samples in byte ranges
    return o;
  }

  // Runs LoadTweets into dest, commits, and checks the records and counters against the
  // reference; *value: the counter `counter` summed over ranks, for the caller's checks.
  void ExpectMatchesReference(const std::string& name, const LoadTweetsOptions& o,
                              const std::string& counter = "", int64_t* value = nullptr) {
    const std::string dest = archive_->dir().Join(name);
    InProcessJob job(TestMpi(), archive_->path(), dest, "load_tweets");
    InputPlan inputs;
    const Status s = LoadTweets(job.io(), o, &inputs);
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(job.Commit().ok());
    const int64_t tweets = static_cast<int64_t>(archive_->parsed().tweets.size());
    const int64_t unique = static_cast<int64_t>(reference_->size());
    EXPECT_EQ(job.Sum("tweets_in"), tweets) << name;
    EXPECT_EQ(job.Sum("tweets_out"), unique) << name;
    EXPECT_EQ(job.Sum("duplicates"), tweets - unique) << name;
    EXPECT_EQ(job.Sum("notices"), static_cast<int64_t>(archive_->parsed().notices)) << name;
    EXPECT_EQ(TestMpi().AllSum(job.metrics().BadLinesTotal()),
              static_cast<int64_t>(archive_->parsed().bad_lines))
        << name;
    if (value != nullptr) *value = job.Sum(counter);
    size_t lines = 0;
    if (o.format == LoadFormat::kParquet) {
      EXPECT_EQ(job.Sum("bad_records.id_not_int64"), 0) << name;
      EXPECT_EQ(ReadParquetOutput(dest, &lines), *reference_) << name;
      EXPECT_EQ(lines, reference_->size()) << name;
      return;
    }
    if (!TestMpi().is_root()) return;
    EXPECT_EQ(ReadOutput(dest, &lines), *reference_) << name;
    EXPECT_EQ(lines, reference_->size()) << name;
  }

  static testing::TestArchive* archive_;
  static std::map<std::string, std::string>* reference_;
};

testing::TestArchive* LoadTweetsPipelineTest::archive_ = nullptr;
std::map<std::string, std::string>* LoadTweetsPipelineTest::reference_ = nullptr;

TEST_F(LoadTweetsPipelineTest, TheArchiveRepeatsIds) {
  EXPECT_GT(archive_->parsed().tweets.size(), reference_->size() + 5);
}

TEST_F(LoadTweetsPipelineTest, TheTablesGiveTheEarliestRecordOfEveryId) {
  int64_t pairs = -1;
  ExpectMatchesReference("table", Options(), "shuffle.pairs_sent", &pairs);
  EXPECT_EQ(pairs, 0);  // the HashShuffle did not run
}

TEST_F(LoadTweetsPipelineTest, TheShuffleFallbackGivesTheSameRecords) {
  LoadTweetsOptions o = Options();
  o.shuffle.memory_bytes = 256 << 10;  // the tables overflow: every rank moves to the shuffle
  o.shuffle.round_bytes = 16 << 10;
  int64_t spilled = -1;
  ExpectMatchesReference("shuffle", o, "shuffle.spilled_runs", &spilled);
  EXPECT_GT(spilled, 0);
}

// Parquet parts get their rows from codec records, which the dedupe orders as their JSON.
TEST_F(LoadTweetsPipelineTest, ParquetThroughTheTablesAndTheShuffleGivesTheSameRecords) {
  LoadTweetsOptions o = Options();
  o.format = LoadFormat::kParquet;
  int64_t pairs = -1;
  ExpectMatchesReference("parquet_table", o, "shuffle.pairs_sent", &pairs);
  EXPECT_EQ(pairs, 0);
  o.shuffle.memory_bytes = 256 << 10;
  o.shuffle.round_bytes = 16 << 10;
  int64_t spilled = -1;
  ExpectMatchesReference("parquet_shuffle", o, "shuffle.spilled_runs", &spilled);
  EXPECT_GT(spilled, 0);
}

TEST_F(LoadTweetsPipelineTest, TheParseThreadGivesTheSameRecords) {
  LoadTweetsOptions o = Options();
  o.parse_thread = true;
  o.format = LoadFormat::kJsonlGz;
  ExpectMatchesReference("thread", o);
}

// Every record in the folder of its created_at day, and all of them once.
TEST_F(LoadTweetsPipelineTest, PartitionByDayPutsEveryRecordInItsDay) {
  LoadTweetsOptions o = Options();
  o.partition_by = PartitionBy::kDay;
  o.max_open_parts = 2;
  ExpectMatchesReference("days", o);
  if (!TestMpi().is_root()) return;
  TweetParser parser;
  size_t checked = 0;
  for (const std::string& part : testing::CommittedPaths(archive_->dir().Join("days"))) {
    for (const std::string& line : testing::SplitLines(testing::ReadFile(part))) {
      std::vector<Tweet> tweets;
      if (line.empty() || parser.Parse(line, &tweets).kind != ParseResult::Kind::kTweets) continue;
      const std::string folder = PartitionFolder(PartitionBy::kDay, tweets.at(0).timestamp_ms);
      EXPECT_NE(part.find("/" + folder + "/"), std::string::npos) << part << " " << folder;
      ++checked;
    }
  }
  EXPECT_EQ(checked, reference_->size());
}

}  // namespace
}  // namespace rankflow
