// The S3 FileSystem (s3://bucket/prefix and s3a://bucket/prefix) behind runtime/fs.h.
//
//   List      ListObjectsV2 under "prefix/" (all pages), regex on the base name, names (or folders)
//             starting with '_' or '.' skipped, sorted; a prefix that is itself an object lists it.
//   OpenRead  a stream of ranged GETs, several in flight ahead of the reader (S3RangeReader); no
//             HeadObject even to the end (the first GET's Content-Range tells the size).
//   NewWritableFile  a multipart upload (parts of S3Options::part_size_bytes uploaded in parallel
//             while writing), completed only by Publish(); Abort() aborts it: nothing visible.
//   WriteSmallFile   PutObject (atomic).  Delete  DeleteObjects in batches of 1000.
//   ListTemporaries / RemoveTemporaries  incomplete multipart uploads directly under the folder.
//   WriteSmallFileIf  PutObject with If-None-Match: * / If-Match: <etag>.
// Paths keep the scheme they were given in (s3a:// stays s3a://). Thread-safe.
#pragma once

#include <memory>

#include "runtime/aws/s3_client.h"
#include "runtime/fs.h"

namespace rankflow {

// The S3 file system on a given client (tests use small page and part sizes).
std::unique_ptr<FileSystem> NewS3FileSystemWithClient(std::shared_ptr<aws::S3Client> client);

}  // namespace rankflow
