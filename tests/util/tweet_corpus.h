// Fixtures of the in-process job tests (tests/jobs/*_pipeline_test.cpp, rankflow_add_mpi_test):
// a folder every rank of the test sees, a tweetgen archive in it, and the sequential reading that
// each job's reference starts from (TweetParser over every line, one file after the other).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobs/tweetgen.h"
#include "operators/tweet.h"
#include "runtime/flow/flow.h"
#include "runtime/mpi_context.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow::testing {

// Collective. Rank 0 writes the archive options describe (jobs/tweetgen.h) and every rank waits
// for it. Fails the test (ASSERT on rank 0) if it cannot be written.
void WriteTweetgenArchive(const MpiContext& mpi, const TweetgenOptions& options);

// Collective. Rank 0 copies the real JSON-lines samples of tests/data/tweets (every *.jsonl of
// v1.1-stream, gnip and v2: the shapes tweetgen does not write, over several years) into `dest`
// (created if missing) as "<folder>-<file>", once every rank has come here; every rank waits for
// it.
void CopyRealSamples(const MpiContext& mpi, const std::string& dest);

// What a sequential reading of an archive saw.
struct ParsedArchive {
  std::vector<Tweet> tweets;  // every tweet, in file (sorted names) and line order
  uint64_t lines = 0;         // non-empty lines
  uint64_t notices = 0;       // lines that were stream notices
  uint64_t bad_lines = 0;     // lines TweetParser rejected
};

// Local. Every non-empty line of every file of `dir` (or the file `dir`; gzip or plain, names
// sorted) through one TweetParser: the simple reading a job's sequential reference starts from.
ParsedArchive ParseArchive(const std::string& dir);

// A small tweetgen archive with every kind of line: `files` files of 2 MB in all, 1% malformed
// lines, 2% repeated tweets, gzip level 1.
TweetgenOptions SmallTweetgen(int files, uint64_t seed);

// Collective. The archive of an in-process job test, in a SharedTempDir: tweetgen's files
// (options.dest is set here: dir/corpus) and, with real_samples, CopyRealSamples; plus its
// sequential reading. Tests keep one per suite (SetUpTestSuite / TearDownTestSuite).
class TestArchive {
 public:
  TestArchive(const MpiContext& mpi, TweetgenOptions options, bool real_samples = true);
  const std::string& path() const { return path_; }  // the archive folder
  const SharedTempDir& dir() const { return dir_; }  // its parent, for outputs
  // The archive as a flow source (flow::SourceOptions::src).
  flow::SourceOptions files() const;
  const ParsedArchive& parsed() const { return parsed_; }
  // Tweets in tweetgen's files alone (plain v1.1 lines).
  size_t tweetgen_tweets() const { return tweetgen_tweets_; }

 private:
  SharedTempDir dir_;
  std::string path_;
  ParsedArchive parsed_;
  size_t tweetgen_tweets_ = 0;
};

}  // namespace rankflow::testing
