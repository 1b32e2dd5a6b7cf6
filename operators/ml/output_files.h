// The learning jobs' named files (make_training_data, train_mlp, classify_tweets) on the one
// commit protocol of every job: runtime's OutputCommitter (runtime/commit.h). This header only
// adapts: it has no protocol of its own.
//
//   OutputCommitter out(mpi, fs, dest, mode, {inputs});    // collective: checks dest
//   WriteOutputFile(out, "metrics.csv", csv, rows);         // any rank: NewFile, invisible
//   WriteOutputHdf5(out, "model-hidden-8.h5", *h5);         // a closed Hdf5File's bytes
//   out.Commit(local_ok, members);                          // collective: _SUCCESS lists them
//
// Committed files are named for the attempt ("metrics-rf0123456789ab.csv"); a reader finds them
// by logical name through the folder's _SUCCESS (FindCommittedFile), never by a fixed name.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/commit.h"
#include "runtime/fs.h"
#include "runtime/hdf5_file.h"
#include "runtime/status.h"

namespace rankflow::ml {

// Writes `bytes` as the committer's file with logical name `name` (a base name): NewFile, Append,
// Finish, SetRecords(records). The error also makes the commit fail.
Status WriteOutputFile(OutputCommitter& out, const std::string& name, std::string_view bytes,
                       uint64_t records = 0);
// The same with the bytes of `h5`, which must be closed (e.g. made by Hdf5File::CreateScratch).
Status WriteOutputHdf5(OutputCommitter& out, const std::string& name, const Hdf5File& h5,
                       uint64_t records = 0);

// The path (local or s3://) of the file with logical name `name` in the committed folder `dir`,
// as dir/_SUCCESS lists it (runtime/manifest.h). NotFound "<dir>/_SUCCESS: …" if the folder has
// no manifest (not a committed output) or it lists no such file; InvalidArgument if _SUCCESS is
// not a rankflow manifest. Reads one small file; call it on one rank and broadcast if needed.
Result<std::string> FindCommittedFile(FileSystem& fs, const std::string& dir,
                                      const std::string& name);

// `text` as a JSON string literal, quotes included (runtime's AppendJsonString).
std::string JsonQuoted(const std::string& text);

}  // namespace rankflow::ml
