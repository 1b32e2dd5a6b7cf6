// FileSystem: the one interface the runtime reads and writes through. Local folders and S3
// (s3://bucket/prefix, s3a:// accepted) implement it; jobs never know which one they have.
//
// Visibility contract for writes (the commit protocol builds on it): a WritableFile's bytes are
// invisible under their final name until Publish(). Local: written to a temporary name in the same
// folder, renamed on Publish. S3: a multipart upload completed on Publish. Abort() (or destroying
// an unpublished file) discards everything: no visible file, no stray multipart upload.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <regex>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

struct FileInfo {
  std::string path;  // full path or URL as passed to OpenRead: "/data/a.jsonl.gz", "s3://b/k"
  uint64_t size = 0;
};

// A sequential byte stream. Not thread-safe.
class InputStream {
 public:
  virtual ~InputStream() = default;
  // Reads up to n bytes into buf. *got == 0 with an ok Status means end of stream.
  virtual Status Read(char* buf, size_t n, size_t* got) = 0;
};

// Reads from `in` until n bytes are in buf or the stream ends: *have < n only at the end.
// Inline: the fuzz targets (tests/operators/fuzz/run_fuzz.sh) link the Parquet reader without
// fs.cpp and its file systems.
inline Status ReadUpTo(InputStream& in, char* buf, size_t n, size_t* have) {
  *have = 0;
  while (*have < n) {
    size_t got = 0;
    RF_RETURN_IF_ERROR(in.Read(buf + *have, n - *have, &got));
    if (got == 0) break;
    *have += got;
  }
  return Status::OK();
}

// Bytes being written under a final name that stays invisible until Publish(). Not thread-safe.
class WritableFile {
 public:
  virtual ~WritableFile() = default;  // implementations call Abort() if not published
  virtual Status Append(std::string_view data) = 0;
  // Flushes everything so that Publish() cannot fail for lack of data (S3: uploads the last part).
  virtual Status Finish() = 0;
  // Makes the file visible under its final name, replacing any file there. Requires Finish().
  virtual Status Publish() = 0;
  // Discards the file. Idempotent; safe after a failed Append/Finish.
  virtual void Abort() = 0;
  virtual const std::string& path() const = 0;  // the final name
  virtual uint64_t bytes_written() const = 0;
};

class FileSystem {
 public:
  virtual ~FileSystem() = default;

  // Every file below `root` (recursively), whose base name matches `name_regex` if given
  // (std::regex_search), skipping names that start with '_' or '.' (markers, temporaries).
  // Sorted by path. A root that does not exist is NotFound; a root that is a file lists itself.
  virtual Status List(const std::string& root, const std::regex* name_regex,
                      std::vector<FileInfo>* out) = 0;
  // The paths of every manifest ("_SUCCESS") in `root` or below it, in folders List enters (none
  // hidden), sorted. A root that does not exist is NotFound; a root that is a file has none.
  virtual Status ListManifests(const std::string& root, std::vector<std::string>* out) = 0;
  // Size of one file; NotFound if absent.
  virtual Result<uint64_t> Size(const std::string& path) = 0;
  // Streams bytes [offset, offset + length) of a file; length = kToEnd reads to the end.
  static constexpr uint64_t kToEnd = ~uint64_t{0};
  virtual Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                          std::unique_ptr<InputStream>* out) = 0;
  // A new file at `path` that is invisible until Publish(). Creates parent folders as needed.
  virtual Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) = 0;
  // Writes a small file atomically (all or nothing visible): markers, manifests.
  virtual Status WriteSmallFile(const std::string& path, std::string_view contents) = 0;
  // Reads a whole small file.
  virtual Status ReadSmallFile(const std::string& path, std::string* contents) = 0;
  // True if a file exists at path.
  virtual Result<bool> Exists(const std::string& path) = 0;
  // Deletes files; missing ones are not an error.
  virtual Status Delete(const std::vector<std::string>& paths) = 0;
  // The temporaries of unpublished WritableFiles directly in `dir`, as opaque ids for
  // RemoveTemporaries (local: file names in dir/_temporary; S3: incomplete multipart uploads of
  // keys under the prefix). None is not an error, nor is a missing dir.
  virtual Status ListTemporaries(const std::string& dir, std::vector<std::string>* ids) = 0;
  // Removes those temporaries (missing ones are fine). Local: also removes dir/_temporary once it
  // is empty, so a committed folder holds no trace of its writers.
  virtual Status RemoveTemporaries(const std::string& dir, const std::vector<std::string>& ids) = 0;
  // The Hive-style partition folders below `dir` (relative paths, IsPartitionFolder in
  // manifest.h: "dt=2015-08-06", "dt=2015-08-06/hr=07"; other folders are not entered) whose
  // ListTemporaries may be non-empty (local: their _temporary folder exists; S3: an incomplete
  // multipart upload lies directly in them). Sorted. The commit uses it to find the temporaries of
  // a killed attempt's partitioned parts. None is not an error, nor is a missing dir.
  virtual Status ListTemporaryFolders(const std::string& dir,
                                      std::vector<std::string>* folders) = 0;

  // Conditional small files, the commit point of the output protocol (runtime/commit.h).
  // A version is an opaque token that changes whenever the file is replaced (S3: the ETag; local:
  // a 64-bit hash of the contents — manifests hold a unique attempt id, so two never collide).
  // ReadSmallFileVersion: NotFound if absent.
  virtual Status ReadSmallFileVersion(const std::string& path, std::string* contents,
                                      std::string* version) = 0;
  // Writes `contents` atomically iff the file's version is still `expected` ("" = iff it does
  // not exist). AlreadyExists "<path>: changed by another writer" when it is not; nothing is
  // written then. Local: the check and the rename happen under flock(2) on the folder. S3:
  // If-Match / If-None-Match on PutObject; a retried PUT whose first try landed is recognised by
  // reading the object back (equal contents = ours). Any other error: the outcome is unknown
  // unless ReadSmallFileVersion shows it.
  virtual Status WriteSmallFileIf(const std::string& path, std::string_view contents,
                                  const std::string& expected) = 0;
  // Joins a folder and a name with exactly one '/'.
  static std::string Join(const std::string& dir, const std::string& name);
};

// True for "s3://…" and "s3a://…".
bool IsS3Path(const std::string& path);

// The file system for a path: local for plain paths, S3 for s3:// and s3a:// (endpoint, region and
// credentials from the environment; see runtime/aws). Error if the S3 settings are unusable.
Status OpenFileSystem(const std::string& path, std::unique_ptr<FileSystem>* out);

// The S3 implementation behind OpenFileSystem, defined in runtime/s3_fs.cpp.
Status NewS3FileSystem(std::unique_ptr<FileSystem>* out);
// The local implementation, defined in runtime/local_fs.cpp.
std::unique_ptr<FileSystem> NewLocalFileSystem();

}  // namespace rankflow
