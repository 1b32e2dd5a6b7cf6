// TopK: the N best records without a full sort, globally or per group.
//
// "Best" is by key bytes: with `largest`, the N largest keys, largest first; otherwise the N
// smallest, smallest first (callers pass an order-preserving encoding). Ties between equal keys
// go to the record added first: lower adding rank, then earlier add on that rank. So the answer
// is a pure function of each rank's inputs (deterministic at any rank count for the same inputs
// per rank; and the same set of keys at any rank count).
//
// TopK (global):
//   TopK top(mpi, n, /*largest=*/true);
//   top.Add(key, value);  ...                 // local: a bounded heap of n records, O(log n)
//   top.Gather(mpi, ok, &rows);               // collective: rows on rank 0, best first
// Memory: n records per rank; rank 0 also holds every rank's n records while merging (n × size);
// for large n × ranks use GlobalSort instead. No shuffle, one gather.
//
// GroupTopK (per group):
//   GroupTopK g(mpi, n, /*largest=*/true, ctx.shuffle_options());
//   g.Add(group, key, value);  ...            // local, combined on the map side
//   g.Exchange();                             // collective
//   g.ForEach([](std::string_view group, const std::vector<TopKRow>& rows) {...});  // local
// How: a HashShuffle by group whose values are encoded lists of at most n entries and whose
// combine merges two lists and keeps the best n (associative and commutative: the tie-break makes
// the order total). Memory: the shuffle's budget; one group's list (n entries) must fit. Cost per
// Add: O(n) bytes copied (the merge), so meant for n up to a few thousand.
// Groups come in ascending byte order on each rank, each on one rank (hash placement).
// Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <queue>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

struct TopKRow {
  std::string key;
  std::string value;
};

class TopK {
 public:
  TopK(const MpiContext& mpi, size_t n, bool largest);
  // Local.
  void Add(std::string_view key, std::string_view value);
  // This rank's best records so far, best first. Local.
  std::vector<TopKRow> Local() const;
  // Collective. Rank 0 gets the global best n (fewer if there are fewer records), best first;
  // with all_ranks every rank gets them. Other ranks' *rows are emptied. If any rank passes
  // local_ok = false, every rank gets an error (Aborted on the others).
  Status Gather(const MpiContext& mpi, bool local_ok, std::vector<TopKRow>* rows,
                bool all_ranks = false) const;

 private:
  struct Entry {
    std::string order;  // escaped key (complemented when largest) + tie-break: smaller is better
    std::string key;
    std::string value;
  };
  struct WorseFirst {
    bool operator()(const Entry& a, const Entry& b) const { return a.order < b.order; }
  };
  size_t n_;
  bool largest_;
  uint64_t seq_ = 0;
  uint32_t rank_;
  std::priority_queue<Entry, std::vector<Entry>, WorseFirst> heap_;  // top = worst kept
  std::string order_buf_;
};

class GroupTopK {
 public:
  GroupTopK(const MpiContext& mpi, size_t n, bool largest, ShuffleOptions options);
  ~GroupTopK();
  GroupTopK(const GroupTopK&) = delete;
  GroupTopK& operator=(const GroupTopK&) = delete;

  // Local. Error only if spilling fails; then still call Exchange(false).
  Status Add(std::string_view group, std::string_view key, std::string_view value);
  // Collective; see HashShuffle::Exchange for the failure protocol.
  Status Exchange(bool local_ok = true);
  // Local, after Exchange. fn gets each group of this rank once with its best rows, best first.
  Status ForEach(
      const std::function<Status(std::string_view group, const std::vector<TopKRow>& rows)>& fn);

 private:
  const MpiContext& mpi_;
  size_t n_;
  bool largest_;
  uint64_t seq_ = 0;
  std::unique_ptr<HashShuffle> shuffle_;
  std::string entry_buf_;
};

}  // namespace rankflow
