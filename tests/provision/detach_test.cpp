// Detached jobs (issue 14, item 12; provision/detach.h). The supervisor script under bash with
// fakes for provision, ssh and sudo (the EC2 teardown: every node powers off); and end to end on
// a loopback cluster with moto (labels: ssh, e2e): `run --detach` returns at once, `status` shows
// the job, `logs` follows it from S3 and exits with its code, and the head tears the cluster down
// itself — nothing tagged is left, and the state stays readable from S3.
#include "provision/detach.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "tests/provision/loopback.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::ReadFile;
using rankflow::testing::RunCommand;
using rankflow::testing::TempDir;
using rankflow::testing::WriteFile;

// Fakes: `provision put FILE URL` copies FILE to $FAKE_S3/<URL without s3://>; ssh and sudo log
// their arguments to $FAKE_POWER_LOG.
constexpr char kFakeProvision[] = R"sh(#!/bin/bash
[ "$1" = put ] || exit 2
dest="$FAKE_S3/${3#s3://}"
mkdir -p "$(dirname "$dest")" && cp "$2" "$dest"
)sh";
constexpr char kFakeLogger[] = R"sh(#!/bin/bash
echo "$(basename "$0") $*" >> "$FAKE_POWER_LOG"
)sh";

TEST(SupervisorTest, JobLogAndStateGoToS3ThenEveryNodePowersOffHeadLast) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("fakes"));
  std::filesystem::create_directories(dir.Join("head/job"));
  for (const auto& [name, text] : {std::pair{"provision", kFakeProvision},
                                   std::pair{"ssh", kFakeLogger}, std::pair{"sudo", kFakeLogger}}) {
    WriteFile(dir.Join("fakes/") + name, text);
    chmod(dir.Join("fakes/").append(name).c_str(), 0755);
  }
  WriteFile(dir.Join("head/hostfile"), "10.0.1.4 slots=4\n10.0.1.5 slots=4\n10.0.1.6 slots=4\n");
  SupervisorOptions o;
  o.cluster = "sup";
  o.dir = dir.Join("head");
  o.environment = "export JOB_GREETING=hello";
  o.command = "echo \"$JOB_GREETING from the job\"; echo oops >&2; exit 3";
  o.log_url = "s3://bucket/logs/run1/";
  o.provision = dir.Join("fakes/provision");
  o.upload_interval_s = 1;
  o.teardown = TeardownByPowerOff(o.dir + "/hostfile", o.dir + "/ssh_config");
  WriteFile(dir.Join("head/job/supervisor.sh"), SupervisorScript(o));
  auto r = RunCommand("PATH=" + dir.Join("fakes") + ":$PATH FAKE_S3=" + dir.Join("s3") +
                          " FAKE_POWER_LOG=" + dir.Join("power.log") + " bash " +
                          dir.Join("head/job/supervisor.sh"),
                      30);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(dir.Join("s3/bucket/logs/run1/job.log")), "hello from the job\noops\n");
  std::string json = ReadFile(dir.Join("s3/bucket/logs/run1/job.json"));
  EXPECT_EQ(JobExitCode(json), 3) << json;
  auto line = DescribeJobJson(json);
  ASSERT_TRUE(line.ok()) << line.status().ToString();
  EXPECT_NE(line->find("job: finished at "), std::string::npos) << *line;
  EXPECT_NE(line->find("exit code 3"), std::string::npos) << *line;
  EXPECT_EQ(ReadFile(dir.Join("head/job/state")), "finished 3\n");
  // The workers (every hostfile line but the head's) over the intra-cluster ssh config, then the
  // head itself.
  EXPECT_EQ(ReadFile(dir.Join("power.log")),
            "ssh -F " + o.dir + "/ssh_config 10.0.1.5 sudo -n poweroff\n" + "ssh -F " + o.dir +
                "/ssh_config 10.0.1.6 sudo -n poweroff\n" + "sudo -n poweroff\n");
  EXPECT_EQ(JobExitCode(R"({"state":"running","exit_code":null})"), -1);
  EXPECT_FALSE(DescribeJobJson("nope").ok());
}

class DetachTest : public rankflow::testing::LoopbackClusterTest {
 protected:
  // What is left of cluster `name` once the head's teardown is done (or 60 s have passed).
  std::vector<std::string> LeftoversAfterTeardown(const std::string& name) {
    std::vector<std::string> left;
    for (int i = 0; i < 300; ++i) {
      left = rankflow::testing::ClusterLeftovers(*moto_ec2_, name, sshd_->authorized_keys());
      if (left.empty()) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return left;
  }
};

TEST_F(DetachTest, DetachedJobOutlivesTheSessionStreamsItsLogAndTheHeadTearsTheClusterDown) {
  const std::string name = "detached";
  auto bucket = RunCommand("curl -fs -X PUT " + moto_->endpoint() + "/detach-logs");
  ASSERT_EQ(bucket.exit_code, 0) << bucket.output;
  const std::string flags = LocalFlags(name) + "--log-url s3://detach-logs/jobs/one ";
  const std::string fast = "RANKFLOW_DETACH_UPLOAD_S=1 RANKFLOW_LOGS_POLL_MS=200 ";
  auto up = Provision("up" + flags + "--workers 1 --head-type t2.micro --worker-type t2.micro");
  ASSERT_EQ(up.exit_code, 0) << up.output;

  // The job waits for a file the test writes, so "running" is observed for sure.
  TempDir gate;
  const std::string go = gate.Join("go");
  auto started = std::chrono::steady_clock::now();
  auto run = Provision("run" + flags + "--detach -- 'echo first line; while [ ! -e " + go +
                           " ]; do sleep 0.2; done; echo second line; exit 5'",
                       60, fast);
  double run_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("detached"), std::string::npos) << run.output;
  EXPECT_LT(run_s, 20) << "run --detach waited for the job";

  auto status = Provision("status" + flags);
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("job: running since"), std::string::npos) << status.output;
  auto second = Provision("run" + flags + "--detach -- true", 60, fast);
  EXPECT_EQ(second.exit_code, 1) << second.output;
  EXPECT_NE(second.output.find("a detached job is already running"), std::string::npos)
      << second.output;

  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::seconds(2));
    WriteFile(go, "");
  });
  auto logs = Provision("logs" + flags, 120, fast);
  release.join();
  EXPECT_EQ(logs.exit_code, 5) << logs.output;
  EXPECT_NE(logs.output.find("first line\nsecond line\n"), std::string::npos) << logs.output;

  // The head tears everything down by itself (local mode: `provision down` from the head).
  std::vector<std::string> left = LeftoversAfterTeardown(name);
  EXPECT_TRUE(left.empty()) << left.front();
  auto after = Provision("status" + flags);
  EXPECT_EQ(after.exit_code, 0) << after.output;
  EXPECT_NE(after.output.find("no live instances"), std::string::npos) << after.output;
  EXPECT_NE(after.output.find("exit code 5"), std::string::npos) << after.output;
}

// scripts/one_off.sh --detach: exits 0 once the job runs; the job's log appears under --logs, and
// the cluster ends itself.
TEST_F(DetachTest, OneOffDetachReturnsOnceTheJobRunsAndTheClusterEndsItself) {
  const std::string name = "oneoff-detach";
  ASSERT_EQ(RunCommand("curl -fs -X PUT " + moto_->endpoint() + "/detach-oneoff").exit_code, 0);
  const std::string config = home_.Join("cluster.json");
  WriteFile(config, "{\"name\": \"" + name +
                        "\", \"workers\": 1, \"head_type\": \"t2.micro\", "
                        "\"worker_type\": \"t2.micro\", \"key_dir\": \"" +
                        home_.Join("keys") + "\"}");
  auto r = RunCommand("RANKFLOW_DETACH_UPLOAD_S=1 " +
                          rankflow::testing::SourcePath("scripts/one_off.sh") +
                          " --local --detach --logs s3://detach-oneoff/run " + config +
                          " -- sh -c 'echo from-a-rank; exit 0'",
                      180);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("one_off: detached"), std::string::npos) << r.output;
  auto logs =
      RunCommand("RANKFLOW_LOGS_POLL_MS=200 " + rankflow::testing::BinPath("provision") +
                     " logs --local --config " + config + " --log-url s3://detach-oneoff/run",
                 120);
  EXPECT_EQ(logs.exit_code, 0) << logs.output;
  EXPECT_NE(logs.output.find("from-a-rank\nfrom-a-rank\n"), std::string::npos) << logs.output;
  std::vector<std::string> left = LeftoversAfterTeardown(name);
  EXPECT_TRUE(left.empty()) << left.front();
  // Without a place for the log, --detach is refused before anything is created.
  auto refused = RunCommand(rankflow::testing::SourcePath("scripts/one_off.sh") +
                                " --local --detach " + config + " -- true",
                            60);
  EXPECT_EQ(refused.exit_code, 2) << refused.output;
  EXPECT_NE(refused.output.find("--detach needs --logs"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace rankflow::provision
