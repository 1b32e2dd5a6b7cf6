// tweet_features: see jobs/tweet_features.h. Flags -> RunJob -> exit code.
#include <cstdio>

#include "jobs/tweet_features.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  rankflow::JobOutcome outcome = rankflow::RunJob(
      argc, argv,
      {"tweet_features",
       "one feature row per tweet (entity counts, tokens, AFINN and VADER sentiment, profanity, "
       "flags, hashed n-grams) to HDF5 (part-RRRRR.h5) and JSON lines (--format hdf5|jsonl|"
       "jsonl.gz; empty: both)",
       rankflow::AddTweetFeaturesFlags, rankflow::RunTweetFeatures});
  std::fputs(outcome.stdout_text.c_str(), stdout);
  return outcome.exit_code;
}
