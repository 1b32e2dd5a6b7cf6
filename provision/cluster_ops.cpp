// Cluster::Down, Nodes, StatusText, Run, SshArgs, ListClusters.
#include <sys/file.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <functional>
#include <set>
#include <sstream>
#include <thread>

#include "provision/cluster.h"
#include "provision/detach.h"
#include "provision/s3_object.h"
#include "provision/user_data.h"
#include "runtime/aws/config.h"

namespace rankflow::provision {
namespace {

using Clock = std::chrono::steady_clock;

const std::vector<std::string> kLiveStates = {"pending", "running", "stopping", "stopped",
                                              "shutting-down"};

// Seconds since an EC2 timestamp ("2024-05-01T10:20:30.000Z"); 0 if it does not parse.
double AgeSeconds(const std::string& iso) {
  int64_t t = ParseUtcTimestamp(iso);
  if (t < 0) return 0;
  return std::max(0.0, std::difftime(std::time(nullptr), static_cast<time_t>(t)));
}

void AddErr(std::string* errors, const Status& s) {
  if (s.ok()) return;
  if (!errors->empty()) *errors += "; ";
  *errors += s.message();
}

}  // namespace

Result<std::vector<Node>> Cluster::Nodes() {
  std::vector<Ec2Filter> filters = TagFilter();
  filters.push_back({"instance-state-name", kLiveStates});
  auto instances = ec2_->DescribeInstances(filters);
  if (!instances.ok()) return instances.status();
  std::vector<Node> nodes;
  for (const Instance& i : *instances) nodes.push_back(MakeNode(i));
  // Head first; an instance on its way out (a node `up` replaced) after the live ones.
  std::stable_sort(nodes.begin(), nodes.end(), [](const Node& a, const Node& b) {
    auto rank = [](const Node& n) {
      bool leaving = n.instance.state == "shutting-down" || n.instance.state == "stopping";
      return (n.role == "head" ? 0 : 2) + (leaving ? 1 : 0);
    };
    return rank(a) < rank(b);
  });
  return nodes;
}

Result<std::string> Cluster::StatusText() {
  auto nodes = Nodes();
  if (!nodes.ok()) return nodes.status();
  if (nodes->empty()) return "cluster " + spec_.name + ": no live instances\n";
  std::ostringstream out;
  out << "cluster " << spec_.name << ": " << nodes->size() << " node(s)\n";
  double total = 0;
  for (const Node& n : *nodes) {
    double age_s = AgeSeconds(n.instance.launch_time);
    auto price = prices_.Lookup(n.instance.instance_type);
    double cost = price.ok() ? price->usd_per_hour * age_s / 3600.0 : 0;
    total += cost;
    char line[512];
    std::snprintf(line, sizeof line, "  %-20s %-6s %-12s %-13s %-15s %-15s %6.0f min  %s\n",
                  n.instance.id.c_str(), n.role.c_str(), n.instance.instance_type.c_str(),
                  n.instance.state.c_str(), n.instance.private_ip.c_str(),
                  n.instance.public_ip.empty() ? "-" : n.instance.public_ip.c_str(), age_s / 60,
                  price.ok() ? ("$" + std::to_string(cost).substr(0, 6)).c_str() : "price ?");
    out << line;
  }
  char tail[128];
  std::snprintf(tail, sizeof tail, "  cost so far (on-demand prices): $%.2f\n", total);
  out << tail;
  auto deadline = nodes->front().instance.tags.find(kDeadlineTag);
  if (deadline != nodes->front().instance.tags.end()) {
    int64_t at = ParseUtcTimestamp(deadline->second);
    int64_t left_min = at < 0 ? 0 : (at - static_cast<int64_t>(std::time(nullptr))) / 60;
    out << "  deadline " << deadline->second << " (" << left_min
        << " min left): the nodes power off then, at every boot\n";
  }
  return out.str();
}

Status Cluster::Down(int deadline_s) { return TearDown(Known{}, deadline_s); }

Status Cluster::TerminateAndWait(const std::vector<std::string>& ids, bool fresh,
                                 Clock::time_point deadline) {
  if (ids.empty()) return Status::OK();
  // Fresh ids (launched by this process moments ago) may be unknown to EC2 for a while: wait
  // that out. For ids found by a search, NotFound is a true answer.
  auto visible = [&](const std::function<Status()>& call) {
    return fresh ? ec2_->UntilVisible("InvalidInstanceID.NotFound", call) : call();
  };
  report_("terminating " + std::to_string(ids.size()) + " instance(s)");
  RF_RETURN_IF_ERROR(visible([&] { return ec2_->TerminateInstances(ids); }));
  auto delay = std::chrono::milliseconds(100);
  while (true) {
    Result<std::vector<Instance>> left = Status::Internal("DescribeInstances not sent");
    RF_RETURN_IF_ERROR(visible([&] {
      left = ec2_->DescribeInstances({}, ids);
      return left.status();
    }));
    bool all = std::all_of(left->begin(), left->end(),
                           [](const Instance& i) { return i.state == "terminated"; });
    if (all) return Status::OK();
    if (Clock::now() + delay > deadline) {
      return Status::Unavailable("down " + spec_.name +
                                 ": instances not terminated before the deadline");
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(spec_.local ? 500 : 5000));
  }
}

Status Cluster::TearDown(const Known& known, int deadline_s) {
  auto deadline = Clock::now() + std::chrono::seconds(deadline_s);
  std::string errors;
  // 1. Instances: terminate, then wait until EC2 says terminated (the security group cannot be
  //    deleted while they exist). The ones held by id first, then what the tag finds.
  RF_RETURN_IF_ERROR(TerminateAndWait(known.instance_ids, true, deadline));
  auto nodes = Nodes();
  if (!nodes.ok()) return nodes.status();
  std::vector<std::string> ids;
  for (const Node& n : *nodes) {
    const auto& held = known.instance_ids;
    if (std::find(held.begin(), held.end(), n.instance.id) == held.end()) {
      ids.push_back(n.instance.id);
    }
  }
  RF_RETURN_IF_ERROR(TerminateAndWait(ids, false, deadline));
  // 2. Key pairs: by name and by tag (an orphan may carry either).
  DeleteKeyPairs(&errors);
  // 3. Security groups; EC2 needs a little while after termination (DependencyViolation).
  DeleteSecurityGroups(known.group_id, deadline, &errors);
  // 4. The backstop schedule: only now that the instances are gone (until then it still guards
  //    them).
  DeleteBackstop(&errors);
  // 5. Placement groups, found by name and tag like the security groups, so that `down --name`
  //    and `down --all` (which know no spec) remove them too.
  DeletePlacementGroups(&errors);
  DeregisterUnfinishedImages(&errors);
  // 6. Local mode: the loopback VPC and subnet, and the keys standing in for EC2's injection.
  if (spec_.local) DeleteLocalNetwork(&errors);
  // 7. Local files this cluster wrote (only ours: key_dir may be a folder the user chose).
  std::error_code ec;
  for (const char* f : {"id_ed25519", "id_ed25519.pub", "hostfile"}) {
    std::filesystem::remove(spec_.key_dir + "/" + f, ec);
  }
  std::filesystem::remove_all(spec_.key_dir + "/nodes", ec);
  std::filesystem::remove(spec_.key_dir, ec);  // only if now empty
  if (!errors.empty()) return Status::Unavailable("down " + spec_.name + ": " + errors);
  report_("cluster " + spec_.name + " is down; nothing tagged rankflow:cluster=" + spec_.name +
          " is left");
  return Status::OK();
}

void Cluster::DeleteKeyPairs(std::string* errors) {
  std::set<std::string> keys;
  for (const auto& filters :
       {std::vector<Ec2Filter>{{"key-name", {ResourceName(spec_)}}}, TagFilter()}) {
    auto found = ec2_->DescribeKeyPairs(filters);
    if (found.ok()) {
      for (const auto& k : *found) keys.insert(k.name);
    } else if (found.status().code() != StatusCode::kNotFound) {
      AddErr(errors, found.status());
    }
  }
  for (const auto& k : keys) {
    Status s = ec2_->DeleteKeyPair(k);
    if (s.code() != StatusCode::kNotFound) AddErr(errors, s);
    if (s.ok()) report_("deleted key pair " + k);
  }
}

void Cluster::DeleteSecurityGroups(const std::string& known_group, Clock::time_point deadline,
                                   std::string* errors) {
  std::set<std::string> groups;
  if (!known_group.empty()) groups.insert(known_group);
  for (const auto& filters :
       {std::vector<Ec2Filter>{{"group-name", {ResourceName(spec_)}}}, TagFilter()}) {
    auto found = ec2_->DescribeSecurityGroups(filters);
    if (!found.ok()) {
      AddErr(errors, found.status());
      continue;
    }
    for (const auto& g : *found) {
      auto tag = g.tags.find(kClusterTag);
      // Only groups we tagged: a same-named group of someone else is left alone.
      if (tag != g.tags.end() && tag->second == spec_.name) groups.insert(g.id);
    }
  }
  for (const auto& g : groups) {
    while (true) {
      auto remove = [&] { return ec2_->DeleteSecurityGroup(g); };
      // The group a failed up just created may still be unknown to EC2: NotFound is not "gone".
      Status s = g == known_group ? ec2_->UntilVisible("InvalidGroup.NotFound", remove) : remove();
      if (s.ok()) {
        report_("deleted security group " + g);
        break;
      }
      if (s.code() == StatusCode::kNotFound) break;
      if (s.code() != StatusCode::kUnavailable || Clock::now() > deadline) {
        AddErr(errors, s);
        break;
      }
      std::this_thread::sleep_for(std::chrono::seconds(spec_.local ? 1 : 5));
    }
  }
}

void Cluster::DeleteLocalNetwork(std::string* errors) {
  auto subnets = ec2_->DescribeSubnets(TagFilter());
  if (subnets.ok()) {
    for (const auto& s : *subnets) AddErr(errors, ec2_->DeleteSubnet(s.id));
  } else {
    AddErr(errors, subnets.status());
  }
  auto vpcs = ec2_->DescribeVpcs(TagFilter());
  if (vpcs.ok()) {
    for (const auto& v : *vpcs) AddErr(errors, ec2_->DeleteVpc(v));
  } else {
    AddErr(errors, vpcs.status());
  }
  AddErr(errors, RemoveLocalAuthorizedKeys());
}

void Cluster::DeregisterUnfinishedImages(std::string* errors) {
  auto images = ec2_->DescribeImages({"self"}, TagFilter());
  if (!images.ok()) {
    AddErr(errors, images.status());
    return;
  }
  for (const Image& image : *images) {
    if (image.state == "available") continue;
    Status s = ec2_->DeregisterImage(image.id);
    if (s.ok()) {
      report_("deregistered unfinished image " + image.id + " (" + image.state + ")");
    } else if (s.code() != StatusCode::kNotFound) {
      AddErr(errors, s);
    }
  }
}

void Cluster::DeleteBackstop(std::string* errors) {
  auto scheduler = Scheduler();
  Status s = scheduler.ok() ? (*scheduler)->DeleteSchedule(BackstopName()) : scheduler.status();
  if (s.ok()) {
    report_("deleted backstop schedule " + BackstopName());
  } else if (s.code() == StatusCode::kPermissionDenied && spec_.scheduler_role_arn.empty()) {
    // A launcher without scheduler permissions cannot have made one.
    report_("warning: backstop schedule not checked (" + s.message() + ")");
  } else if (s.code() != StatusCode::kNotFound) {
    AddErr(errors, s);
  }
}

void Cluster::DeletePlacementGroups(std::string* errors) {
  std::set<std::string> names;
  Status listing;
  for (const auto& filters :
       {std::vector<Ec2Filter>{{"group-name", {ResourceName(spec_)}}}, TagFilter()}) {
    auto found = ec2_->DescribePlacementGroups(filters);
    if (!found.ok()) {
      listing = found.status();
      break;
    }
    for (const auto& pg : *found) {
      auto tag = pg.tags.find(kClusterTag);
      bool ours = tag != pg.tags.end() && tag->second == spec_.name;
      if (ours && pg.state != "deleted" && pg.state != "deleting") names.insert(pg.name);
    }
  }
  if (!listing.ok()) {
    // Cannot list (moto does not implement placement groups): delete the one of our name blind
    // when the spec asked for one, as before; otherwise only say so.
    report_("warning: placement groups not listed (" + listing.message() + ")");
    if (!spec_.placement_group) return;
    Status s = ec2_->DeletePlacementGroup(ResourceName(spec_));
    if (!s.ok() && !HasEc2Code(s, "InvalidPlacementGroup.Unknown")) {
      report_("warning: placement group " + ResourceName(spec_) + " not deleted: " + s.message());
    }
    return;
  }
  for (const auto& name : names) {
    Status s = ec2_->DeletePlacementGroup(name);
    if (s.ok()) report_("deleted placement group " + name);
    if (!HasEc2Code(s, "InvalidPlacementGroup.Unknown")) AddErr(errors, s);
  }
}

Status Cluster::RemoveLocalAuthorizedKeys() {
  if (spec_.local_authorized_keys.empty()) return Status::OK();
  const std::string& path = spec_.local_authorized_keys;
  FILE* f = std::fopen(path.c_str(), "r+");
  if (f == nullptr) return Status::OK();
  // Other clusters' tests append to the same file: hold an exclusive lock while rewriting.
  flock(fileno(f), LOCK_EX);
  std::string kept;
  char buf[8192];
  std::string mine1 = " " + ResourceName(spec_);
  std::string mine2 = " " + ResourceName(spec_) + "-intra";
  while (std::fgets(buf, sizeof buf, f) != nullptr) {
    std::string line(buf);
    std::string trimmed = line;
    while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == '\r')) {
      trimmed.pop_back();
    }
    auto ends_with = [&](const std::string& suffix) {
      return trimmed.size() >= suffix.size() &&
             trimmed.compare(trimmed.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (!ends_with(mine1) && !ends_with(mine2)) kept += line;
  }
  std::rewind(f);
  std::fwrite(kept.data(), 1, kept.size(), f);
  std::fflush(f);
  int rc = ftruncate(fileno(f), static_cast<off_t>(kept.size()));
  flock(fileno(f), LOCK_UN);
  std::fclose(f);
  if (rc != 0) return Status::IOError(path + ": cannot truncate");
  return Status::OK();
}

std::string RemoteJobEnvironment(const ClusterSpec& spec, const std::string& dir,
                                 const std::string& subnet_cidr) {
  // The hard limit is kNodeOpenFiles on EC2 (user-data); elsewhere take what the hard limit allows.
  const std::string files = std::to_string(kNodeOpenFiles);
  std::string env =
      "ulimit -n " + files + " 2>/dev/null || ulimit -n \"$(ulimit -Hn)\" 2>/dev/null; " +
      "export RANKFLOW_HOSTFILE=\"" + dir + "/hostfile\" " + "OMPI_MCA_orte_default_hostfile=\"" +
      dir + "/hostfile\" " + "OMPI_MCA_plm_rsh_args=\"-F " + dir + "/ssh_config\"" +
      // MPI windows across nodes over TCP: osc/rdma fails MPI_Win_allocate without
      // RDMA-capable transports; sm on one node, pt2pt across nodes work.
      " OMPI_MCA_osc=sm,pt2pt"
      // A node that vanishes without a RST (terminated, network cut) is noticed by mpirun's
      // out-of-band channel only through TCP keepalive: 300 + 9 x 20 s by default, and mpirun
      // waits on it even after the ranks ended (the job's --peer-timeout-s watchdog). 15 + 3 x 5 s
      // here; direct routing, so every daemon talks to mpirun itself (tests/scripts/README.md).
      " OMPI_MCA_oob_tcp_keepalive_time=15 OMPI_MCA_oob_tcp_keepalive_intvl=5"
      " OMPI_MCA_oob_tcp_keepalive_probes=3 OMPI_MCA_routed=direct";
  if (!subnet_cidr.empty()) {
    // Only the cluster subnet's interface: docker0, a VPN or a second ENI on a node would
    // otherwise be tried (and hang or fail) by the TCP transport and ORTE's out-of-band channel.
    env += " OMPI_MCA_btl_tcp_if_include=" + ShellQuote(subnet_cidr) +
           " OMPI_MCA_oob_tcp_if_include=" + ShellQuote(subnet_cidr);
  }
  // Only endpoints and the region travel, never keys; Open MPI forwards them to every rank.
  std::string forward;
  auto pass = [&](const std::string& name, const std::string& value) {
    env += " " + name + "=" + ShellQuote(value);
    forward += (forward.empty() ? "" : ";") + name;
  };
  // The cluster's region, so that ranks on the nodes talk to S3 there (a bucket elsewhere is
  // found by its redirect, runtime/aws/README.md); without it they would use us-east-1.
  const std::string region =
      spec.region.empty() ? aws::ResolveRegion(aws::ProcessEnv()) : spec.region;
  if (!region.empty()) pass("AWS_REGION", region);
  if (spec.local) {
    // Both "nodes" are this machine as root: Open MPI's root guard, and no shared-memory
    // transport between them (it crashes when two "nodes" share a host).
    env += " OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 OMPI_MCA_btl=self,tcp";
    // Shipped binaries (up --local unpacks --artifacts there) come first, as /usr/local/bin's
    // links do on EC2.
    env += " PATH=\"" + dir + "/opt/rankflow/bin:$PATH\"";
    // moto also answers as the instance metadata service: jobs on the loopback nodes get
    // (moto's fake) instance-profile credentials through IMDSv2 exactly as on EC2.
    for (const char* name : {"AWS_ENDPOINT_URL", "AWS_ENDPOINT_URL_S3"}) {
      const char* v = std::getenv(name);
      if (v != nullptr && *v != '\0') pass(name, v);
    }
    const char* imds = std::getenv("AWS_ENDPOINT_URL");
    if (imds != nullptr && *imds != '\0') pass("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds);
  }
  if (!forward.empty()) env += " OMPI_MCA_mca_base_env_list=" + ShellQuote(forward);
  return env;
}

Result<Cluster::HeadSession> Cluster::OpenHead() {
  auto nodes = Nodes();
  if (!nodes.ok()) return nodes.status();
  if (nodes->empty() || nodes->front().role != "head") {
    return Status::NotFound("cluster " + spec_.name + " has no live head node");
  }
  HeadSession h;
  h.head = nodes->front();
  SshOptions o;
  o.host = h.head.address;
  o.port = spec_.ssh_port;
  o.user = spec_.ssh_user;
  o.private_key_path = PrivateKeyPath();
  o.connect_timeout_ms = 15000;
  auto ssh = SshSession::Connect(o);
  if (!ssh.ok()) return ssh.status();
  h.ssh = std::move(*ssh);
  // The cluster subnet's CIDR, for Open MPI's interface selection.
  std::string cidr;
  if (!h.head.instance.subnet_id.empty()) {
    auto subnet = ec2_->DescribeSubnets({}, {h.head.instance.subnet_id});
    if (subnet.ok() && !subnet->empty()) {
      cidr = subnet->front().cidr;
    } else {
      report_("warning: subnet " + h.head.instance.subnet_id + " not described (" +
              (subnet.ok() ? std::string("not found") : subnet.status().message()) +
              "): Open MPI picks its interfaces itself");
    }
  }
  h.dir = spec_.local ? RemoteDir(h.head, "") : "$HOME/.rankflow";
  h.env = RemoteJobEnvironment(spec_, h.dir, cidr);
  return h;
}

Result<int> Cluster::Run(const std::string& command, const OutputSink& on_stdout,
                         const OutputSink& on_stderr, int timeout_ms) {
  auto h = OpenHead();
  if (!h.ok()) return h.status();
  auto r = h->ssh->Exec(h->env + "; " + command, on_stdout, on_stderr, timeout_ms);
  if (!r.ok()) return r.status();
  return r->exit_code;
}

Status Cluster::RunDetached(const std::string& command, int upload_interval_s) {
  if (spec_.log_url.empty()) {
    return Status::InvalidArgument(
        "run --detach needs log-url (s3://bucket/prefix): where the job's log and state go");
  }
  auto h = OpenHead();
  if (!h.ok()) return h.status();
  SupervisorOptions o;
  o.cluster = spec_.name;
  o.dir = h->dir;
  o.environment = h->env;
  o.command = command;
  o.log_url = spec_.log_url;
  o.region = spec_.region.empty() ? aws::ResolveRegion(aws::ProcessEnv()) : spec_.region;
  o.upload_interval_s = upload_interval_s;
  if (spec_.local) {
    // The loopback "head" is this machine: it runs this very executable, and ends the cluster
    // with `provision down` (its credentials: moto's IMDS, like a job's).
    std::error_code ec;
    o.provision = std::filesystem::read_symlink("/proc/self/exe", ec).string();
    if (ec) return Status::Internal("cannot find this executable: " + ec.message());
    // The launcher's retry base too (tests shorten it): moto answers DescribePlacementGroups
    // with 500, which standard-mode retries would wait out for ~30 s.
    const char* base = std::getenv("RANKFLOW_AWS_RETRY_BASE_MS");
    o.teardown = base != nullptr && *base != '\0'
                     ? "RANKFLOW_AWS_RETRY_BASE_MS=" + ShellQuote(base) + " "
                     : std::string();
    o.teardown += ShellQuote(o.provision) + " down --local --name " + ShellQuote(spec_.name) +
                  " --key-dir " + ShellQuote(spec_.key_dir) + " --ssh-port " +
                  std::to_string(spec_.ssh_port) + " --region " + ShellQuote(o.region);
    if (!spec_.local_authorized_keys.empty()) {
      o.teardown += " --local-authorized-keys " + ShellQuote(spec_.local_authorized_keys);
    }
  } else {
    o.provision = "provision";
    o.teardown = TeardownByPowerOff(h->dir + "/hostfile", h->dir + "/ssh_config");
  }
  const std::string job_dir = "\"" + h->dir + "/job\"";
  // Refuse a second job; check the uploader exists; write the supervisor; start it in its own
  // session, detached from this ssh channel (it outlives the connection and the laptop).
  std::string start = "set -e\nmkdir -p " + job_dir + "\n";
  start += "if [ \"$(cat " + job_dir + "/state 2>/dev/null)\" = running ]; then\n";
  start += "  echo 'a detached job is already running on this cluster' >&2; exit 3\nfi\n";
  start += "command -v " + ShellQuote(o.provision) +
           " >/dev/null || { echo 'the head has no provision executable to upload the log: ship "
           "build/bin with --artifacts' >&2; exit 4; }\n";
  start += "cat > " + job_dir + "/supervisor.sh\n";
  start += "rm -f " + job_dir + "/state " + job_dir + "/log " + job_dir + "/job.json\n";
  // Not in a list (`a && b &`): the subshell of a list would hold this channel open until the
  // job ends.
  start += "cd /\n";
  start += "nohup setsid bash " + job_dir + "/supervisor.sh < /dev/null > /dev/null 2>&1 &\n";
  start += "echo started\n";
  std::string err;
  auto r = h->ssh->Exec(
      "bash -c " + ShellQuote(start), nullptr, [&](std::string_view c) { err.append(c); }, 30000,
      SupervisorScript(o));
  if (!r.ok()) return r.status();
  if (r->exit_code == 3) return Status::AlreadyExists(err);
  if (r->exit_code != 0) return Status::Internal("starting the detached job failed: " + err);
  report_("job detached on the head " + h->head.address + "; log and state: " + spec_.log_url +
          " (`provision logs`, `provision status`); the cluster tears itself down when it ends");
  return Status::OK();
}

Result<std::string> Cluster::JobStatus() {
  auto nodes = Nodes();
  if (nodes.ok() && !nodes->empty()) {
    auto h = OpenHead();
    if (h.ok()) {
      std::string json;
      auto r = h->ssh->Exec(
          "cat \"" + h->dir + "/job/job.json\" 2>/dev/null",
          [&](std::string_view c) { json.append(c); }, nullptr, 15000);
      if (r.ok() && r->exit_code == 0 && !json.empty()) return DescribeJobJson(json);
    }
  }
  if (spec_.log_url.empty()) return Status::NotFound("no detached job");
  auto where = ParseS3Location(JobJsonUrl(spec_.log_url));
  if (!where.ok()) return where.status();
  auto s3 = S3Objects::FromEnvironment(spec_.region);
  if (!s3.ok()) return s3.status();
  auto json = (*s3)->Get(*where);
  if (!json.ok()) return json.status();
  return DescribeJobJson(*json);
}

Result<std::vector<std::string>> Cluster::SshArgs() {
  auto nodes = Nodes();
  if (!nodes.ok()) return nodes.status();
  if (nodes->empty()) return Status::NotFound("cluster " + spec_.name + " has no live nodes");
  const Node& head = nodes->front();
  return std::vector<std::string>{"ssh",
                                  "-i",
                                  PrivateKeyPath(),
                                  "-p",
                                  std::to_string(spec_.ssh_port),
                                  "-o",
                                  "IdentitiesOnly=yes",
                                  "-o",
                                  "StrictHostKeyChecking=accept-new",
                                  "-o",
                                  "UserKnownHostsFile=" + spec_.key_dir + "/known_hosts",
                                  spec_.ssh_user + "@" + head.address};
}

Result<std::vector<std::string>> Cluster::ListClusters(Ec2Client* ec2, SchedulerClient* scheduler) {
  std::set<std::string> names;
  std::vector<Ec2Filter> any = {{"tag-key", {kClusterTag}}};
  auto add = [&](const std::map<std::string, std::string>& tags) {
    auto it = tags.find(kClusterTag);
    if (it != tags.end()) names.insert(it->second);
  };
  std::vector<Ec2Filter> live = any;
  live.push_back({"instance-state-name", kLiveStates});
  auto instances = ec2->DescribeInstances(live);
  if (!instances.ok()) return instances.status();
  for (const auto& i : *instances) add(i.tags);
  auto groups = ec2->DescribeSecurityGroups(any);
  if (!groups.ok()) return groups.status();
  for (const auto& g : *groups) add(g.tags);
  auto pgs = ec2->DescribePlacementGroups(any);
  if (pgs.ok()) {
    for (const auto& pg : *pgs) {
      if (pg.state != "deleted") add(pg.tags);
    }
  }
  auto keys = ec2->DescribeKeyPairs({});
  if (keys.ok()) {
    for (const auto& k : *keys) {
      if (k.name.rfind("rankflow-", 0) == 0) names.insert(k.name.substr(9));
    }
  }
  if (scheduler != nullptr) {
    // A backstop whose instances are gone (terminated by hand) still names its cluster.
    auto schedules = scheduler->ListScheduleNames("rankflow-");
    if (schedules.ok()) {
      for (const auto& n : *schedules) names.insert(n.substr(9));
    }
  }
  return std::vector<std::string>(names.begin(), names.end());
}

}  // namespace rankflow::provision
