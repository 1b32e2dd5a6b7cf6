#include "tests/util/in_process_job.h"

#include <gtest/gtest.h>

#include <utility>
#include <vector>

#include "runtime/json_string.h"

namespace rankflow::testing {

InProcessJob::InProcessJob(const MpiContext& mpi, const std::string& src, const std::string& dest,
                           const std::string& job)
    : mpi_(mpi), job_(job), progress_(job, false, mpi.size()) {
  Status s = OpenFileSystem(src, &src_fs_);
  if (s.ok()) s = OpenFileSystem(dest, &dest_fs_);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!s.ok()) return;
  output_ = std::make_unique<OutputCommitter>(mpi, *dest_fs_, dest, WriteMode::kError,
                                              std::vector<std::string>{src});
  EXPECT_TRUE(output_->status().ok()) << output_->status().ToString();
}

InProcessJob::~InProcessJob() = default;

Status InProcessJob::Commit(bool local_ok) {
  std::string members = "\"job\":";
  AppendJsonString(&members, job_);
  return output_->Commit(local_ok, members);
}

int64_t InProcessJob::Sum(const std::string& counter) const {
  return mpi_.AllSum(metrics_.Get(counter));
}

std::unique_ptr<JobContext> InProcessJobContext(const MpiContext& mpi, JobSettings settings,
                                                const std::string& job) {
  std::unique_ptr<FileSystem> src_fs, dest_fs;
  Status s = settings.src.empty() ? Status::OK() : OpenFileSystem(settings.src, &src_fs);
  if (s.ok()) s = OpenFileSystem(settings.dest, &dest_fs);
  EXPECT_TRUE(s.ok()) << s.ToString();
  if (!mpi.AllOk(s.ok())) return nullptr;
  return std::make_unique<JobContext>(mpi, std::move(settings), job, std::move(src_fs),
                                      std::move(dest_fs));
}

}  // namespace rankflow::testing
