#include "tests/util/loopback_sshd.h"

#include <cstdlib>

namespace rankflow::testing {

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

}  // namespace rankflow::testing
