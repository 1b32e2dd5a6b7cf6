// Inputs of a job: listing, splitting into units, and handing units to ranks.
//
// Plan: every rank sees the same sorted file list (rank 0 lists, then broadcasts). A .gz file is one
// unit (not splittable); a plain file larger than split_bytes is cut into byte ranges; a LineReader
// over a range yields exactly the lines that *start* inside it, so ranges tile the file's lines.
// Claim: units are first dealt size-balanced (largest first, each to the least-loaded rank); a rank
// that runs out of its own units claims the next unclaimed one through an MPI one-sided
// fetch-and-add counter, so one slow file does not stall the job.
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

// Hands out the units of a plan. Collective constructor and destructor (they create and free an
// MPI window); Next() is local and may be called any number of times by one thread.
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
  const MpiContext& mpi_;
  const InputPlan& plan_;
  std::vector<size_t> own_;         // indexes into plan_.units dealt to this rank statically
  size_t own_pos_ = 0;
  std::vector<size_t> stealable_;   // the order in which ranks claim units dynamically
  MPI_Win win_ = MPI_WIN_NULL;
  int64_t* counter_ = nullptr;      // on rank 0: the window's memory
};

}  // namespace rankflow
