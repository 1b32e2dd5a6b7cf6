// TweetTable: load_tweets' deduplication of normalized records by tweet id, without a hash table
// and without re-serializing records (jobs/load_tweets.h has the job's contract; the records'
// bytes: jobs/load_tweets_records.h).
//
//   TweetTable table(mpi.size(), mpi.rank(), limit_bytes, encoding);
//   table.Add(id, timestamp_ms, record);  // during the map phase; false past limit_bytes
//   table.Exchange(mpi, ...);             // collective, only with more than one rank
//   table.ForEach(fn);                    // this rank's winners, in id key order
//
// Each record is appended once, framed ([u32 key bytes][u32 record bytes][i64 timestamp_ms][key]
// [record]), to an arena of chunks kept per owner rank (HashOwner of the id key, the rank the
// HashShuffle would pick); a record this rank owns also gets a fixed-size entry (the key's first
// 20 bytes inline). Exchange sends each peer its chunks as they are (ExchangeBytes: one message
// per chunk, received straight into the final buffer), keeps the chunks this rank owns and adds
// an entry per record received. ForEach then sorts the entries and keeps, for each key, the record
// with the smallest timestamp_ms, then RecordLess (the smallest normalized JSON): the same answer,
// in the same order, on the same rank, as the HashShuffle with KeepEarliest that load_tweets falls
// back to (MoveTo) when the records do not fit.
//
// Memory: the framed records (record + 36 bytes each: header and key) in chunks of 256 KiB to 4 MiB
// (4 MiB / ranks), mapped with MAP_POPULATE, and 40 bytes per entry; after Exchange the records
// this rank owns and their entries. Not thread-safe: one thread at a time (the parse worker's
// sink or the main thread).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/load_tweets_records.h"
#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

class TweetTable {
 public:
  // `ranks` owners (the job's rank count), of which this is `rank`; at most `limit_bytes` of
  // framed records and entries; records in `encoding`.
  TweetTable(int ranks, int rank, uint64_t limit_bytes,
             RecordEncoding encoding = RecordEncoding::kJson);

  // Local. Appends a record for its owner; false (and nothing kept) once it would pass the limit.
  bool Add(std::string_view id, int64_t timestamp_ms, std::string_view record);
  // Local. Bytes this table holds for each owner rank (index = rank): framed records plus the
  // entries ForEach will sort, the memory each owner needs for them after Exchange.
  const std::vector<int64_t>& BytesByOwner() const { return bytes_by_owner_; }

  // Collective (ExchangeBytes): sends every other rank the records it owns and keeps this rank's
  // own plus what arrives. local_ok = false on any rank: every rank gets Aborted.
  Status Exchange(const MpiContext& mpi, bool local_ok, uint64_t* bytes_sent);

  // Local. Adds every record to `shuffle` (key IdKey, value EncodeTweetValue) and empties this
  // table, freeing each chunk once its records are in: records move rather than being held twice.
  Status MoveTo(HashShuffle* shuffle);

  // Local. Calls fn(timestamp_ms, record) for the earliest record of each id held here (at one
  // rank: all; after Exchange: those this rank owns), in key byte order. Returns fn's first error.
  Status ForEach(const std::function<Status(int64_t timestamp_ms, std::string_view record)>& fn);

 private:
  // One record this rank owns, as ForEach sorts it: the key's first 20 bytes inline (ids are
  // padded to 20, so every key has them), so that comparing two entries seldom leaves the array.
  struct Entry {
    char key[kIdKeyWidth];
    int64_t timestamp_ms;
    const char* framed;  // the record's frame (header, whole key, record)
  };
  bool EntryLess(const Entry& a, const Entry& b) const;
  static bool SameKey(const Entry& a, const Entry& b);
  void AddEntry(const char* framed);
  struct Unmap {
    size_t bytes;
    void operator()(char* p) const;  // munmap
  };
  using Chunk = std::unique_ptr<char, Unmap>;
  struct Arena {
    std::vector<Chunk> chunks;
    std::vector<size_t> used;  // bytes used in each chunk
  };
  // The owner rank of a tweet id: HashOwner of its IdKey.
  int Owner(std::string_view id) const;

  int ranks_;
  int rank_;
  uint64_t limit_bytes_;
  RecordEncoding encoding_;
  uint64_t bytes_ = 0;  // framed bytes held plus the future entries
  size_t chunk_bytes_;  // capacity of a new chunk
  std::vector<Arena> by_owner_;
  std::vector<int64_t> bytes_by_owner_;
  std::vector<std::string> received_;  // after Exchange: what each peer sent
  std::vector<Entry> entries_;         // the records this rank owns
};

}  // namespace rankflow
