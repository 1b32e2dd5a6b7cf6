#include "provision/ec2_client.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <utility>

#include "provision/ssh_key.h"

namespace rankflow::provision {
namespace {

constexpr char kApiVersion[] = "2016-11-15";

std::map<std::string, std::string> ParseTags(const XmlElement& el) {
  std::map<std::string, std::string> tags;
  for (const XmlElement* t : el.Items("tagSet")) tags[t->ChildText("key")] = t->ChildText("value");
  return tags;
}

Instance ParseInstance(const XmlElement& el) {
  Instance i;
  i.id = el.ChildText("instanceId");
  i.state = el.FindText("instanceState/name");
  i.state_reason = el.FindText("stateReason/message");
  i.instance_type = el.ChildText("instanceType");
  i.image_id = el.ChildText("imageId");
  i.private_ip = el.ChildText("privateIpAddress");
  i.public_ip = el.ChildText("ipAddress");
  i.launch_time = el.ChildText("launchTime");
  i.subnet_id = el.ChildText("subnetId");
  i.lifecycle = el.ChildText("instanceLifecycle");
  i.tags = ParseTags(el);
  return i;
}

std::vector<std::string> Ids(const XmlElement& root, std::string_view list, std::string_view key) {
  std::vector<std::string> out;
  for (const XmlElement* it : root.Items(list)) out.push_back(it->ChildText(key));
  return out;
}

Status Ignore(const Result<XmlElement>& r) { return r.status(); }

}  // namespace

void AddList(Params* p, const std::string& prefix, const std::vector<std::string>& values) {
  for (size_t i = 0; i < values.size(); ++i) {
    p->emplace_back(prefix + "." + std::to_string(i + 1), values[i]);
  }
}

void AddFilters(Params* p, const std::vector<Ec2Filter>& filters) {
  for (size_t i = 0; i < filters.size(); ++i) {
    std::string f = "Filter." + std::to_string(i + 1);
    p->emplace_back(f + ".Name", filters[i].name);
    AddList(p, f + ".Value", filters[i].values);
  }
}

void AddTagSpecification(Params* p, int n, const std::string& resource_type, const Tags& tags) {
  if (tags.empty()) return;
  std::string ts = "TagSpecification." + std::to_string(n);
  p->emplace_back(ts + ".ResourceType", resource_type);
  for (size_t i = 0; i < tags.size(); ++i) {
    std::string t = ts + ".Tag." + std::to_string(i + 1);
    p->emplace_back(t + ".Key", tags[i].first);
    p->emplace_back(t + ".Value", tags[i].second);
  }
}

std::vector<Instance> ParseInstances(const XmlElement& root) {
  std::vector<Instance> out;
  for (const XmlElement* i : root.Items("instancesSet")) out.push_back(ParseInstance(*i));
  for (const XmlElement* r : root.Items("reservationSet")) {
    for (const XmlElement* i : r->Items("instancesSet")) out.push_back(ParseInstance(*i));
  }
  return out;
}

std::vector<SecurityGroup> ParseSecurityGroups(const XmlElement& root) {
  std::vector<SecurityGroup> out;
  for (const XmlElement* g : root.Items("securityGroupInfo")) {
    SecurityGroup group{g->ChildText("groupId"),
                        g->ChildText("groupName"),
                        g->ChildText("vpcId"),
                        ParseTags(*g),
                        {}};
    for (const XmlElement* perm : g->Items("ipPermissions")) {
      IngressRule rule;
      rule.protocol = perm->ChildText("ipProtocol");
      std::string from = perm->ChildText("fromPort");
      std::string to = perm->ChildText("toPort");
      rule.from_port = from.empty() ? -1 : std::atoi(from.c_str());
      rule.to_port = to.empty() ? -1 : std::atoi(to.c_str());
      for (const XmlElement* range : perm->Items("ipRanges")) {
        IngressRule r = rule;
        r.cidr = range->ChildText("cidrIp");
        group.ingress.push_back(r);
      }
      for (const XmlElement* source : perm->Items("groups")) {
        IngressRule r = rule;
        r.source_group_id = source->ChildText("groupId");
        group.ingress.push_back(r);
      }
    }
    out.push_back(std::move(group));
  }
  return out;
}

std::vector<Subnet> ParseSubnets(const XmlElement& root) {
  std::vector<Subnet> out;
  for (const XmlElement* s : root.Items("subnetSet")) {
    out.push_back({s->ChildText("subnetId"), s->ChildText("vpcId"),
                   s->ChildText("availabilityZone"), s->ChildText("cidrBlock"),
                   s->ChildText("mapPublicIpOnLaunch") == "true",
                   s->ChildText("defaultForAz") == "true", ParseTags(*s)});
  }
  return out;
}

std::vector<KeyPairInfo> ParseKeyPairs(const XmlElement& root) {
  std::vector<KeyPairInfo> out;
  for (const XmlElement* k : root.Items("keySet")) {
    out.push_back(
        {k->ChildText("keyPairId"), k->ChildText("keyName"), k->ChildText("keyFingerprint")});
  }
  return out;
}

std::vector<Image> ParseImages(const XmlElement& root) {
  std::vector<Image> out;
  for (const XmlElement* i : root.Items("imagesSet")) {
    out.push_back({i->ChildText("imageId"), i->ChildText("name"), i->ChildText("creationDate"),
                   i->ChildText("architecture"), i->ChildText("imageState"), ParseTags(*i)});
  }
  return out;
}

Status ParseEc2Error(const std::string& operation, long http_status, const std::string& body) {
  std::string code;
  std::string message;
  auto doc = ParseXml(body);
  if (doc.ok()) {
    const XmlElement* err = doc->Find("Errors/Error");
    if (err != nullptr) {
      code = err->ChildText("Code");
      message = err->ChildText("Message");
    }
  }
  std::string text = operation + ": " + std::to_string(http_status);
  if (!code.empty()) text += " " + code;
  if (!message.empty()) text += ": " + message;
  if (code.size() >= 8 && code.compare(code.size() - 8, 8, "NotFound") == 0) {
    return Status::NotFound(text);
  }
  if (code == "DependencyViolation" || code == "IncorrectInstanceState") {
    return Status::Unavailable(text);
  }
  return Status(aws::StatusCodeForHttp(http_status), text);
}

bool HasEc2Code(const Status& status, std::string_view code) {
  // ParseEc2Error writes "<operation>: <http status> <code>[: <message>]".
  const std::string& m = status.message();
  for (size_t at = m.find(code); at != std::string::npos; at = m.find(code, at + 1)) {
    const size_t end = at + code.size();
    if (at > 0 && m[at - 1] == ' ' && (end == m.size() || m[end] == ':')) return !status.ok();
  }
  return false;
}

bool IsCapacityError(std::string_view code) {
  static constexpr std::string_view kCodes[] = {"InsufficientInstanceCapacity",
                                                "InsufficientHostCapacity",
                                                "InsufficientReservedInstanceCapacity",
                                                "InsufficientCapacity",
                                                "InsufficientAddressCapacity",
                                                "InstanceLimitExceeded",
                                                "VcpuLimitExceeded",
                                                "MaxSpotInstanceCountExceeded",
                                                "SpotMaxPriceTooLow"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

std::vector<PlacementGroup> ParsePlacementGroups(const XmlElement& root) {
  std::vector<PlacementGroup> out;
  for (const XmlElement* g : root.Items("placementGroupSet")) {
    out.push_back(
        {g->ChildText("groupName"), g->ChildText("groupId"), g->ChildText("state"), ParseTags(*g)});
  }
  return out;
}

Ec2Client::Ec2Client(std::shared_ptr<aws::AwsServiceClient> client) : client_(std::move(client)) {}

Result<std::unique_ptr<Ec2Client>> Ec2Client::FromEnvironment(const std::string& region) {
  aws::EnvLookup env = aws::ProcessEnv();
  auto ep = aws::ResolveServiceEndpoint("ec2", env, region);
  if (!ep.ok()) return ep.status();
  auto creds = std::make_shared<aws::DefaultCredentialsChain>(env);
  auto http = std::make_shared<aws::HttpClient>();
  auto client = std::make_shared<aws::AwsServiceClient>(*ep, "ec2", creds, http);
  return std::make_unique<Ec2Client>(client);
}

Status Ec2Client::UntilVisible(const std::string& not_found_code,
                               const std::function<Status()>& call) {
  aws::RetryPolicy policy;
  policy.base_delay_ms = std::max<int64_t>(1, client_->retry_policy().base_delay_ms);
  policy.max_delay_ms = 2000;
  policy.max_attempts = 1000;  // the window ends it long before
  policy.quota = nullptr;      // the calls inside still draw on the client's quota
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::seconds(consistency_window_s_);
  Status s = aws::RunWithRetries(policy, "ec2 " + not_found_code, [&](int) {
    Status last = call();
    if (HasEc2Code(last, not_found_code) && std::chrono::steady_clock::now() < deadline) {
      return aws::AttemptOutcome::Transient(last.message());
    }
    return aws::AttemptOutcome::Final(std::move(last));
  });
  if (HasEc2Code(s, not_found_code)) {
    return Status(s.code(), s.message() + " (not visible after " +
                                std::to_string(consistency_window_s_) + " s)");
  }
  return s;
}

Result<XmlElement> Ec2Client::Call(const std::string& action, const Params& params) {
  Params all;
  all.emplace_back("Action", action);
  all.emplace_back("Version", kApiVersion);
  all.insert(all.end(), params.begin(), params.end());
  std::string body;
  aws::AwsRequest req = aws::AwsRequest::Form(all, &body);
  aws::HttpResponse resp;
  std::string op = "ec2 " + action;
  // AwsServiceClient::Send's classification, except that capacity answers are final.
  Status s = aws::RunWithRetries(client_->retry_policy(), op, [&](int) {
    aws::AttemptOutcome sent = client_->Attempt(req, op, &resp);
    if (!sent.status.ok()) return sent;
    if (resp.status >= 200 && resp.status < 300) return aws::AttemptOutcome::Ok();
    std::string code = aws::ErrorCodeFromBody(resp.body);
    if (IsCapacityError(code)) return aws::AttemptOutcome::Ok();  // answered below
    if (aws::IsRetryableHttpStatus(resp.status) || aws::IsRetryableErrorCode(code)) {
      return aws::AttemptOutcome::Transient(aws::DescribeHttpFailure(resp));
    }
    return aws::AttemptOutcome::Ok();
  });
  if (!s.ok()) return s;
  if (resp.status < 200 || resp.status >= 300) return ParseEc2Error(op, resp.status, resp.body);
  auto doc = ParseXml(resp.body);
  if (!doc.ok()) return doc.status().WithPrefix(op + ": unreadable response");
  return doc;
}

Result<std::vector<Instance>> Ec2Client::RunInstances(const RunRequest& r) {
  Params p = {{"ImageId", r.image_id},
              {"InstanceType", r.instance_type},
              {"MinCount", std::to_string(r.count)},
              {"MaxCount", std::to_string(r.count)},
              {"InstanceInitiatedShutdownBehavior", "terminate"}};
  if (!r.key_name.empty()) p.emplace_back("KeyName", r.key_name);
  if (!r.subnet_id.empty()) p.emplace_back("SubnetId", r.subnet_id);
  AddList(&p, "SecurityGroupId", r.security_group_ids);
  if (!r.user_data.empty()) p.emplace_back("UserData", Base64Encode(r.user_data));
  AddTagSpecification(&p, 1, "instance", r.tags);
  AddTagSpecification(&p, 2, "volume", r.tags);
  if (r.spot) {
    p.emplace_back("InstanceMarketOptions.MarketType", "spot");
    p.emplace_back("InstanceMarketOptions.SpotOptions.SpotInstanceType", "one-time");
    p.emplace_back("InstanceMarketOptions.SpotOptions.InstanceInterruptionBehavior", "terminate");
    if (!r.spot_max_price.empty()) {
      p.emplace_back("InstanceMarketOptions.SpotOptions.MaxPrice", r.spot_max_price);
    }
  }
  if (!r.iam_instance_profile.empty())
    p.emplace_back("IamInstanceProfile.Name", r.iam_instance_profile);
  if (!r.placement_group.empty()) p.emplace_back("Placement.GroupName", r.placement_group);
  if (!r.client_token.empty()) p.emplace_back("ClientToken", r.client_token);
  auto doc = Call("RunInstances", p);
  if (!doc.ok()) return doc.status();
  return ParseInstances(*doc);
}

Result<std::vector<Instance>> Ec2Client::DescribeInstances(const std::vector<Ec2Filter>& filters,
                                                           const std::vector<std::string>& ids) {
  std::vector<Instance> out;
  std::string token;
  do {
    Params p;
    AddFilters(&p, filters);
    AddList(&p, "InstanceId", ids);
    if (ids.empty()) p.emplace_back("MaxResults", std::to_string(page_size_));
    if (!token.empty()) p.emplace_back("NextToken", token);
    auto doc = Call("DescribeInstances", p);
    if (!doc.ok()) return doc.status();
    for (Instance& i : ParseInstances(*doc)) out.push_back(std::move(i));
    token = doc->ChildText("nextToken");
  } while (!token.empty());
  return out;
}

Status Ec2Client::TerminateInstances(const std::vector<std::string>& ids) {
  if (ids.empty()) return Status::OK();
  Params p;
  AddList(&p, "InstanceId", ids);
  return Ignore(Call("TerminateInstances", p));
}

Result<std::string> Ec2Client::GetConsoleOutput(const std::string& instance_id) {
  auto doc = Call("GetConsoleOutput", {{"InstanceId", instance_id}, {"Latest", "true"}});
  if (!doc.ok()) return doc.status();
  auto text = Base64Decode(doc->ChildText("output"));
  if (!text.ok()) return text.status().WithPrefix("ec2 GetConsoleOutput " + instance_id);
  return *text;
}

Result<std::string> Ec2Client::CreateSecurityGroup(const std::string& name,
                                                   const std::string& description,
                                                   const std::string& vpc_id, const Tags& tags) {
  Params p = {{"GroupName", name}, {"GroupDescription", description}};
  if (!vpc_id.empty()) p.emplace_back("VpcId", vpc_id);
  AddTagSpecification(&p, 1, "security-group", tags);
  auto doc = Call("CreateSecurityGroup", p);
  if (!doc.ok()) return doc.status();
  return doc->ChildText("groupId");
}

Result<std::vector<SecurityGroup>> Ec2Client::DescribeSecurityGroups(
    const std::vector<Ec2Filter>& filters) {
  Params p;
  AddFilters(&p, filters);
  auto doc = Call("DescribeSecurityGroups", p);
  if (!doc.ok()) return doc.status();
  return ParseSecurityGroups(*doc);
}

namespace {

// GroupId + IpPermissions.N.* of Authorize/RevokeSecurityGroupIngress.
Params IngressParams(const std::string& group_id, const std::vector<IngressRule>& rules) {
  Params p = {{"GroupId", group_id}};
  for (size_t i = 0; i < rules.size(); ++i) {
    std::string r = "IpPermissions." + std::to_string(i + 1);
    p.emplace_back(r + ".IpProtocol", rules[i].protocol);
    if (rules[i].protocol != "-1") {
      p.emplace_back(r + ".FromPort", std::to_string(rules[i].from_port));
      p.emplace_back(r + ".ToPort", std::to_string(rules[i].to_port));
    }
    if (!rules[i].cidr.empty()) p.emplace_back(r + ".IpRanges.1.CidrIp", rules[i].cidr);
    if (!rules[i].source_group_id.empty()) {
      p.emplace_back(r + ".Groups.1.GroupId", rules[i].source_group_id);
    }
  }
  return p;
}

}  // namespace

Status Ec2Client::AuthorizeIngress(const std::string& group_id,
                                   const std::vector<IngressRule>& rules) {
  return Ignore(Call("AuthorizeSecurityGroupIngress", IngressParams(group_id, rules)));
}

Status Ec2Client::RevokeIngress(const std::string& group_id,
                                const std::vector<IngressRule>& rules) {
  return Ignore(Call("RevokeSecurityGroupIngress", IngressParams(group_id, rules)));
}

Status Ec2Client::DeleteSecurityGroup(const std::string& group_id) {
  return Ignore(Call("DeleteSecurityGroup", {{"GroupId", group_id}}));
}

Result<std::string> Ec2Client::ImportKeyPair(const std::string& name,
                                             const std::string& public_line, const Tags& tags) {
  Params p = {{"KeyName", name}, {"PublicKeyMaterial", Base64Encode(public_line)}};
  AddTagSpecification(&p, 1, "key-pair", tags);
  auto doc = Call("ImportKeyPair", p);
  if (!doc.ok()) return doc.status();
  return doc->ChildText("keyPairId");
}

Result<std::vector<KeyPairInfo>> Ec2Client::DescribeKeyPairs(
    const std::vector<Ec2Filter>& filters) {
  Params p;
  AddFilters(&p, filters);
  auto doc = Call("DescribeKeyPairs", p);
  if (!doc.ok()) return doc.status();
  return ParseKeyPairs(*doc);
}

Status Ec2Client::DeleteKeyPair(const std::string& name) {
  return Ignore(Call("DeleteKeyPair", {{"KeyName", name}}));
}

Result<std::vector<Image>> Ec2Client::DescribeImages(const std::vector<std::string>& owners,
                                                     const std::vector<Ec2Filter>& filters) {
  Params p;
  AddList(&p, "Owner", owners);
  AddFilters(&p, filters);
  auto doc = Call("DescribeImages", p);
  if (!doc.ok()) return doc.status();
  return ParseImages(*doc);
}

Result<std::string> Ec2Client::CreateImage(const std::string& instance_id, const std::string& name,
                                           const std::string& description, const Tags& tags,
                                           bool no_reboot) {
  Params p = {{"InstanceId", instance_id},
              {"Name", name},
              {"Description", description},
              {"NoReboot", no_reboot ? "true" : "false"}};
  AddTagSpecification(&p, 1, "image", tags);
  AddTagSpecification(&p, 2, "snapshot", tags);
  auto doc = Call("CreateImage", p);
  if (!doc.ok()) return doc.status();
  std::string id = doc->FindText("imageId");
  if (id.empty()) return Status::Internal("ec2 CreateImage: no imageId in the answer");
  return id;
}

Status Ec2Client::DeregisterImage(const std::string& image_id) {
  return Ignore(Call("DeregisterImage", {{"ImageId", image_id}}));
}

Status Ec2Client::CreatePlacementGroup(const std::string& name, const std::string& strategy,
                                       const Tags& tags) {
  Params p = {{"GroupName", name}, {"Strategy", strategy}};
  AddTagSpecification(&p, 1, "placement-group", tags);
  return Ignore(Call("CreatePlacementGroup", p));
}

Result<std::vector<PlacementGroup>> Ec2Client::DescribePlacementGroups(
    const std::vector<Ec2Filter>& filters) {
  Params p;
  AddFilters(&p, filters);
  auto doc = Call("DescribePlacementGroups", p);
  if (!doc.ok()) return doc.status();
  return ParsePlacementGroups(*doc);
}

Status Ec2Client::DeletePlacementGroup(const std::string& name) {
  return Ignore(Call("DeletePlacementGroup", {{"GroupName", name}}));
}

Result<std::string> Ec2Client::CreateVpc(const std::string& cidr, const Tags& tags) {
  Params p = {{"CidrBlock", cidr}};
  AddTagSpecification(&p, 1, "vpc", tags);
  auto doc = Call("CreateVpc", p);
  if (!doc.ok()) return doc.status();
  return doc->FindText("vpc/vpcId");
}

Result<std::string> Ec2Client::CreateSubnet(const std::string& vpc_id, const std::string& cidr,
                                            const Tags& tags) {
  Params p = {{"VpcId", vpc_id}, {"CidrBlock", cidr}};
  AddTagSpecification(&p, 1, "subnet", tags);
  auto doc = Call("CreateSubnet", p);
  if (!doc.ok()) return doc.status();
  return doc->FindText("subnet/subnetId");
}

Result<std::vector<std::string>> Ec2Client::DescribeVpcs(const std::vector<Ec2Filter>& filters) {
  Params p;
  AddFilters(&p, filters);
  auto doc = Call("DescribeVpcs", p);
  if (!doc.ok()) return doc.status();
  return Ids(*doc, "vpcSet", "vpcId");
}

Result<std::vector<Subnet>> Ec2Client::DescribeSubnets(const std::vector<Ec2Filter>& filters,
                                                       const std::vector<std::string>& ids) {
  Params p;
  AddFilters(&p, filters);
  AddList(&p, "SubnetId", ids);
  auto doc = Call("DescribeSubnets", p);
  if (!doc.ok()) return doc.status();
  return ParseSubnets(*doc);
}

Status Ec2Client::DeleteSubnet(const std::string& subnet_id) {
  return Ignore(Call("DeleteSubnet", {{"SubnetId", subnet_id}}));
}

Status Ec2Client::DeleteVpc(const std::string& vpc_id) {
  return Ignore(Call("DeleteVpc", {{"VpcId", vpc_id}}));
}

}  // namespace rankflow::provision
