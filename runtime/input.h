// Inputs of a job: listing, splitting into units, and handing units to ranks.
//
// Plan: every rank sees the same sorted file list (rank 0 lists, then broadcasts). A .gz file is
// one unit (not splittable); a plain file larger than split_bytes is cut into byte ranges; a
// LineReader over a range yields exactly the lines that *start* inside it, so ranges tile the
// file's lines. Claim: units are first dealt size-balanced (largest first, each to the least-loaded
// rank); a rank that runs out of its own units claims the next unclaimed one through an MPI
// one-sided fetch-and-add counter, so one slow file does not stall the job.
#pragma once

#include <mpi.h>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow {

struct InputUnit {
  size_t file_index = 0;  // into InputPlan::files
  uint64_t begin = 0;     // byte range [begin, end) of the (compressed) file
  uint64_t end = 0;
};

struct InputPlan {
  std::vector<FileInfo> files;
  std::vector<InputUnit> units;
  uint64_t total_bytes = 0;  // sum of file sizes (compressed bytes as stored)
};

// True if the name ends in ".gz" (units are whole files).
bool IsGzipName(const std::string& path);

// Collective. Rank 0 lists `src` (recursively; regex on the base name, empty = all), every rank
// receives the same sorted list. NotFound (on every rank) if src does not exist; an empty list is
// not an error here (jobs decide).
Status ListInputs(const MpiContext& mpi, FileSystem& fs, const std::string& src,
                  const std::string& name_regex, std::vector<FileInfo>* files);

// Pure: splits files into units. Plain files are cut every split_bytes (0 = never split).
InputPlan PlanUnits(std::vector<FileInfo> files, uint64_t split_bytes);

// Pure: the static, size-balanced deal behind UnitClaimer. Units are taken largest first (ties by
// index) and each goes to the rank with the least bytes so far (ties: lowest rank). Result[r] lists
// rank r's units (indexes into plan.units) in the order it was dealt them, largest first.
std::vector<std::vector<size_t>> DealUnits(const InputPlan& plan, int ranks);

// Hands out the units of a plan. Collective constructor and destructor (they create and free an
// MPI window); Next() is not collective and may be called any number of times by one thread.
// Every rank must pass the same plan (ListInputs + PlanUnits give that).
//
// Each rank's dealt list has two claim counters (front, back) packed in one 64-bit word in an MPI
// window on rank 0, updated with MPI_Fetch_and_op (passive target, MPI_Win_lock_all). The owner
// claims from the front (largest first); a rank whose own list is used up claims from the back
// (smallest first) of the list with the most units left. A claim is valid iff front + back < length
// when it was made, so each unit is handed out exactly once overall.
//
// That window is used when all ranks share one node (Open MPI's osc/sm: real atomics, no help
// from rank 0 needed). Across nodes (where Debian's Open MPI over TCP cannot even create it:
// osc/rdma needs an RDMA network, osc/pt2pt is disabled), if creating it fails, or with
// RANKFLOW_CLAIMER=messages (=window forces a try of the window), claiming works by messages
// instead: each rank keeps its own list's counters; a rank with nothing left asks
// a peer by message and the peer answers from the back of its list whenever it is inside Next() or
// the destructor (so a steal waits at most for the peer's current unit). Same exactly-once rule.
// In this mode the destructor waits until every rank has reached it, answering requests meanwhile.
class UnitClaimer {
 public:
  UnitClaimer(const MpiContext& mpi, const InputPlan& plan);
  ~UnitClaimer();
  UnitClaimer(const UnitClaimer&) = delete;
  UnitClaimer& operator=(const UnitClaimer&) = delete;

  // This rank's next unit: its own size-balanced share first, then units claimed dynamically.
  // nullopt when none is left anywhere.
  std::optional<InputUnit> Next();

 private:
  std::optional<size_t> ClaimFromFront(int owner);
  std::optional<size_t> ClaimFromBack(int owner);
  std::optional<int> FullestOtherList();
  bool CreateWindow();
  std::optional<size_t> NextByMessages();
  void ServeStealRequests();
  int64_t AskVictim(int victim);

  const MpiContext& mpi_;
  const InputPlan& plan_;
  std::vector<std::vector<size_t>> lists_;  // DealUnits(plan_, size): lists_[r] is rank r's share
  bool own_done_ = false;                   // this rank's own list is used up
  // One-sided mode (the default, when the MPI build can create the window).
  MPI_Win win_ = MPI_WIN_NULL;
  uint64_t* counter_ = nullptr;  // on rank 0: the window's memory, one packed word per rank
  // Message mode (fallback): this rank's own claim counters, and peers known to be used up.
  MPI_Comm comm_ = MPI_COMM_NULL;
  uint64_t front_ = 0;
  uint64_t back_ = 0;
  std::vector<bool> empty_;
  int next_victim_ = 0;
};

}  // namespace rankflow
