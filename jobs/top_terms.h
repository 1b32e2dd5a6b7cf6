// top_terms: counts hashtags, mentions, urls, words or emoji of a tweet archive (every shape:
// v1.1, Gnip, v2 pages, wrappers), optionally per UTC time bucket, through the shuffle, and writes
// them globally sorted: (bucket,) count descending, ties by term bytes ascending.
//
//   mpirun -n 2 build/bin/top_terms --src DIR --dest DIR
//       [--what hashtags|mentions|urls|words|emoji] [--by minute|hour|day] [--top N]
//
// A pipeline on the dataflow API (runtime/flow/flow.h): ReadTerms (operators/tweet_source.h: the
// fast v1.1 readers where they cover the request, TweetParser for every other line and shape, a
// load_tweets Parquet table by its term column; jobs/README.md has the details) -> ReduceByKey
// (term, or (bucket start, term)) -> SortBy((bucket,) count descending, term) -> Write, and
// TopK / TopKPerKey of the counts for the printed table. Terms are lowercased (#Python ==
// #python); hashtags and mentions have no sigil (operators/terms.h). Bad lines: "invalid_json" and
// "not_a_tweet", and "line_too_long" from the map phase (a line over --memory-mb / 16,
// runtime/job.h). Counted and sampled, or fatal with --strict. SortBy puts the largest counts on
// rank 0, every part is sorted and the parts in rank order are the whole ranking. Output per
// rank: part-RRRRR.csv ("term,count" or "bucket,term,count" header) and part-RRRRR.jsonl
// ({"bucket":…,"term":…,"count":…}); --format picks one of them. The top N (per bucket with --by)
// are printed on rank 0 after the summary.
#pragma once

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

// The job's own flags (--what, --top).
void AddTopTermsFlags(FlagSet* flags);
// The job: flags -> the pipeline above (collective; commits through flow::RunFlow) -> the top N.
Status RunTopTerms(JobContext& ctx);

}  // namespace rankflow
