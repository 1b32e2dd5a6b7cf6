#include "jobs/top_terms.h"

#include <algorithm>
#include <cstdint>
#include <string>
#include <tuple>
#include <vector>

#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

namespace flow = rankflow::flow;

// One row of the ranking: without --by the bucket is unused (bucket_ms 0) and
// not written.
struct TermCount {
  int64_t bucket_ms = 0;
  std::string term;
  uint64_t count = 0;
};
RF_FIELDS(TermCount, bucket_ms, term, count);
struct TermRow {
  std::string term;
  uint64_t count = 0;
};
RF_FIELDS(TermRow, term, count);
struct BucketRow {
  std::string bucket;  // ISO-8601 UTC bucket start
  std::string term;
  uint64_t count = 0;
};
RF_FIELDS(BucketRow, bucket, term, count);

// What the job counts, from the flags.
struct TermSpec {
  TweetTermKind kind = TweetTermKind::kHashtags;
  bool bucketed = false;
  TimeBucket bucket = TimeBucket::kHour;
  bool full_parser_only = false;
  int64_t top = 20;
};

Result<TermSpec> ParseSpec(const FlagSet &flags) {
  TermSpec spec;
  Result<TweetTermKind> kind = ParseTweetTermKind(flags.GetString("what"));
  if (!kind.ok()) {
    return Status::InvalidArgument("--what must be hashtags, mentions, urls, words or emoji, not " +
                                   flags.GetString("what"));
  }
  spec.kind = *kind;
  if (const std::string by = flags.GetString("by"); !by.empty()) {
    Result<TimeBucket> bucket = ParseTimeBucket(by);
    if (!bucket.ok()) return Status::InvalidArgument("--by must be minute, hour or day, not " + by);
    spec.bucketed = true;
    spec.bucket = *bucket;
  }
  spec.full_parser_only = flags.GetBool("full-parser");
  spec.top = flags.GetInt("top");
  if (spec.top < 0) return Status::InvalidArgument("--top must not be negative");
  if (const std::string format = flags.GetString("format");
      !format.empty() && format != "parquet" && !ParseOutputFormat(format).ok()) {
    return Status::InvalidArgument(
        "--format: top_terms writes csv, jsonl, jsonl.gz or parquet, not " + format);
  }
  return spec;
}

// The ranking order: (bucket,) count descending, then term bytes ascending.
auto RankKey(const TermCount &r) {
  return std::make_tuple(r.bucket_ms, flow::Desc(r.count), r.term);
}

std::string Padded(const std::string &s, size_t width) {
  return std::string(s.size() < width ? width - s.size() : 0, ' ') + s;
}

// The printed table: the top rows, per bucket with --by (rows sorted by
// RankKey).
std::string FormatTop(const std::vector<TermCount> &rows, const TermSpec &spec) {
  const std::string what = TweetTermKindName(spec.kind);
  std::string out;
  if (!spec.bucketed) {
    out = "top " + std::to_string(rows.size()) + " " + what + ":\n";
  } else {
    size_t buckets = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      buckets += i == 0 || rows[i].bucket_ms != rows[i - 1].bucket_ms;
    }
    out = "top " + std::to_string(spec.top) + " " + what + " per " + TimeBucketName(spec.bucket) +
          " (" + std::to_string(buckets) + " buckets):\n";
  }
  int64_t rank = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (spec.bucketed && (i == 0 || rows[i].bucket_ms != rows[i - 1].bucket_ms)) {
      out += BucketLabel(rows[i].bucket_ms, spec.bucket) + "\n";
      rank = 0;
    }
    ++rank;
    out += Padded(std::to_string(rank), 4) + "  " + Padded(std::to_string(rows[i].count), 12) +
           "  " + rows[i].term + "\n";
  }
  return out;
}

// Occurrences per term.
flow::Dataset<TermCount> Count(const flow::Dataset<TimedTerm> &terms) {
  return terms.ReduceByKey(&TimedTerm::term, flow::Count())
      .Map([](std::pair<std::string, uint64_t> c) {
        return TermCount{0, std::move(c.first), c.second};
      });
}

// Occurrences per (time bucket of the tweet, term).
flow::Dataset<TermCount> CountPerBucket(const flow::Dataset<TimedTerm> &terms, TimeBucket bucket) {
  return terms
      .ReduceByKey(
          [bucket](const TimedTerm &t) {
            return std::pair(BucketStartMs(t.timestamp_ms, bucket), t.term);
          },
          flow::Count())
      .Map([](std::pair<std::pair<int64_t, std::string>, uint64_t> c) {
        return TermCount{c.first.first, std::move(c.first.second), c.second};
      });
}

// The job: terms -> counts per (bucket, term) -> global order -> parts; the top
// rows to rank 0.
void TopTerms(flow::Context &ctx, const TermSpec &spec, std::vector<TermCount> *top_rows) {
  const TimeBucket bucket = spec.bucket;
  const bool bucketed = spec.bucketed;
  flow::Dataset<TimedTerm> terms = ReadTerms(ctx, {spec.kind, bucketed, spec.full_parser_only});
  flow::Dataset<TermCount> counts = bucketed ? CountPerBucket(terms, bucket) : Count(terms);
  flow::Dataset<TermCount> ranked = counts.SortBy(RankKey);
  // --format, else csv and jsonl (RunTopTerms' default): the same rows in each.
  if (!bucketed) {
    ranked.Map([](TermCount r) { return TermRow{std::move(r.term), r.count}; }).Write("part");
  } else {
    ranked
        .Map([bucket](TermCount r) {
          return BucketRow{BucketLabel(r.bucket_ms, bucket), std::move(r.term), r.count};
        })
        .Write("part");
  }
  if (spec.top == 0) return;
  const size_t k = static_cast<size_t>(spec.top);
  *top_rows = bucketed ? counts.TopKPerKey(k, &TermCount::bucket_ms, RankKey).Collect()
                       : counts.TopK(k, RankKey).Collect();
  std::sort(top_rows->begin(), top_rows->end(), [](const TermCount &a, const TermCount &b) {
    return std::tie(a.bucket_ms, b.count, a.term) < std::tie(b.bucket_ms, a.count, b.term);
  });
}

}  // namespace

void AddTopTermsFlags(FlagSet *flags) {
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

Status RunTopTerms(JobContext &job) {
  Result<TermSpec> spec = ParseSpec(job.flags());
  RF_RETURN_IF_ERROR(spec.status());
  std::vector<TermCount> top_rows;
  RF_RETURN_IF_ERROR(flow::RunFlow(job, {"top_terms", "", {}, "csv,jsonl"},
                                   [&](flow::Context &ctx) { TopTerms(ctx, *spec, &top_rows); }));
  if (job.mpi().is_root() && spec->top > 0) job.Print(FormatTop(top_rows, *spec));
  return Status::OK();
}

}  // namespace rankflow
