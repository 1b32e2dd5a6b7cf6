// OutputFiles: the all-or-nothing output of the learning jobs (make_training_data, train_mlp,
// classify_tweets), which write a few named files (not part-RRRRR files) into one folder, local
// or S3, following the commit protocol of shared/DESIGN.md:
//
//   OutputFiles out(mpi, fs, dest);              // no I/O
//   out.CheckDest(overwrite);                    // collective: AlreadyExists unless overwrite
//   out.AddBytes("metrics.csv", text);           // any rank: an invisible file under dest/
//   out.AddLocalFile("model.h5", "/tmp/x.h5");   // any rank: bytes of a local file
//   out.Commit(local_ok, manifest_members);      // collective: all ok -> publish, then _SUCCESS
//
// Until Commit nothing is visible; if any rank passes local_ok = false or any Add failed, every
// rank aborts its files and no _SUCCESS appears. With overwrite, the old _SUCCESS is removed
// first and files of the old output that the new one does not have are deleted before the new
// _SUCCESS is written. Not thread-safe.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow::ml {

class OutputFiles {
 public:
  OutputFiles(const MpiContext& mpi, FileSystem& fs, std::string dest);
  ~OutputFiles();  // aborts files not committed

  // Collective. AlreadyExists (on every rank) if dest/_SUCCESS or any visible file exists there
  // and overwrite is false.
  Status CheckDest(bool overwrite);
  // This rank writes dest/<name> (name may contain '/'). Errors are remembered for Commit too.
  Status AddBytes(const std::string& name, const std::string& bytes);
  Status AddLocalFile(const std::string& name, const std::string& local_path);
  // Collective. manifest_members: JSON object members without braces ("\"job\":\"x\",…"); rank 0
  // adds "files": [{"path", "bytes"}] of every rank. Ok on every rank iff committed.
  Status Commit(bool local_ok, const std::string& manifest_members);

  const std::string& dest() const { return dest_; }
  // Names (relative to dest) of every committed file, on rank 0 after Commit.
  const std::vector<std::string>& committed() const { return committed_; }

 private:
  const MpiContext& mpi_;
  FileSystem& fs_;
  std::string dest_;
  bool overwrite_ = false;
  Status first_error_;
  std::vector<std::unique_ptr<WritableFile>> files_;
  std::vector<std::string> names_;
  std::vector<std::string> committed_;
};

// Escapes a string for a JSON string literal (without the quotes); runtime/metrics.h's
// AppendJsonString does the work, so invalid UTF-8 becomes U+FFFD.
std::string JsonEscape(const std::string& s);

}  // namespace rankflow::ml
