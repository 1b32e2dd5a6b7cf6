// Placeholder until the S3 file system lands (runtime/aws owner replaces this file).
#include "runtime/fs.h"

namespace rankflow {

Status NewS3FileSystem(std::unique_ptr<FileSystem>* out) {
  out->reset();
  return Status::InvalidArgument("s3:// paths are not supported by this build yet");
}

}  // namespace rankflow
