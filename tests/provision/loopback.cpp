#include "tests/provision/loopback.h"

#include <netinet/in.h>
#include <rapidjson/document.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <thread>

namespace rankflow::testing {

PrivateMoto::PrivateMoto() {
  if (!moto_.ok()) return;
  // moto builds its EC2 backend on the first EC2 request (~3 s here): pay that now, so the
  // timings tests take are provisioning's, not moto's start-up.
  RunCommand("curl -fs -o /dev/null -X POST " + moto_.endpoint() +
                 "/ -H 'Authorization: AWS4-HMAC-SHA256 Credential=warmup/20240101/us-east-1/"
                 "ec2/aws4_request, SignedHeaders=host, Signature=0' -H 'Content-Type: "
                 "application/x-www-form-urlencoded' -d 'Action=DescribeInstances&Version="
                 "2016-11-15'",
             30);
}

Ec2Front::Ec2Front(const std::string& upstream, const std::string& flags) {
  std::string port_file = tmp_.Join("port");
  std::string command = "exec python3 " + SourcePath("tests/provision/ec2_front.py") +
                        " --upstream " + upstream + " --port-file " + port_file + " --log " +
                        tmp_.Join("front.log") + " " + flags + " >" + tmp_.Join("front.out") +
                        " 2>&1";
  pid_t pid = fork();
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);  // a crashed test must not leave the front running
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  for (int i = 0; i < 100; ++i) {
    std::string port = access(port_file.c_str(), R_OK) == 0 ? ReadFile(port_file) : "";
    if (!port.empty()) {
      endpoint_ = "http://127.0.0.1:" + port;
      return;
    }
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "ec2_front.py exited: " + ReadFile(tmp_.Join("front.out"));  // sh created it
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  error_ = "ec2_front.py did not start on time";
}

Ec2Front::~Ec2Front() {
  if (pid_ > 0) {
    kill(pid_, SIGTERM);
    waitpid(pid_, nullptr, 0);
  }
}

std::vector<FrontRequest> Ec2Front::Requests(const std::string& action) const {
  std::vector<FrontRequest> out;
  const std::string log = tmp_.Join("front.log");
  std::istringstream lines(access(log.c_str(), R_OK) == 0 ? ReadFile(log) : "");
  std::string line;
  while (std::getline(lines, line)) {
    rapidjson::Document doc;
    doc.Parse(line.c_str(), line.size());
    if (doc.HasParseError() || !doc.IsObject()) continue;
    FrontRequest r;
    r.action = doc["action"].GetString();
    r.outcome = doc["outcome"].GetString();
    for (auto it = doc["params"].MemberBegin(); it != doc["params"].MemberEnd(); ++it) {
      r.params[it->name.GetString()] = it->value.GetString();
    }
    if (action.empty() || r.action == action) out.push_back(std::move(r));
  }
  return out;
}

void SetProvisionTestEnv(const std::string& moto_endpoint, const LoopbackSshd& sshd) {
  setenv("AWS_ENDPOINT_URL", moto_endpoint.c_str(), 1);
  setenv("AWS_ACCESS_KEY_ID", kTestAccessKeyId, 1);
  setenv("AWS_SECRET_ACCESS_KEY", kTestSecretKey, 1);
  setenv("AWS_REGION", "us-east-1", 1);
  setenv("RANKFLOW_AWS_RETRY_BASE_MS", "1", 1);
  setenv("RANKFLOW_TEST_SSHD_PORT", std::to_string(sshd.port()).c_str(), 1);
  setenv("RANKFLOW_TEST_SSHD_DIR", sshd.dir().c_str(), 1);
  for (const char* v :
       {"AWS_ENDPOINT_URL_EC2", "AWS_ENDPOINT_URL_S3", "AWS_PROFILE", "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION", "RANKFLOW_TEST_MOTO_ENDPOINT", "RANKFLOW_AWS_MAX_ATTEMPTS",
        "AWS_MAX_ATTEMPTS", "RANKFLOW_AWS_RETRY_QUOTA"}) {
    unsetenv(v);
  }
}

std::vector<std::string> ClusterLeftovers(provision::Ec2Client& ec2, const std::string& name,
                                          const std::string& authorized_keys) {
  std::vector<std::string> left;
  std::vector<provision::Ec2Filter> tag = {{"tag:rankflow:cluster", {name}}};
  auto live = tag;
  live.push_back(
      {"instance-state-name", {"pending", "running", "stopping", "stopped", "shutting-down"}});
  auto instances = ec2.DescribeInstances(live);
  if (!instances.ok()) left.push_back(instances.status().ToString());
  for (const auto& i : instances.ok() ? *instances : std::vector<provision::Instance>{}) {
    left.push_back("instance " + i.id + " " + i.state);
  }
  auto groups = ec2.DescribeSecurityGroups(tag);
  if (!groups.ok()) left.push_back(groups.status().ToString());
  for (const auto& g : groups.ok() ? *groups : std::vector<provision::SecurityGroup>{}) {
    left.push_back("security group " + g.id);
  }
  auto keys = ec2.DescribeKeyPairs({});
  for (const auto& k : keys.ok() ? *keys : std::vector<provision::KeyPairInfo>{}) {
    if (k.name == "rankflow-" + name) left.push_back("key pair " + k.name);
  }
  auto vpcs = ec2.DescribeVpcs(tag);
  if (!vpcs.ok()) left.push_back(vpcs.status().ToString());
  for (const auto& id : vpcs.ok() ? *vpcs : std::vector<std::string>{}) left.push_back("vpc " + id);
  auto subnets = ec2.DescribeSubnets(tag);
  if (!subnets.ok()) left.push_back(subnets.status().ToString());
  for (const auto& s : subnets.ok() ? *subnets : std::vector<provision::Subnet>{}) {
    left.push_back("subnet " + s.id);
  }
  // The backstop schedule (EventBridge Scheduler, at AWS_ENDPOINT_URL like everything but EC2).
  auto scheduler = provision::SchedulerClient::FromEnvironment("");
  if (!scheduler.ok()) left.push_back(scheduler.status().ToString());
  if (scheduler.ok()) {
    auto schedule = (*scheduler)->GetSchedule("rankflow-" + name);
    if (schedule.ok()) left.push_back("schedule rankflow-" + name);
    if (!schedule.ok() && schedule.status().code() != StatusCode::kNotFound) {
      left.push_back(schedule.status().ToString());
    }
  }
  if (!authorized_keys.empty() && access(authorized_keys.c_str(), R_OK) == 0) {
    std::string auth = ReadFile(authorized_keys);
    if (auth.find("rankflow-" + name + "\n") != std::string::npos ||
        auth.find("rankflow-" + name + "-intra\n") != std::string::npos) {
      left.push_back("authorized_keys line");
    }
  }
  return left;
}

void FrontedClusterTest::TearDown() { unsetenv("AWS_ENDPOINT_URL_EC2"); }

void FrontedClusterTest::StartFront(const std::string& flags) {
  front_ = std::make_unique<Ec2Front>(moto_->endpoint(), flags);
  ASSERT_TRUE(front_->ok()) << front_->error();
  setenv("AWS_ENDPOINT_URL_EC2", front_->endpoint().c_str(), 1);
  auto c = provision::Ec2Client::FromEnvironment("");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  front_ec2_ = std::move(*c);
}

std::vector<std::string> FrontedClusterTest::Leftovers(const std::string& name) {
  std::vector<std::string> left = ClusterLeftovers(*moto_ec2_, name, sshd_->authorized_keys());
  if (front_ec2_) {
    auto pgs = front_ec2_->DescribePlacementGroups({{"tag:rankflow:cluster", {name}}});
    EXPECT_TRUE(pgs.ok()) << pgs.status().ToString();
    for (const auto& pg : pgs.ok() ? *pgs : std::vector<provision::PlacementGroup>{}) {
      left.push_back("placement group " + pg.name);
    }
  }
  return left;
}

void FrontedClusterTest::ExpectDownLeavesNothing(const std::string& name) {
  auto down = Provision("down" + LocalFlags(name));
  EXPECT_EQ(down.exit_code, 0) << down.output;
  auto left = Leftovers(name);
  EXPECT_TRUE(left.empty()) << left.front();
}

}  // namespace rankflow::testing
