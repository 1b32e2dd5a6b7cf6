// Local stand-ins for the cloud, shared by the provision tests.
//   LoopbackSshd: the sshd that scripts/lib/services.sh started (RANKFLOW_TEST_SSHD_PORT/_DIR), or
//                 one of our own started the same way (sshd_start) and stopped on destruction.
//   PrivateMoto:  a moto_server of our own on a free port. Provision tests never share the moto
//                 that test.sh starts: other tests POST /moto-api/reset on it, which would wipe our
//                 instances in the middle of a test run in parallel.
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

class PrivateMoto {
 public:
  PrivateMoto();
  ~PrivateMoto();
  bool ok() const { return pid_ > 0; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& error() const { return error_; }

 private:
  TempDir tmp_;
  int pid_ = -1;
  std::string endpoint_;
  std::string error_;
};

// The fake credentials the provision tests use; a test greps for them where they must not be.
inline constexpr char kTestAccessKeyId[] = "AKIARANKFLOWTESTKEY1";
inline constexpr char kTestSecretKey[] = "rankflowTESTsecret/never+leaks0123456789";

}  // namespace rankflow::testing
