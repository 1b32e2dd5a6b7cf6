// The tweet jobs against S3 (moto): load_tweets and profanity_index read s3:// inputs (and an
// s3:// targets file) and write s3:// outputs; the results equal those of the same jobs on local
// copies of the inputs. tweet_features writes its HDF5 parts to s3://.
#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <set>

#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using testing::BinPath;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::ReadMaybeGzipFile;
using testing::RunCommand;
using testing::SharedMoto;
using testing::SourcePath;
using testing::TempDir;
using testing::WriteFile;

std::string S3Env() {
  return "AWS_ENDPOINT_URL=" + SharedMoto().endpoint() +
         " AWS_ACCESS_KEY_ID=rankflowtestkeyid AWS_SECRET_ACCESS_KEY=rankflowtestsecret"
         " AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true ";
}

// Concatenated, decompressed part files of a local output folder, in name order.
std::string LocalParts(const std::string& dir, const std::string& ext) {
  std::map<std::string, std::string> parts;
  for (const auto& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0 && name.find(ext) != std::string::npos) {
      parts[name] = ReadMaybeGzipFile(e.path().string());
    }
  }
  std::string all;
  for (const auto& [name, text] : parts) all += text;
  return all;
}

TEST(TweetJobsS3Test, LoadTweetsAndProfanityIndexThroughS3) {
  ASSERT_TRUE(SharedMoto().ok()) << SharedMoto().error();
  auto client = testing::TestS3Client(SharedMoto().endpoint());
  const std::string bucket = testing::UniqueBucket("rf-tweets");
  ASSERT_TRUE(client->CreateBucket(bucket).ok());
  TempDir tmp;
  const std::string local_in = tmp.Join("in");
  fs::create_directories(local_in);
  const std::map<std::string, std::string> inputs = {
      {"a/v1.jsonl",
       ReadFile(SourcePath(
           "tests/data/tweets/v1.1-stream/tweet_parser_original_format_examples.jsonl"))},
      {"b/gnip.jsonl",
       ReadFile(SourcePath("tests/data/tweets/gnip/tweet_parser_activity_streams_examples.jsonl"))},
      {"c/v2.jsonl",
       ReadFile(SourcePath("tests/data/tweets/v2/twarc-csv_streaming_output_with_error.jsonl"))}};
  for (const auto& [key, text] : inputs) {
    ASSERT_TRUE(client->PutObject(bucket, "in/" + key, text).ok());
    fs::create_directories(fs::path(local_in + "/" + key).parent_path());
    WriteFile(local_in + "/" + key, text);
  }
  const std::string targets = "Robot: robot, @RobotPrincessFi\nDogs: dogs, dog\n";
  ASSERT_TRUE(client->PutObject(bucket, "targets.txt", targets).ok());
  WriteFile(tmp.Join("targets.txt"), targets);
  const std::string s3 = "s3://" + bucket;

  auto r = RunCommand(S3Env() + MpirunPrefix(2) + " " + BinPath("load_tweets") + " --src " + s3 +
                      "/in --dest " + s3 + "/tweets --format jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(MpirunPrefix(2) + " " + BinPath("load_tweets") + " --src " + local_in +
                 " --dest " + tmp.Join("tweets") + " --format jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(S3Env() + MpirunPrefix(2) + " " + BinPath("profanity_index") + " --src " + s3 +
                 "/tweets --dest " + s3 + "/index --targets " + s3 + "/targets.txt --by day");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(MpirunPrefix(2) + " " + BinPath("profanity_index") + " --src " +
                 tmp.Join("tweets") + " --dest " + tmp.Join("index") + " --targets " +
                 tmp.Join("targets.txt") + " --by day");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  r = RunCommand(S3Env() + MpirunPrefix(2) + " " + BinPath("tweet_features") + " --src " + s3 +
                 "/tweets --dest " + s3 + "/features --dimension 16");
  ASSERT_EQ(r.exit_code, 0) << r.output;

  std::vector<aws::S3ObjectInfo> objects;
  ASSERT_TRUE(client->ListObjects(bucket, "", &objects).ok());
  std::map<std::string, std::string> got;
  for (const auto& o : objects) {
    std::string body;
    ASSERT_TRUE(client->GetObjectRange(bucket, o.key, 0, o.size, &body).ok());
    got[o.key] = body;
  }
  ASSERT_TRUE(got.count("tweets/_SUCCESS"));
  ASSERT_TRUE(got.count("index/_SUCCESS"));
  std::string s3_parts;
  for (const auto& [key, body] : got) {
    if (key.rfind("tweets/part-", 0) == 0) s3_parts += body;
  }
  const std::string local_parts = LocalParts(tmp.Join("tweets"), ".jsonl");
  EXPECT_FALSE(local_parts.empty());
  EXPECT_EQ(s3_parts, local_parts);
  // Committed files are found through each folder's _SUCCESS, by logical name.
  auto committed = [&](const std::string& folder, const std::string& name) -> std::string {
    const std::string key =
        folder + "/" + testing::CommittedFileName(got[folder + "/_SUCCESS"], name);
    EXPECT_TRUE(got.count(key)) << key;
    return got[key];
  };
  const std::string s3_index = committed("index", "part-00000.csv");
  EXPECT_EQ(s3_index, ReadFile(testing::CommittedFile(tmp.Join("index"), "part-00000.csv")));
  EXPECT_NE(s3_index.find(",Robot,"), std::string::npos);
  EXPECT_FALSE(committed("index", "report.html").empty());
  // HDF5 parts are built locally and copied to S3: the bytes must be an HDF5 file.
  EXPECT_EQ(committed("features", "part-00000.h5").substr(0, 8),
            std::string("\x89HDF\r\n\x1a\n", 8));
  EXPECT_TRUE(got.count("features/_SUCCESS"));
  for (const auto& [key, body] : got) {
    EXPECT_EQ(body.find("rankflowtestsecret"), std::string::npos) << "secret in " << key;
  }
}

}  // namespace
}  // namespace rankflow
