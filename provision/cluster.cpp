// Cluster::Up and its steps. Down, status and run live in cluster_ops.cpp.
#include "provision/cluster.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <sstream>
#include <thread>
#include <tuple>

#include "provision/binary_packages.h"
#include "provision/cluster_launch.h"
#include "provision/s3_object.h"
#include "provision/ssh_key.h"
#include "provision/user_data.h"
#include "runtime/aws/config.h"
#include "runtime/aws/sigv4.h"
#include "runtime/log.h"

namespace rankflow::provision {
namespace {

// Official Debian images (https://wiki.debian.org/Cloud/AmazonEC2Image): owner account.
constexpr char kDebianOwner[] = "136693071363";

std::string Money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

struct RemoteFile {
  std::string path;
  std::string contents;  // ends with a newline
  int mode;
};

// A POSIX shell script that writes each file atomically (temporary name + rename) with its mode.
std::string WriteFilesScript(const std::vector<RemoteFile>& files) {
  std::string s = "set -e\numask 077\n";
  for (const RemoteFile& f : files) {
    std::string q = ShellQuote(f.path);
    std::string tmp = ShellQuote(f.path + ".rankflow-upload");
    char mode[8];
    std::snprintf(mode, sizeof mode, "%o", f.mode);
    s += "mkdir -p \"$(dirname " + q + ")\"\n";
    s += "cat > " + tmp + " <<'RANKFLOW_END_OF_FILE'\n" + f.contents + "RANKFLOW_END_OF_FILE\n";
    s += "chmod " + std::string(mode) + " " + tmp + "\nmv -f " + tmp + " " + q + "\n";
  }
  return s;
}

}  // namespace

Result<Subnet> ChooseSubnet(Ec2Client* ec2, const ClusterSpec& spec) {
  const std::string private_hint =
      "set private_ips: true if this machine reaches the VPC's private addresses (same VPC, "
      "VPN, Direct Connect)";
  Subnet chosen;
  if (!spec.subnet_id.empty()) {
    auto found = ec2->DescribeSubnets({}, {spec.subnet_id});
    if (!found.ok()) return found.status().WithPrefix("subnet_id " + spec.subnet_id);
    if (found->empty()) return Status::NotFound("subnet_id " + spec.subnet_id + ": no such subnet");
    chosen = found->front();
    if (!spec.vpc_id.empty() && spec.vpc_id != chosen.vpc_id) {
      return Status::InvalidArgument("subnet_id " + chosen.id + " is in " + chosen.vpc_id +
                                     ", not in vpc_id " + spec.vpc_id);
    }
    if (!spec.availability_zone.empty() && spec.availability_zone != chosen.availability_zone) {
      return Status::InvalidArgument("subnet_id " + chosen.id + " is in zone " +
                                     chosen.availability_zone + ", not in availability_zone " +
                                     spec.availability_zone);
    }
  } else {
    std::string vpc = spec.vpc_id;
    if (vpc.empty()) {
      auto vpcs = ec2->DescribeVpcs({{"is-default", {"true"}}});
      if (!vpcs.ok()) return vpcs.status();
      if (vpcs->empty()) {
        return Status::InvalidArgument(
            "region " +
            (spec.region.empty() ? aws::ResolveRegion(aws::ProcessEnv()) : spec.region) +
            " has no default VPC: set subnet_id to a subnet of your VPC (one that gives "
            "instances public IPs, or " +
            private_hint + ")");
      }
      vpc = vpcs->front();
    }
    std::vector<Ec2Filter> filters = {{"vpc-id", {vpc}}};
    if (!spec.availability_zone.empty()) {
      filters.push_back({"availability-zone", {spec.availability_zone}});
    }
    auto subnets = ec2->DescribeSubnets(filters);
    if (!subnets.ok()) return subnets.status();
    // One subnet for every node, so head and workers share a zone: the zone's default subnet,
    // else one that gives public IPs (unless private_ips), the first zone by name.
    std::vector<Subnet> usable;
    for (const Subnet& s : *subnets) {
      if (s.map_public_ip || spec.private_ips) usable.push_back(s);
    }
    std::sort(usable.begin(), usable.end(), [](const Subnet& a, const Subnet& b) {
      return std::tie(b.default_for_az, a.availability_zone, a.id) <
             std::tie(a.default_for_az, b.availability_zone, b.id);
    });
    if (usable.empty()) {
      std::string where =
          vpc +
          (spec.availability_zone.empty() ? std::string() : " in zone " + spec.availability_zone);
      return Status::InvalidArgument(
          subnets->empty() ? "VPC " + where + " has no subnet: set subnet_id"
                           : "no subnet of VPC " + where +
                                 " gives instances public IPs: set subnet_id to one that does, "
                                 "or " +
                                 private_hint);
    }
    chosen = usable.front();
  }
  if (!chosen.map_public_ip && !spec.private_ips) {
    return Status::InvalidArgument(
        "subnet " + chosen.id +
        " does not give instances a public IP (MapPublicIpOnLaunch is "
        "false), so this machine could not reach them over ssh: choose a public subnet, or " +
        private_hint);
  }
  return chosen;
}

Cluster::Cluster(ClusterSpec spec, Ec2Client* ec2, PriceTable prices, Reporter report)
    : spec_(std::move(spec)), ec2_(ec2), prices_(std::move(prices)), report_(std::move(report)) {
  if (!report_) report_ = [](const std::string&) {};
}

std::vector<Ec2Filter> Cluster::TagFilter() const {
  return {{std::string("tag:") + kClusterTag, {spec_.name}}};
}

int Cluster::SlotsFor(const std::string& type) const {
  auto p = prices_.Lookup(type);
  return p.ok() && p->vcpus > 0 ? p->vcpus : 1;
}

Node Cluster::MakeNode(const Instance& instance) const {
  Node n;
  auto role = instance.tags.find(kRoleTag);
  n.role = role != instance.tags.end() ? role->second : "worker";
  n.instance = instance;
  n.slots = SlotsFor(instance.instance_type);
  n.address = !spec_.local && !spec_.private_ips && !instance.public_ip.empty()
                  ? instance.public_ip
                  : instance.private_ip;
  return n;
}

std::string Cluster::RemoteDir(const Node& node, const std::string& home) const {
  if (spec_.local) return spec_.key_dir + "/nodes/" + node.instance.private_ip;
  return home + "/.rankflow";
}

std::string Cluster::CostEstimate() const {
  auto head = prices_.Lookup(spec_.head_type);
  auto worker = prices_.Lookup(spec_.worker_type);
  std::string what = "1 x " + spec_.head_type + " (head)";
  if (spec_.workers > 0) what += " + " + std::to_string(spec_.workers) + " x " + spec_.worker_type;
  if (!head.ok() || (spec_.workers > 0 && !worker.ok())) {
    return "estimated cost: " + what + ": unknown (not in the price table " + prices_.source + ")";
  }
  double per_hour =
      head->usd_per_hour + (spec_.workers > 0 ? worker->usd_per_hour * spec_.workers : 0);
  std::string s = "estimated cost: " + what + " = " + Money(per_hour) + "/h on-demand (" +
                  prices_.region + " prices), at most " +
                  Money(per_hour * spec_.ttl_minutes / 60.0) + " for the ttl of " +
                  std::to_string(spec_.ttl_minutes) + " min";
  if (spec_.spot) s += "; spot: at most these figures";
  return s;
}

Result<UpResult> Cluster::Up() {
  if (Status launchable = ValidateSpecForUp(spec_); !launchable.ok()) return launchable;
  Launch launch;
  launch.deadline = launch.start + std::chrono::seconds(spec_.boot_deadline_s);
  report_(CostEstimate());
  auto live = Nodes();
  if (!live.ok()) return live.status();
  if (!live->empty()) {
    return Status::AlreadyExists(
        "cluster " + spec_.name + " already has " + std::to_string(live->size()) +
        " live instance(s); run `provision down --name " + spec_.name + "` first");
  }
  UpResult result;
  Status s = DoUp(&launch, &result);
  if (s.ok()) {
    result.seconds = SecondsSince(launch.start);
    report_("cluster " + spec_.name + " is ready: " + std::to_string(result.nodes.size()) +
            " node(s), hostfile " + result.hostfile_path);
    return result;
  }
  report_("up failed: " + s.message());
  report_("cleaning up everything cluster " + spec_.name + " created");
  launch.sessions.clear();
  // What this launch holds by id goes first: EC2's tag filters may not list new instances yet.
  Known known;
  for (const Node& n : launch.nodes) known.instance_ids.push_back(n.instance.id);
  known.instance_ids.insert(known.instance_ids.end(), launch.replaced_ids.begin(),
                            launch.replaced_ids.end());
  if (launch.created_group) known.group_id = launch.group_id;
  Status cleanup = TearDown(known, std::max(120, spec_.boot_deadline_s));
  if (!cleanup.ok()) return s.WithPrefix("cleanup also failed (" + cleanup.message() + ")");
  return s;
}

Status Cluster::DoUp(Launch* launch, UpResult* result) {
  RF_RETURN_IF_ERROR(EnsureNetwork(launch));
  RF_RETURN_IF_ERROR(EnsureKeyPair(launch));
  RF_RETURN_IF_ERROR(EnsureSecurityGroup(launch));
  RF_RETURN_IF_ERROR(LaunchNodes(launch));
  RF_RETURN_IF_ERROR(CreateBackstop(launch));
  RF_RETURN_IF_ERROR(WaitReady(launch));
  return DistributeClusterKey(launch, result);
}

Status Cluster::EnsureNetwork(Launch* launch) {
  Tags tags = {{kClusterTag, spec_.name}, {"Name", ResourceName(spec_)}};
  if (spec_.local) {
    // moto hands out 127.0.0.4, .5, … in a 127.0.0.0/24 subnet: addresses the loopback sshd
    // listens on. A VPC per cluster keeps concurrent clusters' addresses independent.
    auto vpc = ec2_->CreateVpc("127.0.0.0/16", tags);
    if (!vpc.ok()) return vpc.status();
    launch->vpc_id = *vpc;
    auto subnet = ec2_->CreateSubnet(*vpc, "127.0.0.0/24", tags);
    if (!subnet.ok()) return subnet.status();
    launch->subnet_id = *subnet;
    launch->subnet_ids = {*subnet};
    launch->image_id = spec_.ami.empty() ? "ami-0123456789abcdef0" : spec_.ami;
    return CheckBakedImage(launch);
  }
  auto subnet = ChooseSubnet(ec2_, spec_);
  if (!subnet.ok()) return subnet.status();
  launch->subnet_id = subnet->id;
  launch->vpc_id = subnet->vpc_id;
  launch->subnet_ids = {subnet->id};
  report_("network: subnet " + subnet->id + " (" + subnet->cidr + ") in " + subnet->vpc_id +
          ", zone " + subnet->availability_zone + ": every node there; ssh to their " +
          (spec_.private_ips ? "private" : "public") + " addresses");
  // Capacity fallback: more subnets (zones) of the same VPC, tried in order by LaunchNodes.
  std::vector<ClusterSpec> alternatives;
  for (const std::string& id : spec_.subnet_id_fallbacks) {
    ClusterSpec other = spec_;
    other.subnet_id = id;
    alternatives.push_back(other);
  }
  for (const std::string& zone : spec_.availability_zone_fallbacks) {
    ClusterSpec other = spec_;
    other.subnet_id.clear();
    other.availability_zone = zone;
    alternatives.push_back(other);
  }
  for (const ClusterSpec& other : alternatives) {
    auto more = ChooseSubnet(ec2_, other);
    if (!more.ok()) return more.status().WithPrefix("fallback");
    if (more->vpc_id != subnet->vpc_id) {
      return Status::InvalidArgument("fallback subnet " + more->id + " is in " + more->vpc_id +
                                     ", not in " + subnet->vpc_id +
                                     " (one security group serves every zone)");
    }
    if (std::find(launch->subnet_ids.begin(), launch->subnet_ids.end(), more->id) ==
        launch->subnet_ids.end()) {
      launch->subnet_ids.push_back(more->id);
      report_("fallback: subnet " + more->id + ", zone " + more->availability_zone);
    }
  }
  launch->image_id = spec_.ami;
  if (launch->image_id.empty()) {
    auto images = ec2_->DescribeImages(
        {kDebianOwner},
        {{"name", {"debian-12-amd64-*"}}, {"architecture", {"x86_64"}}, {"state", {"available"}}});
    if (!images.ok()) return images.status();
    if (images->empty()) {
      return Status::NotFound("no official debian 12 amd64 image found in region " + spec_.region +
                              "; give --ami");
    }
    auto newest = std::max_element(
        images->begin(), images->end(),
        [](const Image& a, const Image& b) { return a.creation_date < b.creation_date; });
    launch->image_id = newest->id;
    report_("image: " + newest->id + " (" + newest->name + ")");
  }
  return CheckBakedImage(launch);
}

Status Cluster::EnsureKeyPair(Launch* launch) {
  launch->key_name = ResourceName(spec_);
  auto key = GenerateEd25519Key(launch->key_name);
  if (!key.ok()) return key.status();
  RF_RETURN_IF_ERROR(WriteKeyFiles(PrivateKeyPath(), *key));
  // A key pair of this name without live instances is an orphan of an earlier run: replace it.
  auto existing = ec2_->DescribeKeyPairs({{"key-name", {launch->key_name}}});
  if (existing.ok() && !existing->empty()) {
    RF_RETURN_IF_ERROR(ec2_->DeleteKeyPair(launch->key_name));
  }
  auto id = ec2_->ImportKeyPair(launch->key_name, key->public_line, {{kClusterTag, spec_.name}});
  if (!id.ok()) return id.status();
  if (spec_.local && !spec_.local_authorized_keys.empty()) {
    // Stands in for EC2/cloud-init copying the key pair into the instance's authorized_keys.
    std::ofstream out(spec_.local_authorized_keys, std::ios::app);
    out << key->public_line << "\n";
    if (!out) return Status::IOError(spec_.local_authorized_keys + ": cannot append the key");
  }
  report_("key pair " + launch->key_name + " imported; private key " + PrivateKeyPath());
  return Status::OK();
}

Status Cluster::EnsureSecurityGroup(Launch* launch) {
  std::string name = ResourceName(spec_);
  std::vector<Ec2Filter> filters = {{"group-name", {name}}};
  if (!launch->vpc_id.empty()) filters.push_back({"vpc-id", {launch->vpc_id}});
  auto groups = ec2_->DescribeSecurityGroups(filters);
  if (!groups.ok()) return groups.status();
  if (!groups->empty()) {
    launch->group_id = groups->front().id;
    report_("reusing security group " + launch->group_id);
    return SyncIngress(groups->front());
  }
  auto id = ec2_->CreateSecurityGroup(name, "rankflow cluster " + spec_.name, launch->vpc_id,
                                      {{kClusterTag, spec_.name}});
  if (!id.ok()) return id.status();
  launch->group_id = *id;
  launch->created_group = true;
  // A group created a moment ago may still be unknown to EC2 (InvalidGroup.NotFound).
  RF_RETURN_IF_ERROR(ec2_->UntilVisible(
      "InvalidGroup.NotFound", [&] { return ec2_->AuthorizeIngress(*id, WantedIngress(*id)); }));
  report_("security group " + *id + ": all traffic inside the group, ssh from " + spec_.ssh_cidr);
  return Status::OK();
}

std::vector<IngressRule> Cluster::WantedIngress(const std::string& group_id) const {
  IngressRule inside;  // all traffic between members: MPI picks ports at random
  inside.source_group_id = group_id;
  IngressRule ssh;
  ssh.protocol = "tcp";
  ssh.from_port = ssh.to_port = spec_.ssh_port;
  ssh.cidr = spec_.ssh_cidr;
  return {inside, ssh};
}

// A reused group (an earlier cluster of this name, `down` not run) keeps the rules of its day:
// SSH from the laptop's old address, an old ssh port. Every address rule that is not the one
// wanted now is revoked, and the wanted ones are added if missing.
Status Cluster::SyncIngress(const SecurityGroup& group) {
  std::vector<IngressRule> wanted = WantedIngress(group.id);
  auto same = [](const IngressRule& a, const IngressRule& b) {
    bool any = a.protocol == "-1" && b.protocol == "-1";
    return a.protocol == b.protocol && a.cidr == b.cidr && a.source_group_id == b.source_group_id &&
           (any || (a.from_port == b.from_port && a.to_port == b.to_port));
  };
  std::vector<IngressRule> stale;
  for (const IngressRule& r : group.ingress) {
    bool keep =
        std::any_of(wanted.begin(), wanted.end(), [&](const IngressRule& w) { return same(r, w); });
    if (!keep && !r.cidr.empty()) stale.push_back(r);
  }
  std::vector<IngressRule> missing;
  for (const IngressRule& w : wanted) {
    bool present = std::any_of(group.ingress.begin(), group.ingress.end(),
                               [&](const IngressRule& r) { return same(r, w); });
    if (!present) missing.push_back(w);
  }
  if (!stale.empty()) {
    RF_RETURN_IF_ERROR(ec2_->RevokeIngress(group.id, stale));
    std::string what;
    for (const IngressRule& r : stale) {
      what += (what.empty() ? "" : ", ") + r.cidr + " port " + std::to_string(r.from_port);
    }
    report_("security group " + group.id + ": revoked stale rule(s) " + what);
  }
  if (!missing.empty()) {
    RF_RETURN_IF_ERROR(ec2_->AuthorizeIngress(group.id, missing));
    report_("security group " + group.id + ": ssh from " + spec_.ssh_cidr +
            ", all traffic inside the group");
  }
  return Status::OK();
}

Status Cluster::DistributeClusterKey(Launch* launch, UpResult* result) {
  auto key = GenerateEd25519Key(ResourceName(spec_) + "-intra");
  if (!key.ok()) return key.status();
  std::string known_hosts;
  std::string hostfile;
  for (size_t i = 0; i < launch->nodes.size(); ++i) {
    const Node& n = launch->nodes[i];
    const SshSession& s = *launch->sessions[i];
    known_hosts += KnownHostsLine(n.instance.private_ip, spec_.ssh_port, s.host_key_type(),
                                  s.host_key_blob()) +
                   "\n";
    hostfile += n.instance.private_ip + " slots=" + std::to_string(n.slots) + "\n";
  }
  if (spec_.local && !spec_.local_authorized_keys.empty()) {
    std::ofstream out(spec_.local_authorized_keys, std::ios::app);
    out << key->public_line << "\n";
    if (!out) return Status::IOError(spec_.local_authorized_keys + ": cannot append the key");
  }
  // One shell script per node, all nodes in parallel: a round trip per file per node would
  // dominate `up` on large clusters.
  size_t n = launch->nodes.size();
  std::vector<Status> outcomes(n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      std::string dir = RemoteDir(launch->nodes[i], launch->homes[i]);
      std::string config = "Host *\n  User " + spec_.ssh_user + "\n  Port " +
                           std::to_string(spec_.ssh_port) + "\n  IdentityFile " + dir +
                           "/cluster_key\n  IdentitiesOnly yes\n  UserKnownHostsFile " + dir +
                           "/known_hosts\n  StrictHostKeyChecking yes\n  BatchMode yes\n"
                           "  ConnectTimeout 10\n";
      std::vector<RemoteFile> files = {{dir + "/cluster_key", key->private_openssh, 0600},
                                       {dir + "/known_hosts", known_hosts, 0644},
                                       {dir + "/ssh_config", config, 0644},
                                       {dir + "/hostfile", hostfile, 0644}};
      std::string script = WriteFilesScript(files);
      if (!spec_.local) {
        script += "mkdir -p ~/.ssh && chmod 700 ~/.ssh && printf '%s\\n' " +
                  ShellQuote(key->public_line) + " >> ~/.ssh/authorized_keys\n";
      }
      std::string err;
      auto r = launch->sessions[i]->Exec(
          "sh -s", nullptr, [&](std::string_view c) { err.append(c); }, 30000, script);
      if (!r.ok()) {
        outcomes[i] = r.status();
      } else if (r->exit_code != 0) {
        outcomes[i] = Status::IOError("node " + launch->nodes[i].instance.id +
                                      ": writing the cluster key, known_hosts, ssh_config and "
                                      "hostfile failed: " +
                                      err);
      }
    });
  }
  for (auto& t : threads) t.join();
  for (const Status& st : outcomes) RF_RETURN_IF_ERROR(st);
  result->nodes = launch->nodes;
  result->hostfile = hostfile;
  result->hostfile_path = spec_.key_dir + "/hostfile";
  std::ofstream out(result->hostfile_path);
  out << hostfile;
  if (!out) return Status::IOError(result->hostfile_path + ": cannot write");
  return Status::OK();
}

}  // namespace rankflow::provision
