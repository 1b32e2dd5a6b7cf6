// What a cluster should look like: read from a JSON file (`provision up --config cluster.json`),
// then overridden by flags (`--workers 3`, `--ttl-minutes=30`). Keys and flags share names
// (flags use '-' where JSON uses '_'). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow::provision {

struct ClusterSpec {
  std::string name;    // required: [a-z0-9-], 1…40 chars; tags and resource names
  std::string region;  // empty: AWS_REGION / profile / us-east-1
  // Instance types. A comma list ("c6i.2xlarge,c5.2xlarge", or a JSON array) gives the first
  // choice here and the capacity fallbacks, in order, in *_type_fallbacks (see LaunchChoices).
  std::string head_type = "c5.xlarge";
  std::string worker_type = "c5.xlarge";
  std::vector<std::string> head_type_fallbacks;
  std::vector<std::string> worker_type_fallbacks;
  int workers = 1;  // worker nodes besides the head (0 … 100)
  std::string ami;  // empty: newest official Debian 12 amd64 image
  bool spot = false;
  std::string spot_max_price;     // USD per hour; empty: up to the on-demand price
  std::string subnet_id;          // every node goes here; empty: one subnet of vpc_id (see README)
  std::string vpc_id;             // empty: the subnet's VPC, else the region's default VPC
  std::string availability_zone;  // without subnet_id: the zone whose subnet to use
  // Comma lists of subnet_id / availability_zone: the zones to try, in order, when the first
  // has no capacity for a group (every node still lands in one subnet).
  std::vector<std::string> subnet_id_fallbacks;
  std::vector<std::string> availability_zone_fallbacks;
  // With spot: a group that finds no spot capacity with any type is launched on-demand.
  bool on_demand_fallback = true;
  // A node not ready (running, ssh, bootstrap marker) this long after its launch, or whose
  // bootstrap reports failure, is terminated and replaced, at most max_replacements times per
  // `up`, while boot_deadline_s allows.
  int node_boot_s = 300;
  int max_replacements = 2;
  // Connect to the nodes' private IPs (this machine reaches the VPC: same VPC, VPN, Direct
  // Connect). Without it the subnet must give instances public IPs, else up fails early.
  bool private_ips = false;
  std::string ssh_cidr;   // who may SSH in, e.g. "203.0.113.7/32"; required by up unless local
  int ttl_minutes = 120;  // dead-man timer: nodes power off (terminate) after this
  std::string ssh_user = "admin";  // Debian's cloud images
  std::string instance_profile;    // IAM instance profile name (S3 access on the nodes)
  std::string artifacts;           // s3://bucket/key.tar.gz of build/bin to install; optional
  bool placement_group = false;    // a "cluster" placement group for low-latency networking
  int boot_deadline_s = 600;       // running + SSH + bootstrap marker, per `up`
  int ssh_port = 22;
  std::string key_dir;                      // empty: ~/.rankflow/<name>
  std::vector<std::string> extra_packages;  // more Debian packages for user-data to install
  // The role EventBridge Scheduler assumes to terminate the instances at the deadline (the
  // server-side backstop, provision/README.md); empty: no backstop, only the nodes' dead-man.
  // Local mode defaults it to a made-up role of moto's account.
  std::string scheduler_role_arn;
  // s3://bucket/prefix of detached jobs' job.log and job.json (`run --detach`, `logs`, status).
  std::string log_url;

  // Local mode (`--local`): moto + a loopback sshd on this machine stand in for EC2 and the
  // nodes. up creates a 127.0.0.0/16 VPC + 127.0.0.0/24 subnet, writes the imported public key to
  // local_authorized_keys (what EC2 would inject), and stands in for user-data (see README).
  bool local = false;
  std::string local_authorized_keys;
  std::string local_user = "root";
};

// Parses a JSON object. InvalidArgument naming the key for unknown keys and wrong types.
Result<ClusterSpec> ParseClusterSpec(const std::string& json, const std::string& source_name);
// Sets one key from text ("workers", "3"); key may use '-' or '_'. InvalidArgument naming the
// flag if the key is unknown or the value does not parse.
Status ApplyOverride(ClusterSpec* spec, const std::string& key, const std::string& value);
// Checks ranges and required fields; fills key_dir when empty (from $HOME). What only a launch
// needs is checked by ValidateSpecForUp: status, run, ssh and down work from a name alone
// (`provision down --name X`, `down --all` for orphans).
Status ValidateSpec(ClusterSpec* spec);
// What `up` needs beyond ValidateSpec: ssh_cidr unless local. InvalidArgument naming the flag.
Status ValidateSpecForUp(const ClusterSpec& spec);
// Every key ApplyOverride accepts, for --help.
std::vector<std::string> SpecKeys();

// "rankflow-<name>": the key pair, security group and placement group name.
std::string ResourceName(const ClusterSpec& spec);
// Tag keys on everything up creates.
inline constexpr char kClusterTag[] = "rankflow:cluster";
inline constexpr char kRoleTag[] = "rankflow:role";
// On instances: the cluster's deadline, UTC ("2026-12-04T22:00:00Z"), as UtcTimestamp writes it.
inline constexpr char kDeadlineTag[] = "rankflow:deadline";
// On images made by `provision bake`: what was baked in (the artifacts url, or "packages").
inline constexpr char kBakedTag[] = "rankflow:baked";

// "2026-12-04T22:00:00Z" for UTC seconds since the epoch; ParseUtcTimestamp reads it back
// (also EC2's "…T22:00:00.000Z"), -1 if it does not parse.
std::string UtcTimestamp(int64_t epoch_s);
int64_t ParseUtcTimestamp(const std::string& text);

}  // namespace rankflow::provision
