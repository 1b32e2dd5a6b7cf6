// MpiContext: MPI start-up and shut-down, rank/size, and the few collectives the runtime builds on.
// Jobs reach MPI only through it; the engine pieces that need more (claimer, shuffle, commit, the
// ML trainer) use comm() of the context they are given.
//
// The world context: one per process, created first thing in main() and destroyed last (it
// finalizes MPI). Split() makes sub-contexts over groups of its ranks; each owns its communicator
// and frees it when destroyed, so no path can leak one:
//
//   MpiContext group = mpi.Split(color);   // collective over mpi's ranks
//   ml::Trainer trainer(group, &model, options);
//
// Not thread-safe: call from the main thread (MPI is initialised with MPI_THREAD_FUNNELED).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

class MpiContext {
 public:
  // Calls MPI_Init_thread and sets the log rank. MPI errors on the world communicator return
  // (MPI_ERRORS_RETURN) and are turned into JobError by the wrappers below.
  MpiContext(int* argc, char*** argv);
  // The world context calls MPI_Finalize; a context made by Split frees its communicator
  // (MPI_Comm_free: every rank of the group destroys its context, and before the world context).
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;
  // Moves ownership; the moved-from context owns nothing and must not be used except to destroy.
  MpiContext(MpiContext&& other) noexcept;
  MpiContext& operator=(MpiContext&&) = delete;

  // Collective: every rank of this context calls it, in the same order. Ranks passing the same
  // color (>= 0) form a new context, ranked in their order here; each rank gets the context of its
  // own color. The new context owns its communicator (errors return, like this one's) and frees
  // it when destroyed. Costs one MPI_Comm_split (an all-gather of the colors). MPI errors throw
  // JobError. Example: Split(rank()) gives every rank a context of its own (size 1).
  MpiContext Split(int color) const;

  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  MPI_Comm comm() const { return comm_; }

  // Collective: every rank calls it, in the same order. True iff every rank passed true.
  // This is how ranks agree on failure: a rank that failed locally keeps calling the collectives
  // of its phase with empty data and passes false here; then every rank stops.
  bool AllOk(bool local_ok) const;
  // Collective. Sums / maxes element-wise across ranks; every rank gets the result.
  std::vector<int64_t> AllSum(const std::vector<int64_t>& values) const;
  int64_t AllSum(int64_t value) const;
  int64_t AllMax(int64_t value) const;
  double AllMaxDouble(double value) const;
  // Collective. Rank 0 receives every rank's string (index = rank); other ranks get {}.
  std::vector<std::string> GatherToRoot(const std::string& local) const;
  // Collective. Every rank receives every rank's string.
  std::vector<std::string> AllGather(const std::string& local) const;
  // Collective. Element-wise minimum / maximum across ranks, in place; every rank passes the same
  // number of values and gets the result.
  void AllMin(std::span<float> values) const;
  void AllMax(std::span<float> values) const;
  // Collective. Rank 0's `value` replaces everyone's.
  void Broadcast(std::string* value) const;
  // Collective. Rank 0's values replace everyone's; every rank passes the same number of values
  // (fewer than 2^31).
  void Broadcast(std::span<float> values) const;
  void Broadcast(std::span<int64_t> values) const;
  void Barrier() const;
  // Ends every rank of the job with `code` (MPI_Abort). For a failure that cannot be agreed on
  // collectively (another rank may be stuck in a collective).
  [[noreturn]] void Abort(int code) const;

 private:
  // What the destructor releases.
  enum class Owns { kNothing, kWorld, kCommunicator };
  // Takes ownership of `comm` (from MPI_Comm_split).
  explicit MpiContext(MPI_Comm comm);

  MPI_Comm comm_ = MPI_COMM_WORLD;
  Owns owns_ = Owns::kWorld;
  int rank_ = 0;
  int size_ = 1;
};

// Throws JobError("<what>: <MPI error string>") unless rc == MPI_SUCCESS.
void CheckMpi(int rc, const char* what);

}  // namespace rankflow
