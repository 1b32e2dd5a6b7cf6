// Retries against a fault-injecting proxy (tests/aws/fault_proxy.py) in front of moto: dropped
// and reset connections, 500/503 answers and cut bodies are retried (a cut download resumes where
// it stopped); after the last attempt one error names the operation, the object and the status;
// definitive answers (404) are not retried; no error carries the secret key. The default policy
// (the AWS standard mode) rides out five 503 SlowDown answers and a one-second endpoint restart;
// the client's retry quota stops retrying once spent; credential errors are attempted once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <random>
#include <set>
#include <thread>

#include "runtime/aws/config.h"
#include "runtime/aws/credentials.h"
#include "runtime/aws/s3_client.h"
#include "runtime/aws/s3_multipart_writer.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ChildProcess;
using testing::FaultProxy;
using testing::SharedMoto;
using testing::SourcePath;
using testing::TempDir;
using testing::TestS3Client;
using testing::TestS3ClientWithRetry;
using testing::UniqueBucket;

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

class S3RetryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SharedMoto().ok()) << SharedMoto().error();
    direct_ = TestS3Client(SharedMoto().endpoint());
    bucket_ = UniqueBucket("rf-retry");
    ASSERT_TRUE(direct_->CreateBucket(bucket_).ok());
    data_ = RandomBytes(3'000'000, 7);
    ASSERT_TRUE(direct_->PutObject(bucket_, "in/big.bin", data_).ok());
  }
  std::shared_ptr<aws::S3Client> direct_;
  std::string bucket_;
  std::string data_;
};

TEST_F(S3RetryTest, TransientFaultsAreRetriedAndCutDownloadsResume) {
  FaultProxy proxy(SharedMoto().endpoint(), "503,drop,cut,500,reset,cut");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint(), {}, 10);
  std::string got;
  uint64_t calls = 0;
  Status s = client->GetObject(bucket_, "in/big.bin", 0, aws::S3Client::kToEnd,
                               [&](const char* d, size_t n) {
                                 got.append(d, n);
                                 ++calls;
                                 return true;
                               });
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(got.size(), data_.size());
  EXPECT_TRUE(got == data_) << "bytes differ after resumed download";
  std::vector<std::string> log = proxy.Requests();
  ASSERT_EQ(log.size(), 7u);  // six faults, then success
  EXPECT_EQ(log[2].rfind("cut GET", 0), 0u);
  EXPECT_EQ(log.back().rfind("pass GET", 0), 0u);
}

TEST_F(S3RetryTest, UploadsSurviveFaults) {
  FaultProxy proxy(SharedMoto().endpoint(), "drop,500,503,reset");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint());
  ASSERT_TRUE(client->PutObject(bucket_, "out/a.bin", data_).ok());
  aws::S3MultipartWriter w(client, bucket_, "out/b.bin");
  ASSERT_TRUE(w.Append(RandomBytes(11'000'000, 8)).ok());
  ASSERT_TRUE(w.Complete().ok());
  std::string back;
  ASSERT_TRUE(direct_->GetObjectRange(bucket_, "out/a.bin", 0, aws::S3Client::kToEnd, &back).ok());
  EXPECT_TRUE(back == data_);
  ASSERT_TRUE(direct_->GetObjectRange(bucket_, "out/b.bin", 0, aws::S3Client::kToEnd, &back).ok());
  EXPECT_TRUE(back == RandomBytes(11'000'000, 8));
}

// A bucket in another region (issue 14, item 4): the front answers every request signed for any
// region but eu-west-1 with 301 PermanentRedirect naming it, as S3 does. The client learns the
// region from the first answer and signs every later request for the bucket with it.
TEST_F(S3RetryTest, ABucketInAnotherRegionJustWorks) {
  FaultProxy proxy(SharedMoto().endpoint(), "", {"--bucket-region", "eu-west-1"});
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint());  // signs for us-east-1
  Result<aws::S3ObjectInfo> head = client->HeadObject(bucket_, "in/big.bin");  // HEAD: no body
  ASSERT_TRUE(head.ok()) << head.status().ToString();
  EXPECT_EQ(head->size, data_.size());
  std::string got;
  ASSERT_TRUE(client->GetObjectRange(bucket_, "in/big.bin", 10, 1000, &got).ok());
  EXPECT_EQ(got, data_.substr(10, 1000));
  ASSERT_TRUE(client->PutObject(bucket_, "out/r.bin", "abc").ok());
  aws::S3MultipartWriter w(client, bucket_, "out/m.bin");
  ASSERT_TRUE(w.Append(RandomBytes(6'000'000, 9)).ok());
  ASSERT_TRUE(w.Complete().ok());
  std::vector<aws::S3ObjectInfo> listed;
  ASSERT_TRUE(client->ListObjects(bucket_, "out/", &listed).ok());
  EXPECT_EQ(listed.size(), 2u);
  ASSERT_TRUE(client->DeleteObjects(bucket_, {"out/r.bin", "out/m.bin"}).ok());
  EXPECT_EQ(proxy.CountRequests("redirect"), 1u)
      << "only the first request goes to the wrong region";
  // A fresh client (a new rank) on GetObject first: learns it there too.
  auto other = TestS3Client(proxy.endpoint());
  ASSERT_TRUE(other->GetObjectRange(bucket_, "in/big.bin", 0, 100, &got).ok());
  EXPECT_EQ(got, data_.substr(0, 100));
  // A presigned url (provision's binaries for user-data) is signed for the bucket's region, so a
  // node fetches it without credentials.
  const std::string url = client->PresignGetUrl(bucket_, "in/big.bin", 600);
  ASSERT_NE(url.find("eu-west-1"), std::string::npos) << url;
  testing::TempDir dir;
  const std::string cmd = "curl -s -o " + dir.Join("got") + " -w '%{http_code}' '" + url + "'";
  FILE* p = popen(cmd.c_str(), "r");
  ASSERT_NE(p, nullptr);
  char code[8] = {0};
  ASSERT_NE(fgets(code, sizeof code, p), nullptr);
  pclose(p);
  EXPECT_STREQ(code, "200");
  EXPECT_TRUE(testing::ReadFile(dir.Join("got")) == data_);
}

TEST_F(S3RetryTest, LastAttemptErrorNamesOperationObjectAndStatus) {
  FaultProxy proxy(SharedMoto().endpoint(), "503x20");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint(), {}, 5);
  std::string got;
  Status s = client->GetObjectRange(bucket_, "in/big.bin", 0, 100, &got);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(),
            "s3://" + bucket_ + "/in/big.bin: GetObject failed after 5 attempts: 503 SlowDown");
  EXPECT_EQ(proxy.Requests().size(), 5u);
  Status put = client->PutObject(bucket_, "out/x", "abc");
  EXPECT_EQ(put.message(),
            "s3://" + bucket_ + "/out/x: PutObject failed after 5 attempts: 503 SlowDown");
  EXPECT_EQ(put.message().find("rankflowtestsecret"), std::string::npos);
}

TEST_F(S3RetryTest, DroppedConnectionsExhaustWithTransportReason) {
  FaultProxy proxy(SharedMoto().endpoint(), "dropx20");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint(), {}, 3);
  Result<aws::S3ObjectInfo> head = client->HeadObject(bucket_, "in/big.bin");
  ASSERT_FALSE(head.ok());
  EXPECT_EQ(head.status().message().rfind(
                "s3://" + bucket_ + "/in/big.bin: HeadObject failed after 3 attempts: ", 0),
            0u)
      << head.status().message();
  EXPECT_EQ(proxy.Requests().size(), 3u);
}

TEST_F(S3RetryTest, NotFoundIsNotRetried) {
  FaultProxy proxy(SharedMoto().endpoint(), "");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint());
  Result<aws::S3ObjectInfo> head = client->HeadObject(bucket_, "in/missing");
  EXPECT_EQ(head.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(proxy.Requests().size(), 1u);
}

}  // namespace
}  // namespace rankflow

namespace rankflow {
namespace {

TEST_F(S3RetryTest, DefaultPolicySurvivesFiveSlowDownsInARow) {
  FaultProxy proxy(SharedMoto().endpoint(), "503x5");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3ClientWithRetry(proxy.endpoint(), aws::RetryPolicy());
  Status s = client->PutObject(bucket_, "out/_SUCCESS", "{}");
  ASSERT_TRUE(s.ok()) << s.ToString();
  std::vector<std::string> log = proxy.Requests();
  EXPECT_EQ(log.size(), 6u);
  EXPECT_EQ(proxy.CountRequests("503"), 5u);
  EXPECT_EQ(log.back().rfind("pass PUT", 0), 0u);
  std::string back;
  ASSERT_TRUE(direct_->GetObjectRange(bucket_, "out/_SUCCESS", 0, 100, &back).ok());
  EXPECT_EQ(back, "{}");
}

TEST_F(S3RetryTest, DefaultPolicySurvivesAOneSecondEndpointRestart) {
  // The second request makes the proxy close every connection (the first one's, kept alive, too)
  // and refuse connections for a second; the retries in that second never reach it.
  FaultProxy proxy(SharedMoto().endpoint(), "pass,down1000");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3ClientWithRetry(proxy.endpoint(), aws::RetryPolicy());
  ASSERT_TRUE(client->HeadObject(bucket_, "in/big.bin").ok());
  std::string got;
  Status s = client->GetObjectRange(bucket_, "in/big.bin", 1000, 5000, &got);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(got == data_.substr(1000, 5000));
  std::vector<std::string> log = proxy.Requests();
  ASSERT_EQ(log.size(), 3u);
  EXPECT_EQ(log[1].rfind("down1000 GET", 0), 0u);
  EXPECT_EQ(log[2].rfind("pass GET", 0), 0u);
}

TEST_F(S3RetryTest, AnEmptyRetryQuotaStopsRetryingForTheWholeClient) {
  FaultProxy proxy(SharedMoto().endpoint(), "503x4");
  ASSERT_FALSE(proxy.endpoint().empty());
  aws::RetryPolicy retry;
  retry.base_delay_ms = 1;
  retry.quota = std::make_shared<aws::RetryQuota>(12);  // two retries after error answers
  auto client = TestS3ClientWithRetry(proxy.endpoint(), retry);
  std::string got;
  Status s = client->GetObjectRange(bucket_, "in/big.bin", 0, 10, &got);
  EXPECT_EQ(s.code(), StatusCode::kUnavailable);
  EXPECT_EQ(s.message(), "s3://" + bucket_ +
                             "/in/big.bin: GetObject failed after 3 attempts (retry quota "
                             "exhausted): 503 SlowDown");
  EXPECT_EQ(proxy.Requests().size(), 3u);
  EXPECT_EQ(retry.quota->available(), 2);
  // Another operation (another per-request service client) of the same client: one attempt.
  Result<aws::S3ObjectInfo> head = client->HeadObject(bucket_, "in/big.bin");
  EXPECT_FALSE(head.ok());
  EXPECT_EQ(proxy.Requests().size(), 4u);
  // Successes refill the bucket.
  ASSERT_TRUE(client->HeadObject(bucket_, "in/big.bin").ok());
  EXPECT_EQ(retry.quota->available(), 3);
}

TEST_F(S3RetryTest, AnExpiredTokenAnswerIsAttemptedOnce) {
  FaultProxy proxy(SharedMoto().endpoint(), "expiredx5");
  ASSERT_FALSE(proxy.endpoint().empty());
  aws::RetryPolicy retry;
  retry.base_delay_ms = 1;
  auto client = TestS3ClientWithRetry(proxy.endpoint(), retry);
  std::string got;
  Status s = client->GetObjectRange(bucket_, "in/big.bin", 0, 10, &got);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_EQ(s.message(), "s3://" + bucket_ + "/in/big.bin: GetObject: 400 ExpiredToken");
  EXPECT_EQ(proxy.Requests().size(), 1u);
}

// Delegates to another provider and counts the calls.
class CountingProvider : public aws::CredentialsProvider {
 public:
  explicit CountingProvider(std::shared_ptr<aws::CredentialsProvider> inner)
      : inner_(std::move(inner)) {}
  Result<aws::Credentials> Get() override {
    ++calls;
    return inner_->Get();
  }
  std::atomic<int> calls{0};

 private:
  std::shared_ptr<aws::CredentialsProvider> inner_;
};

class FailingProvider : public aws::CredentialsProvider {
 public:
  explicit FailingProvider(Status s) : status_(std::move(s)) {}
  Result<aws::Credentials> Get() override { return status_; }

 private:
  Status status_;
};

TEST_F(S3RetryTest, CredentialConfigurationErrorsAreAttemptedOnce) {
  TempDir dir;
  {
    std::ofstream(dir.Join("credentials")) << "[default]\naws_access_key_id = AKIAONLYID\n"
                                           << "[dev]\naws_access_key_id = AKIADEV\n"
                                           << "aws_secret_access_key = devsecret\n";
    std::ofstream(dir.Join("config")) << "[default]\nregion = us-east-1\n";
  }
  auto chain = [&](const std::string& profile) {
    return std::make_shared<aws::DefaultCredentialsChain>(
        aws::MapEnv({{"AWS_PROFILE", profile},
                     {"AWS_SHARED_CREDENTIALS_FILE", dir.Join("credentials")},
                     {"AWS_CONFIG_FILE", dir.Join("config")},
                     {"AWS_EC2_METADATA_DISABLED", "true"},
                     {"HOME", dir.path()}}));
  };
  struct Case {
    const char* what;
    std::shared_ptr<aws::CredentialsProvider> provider;
    StatusCode code;
  };
  const Case cases[] = {
      {"a profile that does not exist", chain("nosuchprofile"), StatusCode::kNotFound},
      {"a profile with a key id and no secret", chain("default"), StatusCode::kInvalidArgument},
      {"a provider failing with a transient-looking code",
       std::make_shared<FailingProvider>(
           Status::Unavailable("instance metadata credentials: not a json object")),
       StatusCode::kUnavailable},
  };
  FaultProxy proxy(SharedMoto().endpoint(), "");
  ASSERT_FALSE(proxy.endpoint().empty());
  for (const Case& c : cases) {
    SCOPED_TRACE(c.what);
    auto counting = std::make_shared<CountingProvider>(c.provider);
    aws::RetryPolicy retry;
    retry.base_delay_ms = 1;
    auto client = TestS3ClientWithRetry(proxy.endpoint(), retry, counting);
    std::string got;
    Status s = client->GetObjectRange(bucket_, "in/big.bin", 0, 10, &got);
    EXPECT_EQ(s.code(), c.code) << s.ToString();
    EXPECT_EQ(s.message().rfind("s3://" + bucket_ + "/in/big.bin: GetObject: ", 0), 0u)
        << s.message();
    EXPECT_EQ(counting->calls.load(), 1);
    EXPECT_EQ(retry.quota->available(), aws::RetryQuota::kDefaultTokens);
  }
  EXPECT_EQ(proxy.Requests().size(), 0u);  // nothing was ever sent
  // The same chain with a good profile does reach the service.
  auto client = TestS3ClientWithRetry(proxy.endpoint(), aws::RetryPolicy(), chain("dev"));
  EXPECT_TRUE(client->HeadObject(bucket_, "in/big.bin").ok());
  EXPECT_EQ(proxy.Requests().size(), 1u);
}

TEST_F(S3RetryTest, ConnectionsAreReused) {
  FaultProxy proxy(SharedMoto().endpoint(), "");
  ASSERT_FALSE(proxy.endpoint().empty());
  auto client = TestS3Client(proxy.endpoint());
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(client->HeadObject(bucket_, "in/big.bin").ok());
  std::set<std::string> ports;
  for (const std::string& line : proxy.Requests()) ports.insert(line.substr(line.rfind(' ') + 1));
  EXPECT_EQ(proxy.Requests().size(), 20u);
  EXPECT_EQ(ports.size(), 1u) << "20 sequential requests used " << ports.size() << " connections";
}

TEST(HttpClientTest, LowSpeedTimeoutEndsAStalledRequest) {
  ASSERT_TRUE(SharedMoto().ok());
  FaultProxy slow(SharedMoto().endpoint(), "", {"--delay-ms", "5000"});  // stalls
  ASSERT_FALSE(slow.endpoint().empty());
  aws::HttpOptions opts;
  opts.low_speed_bytes_per_s = 1;
  opts.low_speed_time_s = 1;
  aws::HttpClient http(opts);
  aws::HttpRequest req;
  req.url = slow.endpoint() + "/moto-api/";
  aws::HttpResponse resp;
  const auto start = std::chrono::steady_clock::now();
  Status s = http.Perform(req, &resp);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(s.code(), StatusCode::kUnavailable) << s.ToString();
  EXPECT_LT(took, std::chrono::milliseconds(4000));
}

TEST(HttpClientTest, TlsCertificatesAreVerified) {
  TempDir dir;
  auto gen = testing::RunCommand(
      "openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=127.0.0.1 -keyout " +
      dir.Join("key.pem") + " -out " + dir.Join("cert.pem") + " 2>&1");
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const int port = testing::FreeLoopbackPort();
  ChildProcess server({"openssl", "s_server", "-quiet", "-accept", std::to_string(port), "-cert",
                       dir.Join("cert.pem"), "-key", dir.Join("key.pem"), "-www"},
                      {}, dir.Join("server.out"));
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  aws::HttpClient http;
  aws::HttpRequest req;
  req.url = "https://127.0.0.1:" + std::to_string(port) + "/";
  aws::HttpResponse resp;
  Status s = http.Perform(req, &resp);
  ASSERT_FALSE(s.ok()) << "a self-signed certificate was accepted";
  EXPECT_EQ(s.code(), StatusCode::kIOError) << s.ToString();  // not retried
  // Trusting that certificate explicitly makes the same request succeed.
  aws::HttpOptions trusting;
  trusting.ca_file = dir.Join("cert.pem");
  aws::HttpClient http2(trusting);
  s = http2.Perform(req, &resp);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(resp.status, 200);
}

}  // namespace
}  // namespace rankflow
