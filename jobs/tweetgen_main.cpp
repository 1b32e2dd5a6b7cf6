// tweetgen: writes a deterministic synthetic tweet archive (see jobs/tweetgen.h). One process; no
// MPI.
#include <cstdio>
#include <string>

#include "jobs/tweetgen.h"
#include "operators/tweet.h"
#include "runtime/cli.h"

int main(int argc, char** argv) {
  using rankflow::FlagSet;
  FlagSet flags("tweetgen", "writes a deterministic synthetic archive of v1.1 tweets as .jsonl.gz");
  flags.AddString("dest", "", "output folder (created if missing)", FlagSet::kRequired);
  flags.AddInt("files", 4, 1, 1'000'000, "number of .jsonl.gz files");
  flags.AddDouble("mb", 16, "uncompressed megabytes (10^6 bytes) over all files");
  flags.AddInt("seed", 1, "random seed; the same seed gives byte-identical files");
  flags.AddDouble("bad-share", 0, "share of malformed lines");
  flags.AddDouble("dup-share", 0, "share of lines repeating an earlier tweet (duplicate ids)");
  flags.AddDouble("notice-share", 0.02, "share of delete/limit notices");
  flags.AddInt("gzip-level", 6, "gzip compression level 1-9");
  flags.AddString("start", "",
                  "first day of the tweets, YYYY-MM-DD or an ISO-8601 UTC time (default: "
                  "2020-01-01 + seed mod 1000 days)");
  flags.AddInt("days", 1, 1, 366, "days the tweets spread over (daily curve, a few bursts)");
  rankflow::Status s = flags.Parse(argc, argv);
  if (!s.ok()) {
    std::fprintf(stderr, "%s\n", s.message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  rankflow::TweetgenOptions o;
  o.dest = flags.GetString("dest");
  o.files = static_cast<int>(flags.GetInt("files"));
  o.total_mb = flags.GetDouble("mb");
  o.seed = static_cast<uint64_t>(flags.GetInt("seed"));
  o.bad_share = flags.GetDouble("bad-share");
  o.dup_share = flags.GetDouble("dup-share");
  o.notice_share = flags.GetDouble("notice-share");
  o.gzip_level = static_cast<int>(flags.GetInt("gzip-level"));
  o.days = static_cast<int>(flags.GetInt("days"));
  if (std::string start = flags.GetString("start"); !start.empty()) {
    if (start.size() == 10) start += "T00:00:00Z";
    if (!rankflow::ParseIsoDate(start, &o.start_ms)) {
      std::fprintf(stderr, "tweetgen: --start: not a date (YYYY-MM-DD or ISO-8601 UTC): %s\n",
                   flags.GetString("start").c_str());
      return 2;
    }
  }
  std::vector<rankflow::TweetgenFileStats> stats;
  s = rankflow::GenerateArchive(o, &stats);
  if (!s.ok()) {
    std::fprintf(stderr, "tweetgen: %s\n", s.message().c_str());
    return 1;
  }
  uint64_t lines = 0, bytes = 0, tweets = 0, notices = 0, bad = 0, dups = 0;
  for (const auto& f : stats) {
    lines += f.lines;
    bytes += f.bytes;
    tweets += f.tweets;
    notices += f.notices;
    bad += f.bad_lines;
    dups += f.duplicates;
  }
  std::printf(
      "tweetgen: wrote %zu files to %s: %llu lines, %.1f MB uncompressed (%llu tweets, %llu "
      "duplicates, %llu notices, %llu malformed)\n",
      stats.size(), o.dest.c_str(), static_cast<unsigned long long>(lines), bytes / 1e6,
      static_cast<unsigned long long>(tweets), static_cast<unsigned long long>(dups),
      static_cast<unsigned long long>(notices), static_cast<unsigned long long>(bad));
  return 0;
}
