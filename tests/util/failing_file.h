// FailingFile: a WritableFile whose appends fail after `ok_appends` successes (a full disk), for
// tests of how writers report a failed append.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "runtime/fs.h"

namespace rankflow::testing {

class FailingFile : public WritableFile {
 public:
  explicit FailingFile(int ok_appends) : ok_appends_(ok_appends) {}
  Status Append(std::string_view data) override {
    if (ok_appends_-- <= 0) return Status::IOError("/full/disk: no space left on device");
    bytes_ += data.size();
    return Status::OK();
  }
  Status Finish() override { return Status::OK(); }
  Status Publish() override { return Status::OK(); }
  void Abort() override {}
  const std::string& path() const override { return path_; }
  uint64_t bytes_written() const override { return bytes_; }

 private:
  int ok_appends_;
  uint64_t bytes_ = 0;
  std::string path_ = "/full/disk";
};

}  // namespace rankflow::testing
