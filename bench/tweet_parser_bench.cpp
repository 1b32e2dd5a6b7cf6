// Hand-run throughput of TweetParser alone (no gzip, no MPI, no output): every line of the given
// files (plain JSON lines, or .json documents whole) is read into memory, parsed once to check the
// answer, then parsed again REPEATS times; the best pass is reported. bench/tweet_parser_bench.sh
// runs two builds of it (before and after a parser change) interleaved on the same input.
// Usage: tweet_parser_bench REPEATS FILE...
// Prints one line: "lines bytes tweets notices bad answer best_seconds MB/s", where answer is an
// FNV-1a hash of every tweet's normalized JSON and every line's result kind (two builds that read
// the same lines alike print the same answer).
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "operators/tweet.h"
#include "operators/tweet_parser.h"

namespace {

using rankflow::ParseResult;
using rankflow::Tweet;
using rankflow::TweetParser;

uint64_t Fnv(uint64_t h, std::string_view s) {
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

bool EndsWith(const std::string& s, std::string_view tail) {
  return s.size() >= tail.size() && s.compare(s.size() - tail.size(), tail.size(), tail) == 0;
}

// A .json file is one document; anything else is JSON lines.
bool ReadInputs(int argc, char** argv, std::vector<std::string>* docs) {
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "tweet_parser_bench: cannot read %s\n", argv[i]);
      return false;
    }
    if (EndsWith(argv[i], ".json")) {
      std::stringstream all;
      all << in.rdbuf();
      docs->push_back(all.str());
      continue;
    }
    std::string line;
    while (std::getline(in, line)) {
      if (!line.empty()) docs->push_back(line);
    }
  }
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: tweet_parser_bench REPEATS FILE...\n");
    return 2;
  }
  const int repeats = std::max(1, std::atoi(argv[1]));
  std::vector<std::string> docs;
  if (!ReadInputs(argc, argv, &docs)) return 1;
  uint64_t bytes = 0;
  for (const std::string& d : docs) bytes += d.size();

  TweetParser parser;
  std::vector<Tweet> tweets;
  uint64_t answer = 14695981039346656037ull, n_tweets = 0, n_notices = 0, n_bad = 0;
  std::string json;
  for (const std::string& d : docs) {
    tweets.clear();
    const ParseResult r = parser.Parse(d, &tweets);
    answer = Fnv(answer, std::to_string(static_cast<int>(r.kind)) + ":" +
                             std::to_string(static_cast<int>(r.notice)) + ":" +
                             std::to_string(static_cast<int>(r.bad)) + ":" +
                             std::to_string(r.bad_entries));
    for (const Tweet& t : tweets) {
      json.clear();
      rankflow::AppendTweetJson(t, &json);
      answer = Fnv(answer, json);
    }
    n_tweets += tweets.size();
    n_notices += r.kind == ParseResult::Kind::kNotice;
    n_bad += r.kind == ParseResult::Kind::kBad;
  }

  double best = 1e30;
  for (int rep = 0; rep < repeats; ++rep) {
    const auto start = std::chrono::steady_clock::now();
    size_t sink = 0;
    for (const std::string& d : docs) {
      tweets.clear();
      sink += static_cast<size_t>(parser.Parse(d, &tweets).tweets);
    }
    const double s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (sink != n_tweets) {
      std::fprintf(stderr, "tweet_parser_bench: pass %d gave %zu tweets, not %llu\n", rep, sink,
                   static_cast<unsigned long long>(n_tweets));
      return 1;
    }
    best = std::min(best, s);
  }
  std::printf("%zu %llu %llu %llu %llu %016llx %.4f %.1f\n", docs.size(),
              static_cast<unsigned long long>(bytes), static_cast<unsigned long long>(n_tweets),
              static_cast<unsigned long long>(n_notices), static_cast<unsigned long long>(n_bad),
              static_cast<unsigned long long>(answer), best,
              static_cast<double>(bytes) / best / 1e6);
  return 0;
}
