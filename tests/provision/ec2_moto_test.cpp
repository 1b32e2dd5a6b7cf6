// Ec2Client against a private moto_server (labels: ec2).
#include <gtest/gtest.h>
#include <stdlib.h>

#include "provision/ec2_client.h"
#include "provision/ssh_key.h"
#include "tests/provision/loopback.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::PrivateMoto;

class Ec2MotoTest : public ::testing::Test {
 protected:
  // One moto for the suite (it takes ~2 s to start); tests use distinct tags.
  static void SetUpTestSuite() { moto_ = new PrivateMoto(); }
  static void TearDownTestSuite() {
    delete moto_;
    moto_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(moto_->ok()) << moto_->error();
    setenv("AWS_ENDPOINT_URL", moto_->endpoint().c_str(), 1);
    setenv("AWS_ACCESS_KEY_ID", rankflow::testing::kTestAccessKeyId, 1);
    setenv("AWS_SECRET_ACCESS_KEY", rankflow::testing::kTestSecretKey, 1);
    setenv("AWS_REGION", "us-east-1", 1);
    setenv("RANKFLOW_AWS_RETRY_BASE_MS", "1", 1);
    unsetenv("AWS_ENDPOINT_URL_EC2");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_SESSION_TOKEN");
    auto c = Ec2Client::FromEnvironment("");
    ASSERT_TRUE(c.ok()) << c.status().ToString();
    ec2_ = std::move(*c);
  }
  static PrivateMoto* moto_;
  std::unique_ptr<Ec2Client> ec2_;
};

PrivateMoto* Ec2MotoTest::moto_ = nullptr;

TEST_F(Ec2MotoTest, RunDescribeWithTagFilterPagingAndTerminate) {
  auto vpc = ec2_->CreateVpc("127.0.0.0/16", {{"rankflow:cluster", "t1"}});
  ASSERT_TRUE(vpc.ok()) << vpc.status().ToString();
  auto subnet = ec2_->CreateSubnet(*vpc, "127.0.0.0/24", {{"rankflow:cluster", "t1"}});
  ASSERT_TRUE(subnet.ok()) << subnet.status().ToString();
  RunRequest r;
  r.image_id = "ami-0123456789abcdef0";
  r.instance_type = "t2.micro";
  r.count = 6;
  r.subnet_id = *subnet;
  r.user_data = "#!/bin/bash\necho 'hello & <world>'\n";
  r.tags = {{"rankflow:cluster", "t1"}, {"rankflow:role", "worker"}};
  r.spot = true;
  auto launched = ec2_->RunInstances(r);
  ASSERT_TRUE(launched.ok()) << launched.status().ToString();
  ASSERT_EQ(launched->size(), 6u);
  EXPECT_EQ((*launched)[0].private_ip, "127.0.0.4");
  EXPECT_EQ((*launched)[5].private_ip, "127.0.0.9");
  // Another cluster's instance must not match the filter.
  r.count = 1;
  r.tags = {{"rankflow:cluster", "other"}};
  for (int i = 0; i < 6; ++i) ASSERT_TRUE(ec2_->RunInstances(r).ok());

  // EC2's minimum page; moto pages by reservation: 7 reservations take two pages (NextToken).
  ec2_->set_page_size(5);
  auto mine = ec2_->DescribeInstances({{"tag:rankflow:cluster", {"t1"}}});
  ASSERT_TRUE(mine.ok()) << mine.status().ToString();
  ASSERT_EQ(mine->size(), 6u);
  EXPECT_EQ((*mine)[0].tags.at("rankflow:role"), "worker");
  auto all = ec2_->DescribeInstances({});
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 12u);
  auto first_page = ec2_->Call("DescribeInstances", {{"MaxResults", "5"}});
  ASSERT_TRUE(first_page.ok());
  EXPECT_FALSE(first_page->ChildText("nextToken").empty());

  // What EC2 stored: the user-data decodes to ours, shutdown behaviour is terminate.
  const std::string id = (*mine)[0].id;
  auto ud =
      ec2_->Call("DescribeInstanceAttribute", {{"InstanceId", id}, {"Attribute", "userData"}});
  ASSERT_TRUE(ud.ok()) << ud.status().ToString();
  EXPECT_EQ(Base64Decode(ud->FindText("userData/value")).value(), r.user_data);
  auto sb = ec2_->Call("DescribeInstanceAttribute",
                       {{"InstanceId", id}, {"Attribute", "instanceInitiatedShutdownBehavior"}});
  ASSERT_TRUE(sb.ok()) << sb.status().ToString();
  EXPECT_EQ(sb->FindText("instanceInitiatedShutdownBehavior/value"), "terminate");

  auto console = ec2_->GetConsoleOutput(id);
  ASSERT_TRUE(console.ok()) << console.status().ToString();
  EXPECT_FALSE(console->empty());

  std::vector<std::string> ids;
  for (const auto& i : *mine) ids.push_back(i.id);
  ASSERT_TRUE(ec2_->TerminateInstances(ids).ok());
  auto after = ec2_->DescribeInstances({}, ids);
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  ASSERT_EQ(after->size(), ids.size()) << "every terminated instance is still described";
  for (const auto& i : *after) EXPECT_TRUE(i.state == "terminated" || i.state == "shutting-down");
}

TEST_F(Ec2MotoTest, SecurityGroupAndKeyPairLifecycle) {
  auto sg = ec2_->CreateSecurityGroup("rankflow-t2", "test", "", {{"rankflow:cluster", "t2"}});
  ASSERT_TRUE(sg.ok()) << sg.status().ToString();
  IngressRule inside;
  inside.source_group_id = *sg;
  IngressRule ssh;
  ssh.protocol = "tcp";
  ssh.from_port = ssh.to_port = 22;
  ssh.cidr = "203.0.113.7/32";
  ASSERT_TRUE(ec2_->AuthorizeIngress(*sg, {inside, ssh}).ok());
  auto found = ec2_->DescribeSecurityGroups({{"tag:rankflow:cluster", {"t2"}}});
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_EQ(found->size(), 1u);
  EXPECT_EQ((*found)[0].name, "rankflow-t2");
  ASSERT_TRUE(ec2_->DeleteSecurityGroup(*sg).ok());
  Status again = ec2_->DeleteSecurityGroup(*sg);
  EXPECT_EQ(again.code(), StatusCode::kNotFound) << again.ToString();

  auto key = GenerateEd25519Key("rankflow-t2");
  ASSERT_TRUE(key.ok());
  auto kp = ec2_->ImportKeyPair("rankflow-t2", key->public_line, {{"rankflow:cluster", "t2"}});
  ASSERT_TRUE(kp.ok()) << kp.status().ToString();
  auto keys = ec2_->DescribeKeyPairs({{"key-name", {"rankflow-t2"}}});
  ASSERT_TRUE(keys.ok()) << keys.status().ToString();
  ASSERT_EQ(keys->size(), 1u);
  ASSERT_TRUE(ec2_->DeleteKeyPair("rankflow-t2").ok());
  // Gone: an empty answer, or EC2's NotFound for a named key — not any failure (moto down).
  auto none = ec2_->DescribeKeyPairs({{"key-name", {"rankflow-t2"}}});
  if (none.ok()) {
    EXPECT_TRUE(none->empty()) << none->size() << " key pairs still described";
  } else {
    EXPECT_EQ(none.status().code(), StatusCode::kNotFound) << none.status().ToString();
  }
}

TEST_F(Ec2MotoTest, PlacementGroupFailureIsAStatusNotACrash) {
  // moto answers 500 (not implemented): after the retries the caller gets kUnavailable and
  // decides (Cluster::Up launches without a placement group). Real EC2 gets the same request.
  Status s = ec2_->CreatePlacementGroup("rankflow-t3", "cluster", {});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_NE(s.message().find("CreatePlacementGroup"), std::string::npos);
}

TEST_F(Ec2MotoTest, ErrorsCarryEc2Code) {
  auto r = ec2_->DescribeInstances({}, {"i-00000000000000000"});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound) << r.status().ToString();
  EXPECT_NE(r.status().message().find("InvalidInstanceID.NotFound"), std::string::npos);
}

TEST_F(Ec2MotoTest, Ec2SpecificEndpointOverridesTheGeneralOne) {
  setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:1", 1);  // nothing listens there
  setenv("AWS_ENDPOINT_URL_EC2", moto_->endpoint().c_str(), 1);
  auto c = Ec2Client::FromEnvironment("");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  auto r = (*c)->DescribeInstances({{"tag:rankflow:cluster", {"nobody"}}});
  unsetenv("AWS_ENDPOINT_URL_EC2");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->empty());
}

}  // namespace
}  // namespace rankflow::provision
