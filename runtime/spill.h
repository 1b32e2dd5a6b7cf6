// Spill runs: the one on-disk format for records that do not fit the memory budget. HashShuffle
// spills its tables with it; GlobalSort stages its input and ShuffleJoin buffers one side of a
// key with it (RecordBuffer).
//
// A SpillFile is a ScratchFile (created in the spill folder and unlinked at once, so even a
// killed job leaves nothing) that records are appended to and read back from with pread. A run is
// a byte range of it holding framed records: varint key length, varint value length, key, value.
//
//   Result<std::unique_ptr<SpillFile>> file = SpillFile::Open(SpillDirectory(dir), "shuffle");
//   RunWriter w(file->get());  w.Add(k, v) ...;  SpillRange run;  w.Finish(&run);
//   RunReader r(file->get(), run);  bool has;  while (r.Advance(&has).ok() && has) use(r.key());
//
// Local, not thread-safe. Errors are IOError naming the owner and the folder ("shuffle: writing
// spill file in /tmp: no space left on device"), Corruption for a damaged run.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/scratch_file.h"
#include "runtime/status.h"

namespace rankflow {

// Appends one framed record (varint key length, varint value length, key, value) to *out.
void AppendFramedRecord(std::string* out, std::string_view key, std::string_view value);
// Parses one framed record at [p, end). Returns the byte after it, or nullptr if the record is
// incomplete there.
const char* ParseFramedRecord(const char* p, const char* end, std::string_view* key,
                              std::string_view* value);

struct SpillRange {
  uint64_t offset = 0;
  uint64_t length = 0;
};

// An unnamed file that grows by appends and is read with pread. Owns its ScratchFile.
class SpillFile {
 public:
  // A new empty file in `dir`. `owner` starts every error message ("shuffle: cannot create spill
  // file in /x: no such file or directory", "shuffle: writing spill file in /x: …").
  static Result<std::unique_ptr<SpillFile>> Open(const std::string& dir, std::string owner);
  uint64_t size() const { return size_; }
  Status Append(std::string_view data);
  Status ReadAt(uint64_t offset, char* buf, size_t n) const;
  // Drops every byte (ftruncate to 0): later appends start at offset 0 again.
  Status Truncate();

 private:
  SpillFile(ScratchFile file, std::string dir, std::string owner)
      : file_(std::move(file)), dir_(std::move(dir)), owner_(std::move(owner)) {}
  ScratchFile file_;
  std::string dir_;
  std::string owner_;
  uint64_t size_ = 0;
};

// Buffered appends of framed records to a SpillFile (1 MiB buffer), producing one SpillRange.
class RunWriter {
 public:
  explicit RunWriter(SpillFile* file);
  Status Add(std::string_view key, std::string_view value);
  Status Finish(SpillRange* range);

 private:
  Status Flush();
  SpillFile* file_;
  uint64_t start_;
  std::string buf_;
};

// Framed records, one at a time, from a range of a SpillFile (read 64 KiB at a time; the buffer
// grows only for a record larger than that) or from memory.
class RunReader {
 public:
  RunReader(const SpillFile* file, SpillRange range);
  explicit RunReader(std::string_view memory);
  // Moves to the next record; *has = false at the end. key()/value() are valid until the next
  // call.
  Status Advance(bool* has);
  std::string_view key() const { return key_; }
  std::string_view value() const { return value_; }

 private:
  Status Refill();
  const SpillFile* file_ = nullptr;
  uint64_t next_ = 0;
  uint64_t end_ = 0;
  std::string buf_;
  std::string_view memory_;
  size_t pos_ = 0;
  std::string_view key_;
  std::string_view value_;
};

// An append-only sequence of records that can be read back from the start any number of times:
// in memory while its framed bytes stay within `memory_limit`, then (everything so far and all
// later records) in a SpillFile opened on first need in `spill_dir`. Memory: at most
// memory_limit + a 1 MiB write buffer; each Reader adds 64 KiB when spilled.
class RecordBuffer {
 public:
  // `owner` starts error messages, as in SpillFile::Open.
  RecordBuffer(uint64_t memory_limit, std::string spill_dir, std::string owner);
  Status Add(std::string_view key, std::string_view value);
  // Empties the buffer (memory freed, spill file truncated) for reuse.
  Status Clear();
  uint64_t records() const { return records_; }
  bool spilled() const { return writer_ != nullptr; }

  // Replays the records in the order they were added. Flushes pending writes first, so Add must
  // not be called while a Reader is in use.
  Result<RunReader> Read();

 private:
  Status Spill();
  uint64_t memory_limit_;
  std::string spill_dir_;
  std::string owner_;
  std::string memory_;
  std::unique_ptr<SpillFile> file_;
  std::unique_ptr<RunWriter> writer_;  // set while records go to the file
  uint64_t records_ = 0;
};

}  // namespace rankflow
