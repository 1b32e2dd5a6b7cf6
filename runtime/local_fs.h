// LocalFileSystem: the FileSystem for plain paths (see runtime/fs.h for the contract).
//
// Reads stream with pread(2) into the caller's buffer (no mmap, no whole-file reads). Writes go to
// "<dir>/_temporary/<name>.<pid>.<n>" on the same file system, so Publish() is one rename(2);
// Finish() flushes and fsyncs. Errors name the path and the reason, lowercase:
// "/x/y: no such file or directory".
//
// Thread-safety: a LocalFileSystem may be used from several threads at once; the streams and
// files it returns may not.
#pragma once

#include <memory>
#include <string>

#include "runtime/fs.h"
#include "runtime/status.h"

namespace rankflow {

// The temporary folder a local WritableFile under `dir` writes into.
inline constexpr const char* kLocalTemporaryDir = "_temporary";

// Turns an errno value into a Status "<path>: <reason>" with the matching code (ENOENT ->
// NotFound, EACCES/EPERM/EROFS -> PermissionDenied, others -> IOError).
Status ErrnoStatus(const std::string& path, int errnum);

}  // namespace rankflow
