// GroupingShuffle: brings every (key, value) pair of a key to one rank and streams each key's
// values to a callback, with memory bounded by the budget even when one key holds most values.
//
//   GroupingShuffle g(mpi, ctx.shuffle_options());
//   g.Add(key, value);  ...                           // local (map side)
//   g.Exchange();                                     // collective
//   g.ForEachGroup([](std::string_view key, GroupValues& values) {
//     std::string_view v;
//     while (values.Next(&v)) use(v);                 // streamed, never all in memory
//     return Status::OK();
//   });
//
// How: a HashShuffle without combining, over unique keys (unique_key.h: escaped key + the adding
// rank + its add sequence number), placed by a hash of the key alone (HashOwner of the escaped
// key, so every record of a key meets on one rank). The shuffle's receive side spills sorted runs
// past its budget and merges them (ForEach/OpenCursor): a key's values arrive one at a time from
// the merge, never gathered.
// Order: keys on a rank in ascending byte order; a key's values in (adding rank, add order on that
// rank) order. Deterministic: the output is a function of each rank's inputs.
// Memory: the HashShuffle's budget (options.memory_bytes), plus the merge's readers (up to 64 runs
// × 64 KiB) — independent of the size of any one group. A single value must fit in memory.
// Collective: Exchange; Add and ForEachGroup are local. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

// The values of the current key, pulled one at a time.
class GroupValues {
 public:
  // The next value of this key into *value (valid until the next call); false at the end of the
  // group or on a read error (which ForEachGroup then returns). Values left unread when the
  // callback returns are skipped.
  bool Next(std::string_view* value);

 private:
  friend class GroupingShuffle;
  class Walker;
  explicit GroupValues(Walker* walker) : walker_(walker) {}
  Walker* walker_;
};

class GroupingShuffle {
 public:
  // options.partitioner is ignored (placement is by key hash).
  GroupingShuffle(const MpiContext& mpi, ShuffleOptions options);
  ~GroupingShuffle();
  GroupingShuffle(const GroupingShuffle&) = delete;
  GroupingShuffle& operator=(const GroupingShuffle&) = delete;

  // Local. Error only if spilling fails; then still call Exchange(false).
  Status Add(std::string_view key, std::string_view value);
  // Collective; see HashShuffle::Exchange for the failure protocol.
  Status Exchange(bool local_ok = true);
  // Local, after Exchange. fn gets each key of this rank once, in key order, with its values.
  // Returns fn's first error or a read error. May be called more than once.
  Status ForEachGroup(const std::function<Status(std::string_view key, GroupValues& values)>& fn);

  const ShuffleStats& stats() const { return shuffle_.stats(); }

 private:
  const MpiContext& mpi_;
  HashShuffle shuffle_;
  uint64_t seq_ = 0;
  std::string key_buf_;
};

}  // namespace rankflow
