// scripts/one_off.sh --local: up, mpirun the job over ssh, logs + manifest to S3, down on success
// and on failure, exit code of the job (labels: ssh, e2e).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include "tests/provision/loopback.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::BinPath;
using rankflow::testing::CommandResult;
using rankflow::testing::RunCommand;
using rankflow::testing::SourcePath;
using rankflow::testing::TempDir;

class OneOffTest : public rankflow::testing::LoopbackClusterTest {
 protected:
  void SetUp() override {
    LoopbackClusterTest::SetUp();
    if (HasFatalFailure()) return;
    config_ = dir_.Join("cluster.json");
    rankflow::testing::WriteFile(
        config_,
        "{\"name\": \"oneoff\", \"workers\": 1, \"head_type\": \"t2.micro\", "
        "\"worker_type\": \"t2.micro\", \"key_dir\": \"" +
            dir_.Join("keys") + "\"}");
  }
  CommandResult OneOff(const std::string& args) {
    return RunCommand(SourcePath("scripts/one_off.sh") + " --local " + args, 300);
  }
  // True when `provision status --all` finds no rankflow cluster at all.
  bool NothingLeft(std::string* report) {
    auto r = RunCommand(BinPath("provision") + " status --all --local --key-dir " + dir_.path());
    *report = r.output;
    return r.exit_code == 0 && r.output.find("no rankflow clusters") != std::string::npos;
  }
  std::string List(const std::string& prefix) {
    return RunCommand("curl -fs '" + moto_->endpoint() + "/oneoff?list-type=2&prefix=" + prefix +
                      "'")
        .output;
  }

  TempDir dir_;
  std::string config_;
};

TEST_F(OneOffTest, JobRunsLogsAndManifestGoToS3AndClusterIsDown) {
  ASSERT_EQ(RunCommand("curl -fs -X PUT " + moto_->endpoint() + "/oneoff").exit_code, 0);
  ASSERT_EQ(RunCommand(BinPath("provision") + " put " +
                       SourcePath("tests/data/provision/streaming_lines.jsonl") +
                       " s3://oneoff/in/a.jsonl")
                .exit_code,
            0);
  auto r = OneOff("--logs s3://oneoff/logs/run1 " + config_ +
                  " -- top_terms --src s3://oneoff/in --dest s3://oneoff/out --top 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("one_off: mpirun -n 2 "), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("top 3 hashtags:"), std::string::npos) << r.output;
  std::string logs = List("logs/run1/");
  EXPECT_NE(logs.find("<Key>logs/run1/job.log</Key>"), std::string::npos) << logs;
  EXPECT_NE(logs.find("<Key>logs/run1/_SUCCESS</Key>"), std::string::npos) << logs;
  std::string report;
  EXPECT_TRUE(NothingLeft(&report)) << report << r.output;
}

// issue 10, item 7: a job built outside the tree (template/, against the installed package, by
// scripts/build_template.sh) travels with --ship and the nodes run the shipped copy.
TEST_F(OneOffTest, JobBuiltOutsideTheTreeIsShippedAndRuns) {
  const std::string job = BinPath("../template/word_count");
  ASSERT_EQ(access(job.c_str(), X_OK), 0)
      << job << " is missing: scripts/build_template.sh builds it (scripts/test.sh runs that)";
  ASSERT_EQ(RunCommand("curl -fs -X PUT " + moto_->endpoint() + "/oneoff").exit_code, 0);
  TempDir in;
  rankflow::testing::WriteFile(in.Join("a.txt"), "to be or not to be\nthat is the question\n");
  ASSERT_EQ(RunCommand(BinPath("provision") + " put " + in.Join("a.txt") +
                       " s3://oneoff/shipped/in/a.txt")
                .exit_code,
            0);
  auto r = OneOff("--ship s3://oneoff/shipped/bin " + config_ + " -- " + job +
                  " --src s3://oneoff/shipped/in --dest s3://oneoff/shipped/out --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  // Started by its name, which only the shipped bin folder on the nodes' PATH resolves (the
  // nodes' folders go with `down`), not by its path here.
  EXPECT_NE(r.output.find("$(command -v word_count"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("template/word_count"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("top words"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("\nbe\t2\n"), std::string::npos) << r.output;
  // Eight distinct words ("to" and "be" twice each) were written and committed.
  auto got = RunCommand(BinPath("provision") + " get s3://oneoff/shipped/out/_SUCCESS " +
                        dir_.Join("manifest.json"));
  ASSERT_EQ(got.exit_code, 0) << got.output << List("shipped/");
  std::string manifest = rankflow::testing::ReadFile(dir_.Join("manifest.json"));
  EXPECT_NE(manifest.find("\"records_out\":8,"), std::string::npos) << manifest;
  std::string report;
  EXPECT_TRUE(NothingLeft(&report)) << report;
}

TEST_F(OneOffTest, FailingJobExitCodeIsReturnedAndClusterIsDownAnyway) {
  auto r = OneOff(config_ + " -- sh -c 'exit 3'");
  EXPECT_EQ(r.exit_code, 3) << r.output;
  EXPECT_NE(r.output.find("one_off: job exited with 3"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("is down"), std::string::npos) << r.output;
  std::string report;
  EXPECT_TRUE(NothingLeft(&report)) << report;
}

TEST_F(OneOffTest, ClusterThatNeverComesUpExitsOneAndLeavesNothing) {
  auto r = OneOff(config_ + " --ssh-port 1 --boot-deadline-s 2 -- hostname");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("the cluster did not come up"), std::string::npos) << r.output;
  std::string report;
  EXPECT_TRUE(NothingLeft(&report)) << report;
}

}  // namespace
}  // namespace rankflow::provision
