// ForwardingFileSystem: a FileSystem that passes every call to another one. Tests derive from it
// and override the calls they want to fail, slow down or count.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/fs.h"

namespace rankflow::testing {

class ForwardingFileSystem : public FileSystem {
 public:
  explicit ForwardingFileSystem(std::unique_ptr<FileSystem> base) : base_(std::move(base)) {}

  Status List(const std::string& root, const std::regex* re, std::vector<FileInfo>* out) override {
    return base_->List(root, re, out);
  }
  Status ListManifests(const std::string& root, std::vector<std::string>* out) override {
    return base_->ListManifests(root, out);
  }
  Result<uint64_t> Size(const std::string& path) override { return base_->Size(path); }
  Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                  std::unique_ptr<InputStream>* out) override {
    return base_->OpenRead(path, offset, length, out);
  }
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return base_->NewWritableFile(path, out);
  }
  Status WriteSmallFile(const std::string& path, std::string_view contents) override {
    return base_->WriteSmallFile(path, contents);
  }
  Status ReadSmallFile(const std::string& path, std::string* contents) override {
    return base_->ReadSmallFile(path, contents);
  }
  Result<bool> Exists(const std::string& path) override { return base_->Exists(path); }
  Status Delete(const std::vector<std::string>& paths) override { return base_->Delete(paths); }
  Status ListTemporaries(const std::string& dir, std::vector<std::string>* ids) override {
    return base_->ListTemporaries(dir, ids);
  }
  Status RemoveTemporaries(const std::string& dir, const std::vector<std::string>& ids) override {
    return base_->RemoveTemporaries(dir, ids);
  }
  Status ListTemporaryFolders(const std::string& dir, std::vector<std::string>* folders) override {
    return base_->ListTemporaryFolders(dir, folders);
  }
  Status ReadSmallFileVersion(const std::string& path, std::string* contents,
                              std::string* version) override {
    return base_->ReadSmallFileVersion(path, contents, version);
  }
  Status WriteSmallFileIf(const std::string& path, std::string_view contents,
                          const std::string& expected) override {
    return base_->WriteSmallFileIf(path, contents, expected);
  }

 protected:
  FileSystem& base() { return *base_; }

 private:
  std::unique_ptr<FileSystem> base_;
};

}  // namespace rankflow::testing
