// Cluster::Up's launch and boot wait: the head and worker groups with capacity fallback
// (provision/launch.h) over instance types, markets and subnets, the backstop schedule, and the
// wait for every node (running, ssh, bootstrap marker) with replacement of nodes that do not boot.
#include <openssl/rand.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <mutex>
#include <random>
#include <thread>

#include "provision/binary_packages.h"
#include "provision/cluster_launch.h"
#include "provision/s3_object.h"
#include "provision/user_data.h"
#include "runtime/aws/sigv4.h"

namespace rankflow::provision {
namespace {

std::string LastLines(const std::string& text, int n) {
  size_t pos = text.size();
  while (n-- > 0 && pos > 0) {
    size_t nl = text.rfind('\n', pos - 1);
    if (nl == std::string::npos) return text;
    pos = nl;
  }
  return text.substr(pos == text.size() ? pos : pos + 1);
}

// Exit code of the readiness check when the node's bootstrap wrote its failure marker.
constexpr int kBootstrapFailedExit = 3;

// No cloud-init runs on a loopback "node": this script does the part of the bootstrap that
// matters here (the marker), so that WaitNodeReachable's wait is the same code path as on EC2.
// With --artifacts, the shipped tarball (written under key_dir by LaunchNodes: the nodes are this
// machine) is checked against its SHA-256 and unpacked into the node's folder (opt/rankflow/bin),
// as user-data does on EC2 after its download; `run` puts that bin folder first on PATH. No
// presigned url here: it would sit in a command line.
std::string LocalBootstrapScript(const std::string& node_dir, const std::string& local_tarball,
                                 const std::string& sha256, const std::string& marker) {
  const std::string opt = ShellQuote(node_dir + "/opt/rankflow");
  std::string script = "set -e\nfail() { echo \"local bootstrap: $*\" >&2; exit 1; }\n";
  script += "mkdir -p " + ShellQuote(node_dir) + "\n";
  if (!local_tarball.empty()) {
    const std::string tarball = ShellQuote(local_tarball);
    script += "mkdir -p " + opt + "\n";
    script += "printf '%s  %s\\n' " + ShellQuote(sha256) + " " + tarball +
              " | sha256sum -c --quiet - || fail 'wrong sha256 of the binaries'\n";
    script += "tar -xzf " + tarball + " -C " + opt + " || fail 'unpacking failed'\n";
  }
  return script + "touch " + ShellQuote(marker) + "\n";
}

}  // namespace

// The same token on a retried request returns the first request's instances instead of
// launching a second batch.
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

Status Cluster::PrepareBinaries(Launch* launch) {
  if (spec_.artifacts.empty()) return Status::OK();
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
  RF_RETURN_IF_ERROR(PrepareBinaries(launch));
  // The cluster's absolute deadline: every node powers off then, at every boot (user-data's
  // dead-man), and the server-side backstop terminates what is left (CreateBackstop).
  launch->deadline_epoch_s = static_cast<int64_t>(std::time(nullptr)) + spec_.ttl_minutes * 60LL;
  for (const char* role : {"head", "worker"}) {
    bool head = std::string(role) == "head";
    UserDataOptions ud;
    ud.cluster = spec_.name;
    ud.role = role;
    ud.ttl_minutes = spec_.ttl_minutes;
    ud.deadline_epoch_s = launch->deadline_epoch_s;
    ud.binaries_url = launch->binaries_url;
    ud.binaries_sha256 = launch->binaries_sha256;
    ud.packages = launch->packages;
    ud.extra_packages = spec_.extra_packages;
    ud.skip_packages = launch->baked_image;
    RunRequest r;
    r.image_id = launch->image_id;
    r.key_name = launch->key_name;
    r.security_group_ids = {launch->group_id};
    r.user_data = GenerateUserData(ud);
    r.tags = {{kClusterTag, spec_.name},
              {kRoleTag, role},
              {kDeadlineTag, UtcTimestamp(launch->deadline_epoch_s)},
              {"Name", ResourceName(spec_) + "-" + role}};
    r.spot_max_price = spec_.spot_max_price;
    r.iam_instance_profile = spec_.instance_profile;
    r.placement_group = launch->placement_group;
    launch->requests[role] = r;
    std::vector<std::string> types = {head ? spec_.head_type : spec_.worker_type};
    const auto& more = head ? spec_.head_type_fallbacks : spec_.worker_type_fallbacks;
    types.insert(types.end(), more.begin(), more.end());
    launch->choices[role] = LaunchChoices(types, spec_.spot, spec_.on_demand_fallback);
  }
  // One subnet (zone) for every node: the first where both groups find capacity. A group that
  // finds none in a subnet sends the launch to the next one, terminating what it started there.
  std::string refused;
  for (size_t k = 0; k < launch->subnet_ids.size(); ++k) {
    launch->subnet_id = launch->subnet_ids[k];
    std::vector<std::string> here;
    bool placed = true;
    for (const char* role : {"head", "worker"}) {
      int count = std::string(role) == "head" ? 1 : spec_.workers;
      if (count == 0) continue;
      auto launched = LaunchGroup(launch, role, count);
      if (!launched.ok()) return launched.status();
      if (launched->instances.empty()) {
        for (const std::string& r : launched->refusals) {
          refused += (refused.empty() ? "" : "; ") + launch->subnet_id + " " + r;
        }
        placed = false;
        break;
      }
      for (const Instance& i : launched->instances) here.push_back(i.id);
    }
    if (placed) return Status::OK();
    if (!here.empty()) {
      report_("no capacity for every group in subnet " + launch->subnet_id + ": terminating the " +
              std::to_string(here.size()) + " instance(s) started there");
      RF_RETURN_IF_ERROR(TerminateAndWait(here, true, launch->deadline));
      std::lock_guard<std::mutex> lock(launch->mu);
      launch->replaced_ids.insert(launch->replaced_ids.end(), here.begin(), here.end());
      launch->nodes.clear();
      launch->launched_at.clear();
    }
  }
  return Status::Unavailable("no capacity for any choice (" + refused + ")");
}

Result<Launched> Cluster::LaunchGroup(Launch* launch, const std::string& role, int count) {
  RunRequest r = launch->requests.at(role);
  r.subnet_id = launch->subnet_id;
  r.count = count;
  // One token per group per launch: every retry of this request (transport failures,
  // throttling, InvalidGroup.NotFound) sends the same one, so a request that reached EC2 but
  // whose answer was lost cannot launch a second, unseen batch.
  r.client_token = ClientToken(role);
  auto launched = RunInstancesWithFallback(ec2_, r, launch->choices.at(role));
  if (!launched.ok()) return launched.status();
  for (const std::string& why : launched->refusals) report_("no capacity: " + why);
  if (launched->instances.empty()) return launched;
  std::lock_guard<std::mutex> lock(launch->mu);
  for (const Instance& i : launched->instances) {
    Node n = MakeNode(i);
    n.role = role;
    launch->nodes.push_back(n);
    launch->launched_at.push_back(Clock::now());
  }
  report_("launched " + std::to_string(count) + " x " + launched->choice.instance_type + " (" +
          role + ")" + (launched->choice.spot ? " spot" : " on-demand") + " in subnet " +
          launch->subnet_id);
  return launched;
}

Result<SchedulerClient*> Cluster::Scheduler() {
  if (!scheduler_) {
    auto made = SchedulerClient::FromEnvironment(spec_.region);
    if (!made.ok()) return made.status();
    scheduler_ = std::move(*made);
  }
  return scheduler_.get();
}

// Right after the launch (and again after a replacement): a one-time EventBridge Scheduler
// schedule that terminates the instances at the deadline, even if no node ever runs its
// user-data (so no dead-man is armed), a node's clock is wrong or its dead-man was removed. A
// schedule of the same name left by an earlier cluster of this name is replaced. The caller
// holds launch->mu or runs alone.
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

std::string Cluster::WaitNodeRunning(Launch* launch, size_t i, Clock::time_point until) {
  auto delay = std::chrono::milliseconds(100);
  std::string id;
  {
    std::lock_guard<std::mutex> lock(launch->mu);
    id = launch->nodes[i].instance.id;
  }
  while (true) {
    auto described = DescribeNodes(launch, delay);
    if (!described.ok()) return described.status().message();
    std::string state = "pending";
    for (const Instance& inst : *described) {
      if (inst.id != id) continue;
      std::lock_guard<std::mutex> lock(launch->mu);
      std::string role = launch->nodes[i].role;
      launch->nodes[i] = MakeNode(inst);
      launch->nodes[i].role = role;
      state = inst.state;
    }
    if (state == "running") return "";
    if (state == "terminated" || state == "shutting-down" || state == "stopped") {
      return "it stopped while booting";
    }
    if (Clock::now() + delay > until) {
      return "it was not running after " + std::to_string(BoundS(launch, i, until)) + " s";
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(spec_.local ? 500 : 3000));
  }
}

Result<std::vector<Instance>> Cluster::DescribeNodes(Launch* launch,
                                                     std::chrono::milliseconds fresh_for) {
  std::lock_guard<std::mutex> lock(launch->describe_mu);
  if (Clock::now() - launch->described_at < fresh_for) return launch->described;
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> nodes_lock(launch->mu);
    for (const Node& n : launch->nodes) ids.push_back(n.instance.id);
  }
  // Instances launched a moment ago may still be unknown (InvalidInstanceID.NotFound).
  Result<std::vector<Instance>> described = Status::Internal("DescribeInstances not sent");
  RF_RETURN_IF_ERROR(ec2_->UntilVisible("InvalidInstanceID.NotFound", [&] {
    described = ec2_->DescribeInstances({}, ids);
    return described.status();
  }));
  launch->described = *described;
  launch->described_at = Clock::now();
  return launch->described;
}

int Cluster::BoundS(Launch* launch, size_t i, Clock::time_point until) const {
  if (until >= launch->deadline) return spec_.boot_deadline_s;
  return static_cast<int>(
      std::chrono::duration_cast<std::chrono::seconds>(until - launch->launched_at[i]).count() +
      0.5);
}

// Step 2 of a node's boot: ssh answers and the bootstrap marker exists. "" when ready, else why
// not (the last ssh error, or the failure the node's bootstrap reported).
std::string Cluster::WaitNodeReachable(Launch* launch, size_t i, Clock::time_point until) {
  Node node;
  {
    std::lock_guard<std::mutex> lock(launch->mu);
    node = launch->nodes[i];
  }
  std::string last_error = "no attempt";
  while (Clock::now() < until) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(until - Clock::now());
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
    std::string marker = kBootstrapMarker;
    std::string failed = kBootstrapFailedMarker;
    if (spec_.local) {
      marker = RemoteDir(node, "") + "/bootstrap-done";
      failed = RemoteDir(node, "") + "/bootstrap-failed";
      const std::string script = LocalBootstrapScript(RemoteDir(node, ""), launch->local_tarball,
                                                      launch->binaries_sha256, marker);
      std::string errors;
      auto r = ssh.Exec(
          "bash -c " + ShellQuote(script), nullptr, [&](std::string_view c) { errors.append(c); },
          60000);
      if (!r.ok() || r->exit_code != 0) {
        last_error = r.ok() ? "local bootstrap failed: " + errors : r.status().message();
        launch->sessions[i].reset();
        continue;
      }
    }
    // Done: $HOME. Failed (the bootstrap's `fail` wrote why): exit kBootstrapFailedExit.
    std::string out;
    auto r = ssh.Exec(
        "if test -e " + ShellQuote(marker) + "; then printf %s \"$HOME\"; elif test -e " +
            ShellQuote(failed) + "; then cat " + ShellQuote(failed) + "; exit " +
            std::to_string(kBootstrapFailedExit) + "; else exit 1; fi",
        [&](std::string_view c) { out.append(c); }, nullptr, 10000);
    if (!r.ok()) {
      last_error = r.status().message();
      launch->sessions[i].reset();
      continue;
    }
    if (r->exit_code == 0) {
      launch->homes[i] = out;
      return "";
    }
    if (r->exit_code == kBootstrapFailedExit) {
      launch->sessions[i].reset();
      return "its bootstrap failed: " + out;
    }
    last_error = "reachable over ssh, but bootstrap has not finished (no " + marker + ")";
    std::this_thread::sleep_for(std::chrono::milliseconds(spec_.local ? 100 : 3000));
  }
  launch->sessions[i].reset();
  return "not ready within " + std::to_string(BoundS(launch, i, until)) + " s: " + last_error;
}

// Terminates node i (it did not boot) and launches one replacement of its role in the same
// subnet; the backstop schedule then names the replacement too.
Status Cluster::ReplaceNode(Launch* launch, size_t i) {
  Node old;
  {
    std::lock_guard<std::mutex> lock(launch->mu);
    old = launch->nodes[i];
    launch->replaced_ids.push_back(old.instance.id);
  }
  RF_RETURN_IF_ERROR(ec2_->UntilVisible(
      "InvalidInstanceID.NotFound", [&] { return ec2_->TerminateInstances({old.instance.id}); }));
  RunRequest r = launch->requests.at(old.role);
  r.subnet_id = launch->subnet_id;
  r.count = 1;
  r.client_token = ClientToken(old.role);
  auto launched = RunInstancesWithFallback(ec2_, r, launch->choices.at(old.role));
  if (!launched.ok()) return launched.status();
  if (launched->instances.empty()) {
    std::string all;
    for (const std::string& why : launched->refusals) all += (all.empty() ? "" : "; ") + why;
    return Status::Unavailable("no capacity for a replacement (" + all + ")");
  }
  std::lock_guard<std::mutex> lock(launch->mu);
  Node n = MakeNode(launched->instances.front());
  n.role = old.role;
  launch->nodes[i] = n;
  launch->launched_at[i] = Clock::now();
  report_("launched " + n.instance.id + " (" + launched->choice.ToString() + ", " + n.role +
          ") to replace " + old.instance.id);
  return CreateBackstop(launch);
}

Status Cluster::WaitReady(Launch* launch) {
  size_t n = launch->nodes.size();
  launch->sessions.resize(n);
  launch->homes.resize(n);
  launch->replacements_left = spec_.max_replacements;
  std::vector<std::string> errors(n);
  std::vector<std::thread> threads;
  for (size_t i = 0; i < n; ++i) {
    threads.emplace_back([this, launch, i, &errors] {
      while (true) {
        auto until = std::min(launch->deadline,
                              launch->launched_at[i] + std::chrono::seconds(spec_.node_boot_s));
        std::string why = WaitNodeRunning(launch, i, until);
        if (why.empty()) why = WaitNodeReachable(launch, i, until);
        if (why.empty()) return;
        Node node;
        {
          std::lock_guard<std::mutex> lock(launch->mu);
          node = launch->nodes[i];
        }
        std::string described = DescribeFailedNode(node, why);
        int left = launch->replacements_left.fetch_sub(1);
        if (left <= 0 || Clock::now() >= launch->deadline) {
          errors[i] = described;
          return;
        }
        report_(described);
        report_("replacing " + node.instance.id + " (replacement " +
                std::to_string(spec_.max_replacements - left + 1) + " of at most " +
                std::to_string(spec_.max_replacements) + ")");
        if (Status s = ReplaceNode(launch, i); !s.ok()) {
          errors[i] = described + "\nits replacement failed: " + s.message();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  std::string failures;
  for (const std::string& e : errors) {
    if (!e.empty()) failures += (failures.empty() ? "" : "\n") + e;
  }
  if (!failures.empty()) return Status::Unavailable(failures);
  report_("all " + std::to_string(n) +
          " nodes running, reachable over ssh and bootstrapped after " +
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

}  // namespace rankflow::provision
