// Retries against a fault-injecting proxy (tests/aws/fault_proxy.py) in front of moto: dropped
// and reset connections, 500/503 answers and cut bodies are retried (a cut download resumes where
// it stopped); after the last attempt one error names the operation, the object and the status;
// definitive answers (404) are not retried; no error carries the secret key.
#include <gtest/gtest.h>

#include <chrono>
#include <fstream>
#include <random>
#include <thread>

#include "runtime/aws/s3_client.h"
#include "tests/aws/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ChildProcess;
using testing::SharedMoto;
using testing::SourcePath;
using testing::TempDir;
using testing::TestS3Client;
using testing::UniqueBucket;

class FaultProxy {
 public:
  FaultProxy(const std::string& upstream, const std::string& schedule) {
    const std::string port_file = dir_.Join("port");
    log_ = dir_.Join("requests.log");
    child_ = std::make_unique<ChildProcess>(
        std::vector<std::string>{"python3", SourcePath("tests/aws/fault_proxy.py"), "--upstream",
                                 upstream, "--schedule", schedule, "--port-file", port_file,
                                 "--log", log_},
        std::vector<std::string>{}, dir_.Join("proxy.out"));
    for (int i = 0; i < 200 && endpoint_.empty(); ++i) {
      std::ifstream in(port_file);
      int port = 0;
      if (in >> port && port > 0) endpoint_ = "http://127.0.0.1:" + std::to_string(port);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  const std::string& endpoint() const { return endpoint_; }
  std::vector<std::string> Requests() const { return testing::SplitLines(testing::ReadFile(log_)); }

 private:
  TempDir dir_;
  std::string log_;
  std::string endpoint_;
  std::unique_ptr<ChildProcess> child_;
};

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
