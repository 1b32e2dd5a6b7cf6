// LoopbackSshd: the sshd of the ssh tests — the one scripts/lib/services.sh started
// (RANKFLOW_TEST_SSHD_PORT / RANKFLOW_TEST_SSHD_DIR), or one of our own started the same way
// (sshd_start) and stopped on destruction. ASSERT-free: check ok() and error().
#pragma once

#include <string>

#include "tests/util/test_util.h"

namespace rankflow::testing {

class LoopbackSshd {
 public:
  LoopbackSshd();
  ~LoopbackSshd();
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  const std::string& dir() const { return dir_; }
  std::string authorized_keys() const { return dir_ + "/authorized_keys"; }
  const std::string& error() const { return error_; }

 private:
  TempDir tmp_;
  bool own_ = false;
  int port_ = 0;
  std::string dir_;
  std::string error_;
};

}  // namespace rankflow::testing
