#include "tests/provision/loopback.h"

#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

namespace rankflow::testing {
namespace {

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

}  // namespace

LoopbackSshd::LoopbackSshd() {
  const char* port = std::getenv("RANKFLOW_TEST_SSHD_PORT");
  const char* dir = std::getenv("RANKFLOW_TEST_SSHD_DIR");
  if (port != nullptr && dir != nullptr && *port && *dir) {
    port_ = std::atoi(port);
    dir_ = dir;
    return;
  }
  own_ = true;
  dir_ = tmp_.Join("sshd");
  auto r = RunCommand("bash -c 'source " + SourcePath("scripts/lib/services.sh") +
                          " && sshd_start " + dir_ + " && echo PORT=$RANKFLOW_TEST_SSHD_PORT'",
                      30);
  auto pos = r.output.find("PORT=");
  if (r.exit_code != 0 || pos == std::string::npos) {
    error_ = "sshd_start failed: " + r.output;
    return;
  }
  port_ = std::atoi(r.output.c_str() + pos + 5);
}

LoopbackSshd::~LoopbackSshd() {
  if (own_) RunCommand("kill $(cat " + dir_ + "/sshd.pid) 2>/dev/null", 10);
}

PrivateMoto::PrivateMoto() {
  int port = FreePort();
  std::string log = tmp_.Join("moto.log");
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test must not leave moto running
    setenv("S3_UPLOAD_PART_MIN_SIZE", "1", 1);
    freopen(log.c_str(), "w", stdout);
    freopen(log.c_str(), "a", stderr);
    execlp("moto_server", "moto_server", "-H", "127.0.0.1", "-p", std::to_string(port).c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  endpoint_ = "http://127.0.0.1:" + std::to_string(port);
  for (int i = 0; i < 150; ++i) {
    if (RunCommand("curl -fs " + endpoint_ + "/moto-api/ >/dev/null", 5).exit_code == 0) {
      // moto builds its EC2 backend on the first EC2 request (~3 s here): pay that now, so the
      // timings tests take are provisioning's, not moto's start-up.
      RunCommand("curl -fs -o /dev/null -X POST " + endpoint_ +
                     "/ -H 'Authorization: AWS4-HMAC-SHA256 Credential=warmup/20240101/us-east-1/"
                     "ec2/aws4_request, SignedHeaders=host, Signature=0' -H 'Content-Type: "
                     "application/x-www-form-urlencoded' -d 'Action=DescribeInstances&Version="
                     "2016-11-15'",
                 30);
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "moto_server exited: " + ReadFile(log);
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  error_ = "moto_server did not answer on " + endpoint_;
}

PrivateMoto::~PrivateMoto() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

}  // namespace rankflow::testing
