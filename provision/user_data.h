// The user-data script every node boots with (cloud-init runs it once, as root). In order:
//   1. arms the dead-man timer: a systemd timer (fallback: `shutdown -P +TTL`) powers the node off
//      after the TTL, and InstanceInitiatedShutdownBehavior=terminate turns that into termination,
//      so a node dies even if the machine that launched it disappears;
//   2. installs the Debian packages: BasePackages() (tools), `packages` (the libraries the shipped
//      binaries need, derived from them by PackagesForBinaries at `up`), `extra_packages`. apt
//      waits up to dpkg_lock_timeout_s for the dpkg lock (cloud-init's own apt runs may hold it)
//      and is tried 3 times; if it still fails the script fails;
//   3. downloads the rankflow binaries through a presigned S3 GET url (it expires; it carries a
//      signature and the access key *id*, never a secret key), checks the tarball's SHA-256
//      against binaries_sha256, unpacks it to /opt/rankflow and links bin/* into /usr/local/bin;
//   4. checks that every shipped executable's shared libraries resolve (`ldd`: no "not found");
//   5. only then writes the bootstrap marker that `provision up` waits for.
// Any failure ends the script at once with "rankflow: bootstrap FAILED: <why>" and no marker, so
// `up` reports the node (with this line in its console output) instead of a cluster that cannot
// run the job. Everything it prints goes to /var/log/rankflow-bootstrap.log and the console
// (GetConsoleOutput). Pure function; thread-safe.
#pragma once

#include <string>
#include <vector>

namespace rankflow::provision {

struct UserDataOptions {
  std::string cluster;
  std::string role;  // "head" or "worker"
  int ttl_minutes = 120;
  std::string binaries_url;           // presigned GET url of a .tar.gz; empty: install no binaries
  std::string binaries_sha256;        // lowercase hex SHA-256 of that tarball; checked on the node
  std::vector<std::string> packages;  // libraries the binaries need (PackagesForBinaries)
  std::vector<std::string> extra_packages;
  std::string marker = "/var/lib/rankflow/bootstrap-done";
  int dpkg_lock_timeout_s = 600;
  // For running the script off a node (tests): prefixed to the log, tarball, /opt/rankflow and
  // /usr/local/bin paths (the marker is used as given); and where the log's copy goes.
  std::string root;
  std::string console = "/dev/console";
};

// Tools every node needs whatever is shipped: openmpi-bin (mpirun, orted), curl and
// ca-certificates (the download). Libraries come from the binaries, not from this list.
std::vector<std::string> BasePackages();

std::string GenerateUserData(const UserDataOptions& options);

// Step 3 alone, as shell lines: downloads `url` to `tarball_path`, checks its SHA-256, unpacks it
// into `opt_dir` and removes the tarball. Expects a shell function `fail MESSAGE` that ends the
// script. Used by the user-data and by `up --local`, whose loopback nodes run no cloud-init.
std::string InstallBinariesScript(const std::string& url, const std::string& sha256,
                                  const std::string& opt_dir, const std::string& tarball_path);

}  // namespace rankflow::provision
