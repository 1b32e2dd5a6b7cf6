#include "tests/util/tweet_corpus.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "operators/tweet_parser.h"

namespace rankflow::testing {

void WriteTweetgenArchive(const MpiContext& mpi, const TweetgenOptions& options) {
  Status written;
  if (mpi.is_root()) {
    std::vector<TweetgenFileStats> stats;
    written = GenerateArchive(options, &stats);
  }
  const bool ok = mpi.AllOk(written.ok());
  ASSERT_TRUE(ok) << written.ToString();
}

void CopyRealSamples(const MpiContext& mpi, const std::string& dest) {
  mpi.Barrier();  // no rank is still reading dest (TestArchive counts tweetgen's tweets first)
  if (mpi.is_root()) {
    std::filesystem::create_directories(dest);
    for (const char* folder : {"v1.1-stream", "gnip", "v2"}) {
      const std::string from = SourcePath(std::string("tests/data/tweets/") + folder);
      for (const auto& e : std::filesystem::directory_iterator(from)) {
        if (e.path().extension() != ".jsonl") continue;
        std::filesystem::copy_file(e.path(),
                                   dest + "/" + folder + "-" + e.path().filename().string());
      }
    }
  }
  mpi.Barrier();
}

ParsedArchive ParseArchive(const std::string& dir) {
  std::vector<std::string> files;
  if (std::filesystem::is_directory(dir)) {
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.is_regular_file()) files.push_back(e.path().string());
    }
  } else {
    files.push_back(dir);
  }
  std::sort(files.begin(), files.end());
  ParsedArchive archive;
  TweetParser parser;
  for (const std::string& file : files) {
    for (const std::string& line : SplitLines(ReadMaybeGzipFile(file))) {
      if (line.empty()) continue;
      ++archive.lines;
      const ParseResult r = parser.Parse(line, &archive.tweets);
      archive.notices += r.kind == ParseResult::Kind::kNotice;
      archive.bad_lines += r.kind == ParseResult::Kind::kBad;
    }
  }
  return archive;
}

TweetgenOptions SmallTweetgen(int files, uint64_t seed) {
  TweetgenOptions o;
  o.files = files;
  o.total_mb = 2.0;
  o.seed = seed;
  o.bad_share = 0.01;
  o.dup_share = 0.02;
  o.gzip_level = 1;
  return o;
}

TestArchive::TestArchive(const MpiContext& mpi, TweetgenOptions options, bool real_samples)
    : dir_(mpi), path_(dir_.Join("corpus")) {
  options.dest = path_;
  WriteTweetgenArchive(mpi, options);
  tweetgen_tweets_ = ParseArchive(path_).tweets.size();
  if (real_samples) CopyRealSamples(mpi, path_);
  parsed_ = ParseArchive(path_);
}

flow::SourceOptions TestArchive::files() const {
  flow::SourceOptions files;
  files.src = path_;
  return files;
}

}  // namespace rankflow::testing
