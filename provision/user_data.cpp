#include "provision/user_data.h"

#include <algorithm>

#include "provision/ssh_session.h"

namespace rankflow::provision {
namespace {

// Each package once, in first-seen order, shell-quoted.
std::string PackageWords(const UserDataOptions& o) {
  std::vector<std::string> all;
  for (const auto* list : {&o.packages, &o.extra_packages}) {
    all.insert(all.end(), list->begin(), list->end());
  }
  std::vector<std::string> base = BasePackages();
  all.insert(all.begin(), base.begin(), base.end());
  std::vector<std::string> seen;
  std::string words;
  for (const auto& p : all) {
    if (std::find(seen.begin(), seen.end(), p) != seen.end()) continue;
    seen.push_back(p);
    words += " " + ShellQuote(p);
  }
  return words;
}

// The dead-man script installed on the node. `boot` (every boot): power off at once if the
// deadline has passed, else arm a transient systemd timer for what is left (fallback: shutdown
// -P +minutes, rounded up). `check` (every minute): power off if the deadline has passed. A
// missing or damaged deadline file counts as passed: a node of a throwaway cluster that lost its
// deadline is not worth keeping.
std::string DeadmanScriptText(const std::string& deadline_file) {
  std::string s;
  s += "#!/bin/sh\n";
  s += "# rankflow dead-man (installed by the node bootstrap): power off, and so terminate, at "
       "the\n";
  s += "# cluster's deadline (UTC seconds since the epoch in " + deadline_file + ").\n";
  s += "# usage: rankflow-deadman boot|check\n";
  s += "deadline=$(cat " + ShellQuote(deadline_file) + " 2>/dev/null)\n";
  s += "case \"$deadline\" in ''|*[!0-9]*) deadline=0 ;; esac\n";
  s += "now=$(date -u +%s)\n";
  s += "left=$((deadline - now))\n";
  s += "if [ \"$left\" -le 0 ]; then\n";
  s += "  echo \"rankflow: cluster deadline $deadline reached (now $now, $1): powering off\"\n";
  s += "  systemctl poweroff || shutdown -P now 'rankflow: cluster deadline reached' || poweroff\n";
  s += "  exit\n";
  s += "fi\n";
  s += "[ \"$1\" = boot ] || exit 0\n";
  s += "if systemd-run --unit=rankflow-deadman-at --on-active=\"${left}s\" "
       "--timer-property=AccuracySec=1s /bin/systemctl poweroff; then\n";
  s += "  echo \"rankflow: dead-man armed: power off (terminate) in $left s\"\n";
  s += "else\n";
  s += "  shutdown -P +$(((left + 59) / 60)) 'rankflow: cluster deadline reached' || exit 1\n";
  s +=
      "  echo \"rankflow: dead-man armed with shutdown: power off in $(((left + 59) / 60)) min\"\n";
  s += "fi\n";
  return s;
}

// Step 1 of the bootstrap: the deadline file (first boot only), the script, the units, armed.
std::string DeadmanSection(const UserDataOptions& o) {
  const std::string deadline_file = o.root + kDeadlineFile;
  const std::string script = o.root + kDeadmanScript;
  const std::string units = o.root + "/etc/systemd/system";
  const std::string ttl_s = std::to_string(static_cast<int64_t>(o.ttl_minutes) * 60);
  auto write = [](const std::string& path, const std::string& text) {
    return "cat > " + ShellQuote(path) + " <<'RANKFLOW_END_OF_FILE'\n" + text +
           "RANKFLOW_END_OF_FILE\n";
  };
  std::string s;
  s += "# 1. Dead-man first, so nothing below can keep the node alive past the deadline: an\n";
  s += "#    absolute UTC deadline, checked at every boot and every minute (a reboot cannot\n";
  s += "#    extend it).\n";
  s += "mkdir -p \"$(dirname " + ShellQuote(deadline_file) + ")\" \"$(dirname " +
       ShellQuote(script) + ")\" " + ShellQuote(units) + "\n";
  s += "if [ ! -s " + ShellQuote(deadline_file) + " ]; then\n";
  s += "  latest=$(($(date -u +%s) + " + ttl_s + "))\n";
  if (o.deadline_epoch_s > 0) {
    s += "  deadline=" + std::to_string(o.deadline_epoch_s) + "\n";
    s += "  [ \"$deadline\" -le \"$latest\" ] || deadline=$latest\n";
  } else {
    s += "  deadline=$latest\n";
  }
  s += "  echo \"$deadline\" > " + ShellQuote(deadline_file) + "\n";
  s += "fi\n";
  s += write(script, DeadmanScriptText(deadline_file));
  s += "chmod 755 " + ShellQuote(script) + "\n";
  s += write(units + "/" + kDeadmanBootUnit,
             "[Unit]\nDescription=rankflow dead-man: power off if the cluster deadline has "
             "passed, else arm a timer (every boot)\nAfter=local-fs.target time-sync.target\n\n"
             "[Service]\nType=oneshot\nExecStart=" +
                 script + " boot\n\n[Install]\nWantedBy=multi-user.target\n");
  s += write(units + "/" + kDeadmanCheckUnit,
             "[Unit]\nDescription=rankflow dead-man: power off if the cluster deadline has "
             "passed\n\n[Service]\nType=oneshot\nExecStart=" +
                 script + " check\n");
  const std::string every = std::to_string(kDeadmanCheckIntervalS) + "s";
  s += write(units + "/" + kDeadmanCheckTimer,
             "[Unit]\nDescription=rankflow dead-man: check the cluster deadline every " + every +
                 "\n\n[Timer]\nOnBootSec=" + every + "\nOnUnitActiveSec=" + every +
                 "\nAccuracySec=5s\nUnit=" + kDeadmanCheckUnit +
                 "\n\n[Install]\nWantedBy=timers.target\n");
  s += "if systemctl daemon-reload && systemctl enable " + std::string(kDeadmanBootUnit) + " " +
       kDeadmanCheckTimer + " && systemctl start " + kDeadmanCheckTimer + "; then\n";
  s += "  echo 'rankflow: dead-man units enabled (every boot, every " + every + ")'\n";
  s += "else\n";
  s += "  # No systemd: cron runs the same script at every boot and every minute.\n";
  s += "  mkdir -p " + ShellQuote(o.root + "/etc/cron.d") + "\n";
  s += "  printf '%s\\n' " + ShellQuote("@reboot root " + std::string(kDeadmanScript) + " boot") +
       " " + ShellQuote("* * * * * root " + std::string(kDeadmanScript) + " check") + " > " +
       ShellQuote(o.root + "/etc/cron.d/rankflow-deadman") + "\n";
  s += "  echo 'rankflow: no systemd: dead-man in /etc/cron.d/rankflow-deadman'\n";
  s += "fi\n";
  s += ShellQuote(script) + " boot || fail 'the dead-man could not be armed'\n";
  s += "echo \"rankflow: dead-man: deadline $(cat " + ShellQuote(deadline_file) +
       ") (UTC seconds), power off (terminate) then\"\n";
  return s;
}

// Step 3 as shell lines: downloads `url`, checks its SHA-256, unpacks it into `opt_dir`, removes
// the tarball. Expects a shell function `fail MESSAGE`.
std::string InstallBinariesScript(const std::string& url, const std::string& sha256,
                                  const std::string& opt_dir, const std::string& tarball_path) {
  const std::string opt = ShellQuote(opt_dir);
  const std::string tarball = ShellQuote(tarball_path);
  std::string s;
  s += "mkdir -p " + opt + " \"$(dirname " + tarball + ")\"\n";
  s += "curl -fsS --retry 5 --retry-delay 2 -o " + tarball + " " + ShellQuote(url) +
       " || fail 'downloading the binaries failed'\n";
  s += "printf '%s  %s\\n' " + ShellQuote(sha256) + " " + tarball +
       " | sha256sum -c --quiet - || fail 'the binaries tarball does not have the sha256 up "
       "computed'\n";
  s += "tar -xzf " + tarball + " -C " + opt + " || fail 'unpacking the binaries failed'\n";
  s += "rm -f " + tarball + "\n";
  return s;
}

}  // namespace

std::vector<std::string> BasePackages() { return {"openmpi-bin", "curl", "ca-certificates"}; }

std::string GenerateUserData(const UserDataOptions& o) {
  const std::string ttl = std::to_string(o.ttl_minutes);
  const std::string log = ShellQuote(o.root + "/var/log/rankflow-bootstrap.log");
  const std::string opt = ShellQuote(o.root + "/opt/rankflow");
  const std::string links = ShellQuote(o.root + "/usr/local/bin");
  const std::string apt =
      "apt-get -o DPkg::Lock::Timeout=" + std::to_string(o.dpkg_lock_timeout_s) + " -q";
  std::string s;
  s += "#!/bin/bash\n";
  s += "# rankflow node bootstrap: cluster " + o.cluster + ", role " + o.role +
       ". Generated by `provision up`.\n";
  s += "set -euo pipefail\n";
  s += "mkdir -p \"$(dirname " + log + ")\"\n";
  s += "exec > >(tee -a " + log + " > " + ShellQuote(o.console) + ") 2>&1\n";
  const std::string failed = ShellQuote(o.root + o.failed_marker);
  s += "fail() {\n  echo \"rankflow: bootstrap FAILED: $*\"\n  mkdir -p \"$(dirname " + failed +
       ")\" && echo \"$*\" > " + failed + "\n  exit 1\n}\n";
  s += "rm -f " + failed + "\n";
  s += "echo \"rankflow: bootstrap starting $(date -u +%FT%TZ)\"\n";
  s += DeadmanSection(o);
  s += "# Open files: every login (ssh, so orted and the ranks) may open " +
       std::to_string(kNodeOpenFiles) + ".\n";
  s += "mkdir -p \"$(dirname " + ShellQuote(o.root + kLimitsFile) + ")\"\n";
  {
    const std::string n = std::to_string(kNodeOpenFiles);
    s += "printf '%s\\n' " + ShellQuote("* soft nofile " + n) + " " +
         ShellQuote("* hard nofile " + n) + " " + ShellQuote("root soft nofile " + n) + " " +
         ShellQuote("root hard nofile " + n) + " > " + ShellQuote(o.root + kLimitsFile) + "\n";
  }
  if (o.skip_packages) {
    s += "# 2. A baked image (provision bake): its packages are installed; no apt.\n";
  } else {
    s += "# 2. Packages; apt waits for the dpkg lock, and a failure after 3 tries is fatal.\n";
    s += "export DEBIAN_FRONTEND=noninteractive\n";
    s += "installed=no\n";
    s += "for attempt in 1 2 3; do\n";
    s += "  if " + apt + " update && " + apt + " install -y --no-install-recommends" +
         PackageWords(o) + "; then\n";
    s += "    installed=yes\n    break\n  fi\n";
    s += "  echo \"rankflow: apt-get failed (attempt $attempt of 3)\"\n";
    s += "  if [ \"$attempt\" != 3 ]; then sleep $((attempt * 10)); fi\n";
    s += "done\n";
    s += "[ \"$installed\" = yes ] || fail 'apt-get could not install the packages'\n";
  }
  if (!o.binaries_url.empty() || o.skip_packages) {
    s += "mkdir -p " + links + "\n";
  }
  if (!o.binaries_url.empty()) {
    s += "# 3. rankflow binaries through a presigned url (no credentials on the node), checked.\n";
    s += InstallBinariesScript(o.binaries_url, o.binaries_sha256, o.root + "/opt/rankflow",
                               o.root + "/tmp/rankflow-bin.tar.gz");
  }
  if (!o.binaries_url.empty() || o.skip_packages) {
    s += "# 4. Every shipped executable finds its shared libraries.\n";
    s += "missing=''\n";
    s += "for f in " + opt + "/bin/*; do\n";
    s += "  [ -f \"$f\" ] && [ -x \"$f\" ] || continue\n";
    s += "  ln -sf \"$f\" " + links + "/\n";
    // ldd fails on files that are not dynamic executables (scripts): nothing to resolve there.
    s += "  unresolved=$({ ldd \"$f\" 2>&1 || true; } | awk '/not found/ {print $1}' | tr "
         "'\\n' ' ')\n";
    s += "  if [ -n \"$unresolved\" ]; then missing=\"$missing $(basename \"$f\"): $unresolved\"; "
         "fi\n";
    s += "done\n";
    s += "[ -z \"$missing\" ] || fail \"shared libraries not found:$missing\"\n";
  }
  s += "# 5. Tell `provision up` this node is ready.\n";
  s += "mkdir -p \"$(dirname " + ShellQuote(o.marker) + ")\"\n";
  s += "touch " + ShellQuote(o.marker) + "\n";
  s += "echo \"rankflow: bootstrap done $(date -u +%FT%TZ)\"\n";
  return s;
}

}  // namespace rankflow::provision
