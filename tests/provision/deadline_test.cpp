// The server-side backstop of a cluster's deadline (issue 14, item 11) against a private moto
// (labels: ec2, ssh, e2e): provision/scheduler_client.h on moto's EventBridge Scheduler; `up`
// creates a one-time schedule at the deadline that terminates every instance of the cluster,
// `down` and `down --all` remove it. moto never fires a schedule, so the test fires it itself: it
// calls what the schedule would call (TerminateInstances with the schedule's own input) — the
// path that ends a cluster whose nodes never ran their user-data (as loopback nodes never do).
#include <gtest/gtest.h>

#include <algorithm>
#include <ctime>

#include "provision/cluster_spec.h"
#include "provision/ec2_client.h"
#include "provision/scheduler_client.h"
#include "tests/provision/loopback.h"

namespace rankflow::provision {
namespace {

TEST(SchedulerBodyTest, OneTimeTerminateInstancesScheduleAtTheDeadline) {
  EXPECT_EQ(AtExpression(1'800'000'000), "at(2027-01-15T08:00:00)");
  std::string body =
      TerminateScheduleBody(1'800'000'000, {"i-1", "i-2"}, "arn:aws:iam::1:role/r", "d\"q", "t");
  auto parsed = ParseSchedule(body);  // the same member names as GetSchedule's answer
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->expression, "at(2027-01-15T08:00:00)");
  EXPECT_EQ(parsed->timezone, "UTC");
  EXPECT_EQ(parsed->action_after_completion, "DELETE");
  EXPECT_EQ(parsed->target_arn, "arn:aws:scheduler:::aws-sdk:ec2:terminateInstances");
  EXPECT_EQ(parsed->role_arn, "arn:aws:iam::1:role/r");
  EXPECT_EQ(InstanceIdsOfInput(parsed->input), (std::vector<std::string>{"i-1", "i-2"}));
  EXPECT_NE(body.find("\"FlexibleTimeWindow\":{\"Mode\":\"OFF\"}"), std::string::npos) << body;
  EXPECT_NE(body.find("\"Description\":\"d\\\"q\""), std::string::npos) << body;
  EXPECT_TRUE(InstanceIdsOfInput("not json").empty());
}

class DeadlineBackstopTest : public rankflow::testing::LoopbackClusterTest {
 protected:
  void SetUp() override {
    LoopbackClusterTest::SetUp();
    if (HasFatalFailure()) return;
    auto s = SchedulerClient::FromEnvironment("");
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    scheduler_ = std::move(*s);
  }
  std::vector<std::string> LiveIds(const std::string& name) {
    auto live = moto_ec2_->DescribeInstances(
        {{"tag:rankflow:cluster", {name}},
         {"instance-state-name", {"pending", "running", "stopping", "stopped", "shutting-down"}}});
    EXPECT_TRUE(live.ok()) << live.status().ToString();
    std::vector<std::string> ids;
    for (const auto& i : live.ok() ? *live : std::vector<Instance>{}) ids.push_back(i.id);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  std::unique_ptr<SchedulerClient> scheduler_;
};

TEST_F(DeadlineBackstopTest, SchedulerClientCreatesGetsListsAndDeletesOnMoto) {
  const int64_t at = std::time(nullptr) + 3600;
  ASSERT_TRUE(scheduler_
                  ->CreateTerminateSchedule("rankflow-sched-a", at, {"i-0123"},
                                            "arn:aws:iam::123456789012:role/r", "test")
                  .ok());
  Status again = scheduler_->CreateTerminateSchedule("rankflow-sched-a", at, {"i-0123"},
                                                     "arn:aws:iam::123456789012:role/r", "test");
  EXPECT_EQ(again.code(), StatusCode::kAlreadyExists) << again.ToString();
  EXPECT_NE(again.message().find("ConflictException: Schedule rankflow-sched-a already"),
            std::string::npos)
      << again.ToString();
  auto got = scheduler_->GetSchedule("rankflow-sched-a");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(got->expression, AtExpression(at));
  EXPECT_EQ(got->state, "ENABLED");
  EXPECT_EQ(InstanceIdsOfInput(got->input), std::vector<std::string>{"i-0123"});
  auto names = scheduler_->ListScheduleNames("rankflow-sched-");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_EQ(*names, std::vector<std::string>{"rankflow-sched-a"});
  ASSERT_TRUE(scheduler_->DeleteSchedule("rankflow-sched-a").ok());
  auto gone = scheduler_->GetSchedule("rankflow-sched-a");
  EXPECT_EQ(gone.status().code(), StatusCode::kNotFound) << gone.status().ToString();
  EXPECT_NE(gone.status().message().find("ResourceNotFoundException"), std::string::npos);
  EXPECT_EQ(scheduler_->DeleteSchedule("rankflow-sched-a").code(), StatusCode::kNotFound);
}

// Loopback nodes never run their user-data, so no dead-man is ever armed on them: exactly the
// case the backstop is for. Firing it must leave no live instance.
TEST_F(DeadlineBackstopTest, UpCreatesTheBackstopWhoseFiringTerminatesEverythingAndDownDeletesIt) {
  const std::string name = "backstop";
  const int64_t before = std::time(nullptr);
  auto up = Provision("up" + LocalFlags(name) +
                      "--workers 2 --head-type t2.micro --worker-type t2.micro --ttl-minutes 30");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  const int64_t after = std::time(nullptr);
  EXPECT_NE(up.output.find("backstop: EventBridge Scheduler schedule rankflow-backstop terminates "
                           "the 3 instance(s)"),
            std::string::npos)
      << up.output;

  auto schedule = scheduler_->GetSchedule("rankflow-backstop");
  ASSERT_TRUE(schedule.ok()) << schedule.status().ToString();
  EXPECT_EQ(schedule->target_arn, kTerminateInstancesTarget);
  EXPECT_EQ(schedule->action_after_completion, "DELETE");
  EXPECT_EQ(schedule->timezone, "UTC");
  EXPECT_EQ(schedule->role_arn, "arn:aws:iam::123456789012:role/rankflow-scheduler");
  // At the deadline: launch time + ttl, the same instant the nodes' dead-man gets (the tag).
  bool in_range = false;
  for (int64_t t = before + 30 * 60; t <= after + 30 * 60; ++t) {
    in_range |= schedule->expression == AtExpression(t);
  }
  EXPECT_TRUE(in_range) << schedule->expression;
  auto nodes = moto_ec2_->DescribeInstances({{"tag:rankflow:cluster", {name}}});
  ASSERT_TRUE(nodes.ok()) << nodes.status().ToString();
  ASSERT_EQ(nodes->size(), 3u);
  for (const auto& n : *nodes) {
    ASSERT_TRUE(n.tags.count(kDeadlineTag)) << n.id;
    EXPECT_EQ(AtExpression(ParseUtcTimestamp(n.tags.at(kDeadlineTag))), schedule->expression);
  }
  std::vector<std::string> input_ids = InstanceIdsOfInput(schedule->input);
  std::sort(input_ids.begin(), input_ids.end());
  EXPECT_EQ(input_ids, LiveIds(name)) << "the schedule must name every instance";
  auto status = Provision("status" + LocalFlags(name));
  EXPECT_NE(status.output.find("min left): the nodes power off then"), std::string::npos)
      << status.output;

  // The schedule fires: EventBridge Scheduler calls ec2:TerminateInstances with its input.
  ASSERT_TRUE(moto_ec2_->TerminateInstances(InstanceIdsOfInput(schedule->input)).ok());
  EXPECT_TRUE(LiveIds(name).empty());

  // down removes the rest, the schedule included (on AWS it would have deleted itself).
  auto down = Provision("down" + LocalFlags(name));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_NE(down.output.find("deleted backstop schedule rankflow-backstop"), std::string::npos)
      << down.output;
  EXPECT_EQ(scheduler_->GetSchedule("rankflow-backstop").status().code(), StatusCode::kNotFound);
  auto left = rankflow::testing::ClusterLeftovers(*moto_ec2_, name, sshd_->authorized_keys());
  EXPECT_TRUE(left.empty()) << left.front();
}

// A schedule left without instances (they were terminated by hand, `down` never ran) names its
// cluster for status --all and is removed by down --all; a stale schedule of the same name is
// replaced by the next `up`.
TEST_F(DeadlineBackstopTest, DownAllRemovesOrphanSchedulesAndUpReplacesAStaleOne) {
  const int64_t at = std::time(nullptr) + 600;
  ASSERT_TRUE(scheduler_
                  ->CreateTerminateSchedule("rankflow-orphan-sched", at, {"i-0"},
                                            "arn:aws:iam::123456789012:role/r", "orphan")
                  .ok());
  ASSERT_TRUE(scheduler_
                  ->CreateTerminateSchedule("rankflow-stale", at, {"i-0"},
                                            "arn:aws:iam::123456789012:role/r", "stale")
                  .ok());
  auto up = Provision("up" + LocalFlags("stale") + "--workers 0 --head-type t2.micro");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_NE(up.output.find("replaced an earlier schedule rankflow-stale"), std::string::npos)
      << up.output;
  auto stale = scheduler_->GetSchedule("rankflow-stale");
  ASSERT_TRUE(stale.ok()) << stale.status().ToString();
  EXPECT_EQ(InstanceIdsOfInput(stale->input), LiveIds("stale"));

  auto status = Provision("status --all");
  EXPECT_EQ(status.exit_code, 0) << status.output;
  EXPECT_NE(status.output.find("cluster orphan-sched: no live instances"), std::string::npos)
      << status.output;
  auto down = Provision("down --all --local");
  EXPECT_EQ(down.exit_code, 0) << down.output;
  auto names = scheduler_->ListScheduleNames("rankflow-");
  ASSERT_TRUE(names.ok()) << names.status().ToString();
  EXPECT_TRUE(names->empty()) << names->front();
  for (const char* n : {"orphan-sched", "stale"}) {
    auto left = rankflow::testing::ClusterLeftovers(*moto_ec2_, n, sshd_->authorized_keys());
    EXPECT_TRUE(left.empty()) << n << ": " << left.front();
  }
}

// `up` killed with SIGKILL (the laptop dies) before and after it created the backstop: `down
// --all` finds everything, the schedule included, and leaves nothing.
TEST_F(DeadlineBackstopTest, UpKilledBeforeOrAfterTheBackstopThenDownAllLeavesNothing) {
  for (const std::string point : {"launched 1 x t2.micro (head)", "backstop: EventBridge"}) {
    const std::string name = point[0] == 'l' ? "killed-early" : "killed-late";
    const std::string log = home_.Join(name + ".log");
    auto killed = rankflow::testing::RunCommand(
        "HOME=" + home_.path() + " " + rankflow::testing::BinPath("provision") + " up" +
            LocalFlags(name) + "--workers 2 --head-type t2.micro --worker-type t2.micro 2> " + log +
            " & pid=$!; for i in $(seq 600); do grep -q '" + point + "' " + log +
            " && break; sleep 0.02; done; kill -9 $pid; wait $pid; echo status=$?",
        120);
    EXPECT_NE(killed.output.find("status=137"), std::string::npos)
        << "up was not killed at '" << point << "': " << killed.output;
    EXPECT_NE(rankflow::testing::ReadFile(log).find(point), std::string::npos);
    auto before = rankflow::testing::ClusterLeftovers(*moto_ec2_, name, sshd_->authorized_keys());
    EXPECT_FALSE(before.empty()) << point;
    if (name == "killed-late") {
      EXPECT_NE(std::find(before.begin(), before.end(), "schedule rankflow-killed-late"),
                before.end())
          << "the schedule existed when up was killed";
    }
    auto down = Provision("down --all --local");
    EXPECT_EQ(down.exit_code, 0) << down.output;
    auto left = rankflow::testing::ClusterLeftovers(*moto_ec2_, name, sshd_->authorized_keys());
    EXPECT_TRUE(left.empty()) << point << ": " << left.front();
  }
}

}  // namespace
}  // namespace rankflow::provision
