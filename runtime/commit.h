// The output commit protocol, v2: the manifest is the commit point (as in Delta Lake and Iceberg,
// unlike Hadoop's rename committers). runtime/README.md ("Output commit") has the whole story.
//
//   OutputCommitter c(mpi, fs, dest, mode, {src});  // collective: checks dest, agrees, attempt id
//   auto f = c.NewPart("jsonl.gz");                 // part-RRRRR-<attempt>.jsonl.gz, invisible
//   ... write, f->Finish(), c.SetRecords(f, n) ...
//   c.Commit(local_ok, manifest_members);           // collective: all ok -> visible -> _SUCCESS
//
// Promises, whatever fails and wherever a rank is killed:
// - A reader that follows _SUCCESS's file list sees the old output or the new one, never a mix:
//   new files get names unique to this attempt and become visible before anything is deleted; the
//   one atomic step is writing _SUCCESS (a conditional write: a local rename under a folder lock,
//   one S3 PUT with If-None-Match / If-Match), and the old version's files are deleted only after.
// - Only files an earlier rankflow commit wrote are ever deleted: those its _SUCCESS lists, and
//   leftovers of crashed attempts (recognisable by name, see manifest.h). A dest holding anything
//   else is refused, as is a dest that is or holds a folder the job reads.
// - Of several jobs committing to one dest at once, exactly one wins; the others fail with
//   AlreadyExists ("another job committed … while this one ran") and remove their own files.
// - A rerun of the same command always works: leftovers of a killed attempt do not make a dest
//   "not empty"; the next successful commit removes them.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/manifest.h"
#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow {

enum class WriteMode { kError, kOverwrite };
Result<WriteMode> ParseWriteMode(const std::string& name);  // "error" | "overwrite"

struct OutputFileInfo {
  std::string path;  // full path as written
  std::string name;  // logical name (manifest.h)
  uint64_t bytes = 0;
  uint64_t records = 0;
};

class OutputCommitter {
 public:
  // Collective. Rank 0 reads dest/_SUCCESS (its version is the condition of the final write) and
  // lists dest. Fails on every rank (status()) with
  //   InvalidArgument  dest is or holds one of `sources` (folders or files the job reads), or
  //                    dest/_SUCCESS is not a rankflow manifest while dest holds files;
  //   AlreadyExists    kError and dest/_SUCCESS exists, or dest holds files rankflow did not write
  //                    (any mode: overwrite never deletes foreign files).
  // Leftovers of killed attempts (attempt names no manifest lists) are not an obstacle.
  OutputCommitter(const MpiContext& mpi, FileSystem& fs, std::string dest, WriteMode mode,
                  std::vector<std::string> sources = {});
  ~OutputCommitter();  // aborts every part not yet committed

  const Status& status() const { return status_; }
  const std::string& dest() const { return dest_; }
  const std::string& attempt() const { return attempt_; }  // same on every rank

  // A new invisible part "dest/<stem>-RRRRR-<attempt>.<ext>" (RRRRR = rank, 5 digits; logical
  // name "<stem>-RRRRR.<ext>"). The committer owns it; the caller writes through the returned
  // pointer, calls Finish() on it, and reports records with SetRecords. Never null: if the file
  // cannot be created, every call on the returned part fails with the reason (and so does
  // Commit). Abort() on a part makes this rank's Commit fail; Publish() is the committer's.
  // A RecordWriter writes through it with RecordWriter(part, format).
  WritableFile* NewPart(const std::string& extension, const std::string& stem = "part");
  // The same in the Hive-style partition folder `folder` of dest (IsPartitionFolder, manifest.h:
  // "dt=2015-08-06", "dt=2015-08-06/hr=07"; "" = dest itself): logical name
  // "<folder>/<stem>-RRRRR.<ext>", on disk "dest/<folder>/<stem>-RRRRR-<attempt>.<ext>". A rank
  // may open several parts in one folder (a writer that closes a part to bound its open files and
  // reopens the partition later): the second is "<stem>-RRRRR-1.<ext>", the third "-2", …
  // A folder that is not a partition folder makes the part fail (InvalidArgument). The commit
  // owns attempt-named files in such folders as it does in dest: a later overwrite removes the
  // files its manifest lists and a killed attempt's leftovers and temporaries there.
  WritableFile* NewPart(const std::string& extension, const std::string& stem,
                        const std::string& folder);
  // A new invisible file with logical name `name` (a base name, e.g. "model.h5"), written as
  // AttemptFileName(name, attempt()) in dest. Same contract as NewPart. Names must be unique
  // across ranks (the caller's business: usually one rank writes them).
  WritableFile* NewFile(const std::string& name);
  // Records written to a part (for the manifest).
  void SetRecords(WritableFile* part, uint64_t records);

  // Collective. local_ok=false (or a part that failed) makes every rank abort its parts. On
  // success dest/_SUCCESS holds `manifest_members` (a JSON object's members without braces, e.g.
  // "\"job\":\"top_terms\",…"), "attempt", and "files": every file with name, file, path, bytes,
  // records, sorted by name. Members that are not valid JSON, or named "files" or "attempt", fail
  // the commit (InvalidArgument).
  // Returns ok on every rank iff the output was committed; otherwise the failing rank gets its own
  // error and the others Aborted naming that rank. Call it once.
  Status Commit(bool local_ok, const std::string& manifest_members);
  // The files committed (every rank's), valid on rank 0 after a successful Commit.
  const std::vector<OutputFileInfo>& committed_files() const { return committed_; }

 private:
  struct Part;
  struct Previous;  // rank 0: what dest held when the job started
  WritableFile* AddPart(const std::string& folder, const std::string& name);
  void RemoveEmptyTemporaryFolders(const std::vector<std::string>& folders);
  Status Abandon(const Status& local);
  void RemoveEmptyTemporaryFolder();
  Status CommitOnRoot(const std::string& members, const std::vector<std::string>& gathered);
  const MpiContext& mpi_;
  FileSystem& fs_;
  std::string dest_;
  WriteMode mode_;
  Status status_;
  std::string attempt_;
  std::unique_ptr<Previous> previous_;
  std::vector<std::unique_ptr<Part>> parts_;
  std::vector<OutputFileInfo> committed_;
  std::map<std::string, int> part_sequence_;  // parts opened per logical name, for NewPart
  bool commit_called_ = false;
};

// True if `inner` is `outer` or lies inside it (local paths made absolute and canonical where they
// exist; s3a:// counts as s3://). The committer refuses a dest that holds one of the job's sources.
bool LocationInside(const std::string& inner, const std::string& outer);

}  // namespace rankflow
