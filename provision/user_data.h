// The user-data script every node boots with (cloud-init runs it once, as root). In order:
//   1. installs the dead-man (DeadmanScript): the cluster's absolute UTC deadline goes to
//      /etc/rankflow/deadline once, at first boot (never later than first boot + TTL, whatever
//      the launcher's clock said), and a script that powers the node off when that deadline has
//      passed runs at every boot (a systemd unit: past -> power off at once, else a timer for
//      what is left) and every minute (a systemd timer; cron where there is no systemd), so a
//      reboot cannot extend the node's life; InstanceInitiatedShutdownBehavior=terminate turns
//      the power-off into termination, so a node dies even if the launcher disappears;
//   2. installs the Debian packages: BasePackages() (tools), `packages` (the libraries the shipped
//      binaries need, derived from them by PackagesForBinaries at `up`), `extra_packages`. apt
//      waits up to dpkg_lock_timeout_s for the dpkg lock (cloud-init's own apt runs may hold it)
//      and is tried 3 times; if it still fails the script fails;
//   3. downloads the rankflow binaries through a presigned S3 GET url (it expires; it carries a
//      signature and the access key *id*, never a secret key), checks the tarball's SHA-256
//      against binaries_sha256, unpacks it to /opt/rankflow and links bin/* into /usr/local/bin;
//   4. checks that every shipped executable's shared libraries resolve (`ldd`: no "not found");
//   5. only then writes the bootstrap marker that `provision up` waits for.
// Any failure ends the script at once with "rankflow: bootstrap FAILED: <why>", no marker and the
// reason in the failed marker, so `up` reports (or replaces) the node at once (with this line in
// its console output) instead of a cluster that cannot run the job. On a baked image
// (skip_packages) step 2 is skipped and step 4 checks every binary in /opt/rankflow/bin, shipped
// now or baked in. Everything it prints goes to /var/log/rankflow-bootstrap.log and the console
// (GetConsoleOutput). Pure function; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rankflow::provision {

// Where the bootstrap reports: done (UserDataOptions::marker) or failed, with the reason.
inline constexpr char kBootstrapMarker[] = "/var/lib/rankflow/bootstrap-done";
inline constexpr char kBootstrapFailedMarker[] = "/var/lib/rankflow/bootstrap-failed";

struct UserDataOptions {
  std::string cluster;
  std::string role;  // "head" or "worker"
  int ttl_minutes = 120;
  // The cluster's deadline, UTC seconds since the epoch (`up`: launch time + TTL); 0: first
  // boot + TTL. A node never keeps a deadline later than its first boot + TTL.
  int64_t deadline_epoch_s = 0;
  std::string binaries_url;           // presigned GET url of a .tar.gz; empty: install no binaries
  std::string binaries_sha256;        // lowercase hex SHA-256 of that tarball; checked on the node
  std::vector<std::string> packages;  // libraries the binaries need (PackagesForBinaries)
  std::vector<std::string> extra_packages;
  // The image was made by `provision bake` (packages installed): no apt at all; the binaries
  // (shipped or baked) are still checked with ldd, a shipped tarball still against its SHA-256.
  bool skip_packages = false;
  std::string marker = kBootstrapMarker;
  // Written (under root) by `fail` with the reason, so `up` replaces the node at once instead
  // of waiting.
  std::string failed_marker = kBootstrapFailedMarker;
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

// Where the dead-man keeps the deadline and its script (under options.root), and the systemd
// units it installs (the boot unit runs `<script> boot`, the check timer's service `<script>
// check` every kDeadmanCheckIntervalS seconds).
inline constexpr char kDeadlineFile[] = "/etc/rankflow/deadline";
inline constexpr char kDeadmanScript[] = "/usr/local/sbin/rankflow-deadman";
inline constexpr char kDeadmanBootUnit[] = "rankflow-deadman.service";
inline constexpr char kDeadmanCheckUnit[] = "rankflow-deadman-check.service";
inline constexpr char kDeadmanCheckTimer[] = "rankflow-deadman-check.timer";
inline constexpr int kDeadmanCheckIntervalS = 60;

// The open-files limit (soft and hard) of every login on a node (/etc/security/limits.d, read by
// sshd's pam_limits, so mpirun's orted and the ranks have it) and of `provision run`'s shell: a
// job's spill files, sockets to every other rank and S3 connections add up.
inline constexpr int kNodeOpenFiles = 65536;
inline constexpr char kLimitsFile[] = "/etc/security/limits.d/90-rankflow.conf";

}  // namespace rankflow::provision
