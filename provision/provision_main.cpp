// build/bin/provision: a table of commands (name, summary, flags, handler). Flags -> ClusterSpec
// -> Cluster. Progress goes to stderr; results (hostfile path, status table, the command's
// output) to stdout. One way to fail: a handler returns a Status, and Main prints it as one
// "provision: …" line and exits 1 (2 when the flags or the spec are wrong, before anything was
// sent); `run` and `logs` exit with the remote command's code.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "provision/cluster.h"
#include "provision/detach.h"
#include "provision/s3_object.h"

namespace rankflow::provision {
namespace {

struct Args {
  std::string command;
  std::string config;
  std::string prices;
  bool all = false;
  bool detach = false;
  int timeout_s = 0;
  int wait_s = 1800;  // bake
  std::vector<std::pair<std::string, std::string>> overrides;
  std::vector<std::string> rest;  // after "--" (run, ssh) and positional words (put, get)
};

// What a handler gets: the arguments, and for commands on one cluster its spec, prices and EC2.
struct Invocation {
  const Args& args;
  ClusterSpec spec;
  PriceTable prices;
  std::unique_ptr<Ec2Client> ec2;
  Cluster Open() const { return Cluster(spec, ec2.get(), prices, Report); }
  static void Report(const std::string& line) { std::cerr << "provision: " << line << std::endl; }
};

// A flag of one command (beside the cluster settings every command takes).
struct CommandFlag {
  const char* name;  // without "--"
  bool takes_value;
  const char* help;
};

enum class Scope {
  kNone,     // no cluster: put, get
  kCluster,  // one cluster from --config / flags
  kAll,      // one cluster, or with --all every rankflow cluster of the region
};

struct Command {
  const char* name;
  const char* summary;  // the --help lines
  std::vector<CommandFlag> flags;
  Scope scope;
  // Usage checks beyond the flags and the spec, before anything is sent: a failure exits 2.
  Status (*check)(const Args&, const ClusterSpec*);
  // Exit code of the command; a failure exits 1.
  Result<int> (*run)(Invocation&);
};

Status Usage(const std::string& why) { return Status::InvalidArgument(why); }

std::string RegionFlag(const Args& a) {
  std::string region;
  for (const auto& [k, v] : a.overrides) {
    if (k == "region") region = v;
  }
  return region;
}

Result<std::unique_ptr<S3Objects>> S3ForFlags(const Args& a) {
  return S3Objects::FromEnvironment(RegionFlag(a));
}

Status NoCheck(const Args&, const ClusterSpec*) { return Status::OK(); }

Status CheckUp(const Args&, const ClusterSpec* spec) { return ValidateSpecForUp(*spec); }

Result<int> RunUp(Invocation& inv) {
  auto r = inv.Open().Up();
  if (!r.ok()) return r.status().WithPrefix("up failed");
  char secs[32];
  std::snprintf(secs, sizeof secs, "%.2f", r->seconds);
  Invocation::Report("ready in " + std::string(secs) + " s");
  std::cout << r->hostfile_path << "\n";
  return 0;
}

Result<int> RunBake(Invocation& inv) {
  ClusterSpec spec = inv.spec;
  spec.workers = 0;
  Cluster cluster(spec, inv.ec2.get(), inv.prices, Invocation::Report);
  auto image = cluster.Bake(inv.args.wait_s);
  if (!image.ok()) return image.status().WithPrefix("bake failed");
  std::cout << *image << "\n";
  return 0;
}

// `status --all` / `down --all`: `one` on every cluster that has anything tagged left.
Result<int> ForEachCluster(Invocation& inv, const std::function<Status(Cluster&)>& one);

Result<int> RunStatus(Invocation& inv) {
  if (inv.args.all) {
    return ForEachCluster(inv, [](Cluster& c) {
      auto text = c.StatusText();
      std::cout << (text.ok() ? *text : text.status().message() + "\n");
      return Status::OK();
    });
  }
  Cluster cluster = inv.Open();
  auto text = cluster.StatusText();
  if (!text.ok()) return text.status();
  std::cout << *text;
  auto job = cluster.JobStatus();
  if (job.ok()) std::cout << "  " << *job << "\n";
  return 0;
}

Result<int> RunDown(Invocation& inv) {
  if (inv.args.all) return ForEachCluster(inv, [](Cluster& c) { return c.Down(); });
  RF_RETURN_IF_ERROR(inv.Open().Down());
  return 0;
}

Status CheckRun(const Args& a, const ClusterSpec*) {
  return a.rest.empty() ? Usage("run needs a command after --") : Status::OK();
}

Result<int> RunRun(Invocation& inv) {
  const Args& a = inv.args;
  std::string command;
  for (const auto& part : a.rest) command += (command.empty() ? "" : " ") + part;
  Cluster cluster = inv.Open();
  if (a.detach) {
    const char* interval = std::getenv("RANKFLOW_DETACH_UPLOAD_S");
    Status s = cluster.RunDetached(command, interval != nullptr ? std::atoi(interval) : 10);
    if (!s.ok()) return s.WithPrefix("run --detach failed");
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
  if (!rc.ok()) return rc.status().WithPrefix("run failed");
  return *rc;
}

Status CheckLogs(const Args&, const ClusterSpec* spec) {
  return spec->log_url.empty() ? Usage("logs needs log-url (s3://bucket/prefix)") : Status::OK();
}

Result<int> RunLogs(Invocation& inv) {
  auto s3 = S3Objects::FromEnvironment(inv.spec.region);
  if (!s3.ok()) return s3.status();
  const char* poll = std::getenv("RANKFLOW_LOGS_POLL_MS");
  auto code = FollowJobLog(
      s3->get(), inv.spec.log_url,
      [](const std::string& text) {
        std::cout << text;
        std::cout.flush();
      },
      poll != nullptr ? std::atoi(poll) : 2000);
  if (!code.ok()) return code.status().WithPrefix("logs");
  return *code;
}

Result<int> RunSsh(Invocation& inv) {
  auto ssh_args = inv.Open().SshArgs();
  if (!ssh_args.ok()) return ssh_args.status();
  // `provision ssh -- CMD` runs CMD instead of a login shell.
  for (const auto& part : inv.args.rest) ssh_args->push_back(part);
  std::vector<char*> argv2;
  for (auto& s : *ssh_args) argv2.push_back(s.data());
  argv2.push_back(nullptr);
  execvp("ssh", argv2.data());
  return Status::IOError(std::string("exec ssh: ") + std::strerror(errno));
}

// put FILE s3://… / get s3://… FILE: the word that is the url must parse.
Status CheckTransfer(const Args& a, size_t url_index, const char* usage) {
  if (a.rest.size() != 2) return Usage(std::string("usage: provision ") + usage);
  return ParseS3Location(a.rest[url_index]).status();
}

Result<int> RunPut(Invocation& inv) {
  const Args& a = inv.args;
  std::ifstream in(a.rest[0], std::ios::binary);
  if (!in) return Status::NotFound(a.rest[0] + ": cannot open");
  std::stringstream ss;
  ss << in.rdbuf();
  auto s3 = S3ForFlags(a);
  if (!s3.ok()) return s3.status();
  auto where = ParseS3Location(a.rest[1]);  // checked by CheckTransfer
  RF_RETURN_IF_ERROR((*s3)->Put(*where, ss.str()));
  return 0;
}

Result<int> RunGet(Invocation& inv) {
  const Args& a = inv.args;
  auto s3 = S3ForFlags(a);
  if (!s3.ok()) return s3.status();
  auto where = ParseS3Location(a.rest[0]);  // checked by CheckTransfer
  auto data = (*s3)->Get(*where);
  if (!data.ok()) return data.status();
  std::ofstream out(a.rest[1], std::ios::binary);
  out << *data;
  if (!out) return Status::IOError(a.rest[1] + ": cannot write");
  return 0;
}

const std::vector<Command>& Commands() {
  static const auto* commands = new std::vector<Command>{
      {"up",
       "launch the cluster; prints the cost estimate first, the hostfile path when ready",
       {},
       Scope::kCluster,
       CheckUp,
       RunUp},
      {"bake",
       "an AMI with the packages and binaries (--artifacts) installed, from one node booted\n"
       "the usual way and then torn down; prints the image id. `up --ami <id>` skips apt",
       {{"wait-s", true, "how long to wait for the image to become available (default 1800)"}},
       Scope::kCluster,
       CheckUp,
       RunBake},
      {"status",
       "nodes, states, ages and cost so far",
       {{"all", false, "every rankflow cluster in the region"}},
       Scope::kAll,
       NoCheck,
       RunStatus},
      {"run",
       "run CMD on the head (after --), output streamed, exits with CMD's exit code;\n"
       "a plain `mpirun` there uses the cluster hostfile and intra-cluster key",
       {{"detach", false,
         "start CMD under a supervisor on the head and return; its log and state go to\n"
         "log-url (s3://bucket/prefix), and the cluster tears itself down when CMD ends"},
        {"timeout-s", true, "give up after N seconds (default: none)"}},
       Scope::kCluster,
       CheckRun,
       RunRun},
      {"logs",
       "follow a detached job's log from log-url until it ends; exits with the job's code",
       {},
       Scope::kCluster,
       CheckLogs,
       RunLogs},
      {"ssh",
       "interactive shell on the head (or `ssh -- CMD` through the ssh program)",
       {},
       Scope::kCluster,
       NoCheck,
       RunSsh},
      {"down",
       "terminate and delete everything tagged with the cluster; idempotent",
       {{"all", false, "every rankflow cluster in the region"}},
       Scope::kAll,
       NoCheck,
       RunDown},
      {"put",
       "provision put FILE s3://bucket/key   (upload one file; used by scripts/*.sh)",
       {},
       Scope::kNone,
       [](const Args& a, const ClusterSpec*) {
         return CheckTransfer(a, 1, "put FILE s3://bucket/key");
       },
       RunPut},
      {"get",
       "provision get s3://bucket/key FILE   (download one object; used by scripts/*.sh)",
       {},
       Scope::kNone,
       [](const Args& a, const ClusterSpec*) {
         return CheckTransfer(a, 0, "get s3://bucket/key FILE");
       },
       RunGet},
  };
  return *commands;
}

const Command* FindCommand(const std::string& name) {
  for (const Command& c : Commands()) {
    if (name == c.name) return &c;
  }
  return nullptr;
}

// "  text" with every line after the first indented to `column`.
std::string Indented(const std::string& text, size_t column) {
  std::string out;
  for (char ch : text) {
    out += ch;
    if (ch == '\n') out += std::string(column, ' ');
  }
  return out;
}

std::string UsageText() {
  std::string s =
      "usage: provision COMMAND [--config cluster.json] [--KEY VALUE …] [-- CMD …]\n\ncommands:\n";
  for (const Command& c : Commands()) {
    std::string name = c.name;
    s += "  " + name + std::string(9 - std::min<size_t>(8, name.size()), ' ') +
         Indented(c.summary, 11) + "\n";
    for (const CommandFlag& f : c.flags) {
      s += "           --" + std::string(f.name) + (f.takes_value ? " N" : "") + ": " +
           Indented(f.help, 13) + "\n";
    }
  }
  s += "\ncluster settings (JSON keys in --config, or flags with '-' for '_'):\n ";
  size_t width = 1;
  for (std::string key : SpecKeys()) {
    std::replace(key.begin(), key.end(), '_', '-');
    if (width + key.size() + 2 > 98) {
      s += "\n ";
      width = 1;
    }
    s += " " + key + ",";
    width += key.size() + 2;
  }
  s.pop_back();
  s += "\nother flags:\n";
  s += "  --prices FILE     price table (default: provision/prices.json of this source tree)\n";
  s += "  --local           moto + loopback sshd on this machine; ssh-port and "
       "local-authorized-keys\n"
       "                    default to $RANKFLOW_TEST_SSHD_PORT and "
       "$RANKFLOW_TEST_SSHD_DIR/authorized_keys\n";
  return s;
}

// Boolean cluster settings, which may stand without a value (`--spot`).
bool IsBooleanSetting(const std::string& key) {
  static const char* kBooleans[] = {"local", "spot", "placement-group", "private-ips",
                                    "on-demand-fallback"};
  return std::find_if(std::begin(kBooleans), std::end(kBooleans),
                      [&](const char* b) { return key == b; }) != std::end(kBooleans);
}

// A flag of some command (not a cluster setting).
bool IsCommandFlag(const std::string& key) {
  for (const Command& c : Commands()) {
    for (const CommandFlag& f : c.flags) {
      if (key == f.name) return true;
    }
  }
  return false;
}

Result<Args> ParseArgs(const Command& command, int argc, char** argv) {
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
    const CommandFlag* own = nullptr;
    for (const CommandFlag& f : command.flags) {
      if (key == f.name) own = &f;
    }
    if (own == nullptr && IsCommandFlag(key)) {
      return Usage("--" + key + " is not a flag of " + a.command);
    }
    bool is_flag = own != nullptr ? !own->takes_value : IsBooleanSetting(key);
    if (!has_value && !is_flag) {
      if (i + 1 >= argc) return Usage("--" + key + " needs a value");
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
    } else if (key == "wait-s") {
      a.wait_s = std::atoi(value.c_str());
      if (a.wait_s <= 0) return Usage("--wait-s must be a positive number of seconds");
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

Result<int> ForEachCluster(Invocation& inv, const std::function<Status(Cluster&)>& one) {
  auto scheduler = SchedulerClient::FromEnvironment(RegionFlag(inv.args));
  auto names = Cluster::ListClusters(inv.ec2.get(), scheduler.ok() ? scheduler->get() : nullptr);
  if (!names.ok()) return names.status();
  if (names->empty()) std::cout << "no rankflow clusters\n";
  std::string failures;
  for (const std::string& name : *names) {
    Args each = inv.args;
    each.overrides.emplace_back("name", name);
    auto spec = BuildSpec(each);
    Status s = spec.ok() ? Status::OK() : spec.status();
    if (spec.ok()) {
      Cluster c(*spec, inv.ec2.get(), inv.prices, Invocation::Report);
      s = one(c);
    }
    if (!s.ok()) failures += (failures.empty() ? "" : "; ") + s.message();
  }
  if (!failures.empty()) return Status::Unavailable(failures);
  return 0;
}

// The one error path: a one-line message and the exit code.
int Fail(const Status& status, int exit_code) {
  std::cerr << "provision: " << status.message() << "\n";
  return exit_code;
}

// Prices, the spec (unless --all) and EC2 for a command on clusters. Usage errors are
// InvalidArgument (exit 2), the rest exit 1: `usage_failed` says which.
Result<Invocation> Prepare(const Command& command, const Args& a, bool* usage_failed) {
  Invocation inv{a, {}, {}, nullptr};
  *usage_failed = true;
  std::string region = RegionFlag(a);
  if (!(command.scope == Scope::kAll && a.all)) {
    auto spec = BuildSpec(a);
    if (!spec.ok()) return spec.status();
    RF_RETURN_IF_ERROR(command.check(a, &*spec));
    inv.spec = *spec;
    region = inv.spec.region;
  }
  *usage_failed = false;
  auto prices = LoadPriceTable(a.prices);
  if (!prices.ok()) return prices.status();
  inv.prices = *prices;
  auto ec2 = Ec2Client::FromEnvironment(region);
  if (!ec2.ok()) return ec2.status();
  inv.ec2 = std::move(*ec2);
  return inv;
}

int Main(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--") break;
    if (arg == "--help" || arg == "-h" || arg == "help") {
      std::cout << UsageText();
      return 0;
    }
  }
  if (argc < 2) return Fail(Usage("missing command (provision --help lists them)"), 2);
  const Command* command = FindCommand(argv[1]);
  if (command == nullptr) {
    return Fail(Usage(std::string("unknown command ") + argv[1] + " (provision --help lists them)"),
                2);
  }
  auto args = ParseArgs(*command, argc, argv);
  if (!args.ok()) return Fail(args.status(), 2);
  Result<int> outcome = Status::Internal("not run");
  if (command->scope == Scope::kNone) {
    if (Status s = command->check(*args, nullptr); !s.ok()) return Fail(s, 2);
    Invocation inv{*args, {}, {}, nullptr};
    outcome = command->run(inv);
  } else {
    bool usage_failed = false;
    auto inv = Prepare(*command, *args, &usage_failed);
    if (!inv.ok()) return Fail(inv.status(), usage_failed ? 2 : 1);
    outcome = command->run(*inv);
  }
  return outcome.ok() ? *outcome : Fail(outcome.status(), 1);
}

}  // namespace
}  // namespace rankflow::provision

int main(int argc, char** argv) { return rankflow::provision::Main(argc, argv); }
