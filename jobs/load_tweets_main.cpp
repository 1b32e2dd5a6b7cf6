// load_tweets: see jobs/load_tweets.h. Flags -> JobMain (RunJob, stdout, exit code).
#include <malloc.h>

#include "jobs/load_tweets.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  // Shuffle tables and exchange buffers are large and short-lived: keep freed memory in the heap
  // instead of returning it to the kernel and faulting fresh zeroed pages in again.
  mallopt(M_MMAP_THRESHOLD, 64 << 20);
  mallopt(M_TRIM_THRESHOLD, 256 << 20);
  return rankflow::JobMain(
      argc, argv,
      {"load_tweets",
       "normalizes tweets of every archive shape (v1.1, Gnip, v2), drops duplicate ids (keeps the "
       "earliest), writes the normalized table (--format jsonl.gz|jsonl|csv|hdf5|parquet, "
       "default jsonl.gz)",
       rankflow::AddLoadTweetsFlags, rankflow::RunLoadTweets});
}
