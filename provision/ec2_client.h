// EC2 Query API client (API version 2016-11-15) on runtime/aws: SigV4 signing, the credentials
// chain, retries with backoff (throttling and 5xx), endpoint override (AWS_ENDPOINT_URL_EC2,
// AWS_ENDPOINT_URL). Only the calls provisioning needs. Every call is blocking and thread-safe.
//
// Retries: runtime/aws/retry.h's standard mode (10 attempts, 22.75–45.5 s of backoff in all, a
// token bucket shared by every call of the client) for throttling (RequestLimitExceeded …), 5xx
// and transport failures. Capacity answers (InsufficientInstanceCapacity and the other codes of
// IsCapacityError) are not retried even though EC2 sends them as 500: the same request will not
// find capacity seconds later; the caller decides (another type or zone, later, give up).
//
// Errors: kNotFound for EC2's "*.NotFound" codes, kUnavailable for throttling/5xx after retries,
// for capacity answers and for DependencyViolation (a resource still in use: try again later),
// other codes as the HTTP status says. Messages read
// "ec2 TerminateInstances: 400 InvalidParameterValue: <message>"; HasEc2Code finds the code.
//
// Eventual consistency: EC2 may answer InvalidInstanceID.NotFound / InvalidGroup.NotFound for an
// id it returned a moment ago, and tag filters may not list new resources yet. Calls are not
// retried on NotFound by themselves (NotFound is also a true answer: `down` of a deleted group);
// callers that hold a fresh id wrap the call in UntilVisible.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/aws/service_client.h"
#include "runtime/aws/xml.h"
#include "runtime/status.h"

namespace rankflow::provision {

using Params = aws::KeyValues;
using aws::ParseXml;
using aws::XmlElement;
using Tags = std::vector<std::pair<std::string, std::string>>;

struct Ec2Filter {
  std::string name;  // "tag:rankflow:cluster", "instance-state-name", "vpc-id", …
  std::vector<std::string> values;
};

// --- Query encoding (exposed for tests) ---
// prefix.1=a, prefix.2=b, …
void AddList(Params* p, const std::string& prefix, const std::vector<std::string>& values);
// Filter.N.Name / Filter.N.Value.M for each filter, N from 1.
void AddFilters(Params* p, const std::vector<Ec2Filter>& filters);
// TagSpecification.N.ResourceType + TagSpecification.N.Tag.M.Key/Value.
void AddTagSpecification(Params* p, int n, const std::string& resource_type, const Tags& tags);

struct Instance {
  std::string id;
  std::string state;         // pending, running, shutting-down, terminated, stopping, stopped
  std::string state_reason;  // stateReason/message, e.g. "Server.SpotInstanceTermination: …"
  std::string instance_type;
  std::string image_id;
  std::string private_ip;
  std::string public_ip;    // empty when none
  std::string launch_time;  // ISO-8601 as EC2 sends it
  std::string subnet_id;
  std::string lifecycle;  // "spot" or "" (on-demand)
  std::map<std::string, std::string> tags;
};

struct IngressRule {
  std::string protocol = "-1";  // "tcp", "-1" (all)
  int from_port = -1;
  int to_port = -1;
  std::string cidr;  // one of cidr / source_group_id
  std::string source_group_id;
};

struct SecurityGroup {
  std::string id;
  std::string name;
  std::string vpc_id;
  std::map<std::string, std::string> tags;
  // Inbound rules, one per CIDR / source group (EC2 groups several under one permission).
  std::vector<IngressRule> ingress;
};

struct Subnet {
  std::string id;
  std::string vpc_id;
  std::string availability_zone;
  std::string cidr;
  bool map_public_ip = false;  // mapPublicIpOnLaunch: instances get a public IPv4 address
  bool default_for_az = false;
  std::map<std::string, std::string> tags;
};

struct KeyPairInfo {
  std::string id;
  std::string name;
  std::string fingerprint;
};

struct Image {
  std::string id;
  std::string name;
  std::string creation_date;
  std::string architecture;
  std::string state;  // pending, available, failed, …
  std::map<std::string, std::string> tags;
};

struct RunRequest {
  std::string image_id;
  std::string instance_type;
  int count = 1;
  std::string key_name;
  std::vector<std::string> security_group_ids;
  std::string subnet_id;             // empty: the default VPC's default subnet
  std::string user_data;             // raw text; base64-encoded on the wire
  Tags tags;                         // applied to the instances and their volumes
  bool spot = false;                 // InstanceMarketOptions.MarketType=spot, one-time, terminate
  std::string spot_max_price;        // empty: up to the on-demand price
  std::string iam_instance_profile;  // name; empty for none
  std::string placement_group;       // empty for none
  std::string client_token;          // idempotency token; empty for none
};

// --- response parsing (exposed for tests) ---
// Instances of a RunInstancesResponse (instancesSet) or DescribeInstancesResponse (every
// reservationSet/item/instancesSet).
std::vector<Instance> ParseInstances(const XmlElement& root);
std::vector<SecurityGroup> ParseSecurityGroups(const XmlElement& root);
std::vector<Subnet> ParseSubnets(const XmlElement& root);
std::vector<KeyPairInfo> ParseKeyPairs(const XmlElement& root);
std::vector<Image> ParseImages(const XmlElement& root);
// The Status for an error response body (<Response><Errors><Error><Code>…).
Status ParseEc2Error(const std::string& operation, long http_status, const std::string& body);
// True when `status` is an EC2 error answer with this code ("InvalidGroup.NotFound").
bool HasEc2Code(const Status& status, std::string_view code);
// Codes that say EC2 has no capacity (or quota) for the request: InsufficientInstanceCapacity,
// InsufficientHostCapacity, InsufficientCapacity, InstanceLimitExceeded, VcpuLimitExceeded,
// MaxSpotInstanceCountExceeded, SpotMaxPriceTooLow …
bool IsCapacityError(std::string_view code);

struct PlacementGroup {
  std::string name;
  std::string id;
  std::string state;  // pending, available, deleting, deleted
  std::map<std::string, std::string> tags;
};
std::vector<PlacementGroup> ParsePlacementGroups(const XmlElement& root);

class Ec2Client {
 public:
  explicit Ec2Client(std::shared_ptr<aws::AwsServiceClient> client);
  // Endpoint, region (`region` overrides the environment when not empty) and credentials from the
  // environment / ~/.aws files / IMDS.
  static Result<std::unique_ptr<Ec2Client>> FromEnvironment(const std::string& region);

  Result<std::vector<Instance>> RunInstances(const RunRequest& request);
  // Follows NextToken until every page was read.
  Result<std::vector<Instance>> DescribeInstances(const std::vector<Ec2Filter>& filters,
                                                  const std::vector<std::string>& ids = {});
  Status TerminateInstances(const std::vector<std::string>& ids);
  // Decoded console text; empty if the instance has produced none yet.
  Result<std::string> GetConsoleOutput(const std::string& instance_id);

  Result<std::string> CreateSecurityGroup(const std::string& name, const std::string& description,
                                          const std::string& vpc_id, const Tags& tags);
  Result<std::vector<SecurityGroup>> DescribeSecurityGroups(const std::vector<Ec2Filter>& filters);
  Status AuthorizeIngress(const std::string& group_id, const std::vector<IngressRule>& rules);
  Status RevokeIngress(const std::string& group_id, const std::vector<IngressRule>& rules);
  Status DeleteSecurityGroup(const std::string& group_id);

  Result<std::string> ImportKeyPair(const std::string& name, const std::string& public_line,
                                    const Tags& tags);
  Result<std::vector<KeyPairInfo>> DescribeKeyPairs(const std::vector<Ec2Filter>& filters);
  Status DeleteKeyPair(const std::string& name);

  Result<std::vector<Image>> DescribeImages(const std::vector<std::string>& owners,
                                            const std::vector<Ec2Filter>& filters);
  // An image of a running instance's volumes (EC2 reboots it first unless no_reboot), tagged
  // (the image and its snapshots). Returns the image id; the image starts out pending.
  Result<std::string> CreateImage(const std::string& instance_id, const std::string& name,
                                  const std::string& description, const Tags& tags, bool no_reboot);
  Status DeregisterImage(const std::string& image_id);

  Status CreatePlacementGroup(const std::string& name, const std::string& strategy,
                              const Tags& tags);
  Result<std::vector<PlacementGroup>> DescribePlacementGroups(
      const std::vector<Ec2Filter>& filters);
  Status DeletePlacementGroup(const std::string& name);

  Result<std::string> CreateVpc(const std::string& cidr, const Tags& tags);
  Result<std::string> CreateSubnet(const std::string& vpc_id, const std::string& cidr,
                                   const Tags& tags);
  // Ids of VPCs matching the filters ("is-default": {"true"} finds the default VPC).
  Result<std::vector<std::string>> DescribeVpcs(const std::vector<Ec2Filter>& filters);
  // Subnets matching the filters, or the ones named by `ids`.
  Result<std::vector<Subnet>> DescribeSubnets(const std::vector<Ec2Filter>& filters,
                                              const std::vector<std::string>& ids = {});
  Status DeleteSubnet(const std::string& subnet_id);
  Status DeleteVpc(const std::string& vpc_id);

  // Page size of DescribeInstances (MaxResults, 5 … 1000); tests use small pages.
  void set_page_size(int n) { page_size_ = n; }

  // Runs `call` until it returns anything but an EC2 error with code `not_found_code`
  // ("InvalidInstanceID.NotFound"), or until consistency_window_s() has passed: for a call naming
  // a resource this process created moments ago (EC2 is eventually consistent). Backoff as
  // retry.h's BackoffDelay with this client's base delay, each wait capped at 2 s; no retry
  // quota (the inner calls still use it). Returns call's last status, with "(not visible after N
  // s)" appended when the window ran out. Blocking; thread-safe if `call` is.
  Status UntilVisible(const std::string& not_found_code, const std::function<Status()>& call);
  // How long UntilVisible waits (default 120 s; AWS documents "a few seconds", more under load).
  void set_consistency_window_s(int s) { consistency_window_s_ = s; }
  int consistency_window_s() const { return consistency_window_s_; }

  // One call: Action=<action>, Version, the params; returns the parsed 2xx body.
  Result<XmlElement> Call(const std::string& action, const Params& params);

 private:
  std::shared_ptr<aws::AwsServiceClient> client_;
  int page_size_ = 1000;
  int consistency_window_s_ = 120;
};

}  // namespace rankflow::provision
