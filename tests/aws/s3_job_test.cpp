// Jobs on S3 end to end: top_terms reads its input from moto and writes its output to moto at 2
// ranks, and the parts equal the local run's; the aws CLI lists and downloads what the job wrote;
// a rank killed mid-job (SIGKILL while its multipart uploads are open) leaves no _SUCCESS and no
// visible part, and the next run's commit removes the dead run's uploads.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "runtime/manifest.h"
#include "runtime/s3_fs.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using testing::BinPath;
using testing::ChildProcess;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::RunCommand;
using testing::SharedMoto;
using testing::SourcePath;
using testing::TempDir;
using testing::TestS3Client;
using testing::UniqueBucket;

std::string S3Env(const std::string& endpoint) {
  return "AWS_ENDPOINT_URL=" + endpoint +
         " AWS_ACCESS_KEY_ID=rankflowtestkeyid AWS_SECRET_ACCESS_KEY=rankflowtestsecret"
         " AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true ";
}

class S3JobTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SharedMoto().ok()) << SharedMoto().error();
    client_ = TestS3Client(SharedMoto().endpoint());
    bucket_ = UniqueBucket("rf-job");
    ASSERT_TRUE(client_->CreateBucket(bucket_).ok());
  }
  // tweetgen into dir/in, then every file uploaded to s3://bucket/in/.
  void MakeInput(int files, int mb, int seed) {
    auto gen = RunCommand(BinPath("tweetgen") + " --dest " + dir_.Join("in") + " --files " +
                          std::to_string(files) + " --mb " + std::to_string(mb) + " --seed " +
                          std::to_string(seed) + " --bad-share 0.01");
    ASSERT_EQ(gen.exit_code, 0) << gen.output;
    for (const auto& e : fs::directory_iterator(dir_.Join("in"))) {
      ASSERT_TRUE(client_
                      ->PutObject(bucket_, "in/" + e.path().filename().string(),
                                  ReadFile(e.path().string()))
                      .ok());
    }
  }
  std::string Url(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

  TempDir dir_;
  std::shared_ptr<aws::S3Client> client_;
  std::string bucket_;
};

TEST_F(S3JobTest, TopTermsFromMotoToMotoEqualsLocalRunAndCliSeesIt) {
  MakeInput(4, 6, 11);
  const std::string args = " --what hashtags --top 10";
  auto local = RunCommand(MpirunPrefix(2) + " " + BinPath("top_terms") + " --src " +
                              dir_.Join("in") + " --dest " + dir_.Join("out") + args,
                          120);
  ASSERT_EQ(local.exit_code, 0) << local.output;
  auto s3 =
      RunCommand(S3Env(SharedMoto().endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                     " --src " + Url("in") + " --dest " + Url("out") + args,
                 120);
  ASSERT_EQ(s3.exit_code, 0) << s3.output;
  EXPECT_EQ(s3.output.find("rankflowtestsecret"), std::string::npos);

  // The same files by logical name (attempt names differ), the same bytes, found through each
  // folder's manifest.
  auto fs = NewS3FileSystemWithClient(client_);
  std::vector<FileInfo> remote;
  ASSERT_TRUE(fs->List(Url("out"), nullptr, &remote).ok());
  std::string manifest;
  ASSERT_TRUE(fs->ReadSmallFile(Url("out/_SUCCESS"), &manifest).ok());
  Manifest remote_manifest;
  ASSERT_TRUE(ParseManifest(Url("out"), manifest, &remote_manifest).ok()) << manifest;
  const std::vector<std::string> names = testing::CommittedNames(dir_.Join("out"));
  ASSERT_EQ(remote.size(), names.size());
  ASSERT_GE(remote.size(), 2u);
  std::vector<std::string> local_parts;
  for (const std::string& name : names) {
    const ManifestFile* f = remote_manifest.Find(name);
    ASSERT_NE(f, nullptr) << name << " missing from " << manifest;
    std::string bytes;
    ASSERT_TRUE(fs->ReadSmallFile(Url("out/" + f->file), &bytes).ok());
    EXPECT_EQ(bytes, ReadFile(testing::CommittedFile(dir_.Join("out"), name))) << name;
    EXPECT_NE(manifest.find(Url("out/" + f->file)), std::string::npos) << manifest;
    local_parts.push_back(f->file);
  }
  EXPECT_EQ(manifest.find("rankflowtestsecret"), std::string::npos);

  // The aws CLI against the same endpoint sees and downloads what the job wrote.
  const std::string cli =
      S3Env(SharedMoto().endpoint()) + "aws --endpoint-url " + SharedMoto().endpoint() + " s3 ";
  auto ls = RunCommand(cli + "ls " + Url("out/"), 120);
  ASSERT_EQ(ls.exit_code, 0) << ls.output;
  for (const auto& p : local_parts) EXPECT_NE(ls.output.find(p), std::string::npos) << ls.output;
  EXPECT_NE(ls.output.find("_SUCCESS"), std::string::npos);
  auto cp =
      RunCommand(cli + "cp " + Url("out/" + local_parts[0]) + " " + dir_.Join("cli.out"), 120);
  ASSERT_EQ(cp.exit_code, 0) << cp.output;
  EXPECT_EQ(ReadFile(dir_.Join("cli.out")),
            ReadFile(testing::CommittedFile(dir_.Join("out"), remote_manifest.files[0].name)));

  // --mode error refuses the existing output; --mode overwrite replaces it.
  auto again =
      RunCommand(S3Env(SharedMoto().endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                     " --src " + Url("in") + " --dest " + Url("out") + args,
                 120);
  EXPECT_NE(again.exit_code, 0) << again.output;
  auto over =
      RunCommand(S3Env(SharedMoto().endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                     " --src " + Url("in") + " --dest " + Url("out") + args + " --mode overwrite",
                 120);
  ASSERT_EQ(over.exit_code, 0) << over.output;
  std::vector<FileInfo> after;
  ASSERT_TRUE(fs->List(Url("out"), nullptr, &after).ok());
  EXPECT_EQ(after.size(), remote.size()) << "the old version's files are gone";

  // Overwrite never replaces what it reads or a foreign object: an input prefix as dest, or a dest
  // naming an existing object, is refused and nothing is deleted.
  for (const std::string& dest : {Url("in"), Url("in/tweets-00000.jsonl.gz"), Url("")}) {
    auto refused =
        RunCommand(S3Env(SharedMoto().endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                       " --src " + Url("in") + " --dest " + dest + args + " --mode overwrite",
                   120);
    EXPECT_EQ(refused.exit_code, 1) << refused.output;
    EXPECT_NE(refused.output.find("top_terms: error: "), std::string::npos) << refused.output;
  }
  std::vector<FileInfo> inputs;
  ASSERT_TRUE(fs->List(Url("in"), nullptr, &inputs).ok());
  EXPECT_EQ(inputs.size(), 4u);
}

// Children of a process (Linux /proc).
std::vector<pid_t> ChildrenOf(pid_t pid) {
  std::vector<pid_t> out;
  std::ifstream in("/proc/" + std::to_string(pid) + "/task/" + std::to_string(pid) + "/children");
  pid_t c = 0;
  while (in >> c) out.push_back(c);
  return out;
}

TEST_F(S3JobTest, RankKilledMidJobLeavesNoSuccessAndNoVisibleParts) {
  MakeInput(8, 16, 12);
  // A slow S3 (every request delayed) so the job is surely still running when a rank is killed.
  const std::string port_file = dir_.Join("proxy.port");
  const std::string proxy_log = dir_.Join("proxy.log");
  ChildProcess proxy(
      {"python3", SourcePath("tests/aws/fault_proxy.py"), "--upstream", SharedMoto().endpoint(),
       "--port-file", port_file, "--log", proxy_log, "--delay-ms", "60"},
      {}, dir_.Join("proxy.out"));
  std::string endpoint;
  for (int i = 0; i < 200 && endpoint.empty(); ++i) {
    std::ifstream in(port_file);
    int port = 0;
    if (in >> port && port > 0) endpoint = "http://127.0.0.1:" + std::to_string(port);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  ASSERT_FALSE(endpoint.empty());
  ChildProcess job({"mpirun", "-n", "2", "--oversubscribe", BinPath("top_terms"), "--src",
                    Url("in"), "--dest", Url("killed"), "--what", "words", "--top", "3"},
                   {"AWS_ENDPOINT_URL=" + endpoint, "AWS_ACCESS_KEY_ID=rankflowtestkeyid",
                    "AWS_SECRET_ACCESS_KEY=rankflowtestsecret", "AWS_REGION=us-east-1",
                    "AWS_EC2_METADATA_DISABLED=true", "RANKFLOW_S3_READ_CHUNK_MB=1"},
                   dir_.Join("job.out"));
  // Wait until the job has open multipart uploads for its parts, or failing that is reading.
  pid_t victim = -1;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool uploads_open = false;
  while (std::chrono::steady_clock::now() < deadline) {
    std::string log;
    if (fs::exists(proxy_log)) log = ReadFile(proxy_log);
    uploads_open = log.find("POST /" + bucket_ + "/killed/") != std::string::npos;
    std::vector<pid_t> ranks;
    for (pid_t c : ChildrenOf(job.pid())) {
      std::string cmd = ReadFile("/proc/" + std::to_string(c) + "/cmdline");
      if (cmd.find("top_terms") != std::string::npos) ranks.push_back(c);
    }
    if (ranks.size() == 2 &&
        (uploads_open || log.find("GET /" + bucket_ + "/in/") != std::string::npos)) {
      victim = ranks[1];
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ASSERT_GT(victim, 0) << "the job never got going: " << ReadFile(dir_.Join("job.out"));
  ASSERT_EQ(kill(victim, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(job.pid(), &status, 0), job.pid());
  EXPECT_FALSE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << ReadFile(dir_.Join("job.out"));

  auto fs = NewS3FileSystemWithClient(client_);
  Result<bool> success = fs->Exists(Url("killed/_SUCCESS"));
  ASSERT_TRUE(success.ok());
  EXPECT_FALSE(*success);
  std::vector<aws::S3ObjectInfo> visible;
  ASSERT_TRUE(client_->ListObjects(bucket_, "killed/", &visible).ok());
  EXPECT_TRUE(visible.empty()) << visible.size() << " objects visible, first " << visible[0].key;
  std::vector<aws::S3UploadInfo> uploads;
  ASSERT_TRUE(client_->ListMultipartUploads(bucket_, "killed/", &uploads).ok());
  std::printf("killed job: uploads were %s; %zu incomplete uploads left behind\n",
              uploads_open ? "open" : "not yet open", uploads.size());
  // The next run into the same folder succeeds and its commit aborts the dead run's uploads.
  auto rerun =
      RunCommand(S3Env(SharedMoto().endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                     " --src " + Url("in") + " --dest " + Url("killed") + " --what words --top 3",
                 120);
  ASSERT_EQ(rerun.exit_code, 0) << rerun.output;
  success = fs->Exists(Url("killed/_SUCCESS"));
  EXPECT_TRUE(success.ok() && *success);
  ASSERT_TRUE(client_->ListMultipartUploads(bucket_, "killed/", &uploads).ok());
  EXPECT_TRUE(uploads.empty()) << uploads.size() << " uploads left after the rerun";
}

}  // namespace
}  // namespace rankflow

namespace rankflow {
namespace {

TEST_F(S3JobTest, SecretsNeverInHelpOrFailedJobOutput) {
  const std::string env = "AWS_ENDPOINT_URL=" + SharedMoto().endpoint() +
                          " AWS_ACCESS_KEY_ID=AKIAJOBTEST AWS_SECRET_ACCESS_KEY=JobSecret/xyz+123"
                          " AWS_SESSION_TOKEN=JobSessionToken456 AWS_REGION=us-east-1 ";
  auto help = RunCommand(env + BinPath("top_terms") + " --help", 60);
  EXPECT_EQ(help.exit_code, 0) << help.output;
  auto failed = RunCommand(env + MpirunPrefix(2) + " " + BinPath("top_terms") + " --src s3://" +
                               UniqueBucket("rf-absent") + "/in --dest " + Url("never"),
                           120);
  EXPECT_NE(failed.exit_code, 0) << failed.output;
  EXPECT_NE(failed.output.find("s3://rf-absent"), std::string::npos) << failed.output;
  for (const auto* out : {&help.output, &failed.output}) {
    EXPECT_EQ(out->find("JobSecret"), std::string::npos) << *out;
    EXPECT_EQ(out->find("JobSessionToken"), std::string::npos) << *out;
  }
  Result<bool> marker = NewS3FileSystemWithClient(client_)->Exists(Url("never/_SUCCESS"));
  ASSERT_TRUE(marker.ok());
  EXPECT_FALSE(*marker);
}

TEST_F(S3JobTest, DefaultRetriesRideOutFiveSlowDownsAndAOneSecondRestart) {
  // Regression: five 503 SlowDowns (0.34 s of retries) or a 1 s endpoint restart failed a job.
  // Nothing in the environment shortens the retries: the defaults are what is tested.
  MakeInput(2, 1, 5);
  testing::FaultProxy proxy(SharedMoto().endpoint(), "503x5,passx4,down1000");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto r = RunCommand(S3Env(proxy.endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                          " --src " + Url("in") + " --dest " + Url("retried") +
                          " --what hashtags --top 5",
                      180);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(proxy.CountRequests("503"), 5u);
  EXPECT_EQ(proxy.CountRequests("down1000"), 1u);
  Result<bool> marker = NewS3FileSystemWithClient(client_)->Exists(Url("retried/_SUCCESS"));
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(*marker);
}

TEST_F(S3JobTest, ABucketInAnotherRegionThanTheJobsJustWorks) {
  // Regression: every rank talked to the bucket in the configured region (us-east-1 here) and
  // failed on S3's 301 PermanentRedirect for a bucket elsewhere.
  MakeInput(2, 1, 6);
  testing::FaultProxy proxy(SharedMoto().endpoint(), "", {"--bucket-region", "ap-southeast-2"});
  ASSERT_FALSE(proxy.endpoint().empty());
  auto r = RunCommand(S3Env(proxy.endpoint()) + MpirunPrefix(2) + " " + BinPath("top_terms") +
                          " --src " + Url("in") + " --dest " + Url("elsewhere") +
                          " --what hashtags --top 5",
                      180);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_GE(proxy.CountRequests("redirect"), 1u) << "the front never redirected";
  Result<bool> marker = NewS3FileSystemWithClient(client_)->Exists(Url("elsewhere/_SUCCESS"));
  ASSERT_TRUE(marker.ok());
  EXPECT_TRUE(*marker);
}

TEST_F(S3JobTest, EndpointPasswordsAndDotSegmentsAreRefusedUpFront) {
  // Regressions: an endpoint url with a password was echoed in the job's error; --dest
  // s3://b/o3/../q was written to q/ but recorded as o3/../q/.
  const std::string creds =
      " AWS_ACCESS_KEY_ID=AKIAJOBTEST AWS_SECRET_ACCESS_KEY=JobSecret/xyz+123 "
      "AWS_REGION=us-east-1 ";
  const std::string with_password =
      "AWS_ENDPOINT_URL=http://user:EndpointPw9@" + SharedMoto().endpoint().substr(7) + creds;
  auto r = RunCommand(with_password + MpirunPrefix(1) + " " + BinPath("top_terms") + " --src " +
                          Url("in") + " --dest " + Url("pw"),
                      120);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("EndpointPw9"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("***@127.0.0.1"), std::string::npos) << r.output;
  const std::string env = "AWS_ENDPOINT_URL=" + SharedMoto().endpoint() + creds;
  r = RunCommand(env + MpirunPrefix(1) + " " + BinPath("top_terms") + " --src " + Url("in") +
                     " --dest " + Url("o3/../q"),
                 120);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("top_terms: error: " + Url("o3/../q")), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'.' and '..'"), std::string::npos) << r.output;
  std::vector<aws::S3ObjectInfo> written;
  ASSERT_TRUE(client_->ListObjects(bucket_, "q/", &written).ok());
  EXPECT_TRUE(written.empty());
  ASSERT_TRUE(client_->ListObjects(bucket_, "o3/", &written).ok());
  EXPECT_TRUE(written.empty());
}

}  // namespace
}  // namespace rankflow
