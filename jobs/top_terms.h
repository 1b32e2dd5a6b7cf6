// top_terms: counts hashtags, mentions, urls, words or emoji of a tweet archive (every shape:
// v1.1, Gnip, v2 pages, wrappers), optionally per UTC time bucket, through the shuffle, and writes
// them globally sorted: (bucket,) count descending, ties by term bytes ascending.
//
//   mpirun -n 2 build/bin/top_terms --src DIR --dest DIR
//       [--what hashtags|mentions|urls|words|emoji] [--by minute|hour|day] [--top N]
//
// A pipeline on the dataflow API (runtime/flow/flow.h), in Thrill's shape: the pipeline is
// CountTerms -> RankTerms (jobs/top_terms.cpp: functions of a flow::Context and the typed
// TopTermsOptions that tests call directly at 1, 2 and 4 ranks), the driver turns flags into
// options and prints the table (jobs/top_terms_cli.cpp). ReadTermCounts (operators/tweet_source.h:
// the fast v1.1 readers where they cover the request, TweetParser for every other line and shape, a
// load_tweets Parquet table by its term column, tallied per batch; jobs/README.md has the details)
// -> ReduceByKey (term, or (bucket start, term); counts summed) -> SortBy((bucket,) count
// descending, term) -> Write, and
// TopK / TopKPerKey of the counts for the printed table. Terms are lowercased (#Python ==
// #python); hashtags and mentions have no sigil (operators/terms.h). Bad lines: "invalid_json" and
// "not_a_tweet", and "line_too_long" from the map phase (a line over --memory-mb / 16,
// runtime/job.h). Counted and sampled, or fatal with --strict. SortBy puts the largest counts on
// rank 0, every part is sorted and the parts in rank order are the whole ranking. Output per
// rank: part-RRRRR.csv ("term,count" or "bucket,term,count" header) and part-RRRRR.jsonl
// ({"bucket":…,"term":…,"count":…}); --format picks one of them. The top N (per bucket with --by)
// are printed on rank 0 after the summary.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "operators/terms.h"
#include "runtime/cli.h"
#include "runtime/flow/flow.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

// What the job counts (the flags --what, --by, --full-parser, --top).
struct TopTermsOptions {
  TweetTermKind what = TweetTermKind::kHashtags;
  std::optional<TimeBucket> by;  // count per UTC time bucket of the tweet; nullopt: one ranking
  bool full_parser = false;      // every line through TweetParser (no fast v1.1 reader)
  int64_t top = 20;              // rows of the printed table (per bucket with `by`)
};

// One row of the ranking: without `by` the bucket is unused (bucket_ms 0) and not written.
struct TermCount {
  int64_t bucket_ms = 0;
  std::string term;
  uint64_t count = 0;
};
RF_FIELDS(TermCount, bucket_ms, term, count);

// Collective (the shuffle). Occurrences per term, or per (bucket start, term) with `by`, of the
// input `files` (default: the job's --src and --regex). Per rank in key order, keys owned by hash.
flow::Dataset<TermCount> CountTerms(flow::Context& ctx, const TopTermsOptions& options,
                                    const flow::SourceOptions& files = {});
// Collective. The counts globally sorted: (bucket,) count descending, then term bytes ascending;
// rank 0 holds the first rows, Collect gives the whole ranking in order.
flow::Dataset<TermCount> RankTerms(const flow::Dataset<TermCount>& counts);
// Collective. The first options.top rows of the ranking (per bucket with `by`), in ranking
// order, on rank 0; empty on other ranks and when top is 0.
std::vector<TermCount> TopTermRows(const flow::Dataset<TermCount>& counts,
                                   const TopTermsOptions& options);
// Collective. Writes the ranking as the job's "part" output: "term,count" rows, or
// "bucket,term,count" with `by` (bucket as BucketLabel). Needs a job's context.
void WriteRanking(const flow::Dataset<TermCount>& ranked, const TopTermsOptions& options);

// The table rank 0 prints: "top N hashtags:" (or "top N hashtags per hour (B buckets):" and a
// label line per bucket), then "rank  count  term" lines. Pure.
std::string FormatTopTerms(const std::vector<TermCount>& rows, const TopTermsOptions& options);

// The job's own flags (--what, --by, --top, --full-parser) and their options; InvalidArgument
// naming the flag for a bad value (also for a --format top_terms cannot write).
void AddTopTermsFlags(FlagSet* flags);
Result<TopTermsOptions> TopTermsOptionsFromFlags(const FlagSet& flags);
// The job: flags -> options -> the pipeline (collective; commits through flow::RunFlow) -> the
// printed top N.
Status RunTopTerms(JobContext& job);

}  // namespace rankflow
