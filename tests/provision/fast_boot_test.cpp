// Issue 14, item 13 (labels: ec2, ssh, e2e): fast, forgiving launches against a private moto
// behind tests/provision/ec2_front.py and the loopback sshd — capacity fallback over instance
// types and markets, replacement of a node that never answers ssh, `provision bake` and `up` on a
// baked image without apt. Every test leaves nothing tagged (checked on moto, past the front).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string>
#include <vector>

#include "provision/cluster_spec.h"
#include "provision/ec2_client.h"
#include "provision/ssh_key.h"
#include "tests/provision/loopback.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::BinPath;
using rankflow::testing::CommandResult;
using rankflow::testing::FrontRequest;
using rankflow::testing::ReadFile;
using rankflow::testing::RunCommand;

// A TCP listener that never accepts: the kernel completes the handshake, and the "sshd" never
// sends its banner (a node whose sshd hangs).
class SilentListener {
 public:
  SilentListener(const std::string& ip, int port) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    int one = 1;
    setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
    ok_ = bind(fd_, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 && listen(fd_, 16) == 0;
  }
  ~SilentListener() { close(fd_); }
  bool ok() const { return ok_; }

 private:
  int fd_ = -1;
  bool ok_ = false;
};

class FastBootTest : public rankflow::testing::FrontedClusterTest {
 protected:
  std::string UserDataOf(const std::string& instance_id) {
    auto ud = moto_ec2_->Call("DescribeInstanceAttribute",
                              {{"InstanceId", instance_id}, {"Attribute", "userData"}});
    EXPECT_TRUE(ud.ok()) << ud.status().ToString();
    return ud.ok() ? Base64Decode(ud->FindText("userData/value")).value() : "";
  }
  // `up` of a head and one worker (t2.micro), at most one replacement, node_boot_s as given,
  // where the instances launched `silent`-th (from 1) are reported at 127.0.0.3, on which a
  // SilentListener holds the sshd's port: those never answer ssh.
  CommandResult UpWithSilentNodes(const std::string& name, const std::vector<int>& silent,
                                  int node_boot_s) {
    SilentListener listener("127.0.0.3", sshd_->port());
    EXPECT_TRUE(listener.ok());
    std::string flags;
    for (int n : silent) flags += " --silent-address " + std::to_string(n) + "=127.0.0.3";
    StartFront(flags);
    return Provision("up" + LocalFlags(name) +
                     "--workers 1 --head-type t2.micro --worker-type t2.micro --node-boot-s " +
                     std::to_string(node_boot_s) + " --boot-deadline-s 60 --max-replacements 1");
  }
  // Live instances of the cluster, asked of moto directly.
  std::vector<Instance> Live(const std::string& name) {
    auto found = moto_ec2_->DescribeInstances(
        {{"tag:rankflow:cluster", {name}}, {"instance-state-name", {"pending", "running"}}});
    EXPECT_TRUE(found.ok()) << found.status().ToString();
    return found.ok() ? *found : std::vector<Instance>{};
  }
};

std::string Market(const FrontRequest& r) {
  auto it = r.params.find("InstanceMarketOptions.MarketType");
  return r.params.at("InstanceType") + (it != r.params.end() ? " spot" : " on-demand");
}

// Types and markets in order: every type as spot, then every type on-demand; Unsupported and
// capacity answers move on, one request each; the group lands on the first choice EC2 accepts.
TEST_F(FastBootTest, CapacityFallbackTriesEveryTypeAsSpotThenOnDemand) {
  StartFront("--refuse t3.nano=Unsupported --refuse t3.micro:spot=InsufficientInstanceCapacity");
  const std::string name = "fallback";
  auto up = Provision("up" + LocalFlags(name) +
                      "--workers 2 --head-type t2.micro --worker-type t3.nano,t3.micro --spot");
  ASSERT_EQ(up.exit_code, 0) << up.output;
  std::vector<std::string> tried;
  for (const auto& r : front_->Requests("RunInstances"))
    tried.push_back(Market(r) + " " + r.outcome);
  EXPECT_EQ(tried, (std::vector<std::string>{"t2.micro spot forwarded", "t3.nano spot refused",
                                             "t3.micro spot refused", "t3.nano on-demand refused",
                                             "t3.micro on-demand forwarded"}));
  std::vector<std::string> types;
  for (const Instance& i : Live(name)) types.push_back(i.instance_type + " " + i.tags.at(kRoleTag));
  std::sort(types.begin(), types.end());
  EXPECT_EQ(types,
            (std::vector<std::string>{"t2.micro head", "t3.micro worker", "t3.micro worker"}));
  EXPECT_NE(up.output.find("launched 2 x t3.micro (worker) on-demand"), std::string::npos)
      << up.output;
  EXPECT_EQ(ReadFile(home_.Join(name) + "/hostfile"),
            "127.0.0.4 slots=1\n127.0.0.5 slots=2\n127.0.0.6 slots=2\n");  // t3.micro: 2 vCPUs
  ExpectDownLeavesNothing(name);
}

// No fallback past the choices given (on-demand fallback off), and none for an answer that is not
// about capacity: `up` fails after one request per choice and cleans up.
TEST_F(FastBootTest, OtherErrorsAndExhaustedChoicesFailTheLaunchAndLeaveNothing) {
  StartFront(
      "--refuse t3.nano=InvalidParameterValue --refuse t3.micro:spot=MaxSpotInstanceCountExceeded");
  auto bad = Provision("up" + LocalFlags("fallback-bad") +
                       "--workers 1 --head-type t2.micro --worker-type t3.nano,t3.micro");
  EXPECT_EQ(bad.exit_code, 1) << bad.output;
  EXPECT_NE(bad.output.find("400 InvalidParameterValue"), std::string::npos) << bad.output;
  int micro = 0;
  for (const auto& r : front_->Requests("RunInstances"))
    micro += r.params.at("InstanceType") == "t3.micro";
  EXPECT_EQ(micro, 0) << "an error that is not about capacity moved on to the next type";
  auto left = Leftovers("fallback-bad");
  EXPECT_TRUE(left.empty()) << left.front();

  auto spot_only = Provision("up" + LocalFlags("spot-only") +
                             "--workers 1 --head-type t2.micro --worker-type t3.micro --spot "
                             "--on-demand-fallback=false");
  EXPECT_EQ(spot_only.exit_code, 1) << spot_only.output;
  EXPECT_NE(spot_only.output.find("no capacity for any choice"), std::string::npos)
      << spot_only.output;
  EXPECT_NE(spot_only.output.find("MaxSpotInstanceCountExceeded"), std::string::npos)
      << spot_only.output;
  left = Leftovers("spot-only");
  EXPECT_TRUE(left.empty()) << left.front();
}

// The worker's "sshd" (the front reports it at 127.0.0.3, where only a silent listener is) never
// answers: after node_boot_s it is terminated and one replacement launched, which boots.
TEST_F(FastBootTest, ANodeThatNeverAnswersSshIsReplaced) {
  const std::string name = "replace";
  auto up = UpWithSilentNodes(name, {2}, 3);
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_NE(up.output.find("(worker, 127.0.0.3) failed: not ready within 3 s"), std::string::npos)
      << up.output;
  EXPECT_NE(up.output.find("replacement 1 of at most 1"), std::string::npos) << up.output;
  EXPECT_EQ(front_->Requests("RunInstances").size(), 3u);
  ASSERT_EQ(front_->Requests("TerminateInstances").size(), 1u);
  EXPECT_EQ(ReadFile(home_.Join(name) + "/hostfile"), "127.0.0.4 slots=1\n127.0.0.6 slots=1\n");
  EXPECT_EQ(Live(name).size(), 2u);
  ExpectDownLeavesNothing(name);
}

// Replacements are bounded: the replacement never answers either, and max_replacements is 1, so
// `up` fails naming the node and leaves nothing.
TEST_F(FastBootTest, ReplacementsAreBoundedAndAFailedLaunchLeavesNothing) {
  const std::string name = "replace-fail";
  auto up = UpWithSilentNodes(name, {2, 3}, 2);
  EXPECT_EQ(up.exit_code, 1) << up.output;
  EXPECT_NE(up.output.find("replacement 1 of at most 1"), std::string::npos) << up.output;
  EXPECT_NE(up.output.find("up failed: node i-"), std::string::npos) << up.output;
  EXPECT_EQ(front_->Requests("RunInstances").size(), 3u);
  auto left = Leftovers(name);
  EXPECT_TRUE(left.empty()) << left.front();
}

// `provision bake` images a booted node, tags the image, waits until it is available (the front
// keeps it pending for 2 s), tears its node down and prints the id; `up --ami` of that image
// boots without apt (and still checks the binaries with ldd); the stock image still uses apt.
TEST_F(FastBootTest, BakeMakesATaggedImageAndUpOnItSkipsApt) {
  StartFront("--image-pending-s 2");
  auto bake = Provision("bake" + LocalFlags("bake"));
  ASSERT_EQ(bake.exit_code, 0) << bake.output;
  std::string out = bake.output;
  auto at = out.rfind("ami-");
  ASSERT_NE(at, std::string::npos) << out;
  const std::string image = out.substr(at, out.find_first_of("\n ", at) - at);
  EXPECT_NE(out.find("image " + image + " is available"), std::string::npos) << out;
  auto left = Leftovers("bake");
  EXPECT_TRUE(left.empty()) << left.front();
  auto creates = front_->Requests("CreateImage");
  ASSERT_EQ(creates.size(), 1u);
  EXPECT_EQ(creates[0].params.at("NoReboot"), "false");
  EXPECT_EQ(creates[0].params.at("TagSpecification.1.ResourceType"), "image");
  int pending_polls = 0;
  for (const auto& r : front_->Requests("DescribeImages"))
    pending_polls += r.outcome == "forwarded";
  EXPECT_GE(pending_polls, 2) << "bake did not wait for the image";
  auto images = moto_ec2_->DescribeImages({}, {{"image-id", {image}}});
  ASSERT_TRUE(images.ok() && images->size() == 1u) << images.status().ToString();
  EXPECT_EQ(images->front().tags[kBakedTag], "packages");

  auto up = Provision("up" + LocalFlags("baked") + "--workers 0 --ami " + image);
  ASSERT_EQ(up.exit_code, 0) << up.output;
  EXPECT_NE(up.output.find("was baked by `provision bake`"), std::string::npos) << up.output;
  auto nodes = Live("baked");
  ASSERT_EQ(nodes.size(), 1u);
  std::string baked_ud = UserDataOf(nodes[0].id);
  EXPECT_EQ(baked_ud.find("apt-get"), std::string::npos) << baked_ud;
  EXPECT_NE(baked_ud.find("shared libraries not found"), std::string::npos) << baked_ud;
  ExpectDownLeavesNothing("baked");

  auto stock = Provision("up" + LocalFlags("stock") + "--workers 0");
  ASSERT_EQ(stock.exit_code, 0) << stock.output;
  nodes = Live("stock");
  ASSERT_EQ(nodes.size(), 1u);
  EXPECT_NE(UserDataOf(nodes[0].id).find("apt-get"), std::string::npos);
  ExpectDownLeavesNothing("stock");

  ASSERT_TRUE(moto_ec2_->DeregisterImage(image).ok());
  auto gone = moto_ec2_->DescribeImages({}, {{"tag-key", {kBakedTag}}});
  ASSERT_TRUE(gone.ok());
  EXPECT_TRUE(gone->empty());
}

// An image that does not become available within --wait-s fails the bake: the unfinished image
// is deregistered and the node torn down.
TEST_F(FastBootTest, BakeWaitIsBoundedAndCleansUp) {
  StartFront("--image-pending-s 60");
  auto bake = Provision("bake" + LocalFlags("bake-slow") + "--wait-s 2");
  EXPECT_EQ(bake.exit_code, 1) << bake.output;
  EXPECT_NE(bake.output.find("not available within 2 s"), std::string::npos) << bake.output;
  auto left = Leftovers("bake-slow");
  EXPECT_TRUE(left.empty()) << left.front();
  auto images = moto_ec2_->DescribeImages({}, {{"tag-key", {kBakedTag}}});
  ASSERT_TRUE(images.ok());
  EXPECT_TRUE(images->empty()) << images->front().id;
}

// A bake killed with SIGKILL while its image is pending (the laptop dies during the wait): `down
// --all` finds the bake's cluster by its node, deregisters the unfinished image (tagged with the
// cluster) and leaves nothing.
TEST_F(FastBootTest, BakeKilledWhileItsImageIsPendingThenDownAllLeavesNothing) {
  StartFront("--image-pending-s 120");
  const std::string log = home_.Join("bake-killed.log");
  auto killed = RunCommand("HOME=" + home_.path() + " " + BinPath("provision") + " bake" +
                               LocalFlags("bake-killed") + "--wait-s 300 2> " + log +
                               " & pid=$!; for i in $(seq 1500); do grep -q 'waiting until "
                               "available' " +
                               log +
                               " && break; sleep 0.02; done; kill -9 $pid; wait $pid; "
                               "echo status=$?",
                           120);
  EXPECT_NE(killed.output.find("status=137"), std::string::npos) << killed.output;
  auto pending = moto_ec2_->DescribeImages({}, {{"tag-key", {kBakedTag}}});
  ASSERT_TRUE(pending.ok());
  ASSERT_EQ(pending->size(), 1u) << "the bake was killed before CreateImage: " << ReadFile(log);
  EXPECT_FALSE(Leftovers("bake-killed").empty()) << "its node was still up";

  auto down = Provision("down --all --local");
  EXPECT_EQ(down.exit_code, 0) << down.output;
  EXPECT_NE(down.output.find("deregistered unfinished image " + pending->front().id),
            std::string::npos)
      << down.output;
  auto left = Leftovers("bake-killed");
  EXPECT_TRUE(left.empty()) << left.front();
  auto images = moto_ec2_->DescribeImages({}, {{"tag-key", {kBakedTag}}});
  ASSERT_TRUE(images.ok());
  EXPECT_TRUE(images->empty()) << images->front().id;
}

}  // namespace
}  // namespace rankflow::provision
