// The node bootstrap (provision/user_data.h) run for real with bash, off a node: every path it
// writes lives under a temporary root, and apt-get, curl, ldd, systemctl, systemd-run, shutdown,
// date and sleep are fakes on PATH. The dead-man's boot unit is run again with the clock before
// and past the deadline: a simulated reboot. Also the derivation of the package list from binaries
// (binary_packages.h).
#include "provision/user_data.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <filesystem>

#include "provision/binary_packages.h"
#include "runtime/aws/sigv4.h"
#include "tests/util/test_util.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::CommandResult;
using rankflow::testing::ReadFile;
using rankflow::testing::RunCommand;
using rankflow::testing::TempDir;
using rankflow::testing::WriteFile;

// Fakes: apt-get fails when FAKE_APT=fail and logs its arguments; curl copies FAKE_TARBALL to
// its -o file; ldd reports libicuuc.so.72 missing for the binary named FAKE_LDD_MISSING.
constexpr char kFakeAptGet[] = R"sh(#!/bin/bash
echo "$*" >> "$FAKE_LOG"
[ "${FAKE_APT:-ok}" != fail ]
)sh";
constexpr char kFakeCurl[] = R"sh(#!/bin/bash
while [ $# -gt 0 ]; do if [ "$1" = -o ]; then out=$2; fi; shift; done
cp "$FAKE_TARBALL" "$out"
)sh";
// systemctl, systemd-run and shutdown write "<name> <args>" to FAKE_POWER_LOG; with
// FAKE_NO_SYSTEMD=1 systemctl and systemd-run fail (a host without systemd). date prints FAKE_NOW
// for `date -u +%s` when it is set, and is the real date otherwise.
constexpr char kFakePower[] = R"sh(#!/bin/bash
echo "$(basename "$0") $*" >> "$FAKE_POWER_LOG"
case "$(basename "$0")" in systemctl|systemd-run) [ "${FAKE_NO_SYSTEMD:-0}" != 1 ] ;; esac
)sh";
constexpr char kFakeDate[] = R"sh(#!/bin/bash
if [ -n "${FAKE_NOW:-}" ] && [ "$*" = "-u +%s" ]; then echo "$FAKE_NOW"; exit 0; fi
exec /usr/bin/date "$@"
)sh";
constexpr char kFakeLdd[] = R"sh(#!/bin/bash
if [ "$(basename "$1")" = "${FAKE_LDD_MISSING:-}" ]; then
  printf '\tlibicuuc.so.72 => not found\n'
fi
printf '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0000000000)\n'
)sh";

bool HasLine(const std::string& text, const std::string& line) {
  return ("\n" + text).find("\n" + line + "\n") != std::string::npos;
}

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("fakes"));
    std::filesystem::create_directories(dir_.Join("ship/bin"));
    WriteFake("apt-get", kFakeAptGet);
    WriteFake("curl", kFakeCurl);
    WriteFake("ldd", kFakeLdd);
    WriteFake("sleep", "#!/bin/sh\n");
    for (const char* power : {"systemctl", "systemd-run", "shutdown"}) WriteFake(power, kFakePower);
    WriteFake("date", kFakeDate);
    for (const char* job : {"job_a", "job_b"}) {
      WriteFile(dir_.Join("ship/bin/") + job, "#!/bin/sh\necho hi\n");
      chmod(dir_.Join("ship/bin/").append(job).c_str(), 0755);
    }
    auto tar =
        RunCommand("tar -czf " + dir_.Join("bin.tar.gz") + " -C " + dir_.Join("ship") + " bin");
    ASSERT_EQ(tar.exit_code, 0) << tar.output;
    options_.cluster = "boot";
    options_.role = "worker";
    options_.ttl_minutes = 30;
    options_.binaries_url =
        "https://b.s3.amazonaws.com/bin.tar.gz?X-Amz-Signature=abc&X-Amz-Date=1";
    options_.binaries_sha256 = aws::Sha256Hex(ReadFile(dir_.Join("bin.tar.gz")));
    options_.packages = {"libicu72", "libssh2-1"};
    options_.root = dir_.Join("root");
    options_.console = "/dev/stderr";
    options_.marker = dir_.Join("root/var/lib/rankflow/bootstrap-done");
  }
  void WriteFake(const std::string& name, const std::string& text) {
    WriteFile(dir_.Join("fakes/" + name), text);
    chmod(dir_.Join("fakes/" + name).c_str(), 0755);
  }
  // Runs the generated script; `env` adds FAKE_* settings.
  CommandResult Boot(const std::string& env = "") {
    WriteFile(dir_.Join("ud.sh"), GenerateUserData(options_));
    return RunCommand(FakeEnv() + env + " bash " + dir_.Join("ud.sh"), 30);
  }
  std::string FakeEnv() {
    return "PATH=" + dir_.Join("fakes") + ":$PATH FAKE_LOG=" + dir_.Join("apt.log") +
           " FAKE_TARBALL=" + dir_.Join("bin.tar.gz") +
           " FAKE_POWER_LOG=" + dir_.Join("power.log") + " ";
  }
  // What the fake systemctl / systemd-run / shutdown were asked since the last call.
  std::string TakePowerLog() {
    std::string path = dir_.Join("power.log");
    std::string log = std::filesystem::exists(path) ? ReadFile(path) : "";
    std::filesystem::remove(path);
    return log;
  }
  // A simulated reboot: runs what the installed unit `unit` starts (its ExecStart), at FAKE_NOW
  // `now`, as systemd would at boot (the boot unit) or every minute (the check timer's service).
  CommandResult RunUnit(const std::string& unit, int64_t now, const std::string& env = "") {
    std::string text = ReadFile(dir_.Join("root/etc/systemd/system/" + unit));
    auto at = text.find("ExecStart=");
    EXPECT_NE(at, std::string::npos) << text;
    std::string exec = text.substr(at + 10, text.find('\n', at) - at - 10);
    return RunCommand(FakeEnv() + "FAKE_NOW=" + std::to_string(now) + " " + env + " " + exec, 30);
  }
  bool Ready() const { return std::filesystem::exists(options_.marker); }

  TempDir dir_;
  UserDataOptions options_;
};

TEST_F(BootstrapTest, EverythingInstalledAndResolvedWritesTheMarkerLast) {
  auto r = Boot();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Ready()) << r.output;
  EXPECT_NE(r.output.find("rankflow: bootstrap done"), std::string::npos) << r.output;
  EXPECT_TRUE(std::filesystem::exists(dir_.Join("root/opt/rankflow/bin/job_a")));
  EXPECT_TRUE(std::filesystem::is_symlink(dir_.Join("root/usr/local/bin/job_b")));
  std::string apt = ReadFile(dir_.Join("apt.log"));
  EXPECT_NE(apt.find("-o DPkg::Lock::Timeout=600 -q update"), std::string::npos) << apt;
  EXPECT_NE(apt.find("install -y --no-install-recommends openmpi-bin curl ca-certificates "
                     "libicu72 libssh2-1"),
            std::string::npos)
      << apt;
  EXPECT_NE(ReadFile(dir_.Join("root/var/log/rankflow-bootstrap.log")).find("bootstrap done"),
            std::string::npos);
  // Issue 14, item 7: every login (sshd's pam_limits: orted and the ranks) may open 65536 files.
  EXPECT_EQ(ReadFile(dir_.Join("root/etc/security/limits.d/90-rankflow.conf")),
            "* soft nofile 65536\n* hard nofile 65536\nroot soft nofile 65536\n"
            "root hard nofile 65536\n");
}

// Issue 14, defect 3: the apt retry loop ended on `sleep`'s status, so a node whose packages never
// installed reported ready.
TEST_F(BootstrapTest, AptThatKeepsFailingFailsTheBootstrapAndWritesNoMarker) {
  auto r = Boot("FAKE_APT=fail");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_FALSE(Ready());
  EXPECT_NE(r.output.find("rankflow: bootstrap FAILED: apt-get could not install the packages"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("apt-get failed (attempt 3 of 3)"), std::string::npos) << r.output;
  // Nothing after the packages ran: no binaries were fetched.
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("root/opt/rankflow/bin/job_a")));
}

TEST_F(BootstrapTest, AShippedBinaryWithAnUnresolvedLibraryFailsTheBootstrap) {
  auto r = Boot("FAKE_LDD_MISSING=job_b");
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_FALSE(Ready());
  EXPECT_NE(r.output.find("shared libraries not found: job_b: libicuuc.so.72"), std::string::npos)
      << r.output;
}

// Issue 14, item 13: on a baked image (skip_packages) apt never runs, but the shipped tarball's
// SHA-256 and every binary's libraries are still checked; a failure leaves its reason in the
// failed marker (which `up` reads to replace the node at once), and a later good run removes it.
TEST_F(BootstrapTest, ABakedImageSkipsAptButStillChecksTheTarballAndLibraries) {
  const std::string failed = dir_.Join("root/var/lib/rankflow/bootstrap-failed");
  options_.skip_packages = true;
  auto r = Boot();
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Ready());
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("apt.log"))) << "apt ran on a baked image";
  EXPECT_TRUE(std::filesystem::is_symlink(dir_.Join("root/usr/local/bin/job_b")));

  std::filesystem::remove(options_.marker);
  auto missing = Boot("FAKE_LDD_MISSING=job_b");
  EXPECT_NE(missing.exit_code, 0) << missing.output;
  EXPECT_FALSE(Ready());
  EXPECT_NE(ReadFile(failed).find("shared libraries not found: job_b: libicuuc.so.72"),
            std::string::npos);

  options_.binaries_sha256 = aws::Sha256Hex("something else");
  auto wrong = Boot();
  EXPECT_NE(wrong.exit_code, 0) << wrong.output;
  EXPECT_NE(ReadFile(failed).find("does not have the sha256 up computed"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("apt.log")));

  options_.binaries_sha256 = aws::Sha256Hex(ReadFile(dir_.Join("bin.tar.gz")));
  ASSERT_EQ(Boot().exit_code, 0);
  EXPECT_TRUE(Ready());
  EXPECT_FALSE(std::filesystem::exists(failed)) << "a stale failed marker survived a good boot";
}

TEST_F(BootstrapTest, ATarballWithAnotherSha256IsNotUnpacked) {
  options_.binaries_sha256 = aws::Sha256Hex("something else");
  auto r = Boot();
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_FALSE(Ready());
  EXPECT_NE(r.output.find("does not have the sha256 up computed"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("root/opt/rankflow/bin/job_a")));
}

// Issue 14, item 11: the dead-man was a transient timer armed once, lost on a reboot (spot
// maintenance, auto-recovery, a user's reboot): the node then lived forever. Now an absolute
// deadline is written at first boot and a persistent unit enforces it at every boot.
TEST_F(BootstrapTest, DeadlineIsEnforcedAtEveryBootAndReArmsFromTheDeadline) {
  const int64_t first_boot = 1'800'000'000;
  options_.deadline_epoch_s = first_boot + 20 * 60;  // the launcher's launch time + ttl 20 min
  auto r = Boot("FAKE_NOW=" + std::to_string(first_boot));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(dir_.Join("root/etc/rankflow/deadline")),
            std::to_string(options_.deadline_epoch_s) + "\n");
  std::string first = TakePowerLog();
  // Installed persistently (every boot, every minute), then armed for exactly what is left.
  EXPECT_NE(first.find("systemctl enable rankflow-deadman.service rankflow-deadman-check.timer"),
            std::string::npos)
      << first;
  EXPECT_NE(first.find("systemctl start rankflow-deadman-check.timer"), std::string::npos) << first;
  EXPECT_NE(first.find("systemd-run --unit=rankflow-deadman-at --on-active=1200s"),
            std::string::npos)
      << first;
  EXPECT_FALSE(HasLine(first, "systemctl poweroff")) << "powered off at first boot: " << first;
  std::string boot_unit = ReadFile(dir_.Join("root/etc/systemd/system/rankflow-deadman.service"));
  EXPECT_NE(boot_unit.find("WantedBy=multi-user.target"), std::string::npos) << boot_unit;
  std::string timer = ReadFile(dir_.Join("root/etc/systemd/system/rankflow-deadman-check.timer"));
  EXPECT_NE(timer.find("OnUnitActiveSec=60s"), std::string::npos) << timer;
  EXPECT_NE(timer.find("WantedBy=timers.target"), std::string::npos) << timer;

  // Reboot 15 minutes in: the timer is re-armed for the 5 minutes left, not for a new ttl.
  auto early = RunUnit("rankflow-deadman.service", first_boot + 15 * 60);
  ASSERT_EQ(early.exit_code, 0) << early.output;
  std::string rearmed = TakePowerLog();
  EXPECT_NE(rearmed.find("systemd-run --unit=rankflow-deadman-at --on-active=300s"),
            std::string::npos)
      << rearmed;
  EXPECT_FALSE(HasLine(rearmed, "systemctl poweroff")) << rearmed;

  // Reboot after the deadline (the node was stopped across it, or the reboot took long): power
  // off at once, no timer.
  auto late = RunUnit("rankflow-deadman.service", options_.deadline_epoch_s + 1);
  ASSERT_EQ(late.exit_code, 0) << late.output;
  std::string off = TakePowerLog();
  EXPECT_EQ(off, "systemctl poweroff\n");
  EXPECT_NE(late.output.find("cluster deadline " + std::to_string(options_.deadline_epoch_s) +
                             " reached"),
            std::string::npos)
      << late.output;

  // The every-minute check: nothing before the deadline, power off after it. With the 60 s
  // interval and 5 s accuracy a node outlives its deadline by at most ~65 s plus the power-off,
  // even if the transient timer was lost or the clock jumped.
  ASSERT_EQ(RunUnit("rankflow-deadman-check.service", options_.deadline_epoch_s - 1).exit_code, 0);
  EXPECT_EQ(TakePowerLog(), "");
  ASSERT_EQ(RunUnit("rankflow-deadman-check.service", options_.deadline_epoch_s + 30).exit_code, 0);
  EXPECT_EQ(TakePowerLog(), "systemctl poweroff\n");

  // If systemctl cannot power off, shutdown is asked.
  ASSERT_EQ(RunUnit("rankflow-deadman.service", options_.deadline_epoch_s + 5, "FAKE_NO_SYSTEMD=1")
                .exit_code,
            0);
  EXPECT_EQ(TakePowerLog(),
            "systemctl poweroff\nshutdown -P now rankflow: cluster deadline reached\n");

  // The user-data running again (cloud-init told to run it per boot) keeps the first deadline.
  ASSERT_EQ(Boot("FAKE_NOW=" + std::to_string(first_boot + 10 * 60)).exit_code, 0);
  EXPECT_EQ(ReadFile(dir_.Join("root/etc/rankflow/deadline")),
            std::to_string(options_.deadline_epoch_s) + "\n");
  EXPECT_NE(TakePowerLog().find("--on-active=600s"), std::string::npos);
}

TEST_F(BootstrapTest, DeadmanNeverKeepsADeadlineLaterThanFirstBootPlusTtl) {
  // A launcher whose clock runs a day ahead sends a deadline a day late: the node caps it.
  const int64_t first_boot = 1'800'000'000;
  options_.deadline_epoch_s = first_boot + 24 * 3600 + 30 * 60;
  auto r = Boot("FAKE_NOW=" + std::to_string(first_boot));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadFile(dir_.Join("root/etc/rankflow/deadline")),
            std::to_string(first_boot + 30 * 60) + "\n");
  EXPECT_NE(TakePowerLog().find("--on-active=1800s"), std::string::npos);
  // A damaged deadline file counts as passed.
  WriteFile(dir_.Join("root/etc/rankflow/deadline"), "garbage\n");
  ASSERT_EQ(RunUnit("rankflow-deadman.service", first_boot + 60).exit_code, 0);
  EXPECT_EQ(TakePowerLog(), "systemctl poweroff\n");
}

TEST_F(BootstrapTest, WithoutSystemdCronRunsTheDeadmanAndShutdownArmsIt) {
  const int64_t first_boot = 1'800'000'000;
  options_.deadline_epoch_s = first_boot + 30 * 60 - 20;  // 29 min 40 s: rounded up to 30
  auto r = Boot("FAKE_NOW=" + std::to_string(first_boot) + " FAKE_NO_SYSTEMD=1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(Ready()) << r.output;
  EXPECT_EQ(ReadFile(dir_.Join("root/etc/cron.d/rankflow-deadman")),
            "@reboot root /usr/local/sbin/rankflow-deadman boot\n"
            "* * * * * root /usr/local/sbin/rankflow-deadman check\n");
  EXPECT_NE(TakePowerLog().find("shutdown -P +30 rankflow: cluster deadline reached"),
            std::string::npos);
}

TEST(BinaryPackagesTest, DerivedFromTheLibrariesTheBinariesLinkAgainst) {
  // build/bin/provision links libssh2 and libcurl: their packages must come out, by name.
  TempDir dir;
  std::filesystem::create_directories(dir.Join("bin"));
  std::filesystem::copy_file(rankflow::testing::BinPath("provision"), dir.Join("bin/provision"));
  WriteFile(dir.Join("bin/not-elf.sh"), "#!/bin/sh\n");
  auto packages = PackagesForBinaries(dir.Join("bin"));
  ASSERT_TRUE(packages.ok()) << packages.status().ToString();
  auto has = [&](const std::string& p) {
    return std::find(packages->begin(), packages->end(), p) != packages->end();
  };
  EXPECT_TRUE(has("libssh2-1")) << ::testing::PrintToString(*packages);
  EXPECT_TRUE(has("libcurl4")) << ::testing::PrintToString(*packages);
  EXPECT_TRUE(has("libc6")) << ::testing::PrintToString(*packages);
  // The same through a tarball shaped like the shipped one.
  auto tar = RunCommand("tar -czf " + dir.Join("t.tar.gz") + " -C " + dir.path() + " bin");
  ASSERT_EQ(tar.exit_code, 0) << tar.output;
  auto from_tarball = PackagesForTarball(ReadFile(dir.Join("t.tar.gz")));
  ASSERT_TRUE(from_tarball.ok()) << from_tarball.status().ToString();
  EXPECT_EQ(*from_tarball, *packages);
  EXPECT_EQ(PackagesForTarball("not a tarball").status().code(), StatusCode::kInvalidArgument);
}

// Issue 11, item 4: the tarball is unpacked in a folder of $TMPDIR (SpillDirectory, runtime/sys.h,
// the project's one temp-path helper), not of a path of its own choosing.
TEST(BinaryPackagesTest, UnpacksInTmpdir) {
  TempDir dir;
  WriteFile(dir.Join("not-a-folder"), "");
  const char* saved = std::getenv("TMPDIR");
  const std::string before = saved != nullptr ? saved : "";
  setenv("TMPDIR", dir.Join("not-a-folder").c_str(), 1);
  auto packages = PackagesForTarball("not a tarball");
  if (saved != nullptr) {
    setenv("TMPDIR", before.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
  EXPECT_EQ(packages.status().code(), StatusCode::kIOError) << packages.status().ToString();
  EXPECT_EQ(packages.status().message().rfind(dir.Join("not-a-folder/rankflow-ship-"), 0), 0u)
      << packages.status().ToString();
}

}  // namespace
}  // namespace rankflow::provision
