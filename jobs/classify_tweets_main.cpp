// classify_tweets: see jobs/classify_tweets.h. Flags -> RunJob (JobMain) -> exit code (0 only when
// both outputs were committed).
#include "jobs/classify_tweets.h"
#include "operators/ml/blas_threads.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  rankflow::ml::EnsureSingleThreadedBlas(argv);  // one core per rank; before MPI starts
  return rankflow::JobMain(
      argc, argv,
      {"classify_tweets", "language identification of tweets: hashed n-grams, an MLP sweep",
       rankflow::AddClassifyTweetsFlags, rankflow::RunClassifyTweets, /*reads_src=*/true,
       rankflow::ml::CheckSweepFlags});
}
