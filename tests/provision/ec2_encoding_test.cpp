// Query encoding and response parsing, on responses written from the EC2 API reference
// (API version 2016-11-15).
#include <gtest/gtest.h>

#include "provision/ec2_client.h"
#include "runtime/aws/sigv4.h"
#include "runtime/aws/xml.h"

namespace rankflow::provision {
namespace {

TEST(Ec2QueryTest, FiltersListsAndTagsUseOneBasedIndexes) {
  Params p;
  AddFilters(&p,
             {{"tag:rankflow:cluster", {"demo"}}, {"instance-state-name", {"pending", "running"}}});
  AddList(&p, "InstanceId", {"i-1", "i-2"});
  AddTagSpecification(&p, 2, "instance", {{"Name", "demo head"}, {"rankflow:cluster", "demo"}});
  Params expected = {{"Filter.1.Name", "tag:rankflow:cluster"},
                     {"Filter.1.Value.1", "demo"},
                     {"Filter.2.Name", "instance-state-name"},
                     {"Filter.2.Value.1", "pending"},
                     {"Filter.2.Value.2", "running"},
                     {"InstanceId.1", "i-1"},
                     {"InstanceId.2", "i-2"},
                     {"TagSpecification.2.ResourceType", "instance"},
                     {"TagSpecification.2.Tag.1.Key", "Name"},
                     {"TagSpecification.2.Tag.1.Value", "demo head"},
                     {"TagSpecification.2.Tag.2.Key", "rankflow:cluster"},
                     {"TagSpecification.2.Tag.2.Value", "demo"}};
  EXPECT_EQ(p, expected);
  // On the wire: RFC 3986 encoding (space %20, ':' %3A), as SigV4 canonicalizes it.
  EXPECT_EQ(aws::FormEncode({{"Filter.1.Name", "tag:rankflow:cluster"}, {"V", "a b+c/="}}),
            "Filter.1.Name=tag%3Arankflow%3Acluster&V=a%20b%2Bc%2F%3D");
}

TEST(Ec2QueryTest, EmptyTagsAddNoSpecification) {
  Params p;
  AddTagSpecification(&p, 1, "instance", {});
  EXPECT_TRUE(p.empty());
}

constexpr char kDescribeInstances[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>8f7724cf-496f-496e-8fe3-example</requestId>
  <reservationSet>
    <item>
      <reservationId>r-1234567890abcdef0</reservationId>
      <ownerId>123456789012</ownerId>
      <groupSet/>
      <instancesSet>
        <item>
          <instanceId>i-1234567890abcdef0</instanceId>
          <imageId>ami-0bb84b8ffd87024d8</imageId>
          <instanceState><code>16</code><name>running</name></instanceState>
          <privateDnsName>ip-10-0-0-157.ec2.internal</privateDnsName>
          <keyName>rankflow-demo</keyName>
          <amiLaunchIndex>0</amiLaunchIndex>
          <instanceType>c5.xlarge</instanceType>
          <launchTime>2024-05-01T10:20:30.000Z</launchTime>
          <subnetId>subnet-0f4e7ad1b9d33c5d1</subnetId>
          <privateIpAddress>10.0.0.157</privateIpAddress>
          <ipAddress>54.210.3.4</ipAddress>
          <instanceLifecycle>spot</instanceLifecycle>
          <tagSet>
            <item><key>rankflow:cluster</key><value>demo</value></item>
            <item><key>Name</key><value>demo &amp; co &lt;head&gt;</value></item>
          </tagSet>
        </item>
      </instancesSet>
    </item>
    <item>
      <reservationId>r-0abcdef1234567890</reservationId>
      <instancesSet>
        <item>
          <instanceId>i-0abcdef1234567890</instanceId>
          <instanceState><code>48</code><name>terminated</name></instanceState>
          <stateReason>
            <code>Server.SpotInstanceTermination</code>
            <message>Server.SpotInstanceTermination: Spot instance termination</message>
          </stateReason>
          <instanceType>c5.xlarge</instanceType>
          <tagSet><item><key>rankflow:cluster</key><value>demo</value></item></tagSet>
        </item>
      </instancesSet>
    </item>
  </reservationSet>
  <nextToken>eyJ2IjoiMiIsImMiOiJ4In0=</nextToken>
</DescribeInstancesResponse>)";

TEST(Ec2ParseTest, DescribeInstancesReadsEveryReservation) {
  auto doc = ParseXml(kDescribeInstances);
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  auto instances = ParseInstances(*doc);
  ASSERT_EQ(instances.size(), 2u);
  const Instance& a = instances[0];
  EXPECT_EQ(a.id, "i-1234567890abcdef0");
  EXPECT_EQ(a.state, "running");
  EXPECT_EQ(a.instance_type, "c5.xlarge");
  EXPECT_EQ(a.private_ip, "10.0.0.157");
  EXPECT_EQ(a.public_ip, "54.210.3.4");
  EXPECT_EQ(a.launch_time, "2024-05-01T10:20:30.000Z");
  EXPECT_EQ(a.lifecycle, "spot");
  EXPECT_EQ(a.tags.at("Name"), "demo & co <head>");
  EXPECT_EQ(a.tags.at("rankflow:cluster"), "demo");
  EXPECT_EQ(instances[1].state, "terminated");
  EXPECT_EQ(instances[1].state_reason, "Server.SpotInstanceTermination: Spot instance termination");
  EXPECT_TRUE(instances[1].private_ip.empty());
  EXPECT_EQ(doc->ChildText("nextToken"), "eyJ2IjoiMiIsImMiOiJ4In0=");
}

TEST(Ec2ParseTest, RunInstancesResponseHasInstancesAtTopLevel) {
  constexpr char kRun[] = R"(<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>req</requestId><reservationId>r-1</reservationId><ownerId>1</ownerId>
  <instancesSet>
    <item><instanceId>i-a</instanceId><instanceState><code>0</code><name>pending</name></instanceState>
      <privateIpAddress>127.0.0.4</privateIpAddress></item>
    <item><instanceId>i-b</instanceId><instanceState><code>0</code><name>pending</name></instanceState>
      <privateIpAddress>127.0.0.5</privateIpAddress></item>
  </instancesSet></RunInstancesResponse>)";
  auto doc = ParseXml(kRun);
  ASSERT_TRUE(doc.ok());
  auto instances = ParseInstances(*doc);
  ASSERT_EQ(instances.size(), 2u);
  EXPECT_EQ(instances[1].id, "i-b");
  EXPECT_EQ(instances[1].private_ip, "127.0.0.5");
  EXPECT_EQ(instances[0].state, "pending");
}

TEST(Ec2ParseTest, SecurityGroupsKeyPairsImages) {
  auto sg = ParseXml(R"(<DescribeSecurityGroupsResponse><securityGroupInfo>
    <item><ownerId>1</ownerId><groupId>sg-0a1</groupId><groupName>rankflow-demo</groupName>
      <groupDescription>d</groupDescription><vpcId>vpc-1</vpcId><ipPermissions/>
      <tagSet><item><key>rankflow:cluster</key><value>demo</value></item></tagSet></item>
    </securityGroupInfo></DescribeSecurityGroupsResponse>)");
  ASSERT_TRUE(sg.ok());
  auto groups = ParseSecurityGroups(*sg);
  ASSERT_EQ(groups.size(), 1u);
  EXPECT_EQ(groups[0].id, "sg-0a1");
  EXPECT_EQ(groups[0].vpc_id, "vpc-1");
  EXPECT_EQ(groups[0].tags.at("rankflow:cluster"), "demo");

  auto kp = ParseXml(R"(<DescribeKeyPairsResponse><keySet><item><keyPairId>key-1</keyPairId>
    <keyName>rankflow-demo</keyName><keyFingerprint>SHA256:abc</keyFingerprint><keyType>ed25519</keyType>
    </item></keySet></DescribeKeyPairsResponse>)");
  ASSERT_TRUE(kp.ok());
  auto keys = ParseKeyPairs(*kp);
  ASSERT_EQ(keys.size(), 1u);
  EXPECT_EQ(keys[0].name, "rankflow-demo");

  auto im = ParseXml(R"(<DescribeImagesResponse><imagesSet>
    <item><imageId>ami-1</imageId><name>debian-12-amd64-20240101-1</name>
      <creationDate>2024-01-01T00:00:00.000Z</creationDate><architecture>x86_64</architecture></item>
    <item><imageId>ami-2</imageId><name>debian-12-amd64-20240601-2</name>
      <creationDate>2024-06-01T00:00:00.000Z</creationDate><architecture>x86_64</architecture></item>
    </imagesSet></DescribeImagesResponse>)");
  ASSERT_TRUE(im.ok());
  auto images = ParseImages(*im);
  ASSERT_EQ(images.size(), 2u);
  EXPECT_EQ(images[1].creation_date, "2024-06-01T00:00:00.000Z");
}

TEST(Ec2ParseTest, ErrorsMapToStatusCodes) {
  constexpr char kNotFound[] = R"(<?xml version="1.0" encoding="UTF-8"?>
<Response><Errors><Error><Code>InvalidGroup.NotFound</Code><Message>The security group 'sg-1' does not exist</Message></Error></Errors><RequestID>ab</RequestID></Response>)";
  Status s = ParseEc2Error("ec2 DeleteSecurityGroup", 400, kNotFound);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(),
            "ec2 DeleteSecurityGroup: 400 InvalidGroup.NotFound: The security group 'sg-1' does "
            "not exist");
  constexpr char kDependency[] =
      R"(<Response><Errors><Error><Code>DependencyViolation</Code><Message>resource sg-1 has a dependent object</Message></Error></Errors></Response>)";
  EXPECT_EQ(ParseEc2Error("x", 400, kDependency).code(), StatusCode::kUnavailable);
  constexpr char kAuth[] =
      R"(<Response><Errors><Error><Code>UnauthorizedOperation</Code><Message>You are not authorized</Message></Error></Errors></Response>)";
  EXPECT_EQ(ParseEc2Error("x", 403, kAuth).code(), StatusCode::kPermissionDenied);
  // Not XML at all (moto's 500 page): the status alone.
  Status html = ParseEc2Error("ec2 CreatePlacementGroup", 500, "<!doctype html><p>oops");
  EXPECT_EQ(html.message(), "ec2 CreatePlacementGroup: 500");
}

TEST(XmlTest, DecodesEntitiesCdataAndSkipsComments) {
  auto doc = ParseXml(
      "<?xml version=\"1.0\"?><!-- c --><a x=\"1>2\"><b>&#65;&#x42;&quot;&apos;</b><!-- d -->"
      "<c><![CDATA[<raw & text>]]></c><d/><b>second</b></a>");
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  EXPECT_EQ(doc->name, "a");
  EXPECT_EQ(doc->ChildText("b"), "AB\"'");
  EXPECT_EQ(doc->ChildText("c"), "<raw & text>");
  EXPECT_NE(doc->Child("d"), nullptr);
  EXPECT_EQ(doc->Children("b").size(), 2u);
  EXPECT_EQ(doc->Find("missing/x"), nullptr);
  EXPECT_EQ(doc->FindText("missing/x"), "");
}

TEST(XmlTest, RejectsBrokenDocuments) {
  EXPECT_EQ(ParseXml("<a><b></a>").status().code(), StatusCode::kCorruption);
  EXPECT_FALSE(ParseXml("<a>").ok());
  EXPECT_FALSE(ParseXml("<a>&bogus;</a>").ok());
  EXPECT_FALSE(ParseXml("<a></a><b/>").ok());
  EXPECT_FALSE(ParseXml("").ok());
}

}  // namespace
}  // namespace rankflow::provision
