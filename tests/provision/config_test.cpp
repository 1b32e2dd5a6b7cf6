// Cluster spec parsing and overrides, price table, user-data, S3 urls: pure functions; the
// launcher policy in provision/README.md against the EC2 calls provision makes.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <stdlib.h>

#include <regex>
#include <set>

#include "provision/cluster.h"
#include "provision/cluster_spec.h"
#include "provision/launch.h"
#include "provision/prices.h"
#include "provision/s3_object.h"
#include "provision/user_data.h"
#include "tests/util/test_util.h"

namespace rankflow::provision {
namespace {

TEST(ClusterSpecTest, JsonThenFlagOverrides) {
  auto spec = ParseClusterSpec(R"({"name": "demo", "workers": 3, "spot": true,
      "ssh_cidr": "203.0.113.7/32", "extra_packages": ["htop", "jq"], "ttl_minutes": 30})",
                               "cluster.json");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->workers, 3);
  EXPECT_TRUE(spec->spot);
  EXPECT_EQ(spec->extra_packages, (std::vector<std::string>{"htop", "jq"}));
  ASSERT_TRUE(ApplyOverride(&*spec, "workers", "5").ok());
  ASSERT_TRUE(ApplyOverride(&*spec, "head-type", "c6i.2xlarge").ok());
  ASSERT_TRUE(ApplyOverride(&*spec, "spot", "false").ok());
  EXPECT_EQ(spec->workers, 5);
  EXPECT_EQ(spec->head_type, "c6i.2xlarge");
  EXPECT_FALSE(spec->spot);
  ASSERT_TRUE(ValidateSpec(&*spec).ok());
  EXPECT_NE(spec->key_dir.find("/.rankflow/demo"), std::string::npos);
  EXPECT_EQ(ResourceName(*spec), "rankflow-demo");
}

TEST(ClusterSpecTest, ErrorsNameTheKey) {
  auto bad = ParseClusterSpec(R"({"name": "x", "wrokers": 2})", "c.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("wrokers"), std::string::npos);
  EXPECT_NE(bad.status().message().find("c.json"), std::string::npos);
  ClusterSpec s;
  Status st = ApplyOverride(&s, "workers", "two");
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("--workers"), std::string::npos);
  EXPECT_FALSE(ParseClusterSpec("[1,2]", "c.json").ok());
}

TEST(ClusterSpecTest, ValidationRules) {
  ClusterSpec s;
  s.name = "Bad_Name";
  s.ssh_cidr = "1.2.3.4/32";
  EXPECT_FALSE(ValidateSpec(&s).ok());
  s.name = "ok-name";
  s.ssh_cidr = "";
  s.key_dir = "/tmp/x";
  // status, run, ssh and down need no ssh-cidr (down --name / --all for orphans); up does.
  ASSERT_TRUE(ValidateSpec(&s).ok());
  Status no_cidr = ValidateSpecForUp(s);
  EXPECT_FALSE(no_cidr.ok());
  EXPECT_NE(no_cidr.message().find("ssh-cidr"), std::string::npos);
  s.local = true;  // local mode needs no cidr and logs in as local_user
  s.key_dir = "/tmp/x";
  ASSERT_TRUE(ValidateSpec(&s).ok());
  EXPECT_EQ(s.ssh_user, "root");
  s.ttl_minutes = 1;
  EXPECT_FALSE(ValidateSpec(&s).ok());
  s.ttl_minutes = 60;
  s.artifacts = "/local/path.tar.gz";
  EXPECT_FALSE(ValidateSpec(&s).ok());
}

TEST(PriceTableTest, ShippedTableLoadsAndHasCommonTypes) {
  auto t = LoadPriceTable(rankflow::testing::SourcePath("provision/prices.json"));
  ASSERT_TRUE(t.ok()) << t.status().ToString();
  EXPECT_EQ(t->region, "us-east-1");
  auto c5 = t->Lookup("c5.xlarge");
  ASSERT_TRUE(c5.ok());
  EXPECT_EQ(c5->vcpus, 4);
  EXPECT_GT(c5->usd_per_hour, 0.05);
  EXPECT_LT(c5->usd_per_hour, 1.0);
  EXPECT_EQ(t->Lookup("t2.micro")->vcpus, 1);
  auto missing = t->Lookup("x9.mega");
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_NE(missing.status().message().find("x9.mega"), std::string::npos);
  EXPECT_FALSE(ParsePriceTable(R"({"types": {"a": {"vcpus": "2"}}})", "p.json").ok());
}

TEST(UserDataTest, ArmsDeadManTimerBeforeAnythingElseAndWritesMarker) {
  UserDataOptions o;
  o.cluster = "demo";
  o.role = "worker";
  o.ttl_minutes = 45;
  o.binaries_url = "https://b.s3.amazonaws.com/bin.tar.gz?X-Amz-Signature=abc&X-Amz-Date=1";
  o.extra_packages = {"htop"};
  std::string ud = GenerateUserData(o);
  EXPECT_EQ(ud.rfind("#!/bin/bash\n", 0), 0u);
  size_t timer = ud.find("'/usr/local/sbin/rankflow-deadman' boot || fail");
  size_t fallback = ud.find("@reboot root /usr/local/sbin/rankflow-deadman boot");
  size_t apt = ud.find("apt-get -o DPkg::Lock::Timeout=600 -q update");
  size_t curl = ud.find("curl -fsS");
  size_t marker = ud.find("touch '/var/lib/rankflow/bootstrap-done'");
  ASSERT_NE(timer, std::string::npos);
  ASSERT_NE(fallback, std::string::npos);
  ASSERT_NE(apt, std::string::npos);
  ASSERT_NE(curl, std::string::npos);
  ASSERT_NE(marker, std::string::npos);
  EXPECT_LT(timer, apt);
  EXPECT_LT(fallback, timer);
  EXPECT_NE(ud.find("latest=$(($(date -u +%s) + 2700))"), std::string::npos);
  EXPECT_LT(apt, curl);
  EXPECT_LT(curl, marker);
  // The url is single-quoted: '&' must not background the shell command.
  EXPECT_NE(ud.find("'" + o.binaries_url + "'"), std::string::npos);
  EXPECT_NE(ud.find("'openmpi-bin'"), std::string::npos);
  EXPECT_NE(ud.find("'htop'"), std::string::npos);
  // Nothing that looks like credentials.
  EXPECT_EQ(ud.find("AWS_SECRET"), std::string::npos);
  EXPECT_EQ(ud.find("aws_access_key"), std::string::npos);
  // The script parses as bash.
  rankflow::testing::TempDir dir;
  rankflow::testing::WriteFile(dir.Join("ud.sh"), ud);
  auto r = rankflow::testing::RunCommand("bash -n " + dir.Join("ud.sh"));
  EXPECT_EQ(r.exit_code, 0) << r.output;
}

TEST(UserDataTest, NoBinariesUrlMeansNoDownload) {
  UserDataOptions o;
  o.cluster = "demo";
  o.role = "head";
  EXPECT_EQ(GenerateUserData(o).find("curl -fsS"), std::string::npos);
}

TEST(S3LocationTest, ParsesBucketAndKey) {
  auto l = ParseS3Location("s3://bucket/a/b.tar.gz");
  ASSERT_TRUE(l.ok());
  EXPECT_EQ(l->bucket, "bucket");
  EXPECT_EQ(l->key, "a/b.tar.gz");
  EXPECT_TRUE(ParseS3Location("s3a://b/k").ok());
  EXPECT_FALSE(ParseS3Location("s3://bucket").ok());
  EXPECT_FALSE(ParseS3Location("s3://bucket/").ok());
  EXPECT_FALSE(ParseS3Location("http://x/y").ok());
  EXPECT_FALSE(ParseS3Location("s3://bucket/bin/../logs/x").ok());  // curl would resolve ".."
}

// The "Launcher policy" JSON block of provision/README.md.
rapidjson::Document LauncherPolicy() {
  std::string readme =
      rankflow::testing::ReadFile(rankflow::testing::SourcePath("provision/README.md"));
  size_t at = readme.find("### Launcher policy");
  size_t begin = readme.find("```json\n", at);
  size_t end = readme.find("```", begin + 8);
  rapidjson::Document doc;
  if (at == std::string::npos || begin == std::string::npos || end == std::string::npos) {
    return doc;
  }
  std::string json = readme.substr(begin + 8, end - begin - 8);
  doc.Parse(json.c_str(), json.size());
  return doc;
}

std::vector<std::string> Strings(const rapidjson::Value& v) {
  if (v.IsString()) return {v.GetString()};
  std::vector<std::string> out;
  if (v.IsArray()) {
    for (const auto& item : v.GetArray()) out.push_back(item.GetString());
  }
  return out;
}

// Issue 14, defect 9: the policy lacked iam:CreateServiceLinkedRole (first spot launch), its
// tag-conditioned statements applied to "*" (every resource type), PassRole named no service —
// and DescribePlacementGroups, which down now calls, was not allowed.
TEST(LauncherPolicyTest, ReadmePolicyAllowsEveryEc2CallAndScopesItsConditions) {
  rapidjson::Document policy = LauncherPolicy();
  ASSERT_TRUE(policy.IsObject() && policy.HasMember("Statement")) << "no JSON policy in README";
  std::set<std::string> allowed;
  bool spot_role = false;
  bool pass_role_to_ec2 = false;
  bool pass_role_to_scheduler = false;
  for (const auto& st : policy["Statement"].GetArray()) {
    std::vector<std::string> actions = Strings(st["Action"]);
    std::vector<std::string> resources = Strings(st["Resource"]);
    allowed.insert(actions.begin(), actions.end());
    const bool conditioned = st.HasMember("Condition");
    std::string sid = st.HasMember("Sid") ? st["Sid"].GetString() : "?";
    if (conditioned && actions.front().rfind("ec2:", 0) == 0) {
      // A tag condition means something only for the resource types it is written for.
      for (const auto& r : resources) EXPECT_NE(r, "*") << sid;
    }
    if (actions == std::vector<std::string>{"iam:CreateServiceLinkedRole"}) {
      spot_role = conditioned && st["Condition"].HasMember("StringEquals") &&
                  st["Condition"]["StringEquals"].HasMember("iam:AWSServiceName") &&
                  Strings(st["Condition"]["StringEquals"]["iam:AWSServiceName"]) ==
                      std::vector<std::string>{"spot.amazonaws.com"};
    }
    if (actions == std::vector<std::string>{"iam:PassRole"} && conditioned &&
        st["Condition"].HasMember("StringEquals") &&
        st["Condition"]["StringEquals"].HasMember("iam:PassedToService")) {
      auto to = Strings(st["Condition"]["StringEquals"]["iam:PassedToService"]);
      pass_role_to_ec2 |= to == std::vector<std::string>{"ec2.amazonaws.com"};
      pass_role_to_scheduler |= to == std::vector<std::string>{"scheduler.amazonaws.com"};
    }
    if (actions.front().rfind("scheduler:", 0) == 0 &&
        actions.front() != "scheduler:ListSchedules") {
      // Schedules take no tags: the name is the only scope.
      EXPECT_EQ(resources,
                std::vector<std::string>{"arn:aws:scheduler:*:*:schedule/default/rankflow-*"})
          << sid;
    }
  }
  EXPECT_TRUE(spot_role) << "iam:CreateServiceLinkedRole for spot.amazonaws.com";
  EXPECT_TRUE(pass_role_to_ec2) << "iam:PassRole with iam:PassedToService ec2.amazonaws.com";
  EXPECT_TRUE(pass_role_to_scheduler) << "iam:PassRole for scheduler.amazonaws.com (backstop)";
  // Every EventBridge Scheduler call of the backstop.
  std::string scheduler_source =
      rankflow::testing::ReadFile(rankflow::testing::SourcePath("provision/scheduler_client.cpp"));
  std::regex scheduler_call(R"re(Call\("([A-Za-z]+)")re");
  int scheduler_checked = 0;
  for (std::sregex_iterator it(scheduler_source.begin(), scheduler_source.end(), scheduler_call),
       done;
       it != done; ++it) {
    ++scheduler_checked;
    EXPECT_TRUE(allowed.count("scheduler:" + (*it)[1].str()))
        << "scheduler:" << (*it)[1].str() << " is not in the policy";
  }
  EXPECT_EQ(scheduler_checked, 4);
  // Every EC2 action Ec2Client sends, except the VPC/subnet calls only local mode (moto) makes.
  std::string source =
      rankflow::testing::ReadFile(rankflow::testing::SourcePath("provision/ec2_client.cpp"));
  const std::set<std::string> local_only = {"CreateVpc", "CreateSubnet", "DeleteVpc",
                                            "DeleteSubnet"};
  std::regex call(R"re(Call\("([A-Za-z]+)")re");
  int checked = 0;
  for (std::sregex_iterator it(source.begin(), source.end(), call), done; it != done; ++it) {
    std::string action = (*it)[1].str();
    if (local_only.count(action)) continue;
    ++checked;
    EXPECT_TRUE(allowed.count("ec2:" + action)) << "ec2:" << action << " is not in the policy";
  }
  EXPECT_GE(checked, 15);
}

}  // namespace
}  // namespace rankflow::provision

namespace rankflow::provision {
namespace {

// Ranks on real nodes get the cluster's region (they talked to S3 in us-east-1 whatever the
// cluster's region was) and, like everything on the command line, no key.
TEST(RemoteJobEnvironmentTest, CarriesTheClusterRegionAndNoSecret) {
  setenv("AWS_SECRET_ACCESS_KEY", "NodeEnvSecret/123", 1);
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);
  setenv("AWS_REGION", "ap-south-1", 1);
  ClusterSpec spec;
  spec.name = "c";
  spec.region = "eu-west-1";
  std::string env = RemoteJobEnvironment(spec, "$HOME/.rankflow");
  EXPECT_NE(env.find(" AWS_REGION='eu-west-1'"), std::string::npos) << env;
  EXPECT_NE(env.find("OMPI_MCA_mca_base_env_list='AWS_REGION'"), std::string::npos) << env;
  EXPECT_EQ(env.find("AWS_ENDPOINT_URL"), std::string::npos) << "endpoints only in local mode";
  EXPECT_EQ(env.find("NodeEnvSecret"), std::string::npos) << env;
  // Issue 14, item 7: Open MPI only on the cluster subnet's interface; files limit raised first.
  EXPECT_EQ(env.find("if_include"), std::string::npos) << "no subnet known: no restriction";
  EXPECT_EQ(env.rfind("ulimit -n 65536 ", 0), 0u) << env;
  std::string with_subnet = RemoteJobEnvironment(spec, "$HOME/.rankflow", "10.0.1.0/24");
  EXPECT_NE(with_subnet.find(" OMPI_MCA_btl_tcp_if_include='10.0.1.0/24' "
                             "OMPI_MCA_oob_tcp_if_include='10.0.1.0/24'"),
            std::string::npos)
      << with_subnet;
  spec.region.clear();  // the launcher's region, as the EC2 calls used
  env = RemoteJobEnvironment(spec, "$HOME/.rankflow");
  EXPECT_NE(env.find(" AWS_REGION='ap-south-1'"), std::string::npos) << env;
  spec.local = true;
  env = RemoteJobEnvironment(spec, "/tmp/x");
  EXPECT_NE(env.find("AWS_REGION;AWS_ENDPOINT_URL;AWS_EC2_METADATA_SERVICE_ENDPOINT"),
            std::string::npos)
      << env;
  EXPECT_EQ(env.find("NodeEnvSecret"), std::string::npos) << env;
  unsetenv("AWS_SECRET_ACCESS_KEY");
  unsetenv("AWS_ENDPOINT_URL");
  unsetenv("AWS_REGION");
}

}  // namespace
}  // namespace rankflow::provision

namespace rankflow::provision {
namespace {

TEST(ClusterSpecTest, SchedulerRoleArnIsCheckedAndLocalModeHasOne) {
  ClusterSpec spec;
  spec.name = "c";
  spec.key_dir = "/tmp/x";
  ASSERT_TRUE(ApplyOverride(&spec, "scheduler-role-arn", "rankflow-scheduler").ok());
  Status bad = ValidateSpec(&spec);
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.message().find("scheduler-role-arn must be an IAM role ARN"), std::string::npos);
  spec.scheduler_role_arn = "arn:aws:iam::111122223333:role/rankflow-scheduler";
  EXPECT_TRUE(ValidateSpec(&spec).ok());
  ClusterSpec local;
  local.name = "c";
  local.key_dir = "/tmp/x";
  local.local = true;
  ASSERT_TRUE(ValidateSpec(&local).ok());
  EXPECT_NE(local.scheduler_role_arn.find(":role/"), std::string::npos);
  EXPECT_EQ(UtcTimestamp(1'800'000'000), "2027-01-15T08:00:00Z");
  EXPECT_EQ(ParseUtcTimestamp("2027-01-15T08:00:00.000Z"), 1'800'000'000);
  EXPECT_EQ(ParseUtcTimestamp("soon"), -1);
}

}  // namespace
}  // namespace rankflow::provision

namespace rankflow::provision {
namespace {

// Issue 14, item 13: the order a group is tried in, and which answers move on.
TEST(LaunchChoicesTest, EveryTypeAsSpotThenEveryTypeOnDemandWithoutDuplicates) {
  auto names = [](const std::vector<LaunchChoice>& choices) {
    std::vector<std::string> out;
    for (const LaunchChoice& c : choices) out.push_back(c.ToString());
    return out;
  };
  EXPECT_EQ(names(LaunchChoices({"c6i.xlarge", "c5.xlarge", "c6i.xlarge"}, true, true)),
            (std::vector<std::string>{"c6i.xlarge spot", "c5.xlarge spot", "c6i.xlarge on-demand",
                                      "c5.xlarge on-demand"}));
  EXPECT_EQ(names(LaunchChoices({"c6i.xlarge", "c5.xlarge"}, true, false)),
            (std::vector<std::string>{"c6i.xlarge spot", "c5.xlarge spot"}));
  EXPECT_EQ(names(LaunchChoices({"c6i.xlarge"}, false, true)),
            (std::vector<std::string>{"c6i.xlarge on-demand"}));
}

Status RunInstancesError(long http, const std::string& code) {
  return ParseEc2Error("ec2 RunInstances", http,
                       "<Response><Errors><Error><Code>" + code +
                           "</Code><Message>m</Message></Error></Errors></Response>");
}

TEST(LaunchChoicesTest, CapacityAndUnsupportedMoveOnOtherErrorsDoNot) {
  EXPECT_TRUE(IsFallbackError(RunInstancesError(500, "InsufficientInstanceCapacity")));
  EXPECT_TRUE(IsFallbackError(RunInstancesError(400, "MaxSpotInstanceCountExceeded")));
  EXPECT_TRUE(IsFallbackError(RunInstancesError(400, "SpotMaxPriceTooLow")));
  EXPECT_TRUE(IsFallbackError(RunInstancesError(400, "Unsupported")));
  EXPECT_FALSE(IsFallbackError(RunInstancesError(400, "InvalidParameterValue")));
  EXPECT_FALSE(IsFallbackError(RunInstancesError(400, "UnauthorizedOperation")));
  EXPECT_FALSE(IsFallbackError(RunInstancesError(503, "RequestLimitExceeded")));
  EXPECT_FALSE(IsFallbackError(Status::Unavailable("ec2 RunInstances: connection reset")));
  EXPECT_FALSE(IsFallbackError(Status::OK()));
}

// The comma lists of the spec: first choice, then the fallbacks in order.
TEST(LaunchChoicesTest, TypeAndZoneListsSplitIntoFirstAndFallbacks) {
  auto spec = ParseClusterSpec(
      R"({"name": "x", "worker_type": ["c6i.xlarge", "c5.xlarge"], "head_type": "m5.large",
          "availability_zone": "us-east-1a,us-east-1b", "on_demand_fallback": false,
          "node_boot_s": 60, "max_replacements": 0})",
      "cluster.json");
  ASSERT_TRUE(spec.ok()) << spec.status().ToString();
  EXPECT_EQ(spec->worker_type, "c6i.xlarge");
  EXPECT_EQ(spec->worker_type_fallbacks, std::vector<std::string>{"c5.xlarge"});
  EXPECT_EQ(spec->head_type, "m5.large");
  EXPECT_TRUE(spec->head_type_fallbacks.empty());
  EXPECT_EQ(spec->availability_zone, "us-east-1a");
  EXPECT_EQ(spec->availability_zone_fallbacks, std::vector<std::string>{"us-east-1b"});
  EXPECT_FALSE(spec->on_demand_fallback);
  EXPECT_EQ(spec->node_boot_s, 60);
  EXPECT_EQ(spec->max_replacements, 0);
  ClusterSpec bad = *spec;
  bad.max_replacements = -1;
  EXPECT_EQ(ValidateSpec(&bad).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace rankflow::provision
