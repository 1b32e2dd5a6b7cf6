// The lifecycle of one tagged cluster: up, status, run, down. Everything `up` creates carries the
// tag rankflow:cluster=<name>, so `down` finds it again from EC2 alone (no local state needed):
// instances, the security group, the key pair, the placement group and, in local mode, the VPC.
//
// Not thread-safe (one Cluster per thread); methods block on EC2 and SSH. Progress lines for
// the user go to the Reporter (the CLI prints them to stderr); the library prints nothing.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "provision/cluster_spec.h"
#include "provision/ec2_client.h"
#include "provision/launch.h"
#include "provision/prices.h"
#include "provision/scheduler_client.h"
#include "provision/ssh_session.h"
#include "runtime/status.h"

namespace rankflow::provision {

using Reporter = std::function<void(const std::string& line)>;

// The one subnet every node of a cluster goes to (so head and workers share an availability
// zone), outside local mode: subnet_id (checked against vpc_id and availability_zone); else in
// vpc_id or the region's default VPC, the default subnet of availability_zone or of the first zone
// by name (else a subnet that gives public IPs). InvalidArgument naming what to set when there is
// no default VPC, no subnet, or the subnet gives no public IPs and private_ips is not set.
Result<Subnet> ChooseSubnet(Ec2Client* ec2, const ClusterSpec& spec);

struct Node {
  std::string role;  // "head" or "worker"
  Instance instance;
  int slots = 1;        // vCPUs of its instance type (1 if the type is not in the price table)
  std::string address;  // where this machine connects: the public IP, else the private one
};

struct UpResult {
  std::vector<Node> nodes;    // head first
  std::string hostfile;       // "<private ip> slots=<vcpus>" per node, head first
  std::string hostfile_path;  // local copy (key_dir/hostfile); the head has one too
  double seconds = 0;         // from the first EC2 call to a ready hostfile
};

// The prefix of a command run on the head node (`provision run`): the open-files limit raised to
// kNodeOpenFiles (`ulimit -n`; user-data raises the hard limit on EC2), then "export …": the
// hostfile and ssh settings Open MPI needs from `dir`, the cluster's region (AWS_REGION:
// spec.region, else the launcher's region), Open MPI's TCP transport and out-of-band channel
// limited to `subnet_cidr` (btl_tcp_if_include / oob_tcp_if_include; skipped when empty) so that
// docker0 or a second interface never breaks mpirun, and in local mode the launcher's endpoints;
// Open MPI forwards the AWS variables to every rank. Never a key or token.
std::string RemoteJobEnvironment(const ClusterSpec& spec, const std::string& dir,
                                 const std::string& subnet_cidr = "");

class Cluster {
 public:
  // `ec2` must outlive the Cluster. `spec` must have passed ValidateSpec (Up also checks
  // ValidateSpecForUp). The EventBridge Scheduler client (the backstop) is made from the
  // environment and spec.region when first needed.
  Cluster(ClusterSpec spec, Ec2Client* ec2, PriceTable prices, Reporter report);

  // Launches the cluster (see provision/README.md for each step). On any failure, including a
  // node that does not come up before boot_deadline_s (named with its state and console output),
  // everything already created is torn down again and the error is returned: first the
  // instances and security group it holds by id (EC2's tag filters may not list them yet), then
  // what the tag search finds. New instances and groups that EC2 does not know yet (eventual
  // consistency) are waited for (Ec2Client::UntilVisible), not failed on.
  // AlreadyExists when live instances already carry this cluster's tag.
  Result<UpResult> Up();

  // Terminates every instance tagged with the cluster, waits until they are terminated, deletes
  // the backstop schedule (BackstopName), the security group, key pair and placement group (and in
  // local mode the VPC and subnet, and the public keys written to local_authorized_keys), removes
  // the local key files. Idempotent: ok when nothing is left. `deadline_s` bounds the waiting.
  Status Down(int deadline_s = 600);

  // Live (not terminated) instances of the cluster, head first.
  Result<std::vector<Node>> Nodes();
  // One line per node: id, role, type, state, private/public ip, age, cost so far; then totals.
  Result<std::string> StatusText();

  // Runs `command` on the head through its shell, with OMPI_MCA_orte_default_hostfile and
  // OMPI_MCA_plm_rsh_args set so that a plain `mpirun` uses the cluster's hostfile and key.
  // Returns the command's exit code.
  Result<int> Run(const std::string& command, const OutputSink& on_stdout,
                  const OutputSink& on_stderr, int timeout_ms);

  // Starts `command` on the head under the detached-job supervisor (provision/detach.h) and
  // returns once it runs: the job's log and state go to spec.log_url, and when the job ends the
  // head tears the cluster down (local mode: `provision down` from the head; EC2: every node
  // powers off, so terminates). `provision` is the executable the head runs for uploads (local
  // mode: this one; EC2: `provision` on the head's PATH, shipped with --artifacts).
  // AlreadyExists when a detached job is already running; InvalidArgument without log_url.
  Status RunDetached(const std::string& command, int upload_interval_s);
  // The detached job's state line (DescribeJobJson): from the head while it lives, else from
  // log_url's job.json. NotFound when there is no job.
  Result<std::string> JobStatus();

  // "ssh" arguments for an interactive shell on the head (the key is a file; nothing secret).
  Result<std::vector<std::string>> SshArgs();

  // `provision bake`: Up (one node, workers must be 0) with the usual bootstrap, prepares the
  // node for imaging (no deadline, dead-man units, markers, keys or cloud-init state may reach
  // the image), CreateImage tagged kBakedTag, waits up to wait_s for it to become available,
  // then Down — also on failure, when an unfinished image is deregistered. Returns the image id;
  // `up --ami <id>` then skips apt (CheckBakedImage).
  Result<std::string> Bake(int wait_s);

  // The estimate `up` prints before launching.
  std::string CostEstimate() const;

  // Names of every cluster that has any tagged resource left (orphans included): instances,
  // security groups, placement groups (skipped when EC2 cannot list them), key pairs named
  // rankflow-*, and with `scheduler` backstop schedules named rankflow-* (skipped when they
  // cannot be listed, e.g. no scheduler:ListSchedules permission).
  static Result<std::vector<std::string>> ListClusters(Ec2Client* ec2,
                                                       SchedulerClient* scheduler = nullptr);

  // The name of the cluster's backstop schedule: "rankflow-<name>" (default group).
  std::string BackstopName() const { return ResourceName(spec_); }

  const ClusterSpec& spec() const { return spec_; }
  std::string PrivateKeyPath() const { return spec_.key_dir + "/id_ed25519"; }

 private:
  struct Launch;
  // Resources a failed Up holds by id: torn down even while EC2 does not list them yet.
  struct Known {
    std::vector<std::string> instance_ids;
    std::string group_id;  // created by that Up; empty when none or reused
  };
  // Down, plus `known` first: terminates known.instance_ids (waiting out InvalidInstanceID.
  // NotFound, see Ec2Client::UntilVisible), then what the tag search finds; deletes
  // known.group_id along with the groups found by name and tag.
  Status TearDown(const Known& known, int deadline_s);
  Status TerminateAndWait(const std::vector<std::string>& ids, bool fresh,
                          std::chrono::steady_clock::time_point deadline);
  // TearDown's steps after the instances; each adds what failed to *errors and goes on.
  void DeleteKeyPairs(std::string* errors);
  void DeleteSecurityGroups(const std::string& known_group,
                            std::chrono::steady_clock::time_point deadline, std::string* errors);
  void DeleteLocalNetwork(std::string* errors);  // local mode: VPC, subnet, authorized keys
  Status DoUp(Launch* launch, UpResult* result);
  Status EnsureNetwork(Launch* launch);
  Status EnsureKeyPair(Launch* launch);
  Status EnsureSecurityGroup(Launch* launch);
  std::vector<IngressRule> WantedIngress(const std::string& group_id) const;
  Status SyncIngress(const SecurityGroup& group);
  // cluster_boot.cpp: the binaries' checksum and packages, both groups launched in one
  // subnet with capacity fallback, the backstop, the wait for every node with replacements.
  Status PrepareBinaries(Launch* launch);
  Status LaunchNodes(Launch* launch);
  // `count` nodes of `role` in launch->subnet_id, trying launch->choices[role] in order: no
  // instances (and the refusals) when every choice was refused for capacity.
  Result<Launched> LaunchGroup(Launch* launch, const std::string& role, int count);
  Status CreateBackstop(Launch* launch);
  // The scheduler client, made on first use; an error when the environment has none.
  Result<SchedulerClient*> Scheduler();
  void DeleteBackstop(std::string* errors);
  // Every node running, reachable and bootstrapped; a node that is not within node_boot_s of its
  // launch (or whose bootstrap failed) is replaced while max_replacements and boot_deadline_s
  // allow. One thread per node.
  Status WaitReady(Launch* launch);
  // Node i's two steps until `until`: "" when done, else why not.
  std::string WaitNodeRunning(Launch* launch, size_t i,
                              std::chrono::steady_clock::time_point until);
  std::string WaitNodeReachable(Launch* launch, size_t i,
                                std::chrono::steady_clock::time_point until);
  // Every node's instance as EC2 describes it, at most `fresh_for` old: one DescribeInstances
  // for all polling threads (waits out InvalidInstanceID.NotFound for fresh ids).
  Result<std::vector<Instance>> DescribeNodes(Launch* launch, std::chrono::milliseconds fresh_for);
  // The bound `until` stands for, in seconds: boot_deadline_s, or node i's node_boot_s.
  int BoundS(Launch* launch, size_t i, std::chrono::steady_clock::time_point until) const;
  Status ReplaceNode(Launch* launch, size_t i);
  // cluster_bake.cpp: sets launch->baked_image when spec.ami carries kBakedTag.
  Status CheckBakedImage(Launch* launch);
  Status MakeImage(int wait_s, std::string* image_id);
  Status DistributeClusterKey(Launch* launch, UpResult* result);
  std::string DescribeFailedNode(const Node& node, const std::string& why);
  std::string RemoteDir(const Node& node, const std::string& home) const;
  std::vector<Ec2Filter> TagFilter() const;
  Status RemoveLocalAuthorizedKeys();
  // The live head, an SSH session to it, its cluster folder and the job environment.
  struct HeadSession {
    Node head;
    std::unique_ptr<SshSession> ssh;
    std::string dir;
    std::string env;  // RemoteJobEnvironment
  };
  Result<HeadSession> OpenHead();
  void DeletePlacementGroups(std::string* errors);
  // Images of this cluster's `bake` that never became available (a bake killed while it waited):
  // deregistered. An available baked image is the bake's product and stays.
  void DeregisterUnfinishedImages(std::string* errors);
  int SlotsFor(const std::string& type) const;
  Node MakeNode(const Instance& instance) const;

  ClusterSpec spec_;
  Ec2Client* ec2_;
  PriceTable prices_;
  Reporter report_;
  std::unique_ptr<SchedulerClient> scheduler_;
};

}  // namespace rankflow::provision
