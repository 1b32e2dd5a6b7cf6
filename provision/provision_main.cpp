// build/bin/provision: up | status | run | ssh | down | put. Flags -> ClusterSpec -> Cluster.
// Progress goes to stderr; results (hostfile path, status table, the command's output) to stdout.
// Exit codes: 0 ok, 1 failure, 2 bad usage; `run` exits with the remote command's code.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "provision/cluster.h"
#include "provision/detach.h"
#include "provision/s3_object.h"

namespace rankflow::provision {
namespace {

constexpr char kUsage[] =
    R"(usage: provision COMMAND [--config cluster.json] [--KEY VALUE …] [-- CMD …]

commands:
  up       launch the cluster; prints the cost estimate first, the hostfile path when ready
  status   nodes, states, ages and cost so far (--all: every rankflow cluster in the region)
  run      run CMD on the head (after --), output streamed, exits with CMD's exit code;
           a plain `mpirun` there uses the cluster hostfile and intra-cluster key
           --detach: start CMD under a supervisor on the head and return; its log and state
           go to log-url (s3://bucket/prefix), and the cluster tears itself down when CMD ends
  logs     follow a detached job's log from log-url until it ends; exits with the job's code
  ssh      interactive shell on the head (or `ssh -- CMD` through the ssh program)
  down     terminate and delete everything tagged with the cluster (--all: every cluster);
           idempotent
  put      provision put FILE s3://bucket/key   (upload one file; used by scripts/*.sh)
  get      provision get s3://bucket/key FILE   (download one object; used by scripts/*.sh)

cluster settings (JSON keys in --config, or flags with '-' for '_'):
  name, region, head-type, worker-type, workers, ami, spot, spot-max-price, subnet-id, vpc-id,
  availability-zone, private-ips, ssh-cidr, ttl-minutes, ssh-user, instance-profile,
  artifacts (s3://…tar.gz of build/bin), placement-group, boot-deadline-s, ssh-port, key-dir,
  extra-packages, scheduler-role-arn, log-url, local, local-authorized-keys, local-user
other flags:
  --prices FILE     price table (default: provision/prices.json of this source tree)
  --timeout-s N     run: give up after N seconds (default: none)
  --local           moto + loopback sshd on this machine; ssh-port and local-authorized-keys
                    default to $RANKFLOW_TEST_SSHD_PORT and $RANKFLOW_TEST_SSHD_DIR/authorized_keys
)";

struct Args {
  std::string command;
  std::string config;
  std::string prices;
  bool all = false;
  bool detach = false;
  int timeout_s = 0;
  std::vector<std::pair<std::string, std::string>> overrides;
  std::vector<std::string> rest;  // after "--" (run, put)
};

Result<Args> ParseArgs(int argc, char** argv) {
  if (argc < 2) return Status::InvalidArgument("missing command");
  Args a;
  a.command = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--") {
      for (++i; i < argc; ++i) a.rest.push_back(argv[i]);
      break;
    }
    if (arg.rfind("--", 0) != 0) {
      a.rest.push_back(arg);
      continue;
    }
    std::string key = arg.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = key.find('='); eq != std::string::npos) {
      value = key.substr(eq + 1);
      key = key.substr(0, eq);
      has_value = true;
    }
    bool is_flag = key == "local" || key == "spot" || key == "placement-group" || key == "all" ||
                   key == "private-ips" || key == "detach";
    if (!has_value && !is_flag) {
      if (i + 1 >= argc) return Status::InvalidArgument("--" + key + " needs a value");
      value = argv[++i];
    }
    if (key == "config") {
      a.config = value;
    } else if (key == "prices") {
      a.prices = value;
    } else if (key == "all") {
      a.all = true;
    } else if (key == "detach") {
      a.detach = true;
    } else if (key == "timeout-s") {
      a.timeout_s = std::atoi(value.c_str());
    } else if (key == "help") {
      return Status::InvalidArgument("");
    } else {
      a.overrides.emplace_back(key, has_value || !is_flag ? value : "true");
    }
  }
  return a;
}

Result<ClusterSpec> BuildSpec(const Args& a) {
  ClusterSpec spec;
  if (!a.config.empty()) {
    std::ifstream in(a.config);
    if (!in) return Status::NotFound(a.config + ": cannot open");
    std::stringstream ss;
    ss << in.rdbuf();
    auto parsed = ParseClusterSpec(ss.str(), a.config);
    if (!parsed.ok()) return parsed.status();
    spec = *parsed;
  }
  for (const auto& [k, v] : a.overrides) RF_RETURN_IF_ERROR(ApplyOverride(&spec, k, v));
  if (spec.local) {
    bool port_given = false;
    for (const auto& [k, v] : a.overrides) port_given |= (k == "ssh-port" || k == "ssh_port");
    const char* port = std::getenv("RANKFLOW_TEST_SSHD_PORT");
    const char* dir = std::getenv("RANKFLOW_TEST_SSHD_DIR");
    if (!port_given && spec.ssh_port == 22 && port != nullptr) spec.ssh_port = std::atoi(port);
    if (spec.local_authorized_keys.empty() && dir != nullptr) {
      spec.local_authorized_keys = std::string(dir) + "/authorized_keys";
    }
  }
  RF_RETURN_IF_ERROR(ValidateSpec(&spec));
  return spec;
}

void Report(const std::string& line) { std::cerr << "provision: " << line << std::endl; }

int Put(const Args& a) {
  if (a.rest.size() != 2) {
    std::cerr << "usage: provision put FILE s3://bucket/key\n";
    return 2;
  }
  std::ifstream in(a.rest[0], std::ios::binary);
  if (!in) {
    std::cerr << "provision: " << a.rest[0] << ": cannot open\n";
    return 1;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto where = ParseS3Location(a.rest[1]);
  if (!where.ok()) {
    std::cerr << "provision: " << where.status().message() << "\n";
    return 2;
  }
  std::string region;
  for (const auto& [k, v] : a.overrides) {
    if (k == "region") region = v;
  }
  auto s3 = S3Objects::FromEnvironment(region);
  Status s = s3.ok() ? (*s3)->Put(*where, ss.str()) : s3.status();
  if (!s.ok()) {
    std::cerr << "provision: " << s.message() << "\n";
    return 1;
  }
  return 0;
}

int Get(const Args& a) {
  if (a.rest.size() != 2) {
    std::cerr << "usage: provision get s3://bucket/key FILE\n";
    return 2;
  }
  auto where = ParseS3Location(a.rest[0]);
  if (!where.ok()) {
    std::cerr << "provision: " << where.status().message() << "\n";
    return 2;
  }
  std::string region;
  for (const auto& [k, v] : a.overrides) {
    if (k == "region") region = v;
  }
  auto s3 = S3Objects::FromEnvironment(region);
  auto data = s3.ok() ? (*s3)->Get(*where) : Result<std::string>(s3.status());
  if (!data.ok()) {
    std::cerr << "provision: " << data.status().message() << "\n";
    return 1;
  }
  std::ofstream out(a.rest[1], std::ios::binary);
  out << *data;
  if (!out) {
    std::cerr << "provision: " << a.rest[1] << ": cannot write\n";
    return 1;
  }
  return 0;
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << kUsage;
      return 0;
    }
  }
  auto args = ParseArgs(argc, argv);
  if (!args.ok()) {
    if (!args.status().message().empty())
      std::cerr << "provision: " << args.status().message() << "\n";
    std::cerr << kUsage;
    return 2;
  }
  const Args& a = *args;
  if (a.command == "put") return Put(a);
  if (a.command == "get") return Get(a);
  static const char* kCommands[] = {"up", "status", "run", "ssh", "down", "logs"};
  if (std::find(std::begin(kCommands), std::end(kCommands), a.command) == std::end(kCommands)) {
    std::cerr << "provision: unknown command " << a.command << "\n" << kUsage;
    return 2;
  }
  std::string region;
  for (const auto& [k, v] : a.overrides) {
    if (k == "region") region = v;
  }
  auto prices = LoadPriceTable(a.prices);
  if (!prices.ok()) {
    std::cerr << "provision: " << prices.status().message() << "\n";
    return 1;
  }
  if (a.all && (a.command == "status" || a.command == "down")) {
    auto ec2 = Ec2Client::FromEnvironment(region);
    if (!ec2.ok()) {
      std::cerr << "provision: " << ec2.status().message() << "\n";
      return 1;
    }
    auto scheduler = SchedulerClient::FromEnvironment(region);
    auto names = Cluster::ListClusters(ec2->get(), scheduler.ok() ? scheduler->get() : nullptr);
    if (!names.ok()) {
      std::cerr << "provision: " << names.status().message() << "\n";
      return 1;
    }
    int rc = 0;
    for (const std::string& name : *names) {
      Args one = a;
      one.overrides.emplace_back("name", name);
      auto spec = BuildSpec(one);
      if (!spec.ok()) {
        std::cerr << "provision: " << spec.status().message() << "\n";
        rc = 1;
        continue;
      }
      Cluster c(*spec, ec2->get(), *prices, Report);
      if (a.command == "status") {
        auto text = c.StatusText();
        std::cout << (text.ok() ? *text : text.status().message() + "\n");
      } else if (Status s = c.Down(); !s.ok()) {
        std::cerr << "provision: " << s.message() << "\n";
        rc = 1;
      }
    }
    if (names->empty()) std::cout << "no rankflow clusters\n";
    return rc;
  }
  auto spec = BuildSpec(a);
  if (!spec.ok()) {
    std::cerr << "provision: " << spec.status().message() << "\n";
    return 2;
  }
  if (Status launchable = ValidateSpecForUp(*spec); a.command == "up" && !launchable.ok()) {
    std::cerr << "provision: " << launchable.message() << "\n";
    return 2;
  }
  auto ec2 = Ec2Client::FromEnvironment(spec->region);
  if (!ec2.ok()) {
    std::cerr << "provision: " << ec2.status().message() << "\n";
    return 1;
  }
  Cluster cluster(*spec, ec2->get(), *prices, Report);
  if (a.command == "up") {
    auto r = cluster.Up();
    if (!r.ok()) {
      std::cerr << "provision: up failed: " << r.status().message() << "\n";
      return 1;
    }
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.2f", r->seconds);
    Report("ready in " + std::string(secs) + " s");
    std::cout << r->hostfile_path << "\n";
    return 0;
  }
  if (a.command == "status") {
    auto text = cluster.StatusText();
    if (!text.ok()) {
      std::cerr << "provision: " << text.status().message() << "\n";
      return 1;
    }
    std::cout << *text;
    auto job = cluster.JobStatus();
    if (job.ok()) std::cout << "  " << *job << "\n";
    return 0;
  }
  if (a.command == "logs") {
    if (spec->log_url.empty()) {
      std::cerr << "provision: logs needs log-url (s3://bucket/prefix)\n";
      return 2;
    }
    auto s3 = S3Objects::FromEnvironment(spec->region);
    if (!s3.ok()) {
      std::cerr << "provision: " << s3.status().message() << "\n";
      return 1;
    }
    const char* poll = std::getenv("RANKFLOW_LOGS_POLL_MS");
    auto code = FollowJobLog(
        s3->get(), spec->log_url,
        [](const std::string& text) {
          std::cout << text;
          std::cout.flush();
        },
        poll != nullptr ? std::atoi(poll) : 2000);
    if (!code.ok()) {
      std::cerr << "provision: logs: " << code.status().message() << "\n";
      return 1;
    }
    return *code;
  }
  if (a.command == "down") {
    Status s = cluster.Down();
    if (!s.ok()) {
      std::cerr << "provision: " << s.message() << "\n";
      return 1;
    }
    return 0;
  }
  if (a.command == "ssh") {
    auto ssh_args = cluster.SshArgs();
    if (!ssh_args.ok()) {
      std::cerr << "provision: " << ssh_args.status().message() << "\n";
      return 1;
    }
    // `provision ssh -- CMD` runs CMD instead of a login shell.
    for (const auto& part : a.rest) ssh_args->push_back(part);
    std::vector<char*> argv2;
    for (auto& s : *ssh_args) argv2.push_back(s.data());
    argv2.push_back(nullptr);
    execvp("ssh", argv2.data());
    std::perror("provision: exec ssh");
    return 1;
  }
  // run
  if (a.rest.empty()) {
    std::cerr << "provision: run needs a command after --\n";
    return 2;
  }
  std::string command;
  for (const auto& part : a.rest) command += (command.empty() ? "" : " ") + part;
  if (a.detach) {
    const char* interval = std::getenv("RANKFLOW_DETACH_UPLOAD_S");
    Status s = cluster.RunDetached(command, interval != nullptr ? std::atoi(interval) : 10);
    if (!s.ok()) {
      std::cerr << "provision: run --detach failed: " << s.message() << "\n";
      return 1;
    }
    std::cout << "detached\n";
    return 0;
  }
  auto rc = cluster.Run(
      command,
      [](std::string_view c) {
        std::cout.write(c.data(), static_cast<std::streamsize>(c.size()));
        std::cout.flush();
      },
      [](std::string_view c) {
        std::cerr.write(c.data(), static_cast<std::streamsize>(c.size()));
        std::cerr.flush();
      },
      a.timeout_s * 1000);
  if (!rc.ok()) {
    std::cerr << "provision: run failed: " << rc.status().message() << "\n";
    return 1;
  }
  return *rc;
}

}  // namespace
}  // namespace rankflow::provision

int main(int argc, char** argv) { return rankflow::provision::Main(argc, argv); }
