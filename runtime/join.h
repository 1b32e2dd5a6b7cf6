// Joins of two keyed byte datasets.
//
// ShuffleJoin — both sides shuffled by key, spilling, bounded for skewed keys:
//
//   ShuffleJoin j(mpi, {.kind = JoinKind::kInner, .shuffle = ctx.shuffle_options()});
//   j.AddLeft(key, lvalue);  j.AddRight(key, rvalue);  ...     // local
//   j.Exchange();                                              // collective
//   j.ForEach([](std::string_view key, std::string_view left,
//                const std::string_view* right) {...});        // local
//
// Semantics: kInner calls fn once per (left, right) pair of equal keys; kLeft also once per left
// record whose key has no right record, with right == nullptr. Right records without a left match
// are dropped (no right/full outer join).
// How: one HashShuffle (no combine) over unique keys (unique_key.h) tagged by side, right = 0,
// left = 1, placed by a hash of the key alone; on each rank the merged stream gives, per key, all
// its right values and then all its left values. The right values of the current key go into a
// RecordBuffer (in memory up to memory_bytes / 4, spilled past it); the left values are then
// streamed in blocks of up to memory_bytes / 4, and for each block the right values are replayed
// once. So a key with 10^5 values on each side needs the budget, not memory for its 10^10 pairs
// (the pairs are produced one at a time; the callback's work is the caller's).
// Order: keys on a rank in ascending byte order. Within a key, for each block of left values (in
// (adding rank, add order) order), for each right value (same order), for each left value of the
// block: deterministic, but not left-major when the left values of a key span several blocks.
// Memory: the shuffle gets memory_bytes / 2, the right buffer and the left block memory_bytes / 4
// each: about memory_bytes in all, plus fixed reader and writer buffers (a few MiB). A single
// value must fit in memory.
// Collective: Exchange; the rest is local. Not thread-safe.
//
// BroadcastTable — the small side of a broadcast join, copied to every rank:
//
//   BroadcastTable small;
//   small.Add(key, value) ...;                  // local: this rank's part of the small side
//   small.Broadcast(mpi);                       // collective: every rank gets every record
//   small.ForEachMatch(key, [](std::string_view value) {...});   // local probe
//
// Probes cost a hash lookup; the big side is never shuffled. Memory: the whole small side on
// every rank (its bytes + ~64 bytes per record) and, during Broadcast, the gathered bytes
// twice; keep it to a few hundred MB at most. Values of a key come in (adding rank, add order).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

enum class JoinKind { kInner, kLeft };

struct JoinOptions {
  JoinKind kind = JoinKind::kInner;
  ShuffleOptions shuffle;  // memory_bytes is the whole join's budget; partitioner ignored
};

struct JoinStats {
  uint64_t pairs_out = 0;           // callback calls
  uint64_t right_spilled_keys = 0;  // keys whose right values did not fit their buffer
};

class ShuffleJoin {
 public:
  using Fn = std::function<Status(std::string_view key, std::string_view left,
                                  const std::string_view* right)>;

  ShuffleJoin(const MpiContext& mpi, JoinOptions options);
  ~ShuffleJoin();
  ShuffleJoin(const ShuffleJoin&) = delete;
  ShuffleJoin& operator=(const ShuffleJoin&) = delete;

  // Local, before Exchange. Error only if spilling fails; then still call Exchange(false).
  Status AddLeft(std::string_view key, std::string_view value);
  Status AddRight(std::string_view key, std::string_view value);
  // Collective; see HashShuffle::Exchange for the failure protocol.
  Status Exchange(bool local_ok = true);
  // Local, after Exchange: the join's output on this rank (see above). Returns fn's first error
  // or a spill error. May be called more than once.
  Status ForEach(const Fn& fn);

  const JoinStats& stats() const { return stats_; }
  const ShuffleStats& shuffle_stats() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  JoinStats stats_;
};

class BroadcastTable {
 public:
  // Local, before Broadcast.
  void Add(std::string_view key, std::string_view value);
  // Collective. Afterwards every rank holds every rank's records.
  void Broadcast(const MpiContext& mpi);
  // Local. Calls fn with each value of `key` (none: not called). Returns how many.
  size_t ForEachMatch(std::string_view key, const std::function<void(std::string_view)>& fn) const;
  size_t records() const { return records_; }

 private:
  std::string local_;  // framed records added here
  std::unordered_map<std::string, std::vector<std::string>> table_;
  size_t records_ = 0;
};

}  // namespace rankflow
