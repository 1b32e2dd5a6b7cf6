#include "operators/ml/sweep_checkpoint.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <span>

#include "operators/ml/model_io.h"
#include "runtime/hdf5_file.h"
#include "runtime/log.h"
#include "runtime/mpi_context.h"

namespace rankflow::ml {
namespace {

std::string CheckpointDir(const std::string& dest) {
  return FileSystem::Join(dest, "_checkpoints");
}
}  // namespace

std::string CheckpointPath(const std::string& dest, const MlpSpec& spec) {
  return FileSystem::Join(CheckpointDir(dest), "hidden-" + spec.HiddenName() + ".ckpt.h5");
}

void TidyCheckpoints(FileSystem& fs, const std::string& dest) {
  Status s = fs.RemoveTemporaries(CheckpointDir(dest), {});
  if (!s.ok()) LogWarning("train_mlp: could not tidy the checkpoints' folder: " + s.message());
}

void RemoveCheckpoints(FileSystem& fs, const std::string& dest, const std::vector<MlpSpec>& specs) {
  std::vector<std::string> paths;
  for (const MlpSpec& spec : specs) paths.push_back(CheckpointPath(dest, spec));
  Status s = fs.Delete(paths);
  if (s.ok()) s = fs.RemoveTemporaries(CheckpointDir(dest), {});
  if (s.ok() && !IsS3Path(dest) && ::rmdir(CheckpointDir(dest).c_str()) != 0 && errno != ENOENT) {
    s = Status::IOError(CheckpointDir(dest) + ": cannot remove: " + std::strerror(errno));
  }
  if (!s.ok()) LogWarning("train_mlp: could not remove checkpoints: " + s.message());
}

Result<int> ResumeFromCheckpoint(const MpiContext& group, FileSystem& fs, const std::string& ckpt,
                                 const std::string& local, Mlp* model, Optimizer* opt) {
  const bool root = group.is_root();
  int64_t header[3] = {0, 0, 0};  // status (0 ok, 1 error), epochs done, steps
  std::string error;
  if (root) {
    auto exists = fs.Exists(ckpt);
    if (!exists.ok()) {
      header[0] = 1;
      error = exists.status().message();
    } else if (*exists) {
      Status st = FetchToLocalFile(fs, ckpt, local);
      Result<int> done = st.ok() ? LoadCheckpoint(local, model, opt) : Result<int>(st);
      if (done.ok()) {
        header[1] = *done;
        header[2] = opt->steps();
      } else {
        header[0] = 1;
        error = ckpt + ": cannot resume: " + done.status().message();
      }
    }
  }
  group.Broadcast(std::span<int64_t>(header));
  if (header[0] != 0) return Status::InvalidArgument(root ? error : ckpt + ": cannot resume");
  if (header[1] == 0) return 0;
  group.Broadcast(std::span<float>(model->params()));
  group.Broadcast(std::span<float>(opt->first()));
  if (!opt->second().empty()) group.Broadcast(std::span<float>(opt->second()));
  opt->set_steps(header[2]);
  return static_cast<int>(header[1]);
}

Status PublishFromRoot(const MpiContext& group, FileSystem& fs, const std::string& local,
                       const std::string& path, const std::function<Status()>& make_local) {
  const bool root = group.is_root();
  Status st;
  if (root) {
    st = make_local();
    std::unique_ptr<WritableFile> f;
    if (st.ok()) st = fs.NewWritableFile(path, &f);
    if (st.ok()) st = CopyLocalFileTo(local, f.get());
    if (st.ok()) st = f->Finish();
    if (st.ok()) st = f->Publish();
    if (!st.ok() && f) f->Abort();
    // The writer's _temporary/ folder stays: other groups publish into the same folder at the
    // same time, and removing it between another writer's mkdir and its open failed that
    // writer's epoch (ENOENT). TidyCheckpoints removes it once every group is done.
  }
  int64_t ok[1] = {st.ok() ? 1 : 0};
  group.Broadcast(std::span<int64_t>(ok));
  if (ok[0] != 0) return Status::OK();
  return root ? st : Status::IOError(path + ": writing failed on the group's first rank");
}

}  // namespace rankflow::ml
