// InProcessJob: the pieces of a JobIo (runtime/job_io.h) for an in-process test of an
// engine-level job's pipeline (ComputeTweetFeatures, LoadTweets, …): the file systems of src and
// dest, an OutputCommitter on dest (--mode error), Metrics and a silent Progress.
//
//   InProcessJob job(TestMpi(), src, dest, "tweet_features");
//   ASSERT_TRUE(ComputeTweetFeatures(job.io(), options, &inputs).ok());
//   ASSERT_TRUE(job.Commit().ok());            // then read dest through its _SUCCESS
//
// The learning jobs open and commit their outputs themselves (classify_tweets two of them), so
// their pipelines take a JobContext; InProcessJobContext makes one without flags:
//
//   JobSettings settings{.dest = dest};                    // the common options, typed
//   auto ctx = InProcessJobContext(TestMpi(), settings, "make_training_data");
//   ASSERT_TRUE(MakeTrainingData(*ctx, options, &result).ok());   // commits dest
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "runtime/job_io.h"

namespace rankflow::testing {

class InProcessJob {
 public:
  // Collective (the committer's). Fails the test (ADD_FAILURE) if a file system or the committer
  // cannot be opened; io() is then not to be used.
  InProcessJob(const MpiContext& mpi, const std::string& src, const std::string& dest,
               const std::string& job);
  ~InProcessJob();

  JobIo io() { return {mpi_, *src_fs_, *output_, metrics_, progress_}; }
  Metrics& metrics() { return metrics_; }
  // Collective. Commits dest with a manifest naming the job; the same status on every rank.
  Status Commit(bool local_ok = true);
  // Collective. A counter summed over ranks.
  int64_t Sum(const std::string& counter) const;

 private:
  const MpiContext& mpi_;
  std::string job_;
  std::unique_ptr<FileSystem> src_fs_;
  std::unique_ptr<FileSystem> dest_fs_;
  std::unique_ptr<OutputCommitter> output_;
  Metrics metrics_;
  Progress progress_;
};

// Collective. A JobContext (runtime/job.h) without flags on the file systems of settings.src
// (none if empty) and settings.dest; null, with the test failed (ADD_FAILURE), if one cannot be
// opened.
std::unique_ptr<JobContext> InProcessJobContext(const MpiContext& mpi, JobSettings settings,
                                                const std::string& job);

}  // namespace rankflow::testing
