// Trainer: data-parallel mini-batch training of an Mlp over the ranks of an MpiContext.
//
// Every rank of the context holds a shard of the training rows (contiguous, see ShardRange) and an
// identical copy of the model. Each epoch draws ONE global permutation of all rows from (seed,
// epoch) — the same on every rank and for every rank count. Step s trains on the global rows
// perm[s·B, (s+1)·B): each rank computes the gradient of its own rows of that batch, scaled by
// 1/(rows in the batch), then one MPI_Allreduce (MPI_FLOAT, sum) of a fused buffer [gradient |
// loss sum | correct count] gives every rank the batch gradient, and every rank applies the same
// optimizer step. So the weights are bitwise equal across the ranks of a run, and equal up to
// float summation order across runs at different rank counts with the same global batch.
//
// Collective: the constructor, Fit and Evaluate are called by every rank of the context, in the
// same order. MPI failures throw JobError. To train different models on groups of ranks at once,
// give each group's trainer a context from MpiContext::Split.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "operators/ml/dataset.h"
#include "operators/ml/mlp.h"
#include "operators/ml/optimizer.h"
#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow::ml {

struct TrainOptions {
  int epochs = 10;
  int64_t batch = 200;  // global batch size (rows per step over all ranks)
  uint64_t seed = 1;    // shuffling (the model's init seed is separate: Mlp::Initialize)
  OptimizerOptions optimizer;
};

struct EpochStats {
  int epoch = 0;        // 0-based
  double loss = 0;      // mean cross-entropy over the epoch's steps (before each update)
  double accuracy = 0;  // fraction right over the epoch's steps (before each update)
  double seconds = 0;   // wall time of the epoch (max over ranks)
  int64_t steps = 0;
};

struct EvalStats {
  double loss = 0;  // mean cross-entropy
  double accuracy = 0;
  int64_t rows = 0;
};

class Trainer {
 public:
  // `mpi` and `model` are borrowed and must outlive the trainer; `model` must be identical on every
  // rank (same seed).
  Trainer(const MpiContext& mpi, Mlp* model, TrainOptions options);

  Optimizer& optimizer() { return optimizer_; }
  const TrainOptions& options() const { return options_; }

  // Collective. Trains epochs [start_epoch, options.epochs) on the shard; after each epoch calls
  // on_epoch on every rank with the same stats (checkpoints, progress). A non-ok Status from
  // on_epoch must be the same on every rank (agree first) and stops training with it.
  Status Fit(const Dataset& shard, int start_epoch,
             const std::function<Status(const EpochStats&)>& on_epoch);

  // Collective. Loss and accuracy of the model over every rank's shard.
  EvalStats Evaluate(const Dataset& shard);

  // Times the end-of-epoch check found ranks' weights different and re-broadcast rank 0's
  // (expected 0; the check costs one all-reduce of two integers per epoch).
  int resyncs() const { return resyncs_; }

 private:
  void ResyncIfDiverged();

  const MpiContext* mpi_;
  int size_ = 1;
  Mlp* model_;
  TrainOptions options_;
  Optimizer optimizer_;
  int resyncs_ = 0;
};

// The permutation of [0, rows) used for `epoch` (Fisher–Yates on mt19937_64(seed, epoch)).
std::vector<int64_t> EpochPermutation(int64_t rows, uint64_t seed, int epoch);

// FNV-1a hash of the bytes of a float buffer (to compare weights across ranks).
uint64_t HashFloats(const std::vector<float>& values);

}  // namespace rankflow::ml
