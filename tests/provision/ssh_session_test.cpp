// Against a loopback sshd (labels: ssh).
#include "provision/ssh_session.h"

#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>

#include "provision/ssh_key.h"
#include "tests/provision/loopback.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::LoopbackSshd;
using rankflow::testing::TempDir;

class SshSessionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(sshd_.ok()) << sshd_.error();
    auto key = GenerateEd25519Key("ssh-session-test");
    ASSERT_TRUE(key.ok());
    key_path_ = dir_.Join("id_ed25519");
    ASSERT_TRUE(WriteKeyFiles(key_path_, *key).ok());
    std::ofstream(sshd_.authorized_keys(), std::ios::app) << key->public_line << "\n";
  }
  SshOptions Options(const std::string& host) {
    SshOptions o;
    o.host = host;
    o.port = sshd_.port();
    o.user = "root";
    o.private_key_path = key_path_;
    o.connect_timeout_ms = 5000;
    return o;
  }
  LoopbackSshd sshd_;
  TempDir dir_;
  std::string key_path_;
};

TEST_F(SshSessionTest, ExecStreamsStdoutAndStderrAndReturnsExitCode) {
  auto s = SshSession::Connect(Options("127.0.0.5"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ((*s)->host_key_type(), "ssh-ed25519");
  EXPECT_FALSE((*s)->host_key_blob().empty());
  std::string out, err;
  auto r = (*s)->Exec(
      "echo out1; echo err1 >&2; seq 1 20000 | tail -n 1; exit 7",
      [&](std::string_view c) { out.append(c); }, [&](std::string_view c) { err.append(c); },
      10000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 7);
  EXPECT_EQ(out, "out1\n20000\n");
  EXPECT_EQ(err, "err1\n");
  // The same session runs a second command, with stdin.
  out.clear();
  auto r2 = (*s)->Exec(
      "wc -c", [&](std::string_view c) { out.append(c); }, nullptr, 10000,
      std::string(100000, 'x'));
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  EXPECT_EQ(r2->exit_code, 0);
  EXPECT_EQ(out, "100000\n");
}

TEST_F(SshSessionTest, UploadWritesFileWithMode) {
  auto s = SshSession::Connect(Options("127.0.0.4"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string path = dir_.Join("up/load'ed file");
  ASSERT_TRUE((*s)->Upload(path, "secret-ish\ncontents", 0600, 10000).ok());
  EXPECT_EQ(rankflow::testing::ReadFile(path), "secret-ish\ncontents");
  std::string mode;
  auto r = (*s)->Exec(
      "stat -c %a " + ShellQuote(path), [&](std::string_view c) { mode.append(c); }, nullptr,
      10000);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(mode, "600\n");
}

TEST_F(SshSessionTest, CommandTimeoutIsAnError) {
  auto s = SshSession::Connect(Options("127.0.0.4"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto start = std::chrono::steady_clock::now();
  auto r = (*s)->Exec("sleep 30", nullptr, nullptr, 500);
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(r.status().message().find("timed out"), std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST_F(SshSessionTest, KeepalivesHoldASilentCommandOpenPastTheDeadBound) {
  SshOptions o = Options("127.0.0.4");
  o.keepalive_interval_s = 1;  // libssh2 makes it 2
  o.dead_after_s = 3;
  auto s = SshSession::Connect(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::string out;
  // Four silent seconds: only the keepalive replies show the server is alive.
  auto r = (*s)->Exec(
      "sleep 4; echo done", [&](std::string_view c) { out.append(c); }, nullptr, 20000);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->exit_code, 0);
  EXPECT_EQ(out, "done\n");
}

// A node that vanishes without a RST (terminated, network gone): here the sshd process serving
// the session is frozen with SIGSTOP while a command runs, so the kernel still holds the
// connection open but nothing answers. Before keepalives the call waited for its whole timeout
// (or forever without one).
TEST_F(SshSessionTest, FrozenServerFailsWithinTheDeadBoundNamingTheHost) {
  SshOptions o = Options("127.0.0.4");
  o.keepalive_interval_s = 1;
  o.dead_after_s = 3;
  auto s = SshSession::Connect(o);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  pid_t frozen = 0;
  struct Thaw {  // destroyed before the session, so its disconnect is answered
    pid_t* pid;
    ~Thaw() {
      if (*pid > 0) kill(*pid, SIGCONT);
    }
  } thaw{&frozen};
  std::string out;
  auto start = std::chrono::steady_clock::now();
  // $PPID of the remote shell is the sshd process that carries this session's connection.
  auto r = (*s)->Exec(
      "echo $PPID; exec sleep 30",
      [&](std::string_view c) {
        out.append(c);
        if (frozen == 0 && out.find('\n') != std::string::npos) {
          frozen = static_cast<pid_t>(std::stol(out));
          ASSERT_GT(frozen, 1);
          ASSERT_EQ(kill(frozen, SIGSTOP), 0);
        }
      },
      nullptr, 20000);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_GT(frozen, 1) << out;
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnavailable);
  const std::string& m = r.status().message();
  EXPECT_EQ(m.rfind("ssh root@127.0.0.4:" + std::to_string(sshd_.port()) + ": ", 0), 0u) << m;
  EXPECT_NE(m.find("no answer from the server for 3 s"), std::string::npos) << m;
  EXPECT_GE(elapsed, std::chrono::seconds(3));
  EXPECT_LT(elapsed, std::chrono::seconds(6));
  // The session stays failed, at once.
  start = std::chrono::steady_clock::now();
  auto again = (*s)->Exec("true", nullptr, nullptr, 20000);
  ASSERT_FALSE(again.ok());
  EXPECT_NE(again.status().message().find("no answer from the server"), std::string::npos)
      << again.status().message();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(1));
}

TEST_F(SshSessionTest, UnknownKeyIsPermissionDenied) {
  auto other = GenerateEd25519Key("not-authorized");
  ASSERT_TRUE(other.ok());
  std::string path = dir_.Join("other_key");
  ASSERT_TRUE(WriteKeyFiles(path, *other).ok());
  SshOptions o = Options("127.0.0.4");
  o.private_key_path = path;
  auto s = SshSession::Connect(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kPermissionDenied) << s.status().ToString();
}

TEST_F(SshSessionTest, ClosedPortIsUnavailable) {
  SshOptions o = Options("127.0.0.1");
  o.port = 1;  // nothing listens there
  auto s = SshSession::Connect(o);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
  EXPECT_NE(s.status().message().find("127.0.0.1:1"), std::string::npos);
}

}  // namespace
}  // namespace rankflow::provision
