// tweet_features: see jobs/tweet_features.h. Flags -> JobMain (RunJob, stdout, exit code).
#include "jobs/tweet_features.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  return rankflow::JobMain(
      argc, argv,
      {"tweet_features",
       "one feature row per tweet (entity counts, tokens, AFINN and VADER sentiment, profanity, "
       "flags, hashed n-grams) to HDF5 (part-RRRRR.h5) and JSON lines (--format hdf5|jsonl|"
       "jsonl.gz; empty: both)",
       rankflow::AddTweetFeaturesFlags, rankflow::RunTweetFeatures});
}
