// InProcessJob: the pieces of a JobIo (runtime/job_io.h) for an in-process test of an
// engine-level job's pipeline (ComputeTweetFeatures, LoadTweets, …): the file systems of src and
// dest, an OutputCommitter on dest (--mode error), Metrics and a silent Progress.
//
//   InProcessJob job(TestMpi(), src, dest, "tweet_features");
//   ASSERT_TRUE(ComputeTweetFeatures(job.io(), options, &inputs).ok());
//   ASSERT_TRUE(job.Commit().ok());            // then read dest through its _SUCCESS
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

}  // namespace rankflow::testing
