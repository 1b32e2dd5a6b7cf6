// Local stand-ins for the cloud, shared by the provision tests.
//   LoopbackSshd: tests/util/loopback_sshd.h.
//   PrivateMoto:  a moto_server of our own on a free port (tests/util/moto_fixture.h, kPrivate).
//                 Provision tests never share the moto that test.sh starts: other tests POST
//                 /moto-api/reset on it, which would wipe our instances in the middle of a test
//                 run in parallel.
//   Ec2Front:     tests/provision/ec2_front.py in front of a moto: EC2's eventual consistency,
//                 throttling, capacity errors, lost answers, ClientToken idempotency and placement
//                 groups (see the script's docstring), with a log of every request it saw.
#pragma once

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "provision/ec2_client.h"
#include "provision/scheduler_client.h"
#include "tests/util/loopback_sshd.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow::testing {

class PrivateMoto {
 public:
  PrivateMoto();  // MotoServer(kPrivate), its EC2 backend warmed up
  bool ok() const { return moto_.ok(); }
  const std::string& endpoint() const { return moto_.endpoint(); }
  const std::string& error() const { return moto_.error(); }

 private:
  MotoServer moto_{MotoServer::Scope::kPrivate};
};

// One request the front saw.
struct FrontRequest {
  std::string action;   // "RunInstances"
  std::string outcome;  // forwarded, hidden, throttled, capacity, dropped, replayed, emulated
  std::map<std::string, std::string> params;  // the form, without UserData
};

class Ec2Front {
 public:
  // Starts the front on a free port in front of `upstream` with ec2_front.py's `flags`
  // ("--hide-s 3 --capacity-error t3.nano"). Stopped on destruction.
  Ec2Front(const std::string& upstream, const std::string& flags);
  ~Ec2Front();
  Ec2Front(const Ec2Front&) = delete;
  Ec2Front& operator=(const Ec2Front&) = delete;
  bool ok() const { return pid_ > 0; }
  const std::string& endpoint() const { return endpoint_; }
  const std::string& error() const { return error_; }
  // Every request so far, in order; with `action` set, only those of that action.
  std::vector<FrontRequest> Requests(const std::string& action = "") const;

 private:
  TempDir tmp_;
  int pid_ = -1;
  std::string endpoint_;
  std::string error_;
};

// The fake credentials the provision tests use; a test greps for them where they must not be.
inline constexpr char kTestAccessKeyId[] = "AKIARANKFLOWTESTKEY1";
inline constexpr char kTestSecretKey[] = "rankflowTESTsecret/never+leaks0123456789";

// The environment of a provision test and of the programs it runs: every AWS endpoint at
// `moto_endpoint`, the fake credentials, us-east-1, 1 ms retry base, the loopback sshd; unsets
// what would send requests elsewhere or change retries. Not thread-safe (setenv).
void SetProvisionTestEnv(const std::string& moto_endpoint, const LoopbackSshd& sshd);

// The fixture of the tests that run `provision` against loopback "instances": one private moto
// and one loopback sshd for the whole suite, and SetProvisionTestEnv (then moto_ec2_) before
// every test. A derived
// SetUp calls LoopbackClusterTest::SetUp() first and returns if HasFatalFailure().
class LoopbackClusterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    moto_ = new PrivateMoto();
    sshd_ = new LoopbackSshd();
  }
  static void TearDownTestSuite() {
    delete sshd_;
    delete moto_;
    sshd_ = nullptr;
    moto_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(moto_->ok()) << moto_->error();
    ASSERT_TRUE(sshd_->ok()) << sshd_->error();
    SetProvisionTestEnv(moto_->endpoint(), *sshd_);
    auto ec2 = provision::Ec2Client::FromEnvironment("");
    ASSERT_TRUE(ec2.ok()) << ec2.status().ToString();
    moto_ec2_ = std::move(*ec2);
  }
  // build/bin/provision ARGS with HOME in home_ (key_dir defaults below it); `prefix` goes
  // before the command line ("env -u VAR ").
  CommandResult Provision(const std::string& args, int timeout_s = 120,
                          const std::string& prefix = "") {
    return RunCommand(prefix + "HOME=" + home_.path() + " " + BinPath("provision") + " " + args,
                      timeout_s);
  }
  // " --local --name NAME --key-dir HOME/NAME ".
  std::string LocalFlags(const std::string& name) {
    return " --local --name " + name + " --key-dir " + home_.Join(name) + " ";
  }
  inline static PrivateMoto* moto_ = nullptr;
  inline static LoopbackSshd* sshd_ = nullptr;
  std::unique_ptr<provision::Ec2Client> moto_ec2_;  // EC2 on the private moto, no front
  TempDir home_;
};

// LoopbackClusterTest with EC2 through an Ec2Front (StartFront): provision commands and front_ec2_
// then talk to EC2 through it, moto_ec2_ past it.
class FrontedClusterTest : public LoopbackClusterTest {
 protected:
  void TearDown() override;
  // Starts a front with ec2_front.py's `flags`; sets AWS_ENDPOINT_URL_EC2 to it.
  void StartFront(const std::string& flags);
  // ClusterLeftovers asked of moto directly (past the front, so hidden resources count), plus
  // placement groups (only the front keeps them).
  std::vector<std::string> Leftovers(const std::string& name);
  // `provision down` of a local cluster succeeds and leaves nothing of it.
  void ExpectDownLeavesNothing(const std::string& name);

  std::unique_ptr<Ec2Front> front_;
  std::unique_ptr<provision::Ec2Client> front_ec2_;
};

// Everything tagged rankflow:cluster=<name> that still exists, one readable line each: live
// instances, security groups, VPCs, subnets (asked of `ec2`), the key pair rankflow-<name>, the
// backstop schedule rankflow-<name> (asked of the scheduler at the environment's endpoint), and
// the cluster's lines in `authorized_keys` when that is not empty. A failed Describe is a line.
std::vector<std::string> ClusterLeftovers(provision::Ec2Client& ec2, const std::string& name,
                                          const std::string& authorized_keys);

}  // namespace rankflow::testing
