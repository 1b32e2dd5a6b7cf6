// tweetgen's command line (jobs/tweetgen.h): flags -> TweetgenOptions -> GenerateArchive -> the
// summary line and the exit code.
#include <cstdio>
#include <string>
#include <vector>

#include "jobs/tweetgen.h"
#include "operators/tweet.h"
#include "runtime/cli.h"

namespace rankflow {
namespace {

void AddTweetgenFlags(FlagSet* flags) {
  flags->AddString("dest", "", "output folder (created if missing)", FlagSet::kRequired);
  flags->AddInt("files", 4, 1, 1'000'000, "number of .jsonl.gz files");
  flags->AddDouble("mb", 16, "uncompressed megabytes (10^6 bytes) over all files");
  flags->AddInt("seed", 1, "random seed; the same seed gives byte-identical files");
  flags->AddDouble("bad-share", 0, "share of malformed lines");
  flags->AddDouble("dup-share", 0, "share of lines repeating an earlier tweet (duplicate ids)");
  flags->AddDouble("notice-share", 0.02, "share of delete/limit notices");
  flags->AddInt("gzip-level", 6, "gzip compression level 1-9");
  flags->AddString("start", "",
                   "first day of the tweets, YYYY-MM-DD or an ISO-8601 UTC time (default: "
                   "2020-01-01 + seed mod 1000 days)");
  flags->AddInt("days", 1, 1, 366, "days the tweets spread over (daily curve, a few bursts)");
}

Result<TweetgenOptions> OptionsFromFlags(const FlagSet& flags) {
  TweetgenOptions o;
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
    if (!ParseIsoDate(start, &o.start_ms)) {
      return Status::InvalidArgument("--start: not a date (YYYY-MM-DD or ISO-8601 UTC): " +
                                     flags.GetString("start"));
    }
  }
  return o;
}

std::string Summary(const TweetgenOptions& o, const std::vector<TweetgenFileStats>& stats) {
  TweetgenFileStats all;
  for (const TweetgenFileStats& f : stats) {
    all.lines += f.lines;
    all.bytes += f.bytes;
    all.tweets += f.tweets;
    all.notices += f.notices;
    all.bad_lines += f.bad_lines;
    all.duplicates += f.duplicates;
  }
  char mb[32];
  std::snprintf(mb, sizeof mb, "%.1f", static_cast<double>(all.bytes) / 1e6);
  return "tweetgen: wrote " + std::to_string(stats.size()) + " files to " + o.dest + ": " +
         std::to_string(all.lines) + " lines, " + mb + " MB uncompressed (" +
         std::to_string(all.tweets) + " tweets, " + std::to_string(all.duplicates) +
         " duplicates, " + std::to_string(all.notices) + " notices, " +
         std::to_string(all.bad_lines) + " malformed)\n";
}

}  // namespace

TweetgenOutcome RunTweetgen(const std::vector<std::string>& args) {
  TweetgenOutcome out;
  FlagSet flags("tweetgen", "writes a deterministic synthetic archive of v1.1 tweets as .jsonl.gz");
  AddTweetgenFlags(&flags);
  Status s = flags.Parse(args);
  if (!s.ok()) {
    out.stderr_text = s.message() + "\n";  // FlagSet names the program
    out.exit_code = 2;
    return out;
  }
  if (flags.help_requested()) {
    out.stdout_text = flags.Help();
    out.exit_code = 0;
    return out;
  }
  Result<TweetgenOptions> options = OptionsFromFlags(flags);
  std::vector<TweetgenFileStats> stats;
  s = options.ok() ? GenerateArchive(*options, &stats) : options.status();
  if (!s.ok()) {
    out.stderr_text = "tweetgen: " + s.message() + "\n";
    out.exit_code = s.code() == StatusCode::kInvalidArgument ? 2 : 1;  // a bad value: a bad flag
    return out;
  }
  out.stdout_text = Summary(*options, stats);
  out.exit_code = 0;
  return out;
}

}  // namespace rankflow
