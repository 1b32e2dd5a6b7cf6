// top_terms' driver (jobs/top_terms.h): flags -> TopTermsOptions, the pipeline inside
// flow::RunFlow, and the printed table.
#include <string>
#include <vector>

#include "jobs/top_terms.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

std::string Padded(const std::string& s, size_t width) {
  return std::string(s.size() < width ? width - s.size() : 0, ' ') + s;
}

}  // namespace

std::string FormatTopTerms(const std::vector<TermCount>& rows, const TopTermsOptions& options) {
  const std::string what = TweetTermKindName(options.what);
  std::string out;
  if (!options.by) {
    out = "top " + std::to_string(rows.size()) + " " + what + ":\n";
  } else {
    size_t buckets = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      buckets += i == 0 || rows[i].bucket_ms != rows[i - 1].bucket_ms;
    }
    out = "top " + std::to_string(options.top) + " " + what + " per " +
          TimeBucketName(*options.by) + " (" + std::to_string(buckets) + " buckets):\n";
  }
  int64_t rank = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (options.by && (i == 0 || rows[i].bucket_ms != rows[i - 1].bucket_ms)) {
      out += BucketLabel(rows[i].bucket_ms, *options.by) + "\n";
      rank = 0;
    }
    ++rank;
    out += Padded(std::to_string(rank), 4) + "  " + Padded(std::to_string(rows[i].count), 12) +
           "  " + rows[i].term + "\n";
  }
  return out;
}

void AddTopTermsFlags(FlagSet* flags) {
  flags->AddString("what", "hashtags", "hashtags|mentions|urls|words|emoji: what to count");
  flags->AddString("by", "",
                   "minute|hour|day: count per UTC time bucket of the tweet "
                   "(top N per bucket); "
                   "empty: one ranking");
  flags->AddInt("top", 20, "how many of the most frequent terms to print (per bucket with --by)");
  flags->AddBool("full-parser", false,
                 "read every line with the full TweetParser, no fast v1.1 path "
                 "(slower; for checks)");
}

Result<TopTermsOptions> TopTermsOptionsFromFlags(const FlagSet& flags) {
  TopTermsOptions options;
  Result<TweetTermKind> kind = ParseTweetTermKind(flags.GetString("what"));
  if (!kind.ok()) {
    return Status::InvalidArgument("--what must be hashtags, mentions, urls, words or emoji, not " +
                                   flags.GetString("what"));
  }
  options.what = *kind;
  if (const std::string by = flags.GetString("by"); !by.empty()) {
    Result<TimeBucket> bucket = ParseTimeBucket(by);
    if (!bucket.ok()) return Status::InvalidArgument("--by must be minute, hour or day, not " + by);
    options.by = *bucket;
  }
  options.full_parser = flags.GetBool("full-parser");
  options.top = flags.GetInt("top");
  if (options.top < 0) return Status::InvalidArgument("--top must not be negative");
  if (const std::string format = flags.GetString("format");
      !format.empty() && format != "parquet" && !ParseOutputFormat(format).ok()) {
    return Status::InvalidArgument(
        "--format: top_terms writes csv, jsonl, jsonl.gz or parquet, not " + format);
  }
  return options;
}

Status RunTopTerms(JobContext& job) {
  Result<TopTermsOptions> options = TopTermsOptionsFromFlags(job.flags());
  RF_RETURN_IF_ERROR(options.status());
  std::vector<TermCount> top_rows;
  RF_RETURN_IF_ERROR(
      flow::RunFlow(job, {"top_terms", "", {}, "csv,jsonl"}, [&](flow::Context& ctx) {
        const flow::Dataset<TermCount> counts = CountTerms(ctx, *options);
        WriteRanking(RankTerms(counts), *options);
        top_rows = TopTermRows(counts, *options);
      }));
  if (job.mpi().is_root() && options->top > 0) job.Print(FormatTopTerms(top_rows, *options));
  return Status::OK();
}

}  // namespace rankflow
