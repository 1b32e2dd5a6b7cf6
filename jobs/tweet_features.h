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
#pragma once

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

void AddTweetFeaturesFlags(FlagSet* flags);
Status RunTweetFeatures(JobContext& ctx);

}  // namespace rankflow
