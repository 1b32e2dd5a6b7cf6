// load_tweets: normalizes a tweet archive of any mix of shapes (operators/tweet_parser.h) into
// the normalized table (operators/README.md), dropping duplicate tweet ids across the whole
// archive.
//
//   mpirun -n 4 build/bin/load_tweets --src s3://bucket/twitter --dest s3://bucket/tweets
//       [--regex '\.json(l)?(\.gz)?$'] [--format jsonl.gz|jsonl|csv|hdf5] [--parse-thread]
//
// Threads: by default the MapPhase thread reads, inflates and parses. --parse-thread moves parsing
// to a second thread (jobs/load_tweets_worker.h); it pays only where the rank has a spare core
// (on the shared 2-core test machine it was slower, see bench/RESULTS.md). --strict always parses
// on the MapPhase thread.
// Map: every line is parsed; a line may hold several tweets (v2 pages, search wrappers). Notices
// are counted by kind ("notices.delete", …), bad lines by kind ("bad_lines.invalid_json", …; with
// --strict the first one fails the job), entries of a page that are not tweets under
// "bad_entries.<kind>".
// Dedupe: tweets are shuffled by id; of several records with one id the earliest is kept: the
// smallest timestamp_ms, ties broken by the smallest normalized JSON (bytes), so the answer does
// not depend on the rank count or the input order. At one rank the records are deduplicated in
// memory without the shuffle while they fit in --memory-mb (then moved into it, which spills), so
// the manifest has shuffle.* counters only when the shuffle ran.
// Output: one part per rank, rows sorted by id (numerically): part-RRRRR.jsonl.gz (default,
// ISA-L level 1: GzipCodec::kIsal), .jsonl, .csv (header = the normalized keys, lists joined by
// ' ', coordinates as lon/lat columns) or .h5 (numeric columns only, see NewHdf5Part in
// load_tweets.cpp and jobs/README.md; built by runtime's Hdf5PartWriter in a scratch file of
// --spill-dir that a killed rank cannot leave behind). These are logical names: on disk each
// carries the commit attempt (part-00000-rf….jsonl.gz) and _SUCCESS lists them. Manifest counters:
// records_in (lines), tweets_in, tweets_out, duplicates, notices.*, bad_lines.*, bad_entries.*.
#pragma once

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

void AddLoadTweetsFlags(FlagSet* flags);
Status RunLoadTweets(JobContext& ctx);

}  // namespace rankflow
