// classify_tweets: language identification of tweets from hashed n-gram features, the MLP trainer
// applied to real data.
//
//   1. Every rank reads its share of the files under --src (ForEachTweetInFiles,
//      operators/tweet_lines.h: raw tweets in any shape the tweet parser knows, or load_tweets
//      output; .json files whole, other files line by line, gzip or not; bad lines counted as
//      bad_lines.<kind>) and computes tweet_features' hashed n-gram vector (operators/features.h,
//      --dim slots) of each tweet's text.
//   2. Rank 0 gathers the rows (operators/ml/sparse_examples.h), drops repeated tweet ids, keeps
//      tweets whose `lang` is a language code (two letters; "und", "qst", … are not), pools
//      languages with fewer than --min-class tweets into the class "other", and splits them by a
//      hash of the id: one in five held out. Features are log(1 + count), each row scaled to unit
//      L2 norm, stored sparse (CSR). Output: dest/features/, committed through the JobContext:
//      _SUCCESS lists train.h5 and test.h5 (stored under attempt names).
//   3. train_mlp's sweep (operators/ml/sweep.h) trains the --hidden models on those two files,
//      found through features/_SUCCESS, into dest/model/ (metrics.csv, model-hidden-<h>.h5,
//      report.html with held-out accuracy and the majority-class baseline, selection.json,
//      _SUCCESS). Both manifests are the common one (runtime/job.h), job "classify_tweets".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "operators/ml/sweep.h"
#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

struct ClassifyTweetsOptions {
  int dim = 1024;
  int min_class = 10;
  ml::SweepOptions train;  // models, epochs, batch, optimizer, seed; paths and dest are set here
};

struct ClassifyTweetsResult {
  int64_t tweets_read = 0;    // tweets parsed (before de-duplication)
  int64_t unique_tweets = 0;  // distinct ids
  int64_t examples = 0;       // kept for training + held out
  int64_t train_rows = 0, test_rows = 0;
  std::vector<std::pair<std::string, int64_t>> class_counts;  // kept classes
  double majority_baseline = 0;  // held-out accuracy of always predicting the largest class
  ml::SweepResult training;
};

// The pipeline. Collective. Reads ctx.src() (only names matching settings().regex; strict and
// spill_dir from settings() too), commits dest/features and dest/model through ctx; ok on every
// rank iff both outputs were committed. Reads no flags: tests call it on a JobContext made without
// them (tests/jobs/classify_tweets_pipeline_test.cpp).
Status ClassifyTweets(JobContext& ctx, const ClassifyTweetsOptions& options,
                      ClassifyTweetsResult* result);

// The job's own flags (--dim, --min-class, the sweep's) and the job: flags -> ClassifyTweets ->
// the results on rank 0.
void AddClassifyTweetsFlags(FlagSet* flags);
Status RunClassifyTweets(JobContext& ctx);

}  // namespace rankflow
