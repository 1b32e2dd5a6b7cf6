// The _SUCCESS manifest of a committed output folder, and the names of a commit attempt's files.
//
// A committed folder holds `_SUCCESS` and the files it lists. The manifest is a JSON object: the
// job's members (job, arguments, times, counters…), "attempt" (the id of the commit attempt that
// wrote it) and "files": [{"name", "file", "path", "bytes", "records"}, …] where
//   file  = the file's name relative to the folder ("part-00000-rf0123456789ab.jsonl.gz"),
//   name  = its logical name, without the attempt ("part-00000.jsonl.gz", "model.h5"),
//   path  = the full path it was written to (informational: a copied folder keeps stale paths).
// Readers resolve files as folder + "/" + file, so a moved or copied folder still reads right.
// Manifests of rankflow before commit v2 have only "path"; ParseManifest derives the rest.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

inline constexpr const char* kManifestName = "_SUCCESS";

struct ManifestFile {
  std::string name;  // logical name
  std::string file;  // relative to the folder
  std::string path;  // as recorded
  uint64_t bytes = 0;
  uint64_t records = 0;
};

struct Manifest {
  std::string attempt;  // empty for manifests written before commit v2
  std::vector<ManifestFile> files;
  // The file with that logical name, or null.
  const ManifestFile* Find(std::string_view name) const;
};

// Parses the manifest of folder `dir`. InvalidArgument "<dir>/_SUCCESS: not a rankflow manifest
// (…)" for anything else (not JSON, no "files" array, a file outside the folder) — for example the
// empty _SUCCESS that Spark and Hadoop write.
Status ParseManifest(const std::string& dir, std::string_view json, Manifest* out);

// A new attempt id: "rf" + 12 lowercase hex digits from the system's random source.
std::string NewAttemptId();

// The final name of logical name `name` (a base name, no '/') for an attempt: the attempt goes
// before the first '.', e.g. ("part-00000.jsonl.gz", "rf0123456789ab") ->
// "part-00000-rf0123456789ab.jsonl.gz"; ("model.h5", …) -> "model-rf0123456789ab.h5".
std::string AttemptFileName(std::string_view name, std::string_view attempt);

// True for a base name that AttemptFileName made (it holds "-rf" + 12 hex digits followed by '.'
// or the end). Only such names are ever removed as leftovers of an earlier attempt.
bool IsAttemptFileName(std::string_view base_name);

// True for a Hive-style partition folder, relative to an output folder: one or more components
// "key=value" joined by '/', each with a non-empty key that does not start with '_' or '.', a
// non-empty value, and no "." / ".." (e.g. "dt=2015-08-06", "dt=2015-08-06/hr=07"). A commit
// writes parts into such folders (OutputCommitter::NewPart with a folder) and owns the
// attempt-named files in them; readers that know Hive partitioning (DuckDB's hive_partitioning,
// Athena, Spark) read each key as a column.
bool IsPartitionFolder(std::string_view rel_folder);

}  // namespace rankflow
