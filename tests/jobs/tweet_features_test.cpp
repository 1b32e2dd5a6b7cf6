// End-to-end tests of build/bin/tweet_features: its default output (HDF5 parts read back with h5py,
// jsonl.gz) against a sequential reference, bad flags, a killed rank, the Parquet input. The
// pipeline at 1, 2 and 4 ranks, in process: tweet_features_pipeline_test.cpp.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "operators/features.h"
#include "operators/tweet_parser.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using testing::BinPath;
using testing::CommandResult;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::ReadMaybeGzipFile;
using testing::RunCommand;
using testing::SourcePath;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzipFile;

void MakeInput(const std::string& dir) {
  fs::create_directories(dir);
  WriteGzipFile(dir + "/a.jsonl.gz",
                ReadFile(SourcePath("tests/data/tweets/v1.1-stream/"
                                    "tweet_parser_original_format_examples.jsonl")));
  WriteFile(
      dir + "/b.jsonl",
      ReadFile(SourcePath("tests/data/tweets/v2/twarc-csv_streaming_output_with_error.jsonl")));
  WriteFile(dir + "/c.jsonl",
            ReadFile(SourcePath("tests/data/tweets/gnip/gnip4j_payload-example-2.jsonl")));
}

struct Reference {
  std::vector<std::string> rows;  // FeaturesToJson, sorted
  double tokens = 0;
};

Reference BuildReference(const std::string& dir, int dimension) {
  Reference ref;
  TweetParser parser;
  FeatureExtractor fx(FeatureOptions{dimension, 1, 2});
  for (const auto& entry : fs::directory_iterator(dir)) {
    for (const std::string& line : SplitLines(ReadMaybeGzipFile(entry.path().string()))) {
      std::vector<Tweet> tweets;
      parser.Parse(line, &tweets);
      for (const Tweet& t : tweets) {
        TweetFeatures f = fx.Compute(t);
        ref.tokens += f.scalars[3];
        ref.rows.push_back(FeaturesToJson(f));
      }
    }
  }
  std::sort(ref.rows.begin(), ref.rows.end());
  return ref;
}

// The binary's default output (HDF5 + jsonl.gz) at 2 ranks; the pipeline at 1, 2 and 4 ranks, in
// process: tweet_features_pipeline_test.
TEST(TweetFeaturesTest, WritesTheReferenceRowsAsHdf5AndJsonl) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const Reference ref = BuildReference(in, 64);
  ASSERT_GT(ref.rows.size(), 130u);
  WriteFile(tmp.Join("check.py"),
            "import h5py,glob,sys\n"
            "n=0; tok=0.0\n"
            "for p in sorted(glob.glob(sys.argv[1]+'/part-*.h5')):\n"
            "  f=h5py.File(p,'r')\n"
            "  assert f['ngrams'].shape[1]==int(f.attrs['dimension'])==64\n"
            "  assert f['scalars'].attrs['columns'].split(',')[3]=='tokens'\n"
            "  assert f['id'].shape[0]==f['scalars'].shape[0]==f['ngrams'].shape[0]\n"
            "  n+=f['id'].shape[0]; tok+=float(f['scalars'][:,3].sum())\n"
            "print(n, int(tok))\n");
  for (int ranks : {2}) {
    SCOPED_TRACE("ranks " + std::to_string(ranks));
    const std::string dest = tmp.Join("out" + std::to_string(ranks));
    CommandResult r = RunCommand(MpirunPrefix(ranks) + " " + BinPath("tweet_features") +
                                 " --dimension 64 --src " + in + " --dest " + dest);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::vector<std::string> got;
    for (const auto& entry : fs::directory_iterator(dest)) {
      if (entry.path().string().find(".jsonl.gz") == std::string::npos) continue;
      for (const std::string& line : SplitLines(ReadMaybeGzipFile(entry.path().string()))) {
        if (!line.empty()) got.push_back(line);
      }
    }
    std::sort(got.begin(), got.end());
    EXPECT_EQ(got, ref.rows);
    CommandResult py = RunCommand("/usr/bin/python3 " + tmp.Join("check.py") + " " + dest);
    ASSERT_EQ(py.exit_code, 0) << py.output;
    EXPECT_EQ(py.output, std::to_string(ref.rows.size()) + " " +
                             std::to_string(static_cast<int64_t>(ref.tokens)) + "\n");
  }
}

TEST(TweetFeaturesTest, RejectsBadOptions) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  for (const char* flags : {"--dimension 0", "--min-n 3 --max-n 2", "--format csv"}) {
    CommandResult r = RunCommand(MpirunPrefix(1) + " " + BinPath("tweet_features") + " " +
                                 std::string(flags) + " --src " + in + " --dest " + tmp.Join("x"));
    EXPECT_NE(r.exit_code, 0) << flags;
    EXPECT_FALSE(fs::exists(tmp.Join("x/_SUCCESS")));
  }
}

// True once process `pid` holds open a file of `dir` whose name starts with `prefix` and has been
// removed (the kernel shows such a descriptor's target as "<path> (deleted)").
bool HoldsRemovedFileIn(pid_t pid, const std::string& dir, const std::string& prefix) {
  const std::string deleted = " (deleted)";
  std::error_code ec;
  for (const auto& fd : fs::directory_iterator("/proc/" + std::to_string(pid) + "/fd", ec)) {
    const std::string target = fs::read_symlink(fd.path(), ec).string();
    if (!ec && target.rfind(dir + "/" + prefix, 0) == 0 && target.size() > deleted.size() &&
        target.compare(target.size() - deleted.size(), deleted.size(), deleted) == 0) {
      return true;
    }
  }
  return false;
}

// Regression (issue 9, item 7): --format hdf5 built its part in a hard-coded /tmp, ignoring
// --spill-dir and TMPDIR, and a killed rank left that file behind. Now the scratch file is in
// --spill-dir and has no name once HDF5 has it open: kill -9 mid-write leaves the folder empty.
// (A kill in the millisecond between creating it and HDF5 opening it leaves a named file that the
// next job's ScratchFile::Create sweeps: runtime/hdf5_part_writer_test covers that.)
TEST(TweetFeaturesTest, RankKilledMidWriteLeavesNothingInTheSpillDir) {
  TempDir tmp;
  const std::string in = tmp.Join("in"), spill = tmp.Join("spill"), out = tmp.Join("out");
  CommandResult gen =
      RunCommand(BinPath("tweetgen") + " --dest " + in + " --files 1 --mb 20 --seed 3 > /dev/null");
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  fs::create_directories(spill);
  const std::string bin = BinPath("tweet_features");
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {  // one rank, started directly (MPI singleton), so its pid is known
    const int null = open("/dev/null", O_WRONLY);
    dup2(null, 1);
    dup2(null, 2);
    execl(bin.c_str(), "tweet_features", "--src", in.c_str(), "--dest", out.c_str(), "--format",
          "hdf5", "--dimension", "1024", "--spill-dir", spill.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  bool writing = false;
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (!writing && std::chrono::steady_clock::now() < give_up &&
         waitpid(pid, nullptr, WNOHANG) == 0) {
    writing = HoldsRemovedFileIn(pid, spill, "rankflow-scratch-");
    if (!writing) std::this_thread::sleep_for(std::chrono::microseconds(200));
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  ASSERT_TRUE(writing) << "the rank never opened its hdf5 scratch file in --spill-dir";
  EXPECT_TRUE(fs::is_empty(spill)) << "a killed rank left a file in --spill-dir";
  EXPECT_FALSE(fs::exists(out + "/_SUCCESS"));
}

// Every feature row of a committed jsonl output, sorted (rows of the same tweet compare equal).
std::vector<std::string> FeatureRows(const std::string& dest) {
  std::vector<std::string> rows;
  for (const auto& e : fs::directory_iterator(dest)) {
    if (e.path().filename().string().rfind("part-", 0) != 0) continue;
    for (const std::string& line : SplitLines(ReadFile(e.path().string()))) {
      if (!line.empty()) rows.push_back(line);
    }
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

TEST(TweetFeaturesTest, ReadsLoadTweetsParquetLikeItsJson) {
  TempDir tmp;
  const std::string in = SourcePath("tests/data/tweets");
  for (const char* format : {"jsonl", "parquet"}) {
    CommandResult r = RunCommand(MpirunPrefix(2) + " " + BinPath("load_tweets") + " --src " + in +
                                 " --dest " + tmp.Join(std::string("t-") + format) + " --format " +
                                 format + " --partition-by day");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    r = RunCommand(MpirunPrefix(2) + " " + BinPath("tweet_features") + " --src " +
                   tmp.Join(std::string("t-") + format) + " --dest " +
                   tmp.Join(std::string("f-") + format) + " --format jsonl");
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  const std::vector<std::string> from_json = FeatureRows(tmp.Join("f-jsonl"));
  ASSERT_GT(from_json.size(), 200u);
  EXPECT_EQ(FeatureRows(tmp.Join("f-parquet")), from_json);
  const std::string manifest = ReadFile(tmp.Join("f-parquet/_SUCCESS"));
  EXPECT_NE(manifest.find(".parquet"), std::string::npos) << "the inputs were the parquet parts";
  EXPECT_NE(manifest.find("\"tweets_in\":" + std::to_string(from_json.size())), std::string::npos)
      << manifest;
}

}  // namespace
}  // namespace rankflow
