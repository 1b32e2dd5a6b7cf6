// load_tweets: see jobs/load_tweets.h. Flags -> RunJob -> exit code.
#include <cstdio>

#include "jobs/load_tweets.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  rankflow::JobOutcome outcome = rankflow::RunJob(
      argc, argv,
      {"load_tweets",
       "normalizes tweets of every archive shape (v1.1, Gnip, v2), drops duplicate ids (keeps the "
       "earliest), writes the normalized table (--format jsonl.gz|jsonl|csv|hdf5, default "
       "jsonl.gz)",
       rankflow::AddLoadTweetsFlags, rankflow::RunLoadTweets});
  std::fputs(outcome.stdout_text.c_str(), stdout);
  return outcome.exit_code;
}
