// MpiContext: MPI start-up and shut-down, rank/size, and the few collectives the runtime builds on.
// One per process, created first thing in main() and destroyed last. Not thread-safe: call from the
// main thread (MPI is initialised with MPI_THREAD_FUNNELED).
#pragma once

#include <mpi.h>

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

class MpiContext {
 public:
  // Calls MPI_Init_thread and sets the log rank. MPI errors on the world communicator return
  // (MPI_ERRORS_RETURN) and are turned into JobError by the wrappers below.
  MpiContext(int* argc, char*** argv);
  // Calls MPI_Finalize.
  ~MpiContext();
  MpiContext(const MpiContext&) = delete;
  MpiContext& operator=(const MpiContext&) = delete;

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
  // Collective. Rank 0's `value` replaces everyone's.
  void Broadcast(std::string* value) const;
  void Barrier() const;
  // Ends every rank of the job with `code` (MPI_Abort). For a failure that cannot be agreed on
  // collectively (another rank may be stuck in a collective).
  [[noreturn]] void Abort(int code) const;

 private:
  MPI_Comm comm_ = MPI_COMM_WORLD;
  int rank_ = 0;
  int size_ = 1;
};

// Throws JobError("<what>: <MPI error string>") unless rc == MPI_SUCCESS.
void CheckMpi(int rc, const char* what);

}  // namespace rankflow
