// load_tweets: normalizes a tweet archive of any mix of shapes (operators/tweet_parser.h) into
// the normalized table (operators/README.md), dropping duplicate tweet ids across the whole
// archive.
//
//   mpirun -n 4 build/bin/load_tweets --src s3://bucket/twitter --dest s3://bucket/tweets
//       [--regex '\.json(l)?(\.gz)?$'] [--format jsonl.gz|jsonl|csv|hdf5|parquet]
//       [--partition-by day|hour [--max-open-parts 16]] [--parse-thread]
//
// Threads: by default the MapPhase thread reads, inflates and parses. --parse-thread moves parsing
// to a second thread (jobs/load_tweets_worker.h); it pays only where the rank has a spare core
// (on the shared 2-core test machine it was slower, see bench/RESULTS.md). --strict always parses
// on the MapPhase thread.
// Map: every line is parsed; a line may hold several tweets (v2 pages, search wrappers). Notices
// are counted by kind ("notices.delete", …), bad lines by kind ("bad_lines.invalid_json", …; with
// --strict the first one fails the job), entries of a page that are not tweets under
// "bad_entries.<kind>".
// Dedupe: each tweet id has one owner rank (HashOwner of the id, as the HashShuffle would pick);
// of several records with one id the owner keeps the earliest: the smallest timestamp_ms, ties
// broken by the smallest normalized JSON (bytes), so the answer does not depend on the rank count
// or the input order. A record is the normalized JSON for jsonl and jsonl.gz, the Tweet's codec
// bytes for csv, hdf5 and parquet (jobs/load_tweets_records.h). While the records fit (at one rank
// in --memory-mb, at more ranks in half of it, before and after the exchange) they stay in a
// TweetTable (jobs/load_tweets_dedupe.h): each record is written once into a per-owner arena, each
// rank sends its peers their arenas as they are (one message per chunk) and the owner sorts one
// small entry per record. Past that, every rank moves its records into a HashShuffle (which
// spills), with the same answer on the same ranks; the manifest has shuffle.pairs_sent and
// shuffle.spilled_runs only when it ran. shuffle.bytes_sent: bytes sent to other ranks (the
// HashShuffle's figure also counts a rank's pairs to itself). time_ms.map, time_ms.wait (ranks
// waiting for the slowest map), time_ms.exchange and time_ms.write: wall milliseconds of each
// phase, summed over ranks. Output: one part per rank, rows sorted by id (numerically):
// part-RRRRR.jsonl.gz (default, ISA-L level 1: GzipCodec::kIsal), .jsonl, .csv (header = the
// normalized keys, lists joined by ' ', coordinates as lon/lat columns) or .h5 (numeric columns
// only, see operators/tweet_hdf5.h and jobs/README.md; built by runtime's Hdf5PartWriter in a
// scratch file of
// --spill-dir that a killed rank cannot leave behind) or .parquet (operators/tweet_parquet.h: the
// schema in operators/README.md, snappy, row groups of --memory-mb / 4 / open parts, 1 to 128 MiB,
// pages and dictionaries of 1/48 of that, 64 KiB to 1 MiB: LoadParquetOptions in
// load_tweets_output.h;
// a record whose ids do not fit INT64 is skipped and counted as bad_records.id_not_int64).
// --partition-by day|hour: Hive-style folders by created_at (UTC), dt=2015-08-06/ or
// dt=2015-08-06/hr=07/, each with this rank's part(s) of that partition, all listed in the one
// dest/_SUCCESS; at most --max-open-parts parts open per rank (jobs/load_tweets_output.h: the least
// recently used is closed and its partition gets part-RRRRR-1 … later; counter parts_reopened).
// These are logical names: on disk each
// carries the commit attempt (part-00000-rf….jsonl.gz) and _SUCCESS lists them. Manifest counters:
// records_in (lines), tweets_in, tweets_out, duplicates, notices.*, bad_lines.*, bad_entries.*.
//
// Thrill's shape: the pipeline is LoadTweets, a function of a JobIo (runtime/job_io.h) and the
// typed LoadTweetsOptions that tests call directly at 1, 2 and 4 ranks (map:
// jobs/load_tweets.cpp; exchange: jobs/load_tweets_exchange.h; parts: jobs/load_tweets_output.h);
// the driver (jobs/load_tweets_cli.cpp) turns the flags into options, commits and prints.
#pragma once

#include <cstdint>

#include "jobs/load_tweets_output.h"
#include "runtime/cli.h"
#include "runtime/input.h"
#include "runtime/job.h"
#include "runtime/job_io.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

struct LoadTweetsOptions {
  LoadFormat format = LoadFormat::kJsonlGz;       // --format
  PartitionBy partition_by = PartitionBy::kNone;  // --partition-by
  int64_t max_open_parts = 16;                    // --max-open-parts (with partition_by)
  bool parse_thread = false;                      // --parse-thread (ignored with input.strict)
  MapPhaseOptions input;   // --src, --regex, --split-mb, --strict, the longest line
  ShuffleOptions shuffle;  // --memory-mb, --spill-dir, --debug-shuffle
};

// Collective. The job above on options.input: parses, dedupes and writes this rank's parts into
// io.output; counters into io.metrics (records_in, tweets_in, tweets_out, records_out,
// duplicates, notices*, bad_lines.*, bad_entries.*, shuffle.*, time_ms.*). *inputs: the files
// read, for the manifest. The same status on every rank; the caller commits io.output.
Status LoadTweets(const JobIo& io, const LoadTweetsOptions& options, InputPlan* inputs);

void AddLoadTweetsFlags(FlagSet* flags);
Status RunLoadTweets(JobContext& ctx);

}  // namespace rankflow
