#include "provision/ssh_key.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "tests/util/test_util.h"

namespace rankflow::provision {
namespace {

using rankflow::testing::RunCommand;
using rankflow::testing::TempDir;

TEST(Base64Test, MatchesRfc4648Vectors) {
  EXPECT_EQ(Base64Encode(""), "");
  EXPECT_EQ(Base64Encode("f"), "Zg==");
  EXPECT_EQ(Base64Encode("fo"), "Zm8=");
  EXPECT_EQ(Base64Encode("foo"), "Zm9v");
  EXPECT_EQ(Base64Encode("foobar"), "Zm9vYmFy");
  EXPECT_EQ(Base64Decode("Zm9vYg==").value(), "foob");
  EXPECT_EQ(Base64Decode("Zm9v\nYmFy").value(), "foobar");
  EXPECT_FALSE(Base64Decode("Zm9v!").ok());
}

TEST(SshKeyTest, SshKeygenAcceptsGeneratedKeyAndDerivesTheSamePublicKey) {
  TempDir dir;
  auto key = GenerateEd25519Key("rankflow-test");
  ASSERT_TRUE(key.ok()) << key.status().ToString();
  std::string path = dir.Join("sub/id_ed25519");
  ASSERT_TRUE(WriteKeyFiles(path, *key).ok());
  struct stat st {};
  ASSERT_EQ(stat(path.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(stat(dir.Join("sub").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0700u);
  // ssh-keygen -y reads the private file and prints the public key it contains.
  auto r = RunCommand("ssh-keygen -y -f " + path);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string expected = key->public_line.substr(0, key->public_line.rfind(' '));
  EXPECT_EQ(r.output.substr(0, expected.size()), expected);
  // Fingerprint agrees with ssh-keygen's.
  auto fp = RunCommand("ssh-keygen -l -f " + path + ".pub");
  ASSERT_EQ(fp.exit_code, 0) << fp.output;
  EXPECT_NE(fp.output.find(Sha256Fingerprint(key->public_blob)), std::string::npos) << fp.output;
  EXPECT_EQ(ReadPublicLine(path).value(), key->public_line);
}

TEST(SshKeyTest, TwoKeysDiffer) {
  auto a = GenerateEd25519Key("a");
  auto b = GenerateEd25519Key("a");
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->public_blob, b->public_blob);
  EXPECT_NE(a->private_openssh, b->private_openssh);
}

TEST(SshKeyTest, KnownHostsLineUsesBracketsForOtherPorts) {
  EXPECT_EQ(KnownHostsLine("10.0.0.1", 22, "ssh-ed25519", "foo"), "10.0.0.1 ssh-ed25519 Zm9v");
  EXPECT_EQ(KnownHostsLine("127.0.0.4", 2222, "ssh-ed25519", "foo"),
            "[127.0.0.4]:2222 ssh-ed25519 Zm9v");
}

}  // namespace
}  // namespace rankflow::provision
