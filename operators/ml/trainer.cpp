#include "operators/ml/trainer.h"

#include <chrono>
#include <random>

#include "runtime/log.h"
#include "runtime/mpi_context.h"

namespace rankflow::ml {

std::vector<int64_t> EpochPermutation(int64_t rows, uint64_t seed, int epoch) {
  std::vector<int64_t> perm(rows);
  for (int64_t i = 0; i < rows; ++i) perm[i] = i;
  std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ULL + static_cast<uint64_t>(epoch) + 1);
  for (int64_t i = rows - 1; i > 0; --i) {
    // Multiply-shift bounded draw: ours, so the order is the same with every standard library.
    const uint64_t j = static_cast<uint64_t>(
        (static_cast<unsigned __int128>(rng()) * static_cast<uint64_t>(i + 1)) >> 64);
    std::swap(perm[i], perm[j]);
  }
  return perm;
}

uint64_t HashFloats(const std::vector<float>& values) {
  uint64_t h = 1469598103934665603ULL;
  const auto* p = reinterpret_cast<const unsigned char*>(values.data());
  for (size_t i = 0; i < values.size() * sizeof(float); ++i) {
    h ^= p[i];
    h *= 1099511628211ULL;
  }
  return h;
}

Trainer::Trainer(const MpiContext& mpi, Mlp* model, TrainOptions options)
    : mpi_(&mpi),
      size_(mpi.size()),
      model_(model),
      options_(options),
      optimizer_(options.optimizer, model->params().size()) {}

Status Trainer::Fit(const Dataset& shard, int start_epoch,
                    const std::function<Status(const EpochStats&)>& on_epoch) {
  if (options_.batch <= 0) return Status::InvalidArgument("batch size must be positive");
  const int64_t n = shard.global_rows;
  const int64_t lo = shard.first_row, hi = shard.first_row + shard.rows();
  const size_t p = model_->params().size();
  // [gradient | loss sum | correct]: one all-reduce per step.
  std::vector<float> fused(p + 2);
  std::vector<int64_t> local_rows;
  BatchBuffer buffer;
  const std::vector<bool>& mask = model_->WeightMask();
  for (int epoch = start_epoch; epoch < options_.epochs; ++epoch) {
    const auto t0 = std::chrono::steady_clock::now();
    const std::vector<int64_t> perm = EpochPermutation(n, options_.seed, epoch);
    double loss = 0, correct = 0;
    int64_t steps = 0;
    for (int64_t start = 0; start < n; start += options_.batch) {
      const int64_t end = std::min(n, start + options_.batch);
      local_rows.clear();
      for (int64_t i = start; i < end; ++i) {
        if (perm[i] >= lo && perm[i] < hi) local_rows.push_back(perm[i] - lo);
      }
      const BatchView batch = buffer.Gather(shard, local_rows);
      double batch_loss = 0;
      int64_t batch_correct = 0;
      model_->Gradient(batch, 1.f / static_cast<float>(end - start), fused.data(), &batch_loss,
                       &batch_correct);
      fused[p] = static_cast<float>(batch_loss);
      fused[p + 1] = static_cast<float>(batch_correct);
      if (size_ > 1) {
        CheckMpi(MPI_Allreduce(MPI_IN_PLACE, fused.data(), static_cast<int>(fused.size()),
                               MPI_FLOAT, MPI_SUM, mpi_->comm()),
                 "MPI_Allreduce(gradient)");
      }
      loss += fused[p];
      correct += fused[p + 1];
      optimizer_.Step(model_->params().data(), fused.data(), mask);
      ++steps;
    }
    if (size_ > 1) ResyncIfDiverged();
    double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (size_ > 1) {
      CheckMpi(MPI_Allreduce(MPI_IN_PLACE, &seconds, 1, MPI_DOUBLE, MPI_MAX, mpi_->comm()),
               "MPI_Allreduce(seconds)");
    }
    EpochStats stats;
    stats.epoch = epoch;
    stats.loss = n > 0 ? loss / static_cast<double>(n) : 0;
    stats.accuracy = n > 0 ? correct / static_cast<double>(n) : 0;
    stats.seconds = seconds;
    stats.steps = steps;
    if (on_epoch) RF_RETURN_IF_ERROR(on_epoch(stats));
  }
  return Status::OK();
}

void Trainer::ResyncIfDiverged() {
  // MPI does not promise that every rank gets the same bits from a floating-point all-reduce
  // (Open MPI's algorithms do in practice); if weights ever differ, rank 0's state wins.
  // max(h) == min(h), with min(h) = ~max(~h), iff every rank has the same hash.
  uint64_t hash[2] = {HashFloats(model_->params()), 0};
  hash[1] = ~hash[0];
  CheckMpi(MPI_Allreduce(MPI_IN_PLACE, hash, 2, MPI_UINT64_T, MPI_MAX, mpi_->comm()),
           "MPI_Allreduce(weight hash)");
  if (hash[0] == ~hash[1]) return;
  ++resyncs_;
  LogWarning("trainer: weights differed across ranks; taking rank 0's");
  std::vector<float>* buffers[] = {&model_->params(), &optimizer_.first(), &optimizer_.second()};
  for (std::vector<float>* b : buffers) {
    if (b->empty()) continue;
    CheckMpi(MPI_Bcast(b->data(), static_cast<int>(b->size()), MPI_FLOAT, 0, mpi_->comm()),
             "MPI_Bcast(weights)");
  }
}

EvalStats Trainer::Evaluate(const Dataset& shard) {
  constexpr int64_t kChunk = 4096;
  double sums[2] = {0, 0};  // loss, correct
  for (int64_t begin = 0; begin < shard.rows(); begin += kChunk) {
    const int64_t end = std::min(shard.rows(), begin + kChunk);
    double loss = 0;
    int64_t correct = 0;
    model_->Evaluate(shard.Slice(begin, end), &loss, &correct);
    sums[0] += loss;
    sums[1] += static_cast<double>(correct);
  }
  int64_t rows = shard.rows();
  if (size_ > 1) {
    CheckMpi(MPI_Allreduce(MPI_IN_PLACE, sums, 2, MPI_DOUBLE, MPI_SUM, mpi_->comm()),
             "MPI_Allreduce(eval)");
    CheckMpi(MPI_Allreduce(MPI_IN_PLACE, &rows, 1, MPI_INT64_T, MPI_SUM, mpi_->comm()),
             "MPI_Allreduce(eval rows)");
  }
  EvalStats e;
  e.rows = rows;
  if (rows > 0) {
    e.loss = sums[0] / static_cast<double>(rows);
    e.accuracy = sums[1] / static_cast<double>(rows);
  }
  return e;
}

}  // namespace rankflow::ml
