// Helpers for tests: temporary folders, running programs, reading files, paths of the build.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rankflow::testing {

// A fresh folder under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct CommandResult {
  int exit_code = -1;  // the exit status, or 128 + signal
  std::string output;  // stdout and stderr together, as the shell interleaved them
  // Peak resident set size in KiB of the largest process of the command's tree (the shell and
  // every descendant it waited for), from wait4: a memory bound a test can assert.
  int64_t max_rss_kb = 0;
};

// Runs `command` with /bin/sh -c, capturing stdout+stderr. timeout_s > 0 kills it after that long
// (then exit_code is 124).
CommandResult RunCommand(const std::string& command, int timeout_s = 120);

// build/bin/<name> (from RANKFLOW_BIN_DIR, set by ctest).
std::string BinPath(const std::string& name);
// <repository root>/<relative> (from RANKFLOW_SOURCE_DIR, set by ctest).
std::string SourcePath(const std::string& relative);
// "mpirun -n N --oversubscribe" with the flags tests need (run as root, no stray output).
std::string MpirunPrefix(int ranks);

std::string ReadFile(const std::string& path);
void WriteFile(const std::string& path, const std::string& contents);
// gzip-compresses `contents` into path (zlib, one member).
void WriteGzipFile(const std::string& path, const std::string& contents);
// Reads a file, gunzipping if it starts with the gzip magic.
std::string ReadMaybeGzipFile(const std::string& path);
std::vector<std::string> SplitLines(const std::string& text);

// The local path of the file with logical name `name` ("part-00000.csv", "model.h5") in the
// committed folder `dir`, found through dir/_SUCCESS (runtime/manifest.h ParseManifest): committed
// files carry an attempt id in their names, so tests never guess them. Throws std::runtime_error
// naming the folder if there is no manifest, it does not parse, or it lists no such file.
std::string CommittedFile(const std::string& dir, const std::string& name);
// The same from a manifest's text (e.g. an S3 _SUCCESS read by the test): the listed file's name
// relative to its folder ("part-00000-rf0123456789ab.csv"). Throws like CommittedFile.
std::string CommittedFileName(const std::string& manifest_json, const std::string& name);
// The logical names of every file dir/_SUCCESS lists, sorted. Throws like CommittedFile.
std::vector<std::string> CommittedNames(const std::string& dir);
// The local paths (dir + "/" + file) of every file dir/_SUCCESS lists, in the manifest's order
// (rank order for parts). Throws like CommittedFile.
std::vector<std::string> CommittedPaths(const std::string& dir);
// Every file and folder below `dir`, hidden ones included, as sorted paths relative to it
// (folders end in '/'): for "a committed folder holds _SUCCESS and what it lists, nothing else".
std::vector<std::string> TreeEntries(const std::string& dir);
// The same tree as a committed folder should look: "_SUCCESS" and each listed file's name in the
// folder (its attempt name), sorted. Throws like CommittedFile.
std::vector<std::string> CommittedTree(const std::string& dir);

}  // namespace rankflow::testing
