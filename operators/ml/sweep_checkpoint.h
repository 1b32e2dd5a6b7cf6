// The sweep's checkpoints (sweep.h): one HDF5 file per model (model_io.h SaveCheckpoint),
// dest/_checkpoints/hidden-<h>.ckpt.h5, written by the model group's first rank after every epoch.
//
// Decision (issue 9): checkpoints are not part of an output. They live in a "_" folder of dest,
// which listings skip and the commit never touches, so that --resume finds them after a kill on
// any machine, local or S3; they are private state with fixed names, not files a reader looks
// up. After a successful commit RemoveCheckpoints deletes them, their writers' temporaries and
// (local) the folder, so the committed folder holds _SUCCESS and what it lists, nothing else.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "operators/ml/mlp.h"
#include "operators/ml/optimizer.h"
#include "runtime/fs.h"
#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow::ml {

// dest/_checkpoints/hidden-<h>.ckpt.h5
std::string CheckpointPath(const std::string& dest, const MlpSpec& spec);

// Collective over `group`: its first rank (rank 0 of the group) reads the checkpoint at `ckpt`
// (fetched to the local file `local`) if there is one; every rank gets the same weights and
// optimizer state. Returns the epochs done (0 without a checkpoint); InvalidArgument if it cannot
// be read.
Result<int> ResumeFromCheckpoint(const MpiContext& group, FileSystem& fs, const std::string& ckpt,
                                 const std::string& local, Mlp* model, Optimizer* opt);

// Collective over `group`: its first rank runs make_local (which writes the local file `local`),
// copies it to `path` and publishes it; the group agrees on the outcome. The writer's (local)
// _temporary/ folder stays, as other groups publish beside it at the same time: TidyCheckpoints.
Status PublishFromRoot(const MpiContext& group, FileSystem& fs, const std::string& local,
                       const std::string& path, const std::function<Status()>& make_local);

// Local (one rank), once no group publishes any more (after a world-wide agreement): removes the
// checkpoint writers' empty _temporary/ folder, so a stopped run leaves only the checkpoints.
// Failures are logged only.
void TidyCheckpoints(FileSystem& fs, const std::string& dest);

// Local (one rank): deletes every model's checkpoint, the writers' temporaries and, for a local
// dest, the _checkpoints folder. Failures are logged only: the output is already committed.
void RemoveCheckpoints(FileSystem& fs, const std::string& dest, const std::vector<MlpSpec>& specs);

}  // namespace rankflow::ml
