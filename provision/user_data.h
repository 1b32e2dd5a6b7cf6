// The user-data script every node boots with (cloud-init runs it once, as root). In order:
//   1. arms the dead-man timer: a systemd timer (fallback: `shutdown -P +TTL`) powers the node off
//      after the TTL, and InstanceInitiatedShutdownBehavior=terminate turns that into termination,
//      so a node dies even if the machine that launched it disappears;
//   2. installs the runtime Debian packages (Open MPI, libcurl, ISA-L, simdjson, HDF5, OpenBLAS…);
//   3. downloads the rankflow binaries through a presigned S3 GET url (it expires; it carries a
//      signature and the access key *id*, never a secret key) and unpacks them to /opt/rankflow;
//   4. writes the bootstrap marker that `provision up` waits for.
// Everything it prints goes to /var/log/rankflow-bootstrap.log and the console (GetConsoleOutput).
// Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace rankflow::provision {

struct UserDataOptions {
  std::string cluster;
  std::string role;  // "head" or "worker"
  int ttl_minutes = 120;
  std::string binaries_url;  // presigned GET url of a .tar.gz; empty: install no binaries
  std::vector<std::string> extra_packages;
  std::string marker = "/var/lib/rankflow/bootstrap-done";
};

// The packages every node installs (runtime libraries of what setup.sh builds against).
std::vector<std::string> RuntimePackages();

std::string GenerateUserData(const UserDataOptions& options);

}  // namespace rankflow::provision
