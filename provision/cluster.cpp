// Cluster::Up and its steps. Down, status and run live in cluster_ops.cpp.
#include "provision/cluster.h"

#include <openssl/rand.h>

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
#include "provision/s3_object.h"
#include "provision/ssh_key.h"
#include "provision/user_data.h"
#include "runtime/aws/config.h"
#include "runtime/aws/sigv4.h"
#include "runtime/log.h"

namespace rankflow::provision {
namespace {

using Clock = std::chrono::steady_clock;

// Official Debian images (https://wiki.debian.org/Cloud/AmazonEC2Image): owner account.
constexpr char kDebianOwner[] = "136693071363";

double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

std::string Money(double usd) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "$%.2f", usd);
  return buf;
}

// An idempotency token for one RunInstances (EC2 allows 64 ASCII characters): "<role>-" and 32
// random hex digits. The same token on a retried request returns the first request's instances
// instead of launching a second batch.
std::string ClientToken(const std::string& role) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) {
    std::random_device rd;  // OpenSSL's generator failing is unheard of; still unique enough
    for (unsigned char& b : bytes) b = static_cast<unsigned char>(rd());
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string token = role + "-";
  for (unsigned char b : bytes) {
    token += kHex[b >> 4];
    token += kHex[b & 15];
  }
  return token;
}

std::string LastLines(const std::string& text, int n) {
  size_t pos = text.size();
  while (n-- > 0 && pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos == text.size() ? pos : pos + 1);
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

// What one Up() has created so far and learned about its nodes.
struct Cluster::Launch {
  Clock::time_point start = Clock::now();
  Clock::time_point deadline;
  std::string vpc_id;
  std::string subnet_id;  // every node's (one subnet: one availability zone)
  std::string group_id;
  bool created_group = false;  // group_id was created by this launch (not reused)
  std::string key_name;
  std::string image_id;
  std::string placement_group;
  std::string binaries_url;
  std::string binaries_sha256;
  // Local mode: the tarball as a file under key_dir, which every loopback node unpacks (the
  // nodes are this machine; no presigned url on any command line).
  std::string local_tarball;
  std::vector<std::string> packages;  // for the binaries' libraries (PackagesForTarball)
  int64_t deadline_epoch_s = 0;       // launch time + ttl (UTC seconds): nodes and backstop
  std::vector<Node> nodes;
  std::vector<std::unique_ptr<SshSession>> sessions;  // parallel to nodes
  std::vector<std::string> homes;                     // remote $HOME per node
};

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
  RF_RETURN_IF_ERROR(WaitRunning(launch));
  RF_RETURN_IF_ERROR(WaitReachable(launch));
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
    launch->image_id = spec_.ami.empty() ? "ami-0123456789abcdef0" : spec_.ami;
    return Status::OK();
  }
  auto subnet = ChooseSubnet(ec2_, spec_);
  if (!subnet.ok()) return subnet.status();
  launch->subnet_id = subnet->id;
  launch->vpc_id = subnet->vpc_id;
  report_("network: subnet " + subnet->id + " (" + subnet->cidr + ") in " + subnet->vpc_id +
          ", zone " + subnet->availability_zone + ": every node there; ssh to their " +
          (spec_.private_ips ? "private" : "public") + " addresses");
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
  return Status::OK();
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

Status Cluster::LaunchNodes(Launch* launch) {
  if (spec_.placement_group) {
    std::string pg = ResourceName(spec_);
    Status s = ec2_->CreatePlacementGroup(pg, "cluster", {{kClusterTag, spec_.name}});
    if (s.ok()) {
      launch->placement_group = pg;
    } else {
      // moto answers 500 here; a real EC2 account may lack capacity. Neither is worth failing
      // the launch for: the nodes still work, with ordinary networking.
      report_("warning: no placement group (" + s.message() + "); launching without one");
    }
  }
  if (!spec_.artifacts.empty()) {
    auto where = ParseS3Location(spec_.artifacts);
    if (!where.ok()) return where.status();
    auto s3 = S3Objects::FromEnvironment(spec_.region);
    if (!s3.ok()) return s3.status();
    // What the nodes will download: its SHA-256 (checked there) and the packages its binaries
    // need (derived here, where the build's libraries are installed). Costs one download, which
    // also teaches the client the bucket's region before the url is presigned for it.
    auto tarball = (*s3)->Get(*where);
    if (!tarball.ok()) return tarball.status();
    auto url = (*s3)->PresignGet(*where, spec_.boot_deadline_s + 3600);
    if (!url.ok()) return url.status();
    launch->binaries_url = *url;
    launch->binaries_sha256 = aws::Sha256Hex(*tarball);
    if (spec_.local) {
      launch->local_tarball = spec_.key_dir + "/rankflow-bin.tar.gz";
      std::ofstream out(launch->local_tarball, std::ios::binary | std::ios::trunc);
      out << *tarball;
      if (!out) return Status::IOError(launch->local_tarball + ": cannot write");
    }
    auto packages = PackagesForTarball(*tarball);
    if (!packages.ok()) return packages.status().WithPrefix(spec_.artifacts);
    launch->packages = *packages;
    report_("binaries " + spec_.artifacts + ": sha256 " + launch->binaries_sha256 + ", " +
            std::to_string(launch->packages.size()) + " Debian packages for their libraries");
  }
  // The cluster's absolute deadline: every node powers off then, at every boot (user-data's
  // dead-man), and the server-side backstop terminates what is left (CreateBackstop).
  launch->deadline_epoch_s = static_cast<int64_t>(std::time(nullptr)) + spec_.ttl_minutes * 60LL;
  for (const char* role : {"head", "worker"}) {
    bool head = std::string(role) == "head";
    int count = head ? 1 : spec_.workers;
    if (count == 0) continue;
    UserDataOptions ud;
    ud.cluster = spec_.name;
    ud.role = role;
    ud.ttl_minutes = spec_.ttl_minutes;
    ud.deadline_epoch_s = launch->deadline_epoch_s;
    ud.binaries_url = launch->binaries_url;
    ud.binaries_sha256 = launch->binaries_sha256;
    ud.packages = launch->packages;
    ud.extra_packages = spec_.extra_packages;
    RunRequest r;
    r.image_id = launch->image_id;
    r.instance_type = head ? spec_.head_type : spec_.worker_type;
    r.count = count;
    r.key_name = launch->key_name;
    r.security_group_ids = {launch->group_id};
    r.subnet_id = launch->subnet_id;
    r.user_data = GenerateUserData(ud);
    r.tags = {{kClusterTag, spec_.name},
              {kRoleTag, role},
              {kDeadlineTag, UtcTimestamp(launch->deadline_epoch_s)},
              {"Name", ResourceName(spec_) + "-" + role}};
    r.spot = spec_.spot;
    r.spot_max_price = spec_.spot_max_price;
    r.iam_instance_profile = spec_.instance_profile;
    r.placement_group = launch->placement_group;
    // One token per group per launch: every retry of this request below (transport failures,
    // throttling, InvalidGroup.NotFound) sends the same one, so a request that reached EC2 but
    // whose answer was lost cannot launch a second, unseen batch.
    r.client_token = ClientToken(role);
    Result<std::vector<Instance>> instances = Status::Internal("RunInstances not sent");
    RF_RETURN_IF_ERROR(ec2_->UntilVisible("InvalidGroup.NotFound", [&] {
      instances = ec2_->RunInstances(r);
      return instances.status();
    }));
    for (const Instance& i : *instances) {
      Node n = MakeNode(i);
      n.role = role;
      launch->nodes.push_back(n);
    }
    report_("launched " + std::to_string(count) + " x " + r.instance_type + " (" + role + ")" +
            (spec_.spot ? " spot" : ""));
  }
  return Status::OK();
}

Result<SchedulerClient*> Cluster::Scheduler() {
  if (!scheduler_) {
    auto made = SchedulerClient::FromEnvironment(spec_.region);
    if (!made.ok()) return made.status();
    scheduler_ = std::move(*made);
  }
  return scheduler_.get();
}

// Right after the launch: a one-time EventBridge Scheduler schedule that terminates the
// instances at the deadline, even if no node ever runs its user-data (so no dead-man is armed),
// a node's clock is wrong or its dead-man was removed. A schedule of the same name left by an
// earlier cluster of this name is replaced.
Status Cluster::CreateBackstop(Launch* launch) {
  if (spec_.scheduler_role_arn.empty()) {
    report_(
        "warning: no server-side backstop (set scheduler_role_arn, provision/README.md): "
        "only the nodes' own dead-man ends the cluster at its deadline");
    return Status::OK();
  }
  auto scheduler = Scheduler();
  if (!scheduler.ok()) return scheduler.status();
  std::vector<std::string> ids;
  for (const Node& n : launch->nodes) ids.push_back(n.instance.id);
  const std::string description = "rankflow cluster " + spec_.name +
                                  ": terminate its instances at the deadline " +
                                  UtcTimestamp(launch->deadline_epoch_s);
  auto create = [&] {
    return (*scheduler)
        ->CreateTerminateSchedule(BackstopName(), launch->deadline_epoch_s, ids,
                                  spec_.scheduler_role_arn, description);
  };
  Status s = create();
  if (s.code() == StatusCode::kAlreadyExists) {
    Status removed = (*scheduler)->DeleteSchedule(BackstopName());
    if (!removed.ok() && removed.code() != StatusCode::kNotFound) return removed;
    report_("replaced an earlier schedule " + BackstopName());
    s = create();
  }
  if (!s.ok()) return s.WithPrefix("the server-side backstop");
  report_("backstop: EventBridge Scheduler schedule " + BackstopName() + " terminates the " +
          std::to_string(ids.size()) + " instance(s) at " + UtcTimestamp(launch->deadline_epoch_s));
  return Status::OK();
}

Status Cluster::WaitRunning(Launch* launch) {
  std::vector<std::string> ids;
  for (const Node& n : launch->nodes) ids.push_back(n.instance.id);
  auto delay = std::chrono::milliseconds(100);
  while (true) {
    // Instances launched a moment ago may still be unknown (InvalidInstanceID.NotFound).
    Result<std::vector<Instance>> described = Status::Internal("DescribeInstances not sent");
    RF_RETURN_IF_ERROR(ec2_->UntilVisible("InvalidInstanceID.NotFound", [&] {
      described = ec2_->DescribeInstances({}, ids);
      return described.status();
    }));
    int running = 0;
    for (const Instance& i : *described) {
      for (Node& n : launch->nodes) {
        if (n.instance.id != i.id) continue;
        std::string role = n.role;
        n = MakeNode(i);
        n.role = role;
        if (i.state == "running") ++running;
        if (i.state == "terminated" || i.state == "shutting-down" || i.state == "stopped") {
          return Status::Unavailable(DescribeFailedNode(n, "it stopped while booting"));
        }
      }
    }
    if (running == static_cast<int>(launch->nodes.size())) break;
    if (Clock::now() + delay > launch->deadline) {
      for (const Node& n : launch->nodes) {
        if (n.instance.state != "running") {
          return Status::Unavailable(DescribeFailedNode(
              n, "it was not running after " + std::to_string(spec_.boot_deadline_s) + " s"));
        }
      }
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(spec_.local ? 500 : 3000));
  }
  report_("all " + std::to_string(launch->nodes.size()) + " instances running after " +
          std::to_string(static_cast<int>(SecondsSince(launch->start))) + " s");
  return Status::OK();
}

Status Cluster::WaitReachable(Launch* launch) {
  size_t n = launch->nodes.size();
  launch->sessions.resize(n);
  launch->homes.resize(n);
  std::vector<std::string> errors(n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([this, launch, i, &errors] {
      const Node& node = launch->nodes[i];
      std::string last_error = "no attempt";
      while (Clock::now() < launch->deadline) {
        auto left =
            std::chrono::duration_cast<std::chrono::milliseconds>(launch->deadline - Clock::now());
        if (!launch->sessions[i]) {
          SshOptions o;
          o.host = node.address;
          o.port = spec_.ssh_port;
          o.user = spec_.ssh_user;
          o.private_key_path = PrivateKeyPath();
          o.connect_timeout_ms = static_cast<int>(std::min<int64_t>(left.count(), 5000));
          auto s = SshSession::Connect(o);
          if (!s.ok()) {
            last_error = s.status().message();
            std::this_thread::sleep_for(std::chrono::milliseconds(spec_.local ? 100 : 2000));
            continue;
          }
          launch->sessions[i] = std::move(*s);
        }
        SshSession& ssh = *launch->sessions[i];
        std::string marker = "/var/lib/rankflow/bootstrap-done";
        if (spec_.local) {
          // No cloud-init runs on a loopback "node": do the part of the bootstrap that matters
          // here (the marker) so the wait below is the same code path as on EC2.
          // With --artifacts, the shipped tarball (written under key_dir by LaunchNodes: the
          // nodes are this machine) is checked against its SHA-256 and unpacked into the node's
          // folder (opt/rankflow/bin), as user-data does on EC2 after its download; `run` puts
          // that bin folder first on PATH. No presigned url here: it would sit in a command line.
          marker = RemoteDir(node, "") + "/bootstrap-done";
          const std::string opt = ShellQuote(RemoteDir(node, "") + "/opt/rankflow");
          std::string script = "set -e\nfail() { echo \"local bootstrap: $*\" >&2; exit 1; }\n";
          script += "mkdir -p " + ShellQuote(RemoteDir(node, "")) + "\n";
          if (!launch->local_tarball.empty()) {
            const std::string tarball = ShellQuote(launch->local_tarball);
            script += "mkdir -p " + opt + "\n";
            script += "printf '%s  %s\\n' " + ShellQuote(launch->binaries_sha256) + " " + tarball +
                      " | sha256sum -c --quiet - || fail 'wrong sha256 of the binaries'\n";
            script += "tar -xzf " + tarball + " -C " + opt + " || fail 'unpacking failed'\n";
          }
          script += "touch " + ShellQuote(marker) + "\n";
          std::string errors;
          auto r = ssh.Exec(
              "bash -c " + ShellQuote(script), nullptr,
              [&](std::string_view c) { errors.append(c); }, 60000);
          if (!r.ok() || r->exit_code != 0) {
            last_error = r.ok() ? "local bootstrap failed: " + errors : r.status().message();
            launch->sessions[i].reset();
            continue;
          }
        }
        std::string home;
        auto r = ssh.Exec(
            "test -e " + ShellQuote(marker) + " && printf %s \"$HOME\"",
            [&](std::string_view c) { home.append(c); }, nullptr, 10000);
        if (!r.ok()) {
          last_error = r.status().message();
          launch->sessions[i].reset();
          continue;
        }
        if (r->exit_code == 0) {
          launch->homes[i] = home;
          return;
        }
        last_error = "reachable over ssh, but bootstrap has not finished (no " + marker + ")";
        std::this_thread::sleep_for(std::chrono::milliseconds(spec_.local ? 100 : 3000));
      }
      errors[i] = last_error;
      launch->sessions[i].reset();
    });
  }
  for (auto& t : threads) t.join();
  std::string failures;
  for (size_t i = 0; i < n; ++i) {
    if (errors[i].empty()) continue;
    if (!failures.empty()) failures += "\n";
    failures += DescribeFailedNode(
        launch->nodes[i],
        "not ready within " + std::to_string(spec_.boot_deadline_s) + " s: " + errors[i]);
  }
  if (!failures.empty()) return Status::Unavailable(failures);
  report_("all nodes reachable over ssh and bootstrapped after " +
          std::to_string(static_cast<int>(SecondsSince(launch->start))) + " s");
  return Status::OK();
}

std::string Cluster::DescribeFailedNode(const Node& node, const std::string& why) {
  std::string state = node.instance.state;
  std::string reason = node.instance.state_reason;
  auto fresh = ec2_->DescribeInstances({}, {node.instance.id});
  if (fresh.ok() && !fresh->empty()) {
    state = fresh->front().state;
    reason = fresh->front().state_reason;
  }
  std::string msg = "node " + node.instance.id + " (" + node.role + ", " +
                    (node.address.empty() ? "no address" : node.address) + ") failed: " + why +
                    "; state " + state;
  if (!reason.empty()) msg += " (" + reason + ")";
  auto console = ec2_->GetConsoleOutput(node.instance.id);
  if (console.ok() && !console->empty()) {
    msg += "; console output (last lines):\n" + LastLines(*console, 15);
  } else {
    msg += "; no console output";
  }
  return msg;
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
