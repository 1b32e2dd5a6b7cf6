// tweet_features: one feature row per tweet (operators/features.h) for learning (HDF5) and for
// people (JSON lines). Input: raw archives of any shape or load_tweets output (no dedupe here:
// run load_tweets first for that), also its Parquet table: when every input file is .parquet,
// ParquetSource reads only the 11 columns the features need (row groups claimed across ranks) and
// the rows are the same as from the JSON output of the same load.
//
//   mpirun -n 4 build/bin/tweet_features --src DIR --dest DIR [--format
//   hdf5|jsonl|jsonl.gz|parquet]
//       [--dimension 256] [--min-n 1] [--max-n 2]
//
// Output per rank (--format empty: both): part-RRRRR.h5 and part-RRRRR.jsonl.gz (logical names:
// on disk each carries the commit attempt, part-00000-rf….h5, and _SUCCESS lists them). The HDF5
// part is built by runtime's Hdf5PartWriter in a scratch file of --spill-dir (else $TMPDIR, else
// /tmp) that a killed rank cannot leave behind.
// HDF5 datasets (row i of each is the same tweet, in input order of this rank):
//   /id            int64   [n, 1]     tweet id
//   /timestamp_ms  int64   [n, 1]
//   /scalars       float32 [n, 12]    columns in attribute "columns" (kFeatureScalarNames):
//                  hashtags, mentions, urls, tokens, afinn, vader_compound, profanity,
//                  is_retweet, is_quote, is_reply, media_count, followers (-1 unknown)
//   /ngrams        float32 [n, dimension]  hashed n-gram counts
// Root attributes: "ngram_hash" (how slots are chosen), "dimension", "min_n", "max_n",
// "tokenizer" (the rules' summary). JSON lines: FeaturesToJson (n-grams sparse).
// --format parquet: part-RRRRR.parquet alone, the JSON row's columns: id INT64 (null if it does
// not fit), timestamp_ms INT64, the 12 scalars as DOUBLE (the float32 values exactly), and the
// non-zero n-gram slots as ngram_slots LIST<INT32> + ngram_values LIST<DOUBLE> (same length);
// snappy, row groups of --memory-mb / 4 (1 to 128 MiB).
//
// Thrill's shape: the pipeline is ComputeTweetFeatures, a function of a JobIo (runtime/job_io.h)
// and the typed TweetFeaturesOptions that tests call directly at 1, 2 and 4 ranks; the parts are
// operators/feature_parts.h; RunTweetFeatures turns the flags into options, commits and prints.
#pragma once

#include <cstdint>
#include <string>

#include "operators/features.h"
#include "runtime/cli.h"
#include "runtime/input.h"
#include "runtime/job.h"
#include "runtime/job_io.h"
#include "runtime/pipeline.h"
#include "runtime/status.h"

namespace rankflow {

struct TweetFeaturesOptions {
  FeatureOptions features;  // --dimension, --min-n, --max-n
  // "" (hdf5 and jsonl.gz), "hdf5", "jsonl", "jsonl.gz" or "parquet" (FeatureParts::KnownFormat).
  std::string format;
  MapPhaseOptions input;  // --src, --regex, --split-mb, --strict, the longest line
  std::string spill_dir;  // the HDF5 part's scratch file (empty: $TMPDIR, else /tmp)
  uint64_t memory_bytes = uint64_t{256} << 20;  // Parquet row groups get a quarter
};

// Collective. One feature row per tweet of options.input (every line through TweetParser, or, when
// every input file is .parquet, a load_tweets table by the 11 columns the features use) into this
// rank's parts of io.output (FeatureParts); counters into io.metrics (records_in, tweets_in,
// notices.*, bad_lines.*, bad_entries.*, records_out: this rank's rows). *inputs: the files read,
// for the manifest. The same status on every rank; the caller commits io.output.
Status ComputeTweetFeatures(const JobIo& io, const TweetFeaturesOptions& options,
                            InputPlan* inputs);

void AddTweetFeaturesFlags(FlagSet* flags);
Status RunTweetFeatures(JobContext& ctx);

}  // namespace rankflow
