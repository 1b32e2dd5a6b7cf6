// HashShuffle: group (key, value) pairs by key across ranks with bounded memory.
//
//   HashShuffle s(mpi, options, combine);
//   s.Add(key, value);  ...            // local, during the map phase: map-side combine
//   s.Exchange();                      // collective: MPI_Alltoallv in rounds of bounded size
//   s.ForEach([](key, value) {...});   // local: this rank's keys, each once, in key byte order
//
// Keys and values are byte strings. `combine(acc, v)` folds a value into the accumulated value of
// the same key (count addition, keep-earliest …); it must be associative and commutative, since
// values meet in any order. A key goes to rank hash(key) % size unless a partitioner is given.
// Memory: the map-side table and the receive-side table each spill sorted runs to
// options.spill_dir when their bytes pass options.memory_bytes / 2; ForEach merges the runs, so a
// shuffle larger than memory completes with the same answer.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow {

struct ShuffleOptions {
  uint64_t memory_bytes = 256ull << 20;  // --memory-mb: budget for both tables together
  uint64_t round_bytes = 8ull << 20;     // bytes one rank sends per Alltoallv round (all peers)
  std::string spill_dir;                 // empty: $TMPDIR or /tmp
  // Optional: which rank owns a key (range partitioning for sorted output). Must return [0, size).
  std::function<int(std::string_view key)> partitioner;
};

struct ShuffleStats {
  uint64_t pairs_added = 0;  // Add() calls
  uint64_t pairs_sent = 0;   // after map-side combine
  uint64_t bytes_sent = 0;
  uint64_t rounds = 0;
  uint64_t spilled_runs = 0;
  uint64_t spilled_bytes = 0;
  uint64_t keys_out = 0;  // distinct keys on this rank after Exchange
};

// What HashShuffle::OpenCursor returns: this rank's keys in key byte order, each once with its
// fully combined value. Holds the shuffle's spill readers; must not outlive the shuffle.
class ShuffleCursor {
 public:
  virtual ~ShuffleCursor() = default;
  // Moves to the next key; *has = false at the end. key() and value() stay valid until the next
  // call.
  virtual Status Next(bool* has) = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class HashShuffle {
 public:
  using Combine = std::function<void(std::string* acc, std::string_view value)>;

  HashShuffle(const MpiContext& mpi, ShuffleOptions options, Combine combine);
  ~HashShuffle();  // removes spill files
  HashShuffle(const HashShuffle&) = delete;
  HashShuffle& operator=(const HashShuffle&) = delete;

  // Local. Adds a pair (combined into an existing key's value on this rank). May spill.
  // Returns an error only if spilling fails (disk full); then the caller must still call Exchange
  // with local_ok = false so that the other ranks learn it.
  Status Add(std::string_view key, std::string_view value);

  // Collective. Sends every pair to its owner in rounds of at most round_bytes per rank, and
  // aggregates what arrives. If any rank passes local_ok = false, every rank stops exchanging and
  // gets Aborted; errors during the exchange (spill failures) are agreed on the same way.
  Status Exchange(bool local_ok = true);

  // Local, after Exchange. Calls fn for every key owned by this rank, in key byte order, with its
  // fully combined value. Returns fn's first error, or a spill read error.
  Status ForEach(const std::function<Status(std::string_view key, std::string_view value)>& fn);

  // Local, after Exchange: the same records as ForEach, pulled one at a time (for callers that
  // stream a run of keys to someone else, e.g. GroupingShuffle). Several cursors may be open.
  Result<std::unique_ptr<ShuffleCursor>> OpenCursor();

  const ShuffleStats& stats() const { return stats_; }

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
  ShuffleStats stats_;
};

// The rank HashShuffle sends `key` to when no partitioner is given: a hash of the key bytes modulo
// `size` (> 0). Local and cheap; jobs that partition records themselves use it so that their
// placement matches the shuffle's.
int HashOwner(std::string_view key, int size);
// The shuffle's 64-bit hash of a byte string (FNV-1a, then a splitmix64 finalizer: every output bit
// depends on every input bit). HashOwner is KeyHash64 % size. Local, pure.
uint64_t KeyHash64(std::string_view key);

// Collective: every rank calls it, in the same order. Sends rank d the bytes of outgoing[d]
// (pieces, concatenated in order) and returns in (*incoming)[s] the bytes rank s sent to this
// rank, for every s (resized to exactly that; (*incoming)[rank] stays empty: a rank's own pieces
// are not copied). For records a caller already holds grouped by destination: one point-to-point
// message per piece, straight from the callers' memory into `incoming`, with no staging buffer,
// no hashing and no per-record work. Costs one MPI_Alltoall and one MPI_Alltoallv of the piece
// sizes, then the messages. Pieces must be under 2 GiB each; the caller's memory must stay valid
// until it returns. If any rank passes local_ok = false nothing is sent and every rank gets
// Aborted. *bytes_sent (if given) is the number of bytes this rank sent to other ranks.
Status ExchangeBytes(const MpiContext& mpi,
                     const std::vector<std::vector<std::string_view>>& outgoing, bool local_ok,
                     std::vector<std::string>* incoming, uint64_t* bytes_sent = nullptr);

// Little helpers for the most common values: u64 counts encoded as 8 little-endian bytes.
std::string EncodeU64(uint64_t v);
uint64_t DecodeU64(std::string_view bytes);
// combine = sum of u64 counts.
void CombineSumU64(std::string* acc, std::string_view value);

}  // namespace rankflow
