// The output commit protocol (see shared/DESIGN.md, "Commit").
//
//   OutputCommitter c(mpi, fs, dest, mode);   // collective: checks dest per --mode, agrees
//   auto f = c.NewPart("jsonl.gz");          // this rank's part-RRRRR.jsonl.gz, invisible
//   ... write, f->Finish() ...
//   c.Commit(manifest_fields);               // collective: agree all ok, publish, _SUCCESS last
//
// Commit is all or nothing: if any rank reports failure (Abort or a failed Finish), every rank
// discards its parts and no _SUCCESS is written. With --mode overwrite the old output is removed
// only after every new part is complete: old _SUCCESS deleted, new parts published, old files not
// in the new set deleted, then the new _SUCCESS.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow {

enum class WriteMode { kError, kOverwrite };
Result<WriteMode> ParseWriteMode(const std::string& name);  // "error" | "overwrite"

struct OutputFileInfo {
  std::string path;
  uint64_t bytes = 0;
  uint64_t records = 0;
};

class OutputCommitter {
 public:
  // Collective. With kError, an existing dest/_SUCCESS or any visible file in dest fails on every
  // rank with AlreadyExists (status()); with kOverwrite it is left until Commit.
  OutputCommitter(const MpiContext& mpi, FileSystem& fs, std::string dest, WriteMode mode);
  ~OutputCommitter();  // aborts every part not yet committed

  const Status& status() const { return status_; }
  const std::string& dest() const { return dest_; }

  // A new invisible file "dest/<stem>-RRRRR.<ext>" (RRRRR = rank, 5 digits) or, with stem empty,
  // "part-RRRRR.<ext>". The committer owns it; the caller writes through the returned pointer,
  // calls Finish() on it, and reports records with SetRecords. Never null: if the file cannot be
  // created, every call on the returned part fails with the reason (and so does Commit). Abort()
  // on a part makes this rank's Commit fail; Publish() is the committer's (the caller's fails).
  // A RecordWriter writes through it with RecordWriter(part, format).
  WritableFile* NewPart(const std::string& extension, const std::string& stem = "part");
  // Records written to a part (for the manifest).
  void SetRecords(WritableFile* part, uint64_t records);

  // Collective. local_ok=false (or a part that fails to publish) makes every rank abort its parts.
  // On success rank 0 writes dest/_SUCCESS with `manifest_json` (a JSON object's members, without
  // braces, e.g. "\"job\":\"top_terms\",…") plus "files": every output file with bytes and records
  // ({"path": full path as NewPart named it, "bytes", "records"}, sorted by path). Members that are
  // not valid JSON, or a member named "files", fail the commit (InvalidArgument).
  // Returns ok on every rank iff the output was committed; otherwise the failing rank gets its own
  // error and the others Aborted naming that rank. Call it once.
  Status Commit(bool local_ok, const std::string& manifest_members);
  // The files committed (every rank's), valid on rank 0 after a successful Commit.
  const std::vector<OutputFileInfo>& committed_files() const { return committed_; }

 private:
  struct Part;
  Status Abandon(const Status& local);
  const MpiContext& mpi_;
  FileSystem& fs_;
  std::string dest_;
  WriteMode mode_;
  Status status_;
  std::vector<std::unique_ptr<Part>> parts_;
  std::vector<OutputFileInfo> committed_;
  bool commit_called_ = false;
};

}  // namespace rankflow
