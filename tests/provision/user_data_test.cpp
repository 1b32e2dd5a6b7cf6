// The node bootstrap (provision/user_data.h) run for real with bash, off a node: every path it
// writes lives under a temporary root, and apt-get, curl, ldd, systemd-run, shutdown and sleep are
// fakes on PATH. Also the derivation of the package list from binaries (binary_packages.h).
#include "provision/user_data.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

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
constexpr char kFakeLdd[] = R"sh(#!/bin/bash
if [ "$(basename "$1")" = "${FAKE_LDD_MISSING:-}" ]; then
  printf '\tlibicuuc.so.72 => not found\n'
fi
printf '\tlibc.so.6 => /lib/x86_64-linux-gnu/libc.so.6 (0x00007f0000000000)\n'
)sh";

class BootstrapTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::filesystem::create_directories(dir_.Join("fakes"));
    std::filesystem::create_directories(dir_.Join("ship/bin"));
    WriteFake("apt-get", kFakeAptGet);
    WriteFake("curl", kFakeCurl);
    WriteFake("ldd", kFakeLdd);
    for (const char* ok : {"systemd-run", "shutdown", "sleep"}) WriteFake(ok, "#!/bin/sh\n");
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
    return RunCommand("PATH=" + dir_.Join("fakes") + ":$PATH FAKE_LOG=" + dir_.Join("apt.log") +
                          " FAKE_TARBALL=" + dir_.Join("bin.tar.gz") + " " + env + " bash " +
                          dir_.Join("ud.sh"),
                      30);
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

TEST_F(BootstrapTest, ATarballWithAnotherSha256IsNotUnpacked) {
  options_.binaries_sha256 = aws::Sha256Hex("something else");
  auto r = Boot();
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_FALSE(Ready());
  EXPECT_NE(r.output.find("does not have the sha256 up computed"), std::string::npos) << r.output;
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("root/opt/rankflow/bin/job_a")));
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

}  // namespace
}  // namespace rankflow::provision
