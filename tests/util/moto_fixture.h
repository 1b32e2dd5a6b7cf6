// Test fixtures for S3 and EC2 tests (tests/aws, tests/jobs, tests/interop, tests/provision): a
// moto_server (the one scripts/test.sh started, from RANKFLOW_TEST_MOTO_ENDPOINT, or one of our
// own on a free loopback port) and S3 clients on it. S3 tests share one moto with other suites:
// they use their own uniquely named buckets and never reset the server. Provision tests take a
// private one (MotoServer::Scope::kPrivate): other suites' /moto-api/reset would wipe their
// instances.
#pragma once

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "runtime/aws/s3_client.h"
#include "tests/util/test_util.h"

namespace rankflow::testing {

// A free TCP port on 127.0.0.1 (bound then released).
int FreeLoopbackPort();
// Polls url until it answers 2xx or timeout_ms passes.
bool WaitForHttp(const std::string& url, int timeout_ms);

// A child process started with argv, killed (SIGTERM, then SIGKILL) and reaped on destruction;
// also sent SIGTERM when the test process dies (a crashed test leaves nothing running).
class ChildProcess {
 public:
  ChildProcess(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env,
               const std::string& log_path);
  ~ChildProcess();
  pid_t pid() const { return pid_; }

 private:
  pid_t pid_ = -1;
};

class MotoServer {
 public:
  enum class Scope {
    kShared,   // RANKFLOW_TEST_MOTO_ENDPOINT if set, else our own
    kPrivate,  // always our own
  };
  explicit MotoServer(Scope scope = Scope::kShared);  // ASSERT-free: check ok() and error()
  bool ok() const { return !endpoint_.empty(); }
  const std::string& error() const { return error_; }
  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:PORT"

 private:
  std::string endpoint_;
  std::string error_;
  std::unique_ptr<ChildProcess> own_;
};

// Waits up to 10 s for a helper script to write its port into `port_file`; returns
// "http://127.0.0.1:PORT", or "" if it never did.
std::string WaitForPortFile(const std::string& port_file);

// tests/aws/fault_proxy.py in front of `upstream` on a free loopback port, misbehaving per
// `schedule` (one action per request, in order: "503x5", "drop", "down1000" …; see the script),
// with `extra_args` passed on ("--delay-ms", "5000"). Stopped on destruction. endpoint() is empty
// if the proxy did not start within 10 s.
class FaultProxy {
 public:
  FaultProxy(const std::string& upstream, const std::string& schedule,
             const std::vector<std::string>& extra_args = {});
  const std::string& endpoint() const { return endpoint_; }  // "http://127.0.0.1:PORT"
  // One line per request that reached the proxy: "ACTION METHOD PATH CLIENT_PORT".
  std::vector<std::string> Requests() const;
  // How many of those lines start with `action` followed by a space ("503", "redirect").
  size_t CountRequests(const std::string& action) const;

 private:
  TempDir dir_;
  std::string log_;
  std::string endpoint_;
  std::unique_ptr<ChildProcess> child_;
};

// The process-wide moto for this test binary (started on first use).
MotoServer& SharedMoto();

// "stem-<pid>-<n>": unique per process and call, valid as an S3 bucket name.
std::string UniqueBucket(const std::string& stem);

// A client on `endpoint` (path style, us-east-1, fake static credentials, fast retries).
std::shared_ptr<aws::S3Client> TestS3Client(const std::string& endpoint,
                                            aws::S3Options options = {}, int max_attempts = 5);
// The same with the given retry policy and credentials (the fake static ones when null).
std::shared_ptr<aws::S3Client> TestS3ClientWithRetry(
    const std::string& endpoint, const aws::RetryPolicy& retry,
    std::shared_ptr<aws::CredentialsProvider> credentials = nullptr, aws::S3Options options = {});

}  // namespace rankflow::testing
