// Internal to provision/cluster*.cpp: what one Cluster::Up has created so far and learned about
// its nodes, shared by the launch (cluster.cpp) and the boot wait (cluster_boot.cpp).
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "provision/cluster.h"
#include "provision/launch.h"

namespace rankflow::provision {

using Clock = std::chrono::steady_clock;

inline double SecondsSince(Clock::time_point t) {
  return std::chrono::duration<double>(Clock::now() - t).count();
}

// An idempotency token for one RunInstances (EC2 allows 64 ASCII characters): "<role>-" and 32
// random hex digits.
std::string ClientToken(const std::string& role);

struct Cluster::Launch {
  Clock::time_point start = Clock::now();
  Clock::time_point deadline;
  std::string vpc_id;
  std::string subnet_id;                // every node's (one subnet: one availability zone)
  std::vector<std::string> subnet_ids;  // the candidates, in order (capacity fallback)
  std::string group_id;
  bool created_group = false;  // group_id was created by this launch (not reused)
  std::string key_name;
  std::string image_id;
  bool baked_image = false;  // image_id was made by `provision bake`: user-data skips apt
  std::string placement_group;
  std::string binaries_url;
  std::string binaries_sha256;
  // Local mode: the tarball as a file under key_dir, which every loopback node unpacks (the
  // nodes are this machine; no presigned url on any command line).
  std::string local_tarball;
  std::vector<std::string> packages;  // for the binaries' libraries (PackagesForTarball)
  int64_t deadline_epoch_s = 0;       // launch time + ttl (UTC seconds): nodes and backstop
  // Per role ("head", "worker"): the request (without subnet, count and token) and the choices
  // of type and market it is tried with: kept for replacements.
  std::map<std::string, RunRequest> requests;
  std::map<std::string, std::vector<LaunchChoice>> choices;
  // Guards nodes[i] (written by node i's boot thread, read by a replacement's backstop update),
  // replaced_ids and the backstop.
  std::mutex mu;
  std::vector<Node> nodes;
  std::vector<Clock::time_point> launched_at;  // parallel to nodes
  std::vector<std::string> replaced_ids;       // terminated for not booting
  std::atomic<int> replacements_left{0};
  // The last DescribeInstances of every node (DescribeNodes): one call serves every boot thread
  // that polls within its period.
  std::mutex describe_mu;
  Clock::time_point described_at;
  std::vector<Instance> described;
  std::vector<std::unique_ptr<SshSession>> sessions;  // parallel to nodes
  std::vector<std::string> homes;                     // remote $HOME per node
};

}  // namespace rankflow::provision
