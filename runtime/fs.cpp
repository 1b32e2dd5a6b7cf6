#include "runtime/fs.h"

namespace rankflow {

std::string FileSystem::Join(const std::string& dir, const std::string& name) {
  if (dir.empty()) return name;
  std::string_view n = name;
  while (!n.empty() && n.front() == '/') n.remove_prefix(1);
  if (dir.back() == '/') return dir + std::string(n);
  return dir + "/" + std::string(n);
}

bool IsS3Path(const std::string& path) {
  return path.rfind("s3://", 0) == 0 || path.rfind("s3a://", 0) == 0;
}

Status OpenFileSystem(const std::string& path, std::unique_ptr<FileSystem>* out) {
  if (IsS3Path(path)) return NewS3FileSystem(out);
  *out = NewLocalFileSystem();
  return Status::OK();
}

}  // namespace rankflow
