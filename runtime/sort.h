// GlobalSort: sorts (key, value) byte records across all ranks by key, with bounded memory.
//
//   GlobalSort sort(mpi, {.descending = false, .shuffle = ctx.shuffle_options()});
//   sort.Add(key, value);  ...             // local: staged (spilled past the budget) and sampled
//   sort.Sort();                           // collective: splitters, range-partitioned exchange
//   sort.ForEach([](key, value) {...});    // local: this rank's records, in order
//
// Order: keys compare as byte strings (callers that sort numbers or tuples pass an
// order-preserving encoding), ascending or, with `descending`, descending. The global order is
// rank 0's records, then rank 1's, …: every record on rank r orders before every record on rank
// r+1. Records are never combined: equal keys all come out.
// Ties (stable): records with equal keys come out in the order (adding rank, add order on that
// rank), in both directions. So the output is a pure function of each rank's inputs.
// Partitioning: every rank keeps a deterministic reservoir sample of `samples_per_rank` of its
// records (seed = rank + 1), all samples are gathered, and the splitters are the samples at
// positions n·i/size of the sorted sample set. A sample carries its record's tie-break, so a
// key held by many records is cut between ranks like any other run of records: skew in keys
// does not pile one key onto one rank (a key with 90% of the records spreads over ~90% of the
// ranks). Ranks may still get unequal shares by sampling error (≈ 1/sqrt(samples) of the total)
// or when there are fewer records than ranks.
// Memory: staging holds up to memory_bytes / 4 in memory, then spills (RecordBuffer); the sample
// holds samples_per_rank keys; the exchange is a HashShuffle with options.shuffle (its budget),
// fed from the staged records, which are freed before the exchange. So at most about
// shuffle.memory_bytes plus the sample plus fixed buffers (~5 MiB for readers and writers).
// Collective: Sort is collective; Add and ForEach are local. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

struct SortOptions {
  bool descending = false;
  size_t samples_per_rank = 1024;
  ShuffleOptions shuffle;  // budget, rounds, spill folder; its partitioner is ignored
};

// Deterministic reservoir sample (Vitter's algorithm R, xorshift64 from the seed) of up to
// `capacity` strings. Local. Exposed for tests and for callers that sample without sorting.
class SampleReservoir {
 public:
  SampleReservoir(uint64_t seed, size_t capacity);
  void Offer(std::string_view item);
  const std::vector<std::string>& items() const { return items_; }
  uint64_t seen() const { return seen_; }

 private:
  uint64_t state_;
  size_t capacity_;
  uint64_t seen_ = 0;
  std::vector<std::string> items_;
};

// Collective: every rank passes its sample; every rank gets the same size - 1 ascending
// splitters (fewer, none, if there are no samples at all): the samples at n·i/size of the union.
// Rank of a key = number of splitters <= key (std::upper_bound).
std::vector<std::string> ChooseSplitters(const MpiContext& mpi,
                                         const std::vector<std::string>& sample);

class GlobalSort {
 public:
  GlobalSort(const MpiContext& mpi, SortOptions options);
  ~GlobalSort();
  GlobalSort(const GlobalSort&) = delete;
  GlobalSort& operator=(const GlobalSort&) = delete;

  // Local, before Sort. Copies the record. Returns an error only if staging fails to spill;
  // then still call Sort(false).
  Status Add(std::string_view key, std::string_view value);

  // Collective. Chooses splitters and sends every record to its rank. If any rank passes
  // local_ok = false (or fails here), every rank gets an error (Aborted on the others) and no
  // rank hangs.
  Status Sort(bool local_ok = true);

  // Local, after a successful Sort. fn gets this rank's records in order (see above); its
  // first error stops the walk and is returned. May be called more than once.
  Status ForEach(const std::function<Status(std::string_view key, std::string_view value)>& fn);

  // How many records the last ForEach gave (0 before one); and the exchange's figures (after Sort).
  uint64_t records() const { return records_out_; }
  const ShuffleStats& shuffle_stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t records_out_ = 0;
};

}  // namespace rankflow
