// The learning jobs against S3 (moto): make_training_data writes to s3://, train_mlp reads from and
// writes to s3://, with all-or-nothing output and no checkpoints left behind.
#include <gtest/gtest.h>

#include <set>

#include "tests/util/moto_fixture.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::BinPath;
using testing::MpirunPrefix;
using testing::RunCommand;
using testing::SharedMoto;

std::string S3Env() {
  return "AWS_ENDPOINT_URL=" + SharedMoto().endpoint() +
         " AWS_ACCESS_KEY_ID=rankflowtestkeyid AWS_SECRET_ACCESS_KEY=rankflowtestsecret"
         " AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true ";
}

TEST(MlS3Test, TrainingDataAndSweepThroughS3) {
  ASSERT_TRUE(SharedMoto().ok()) << SharedMoto().error();
  auto client = testing::TestS3Client(SharedMoto().endpoint());
  const std::string bucket = testing::UniqueBucket("rf-ml");
  ASSERT_TRUE(client->CreateBucket(bucket).ok());
  const std::string root = "s3://" + bucket;

  auto gen = RunCommand(S3Env() + MpirunPrefix(2) + " " + BinPath("make_training_data") +
                            " --n 4000 --seed 2 --dest " + root + "/xo",
                        180);
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  auto train = RunCommand(S3Env() + MpirunPrefix(2) + " " + BinPath("train_mlp") + " --train " +
                              root + "/xo --hidden 8,32 --epochs 4 --batch 50 --lr 0.01 --grid 20" +
                              " --dest " + root + "/sweep",
                          240);
  ASSERT_EQ(train.exit_code, 0) << train.output;

  std::vector<aws::S3ObjectInfo> objects;
  ASSERT_TRUE(client->ListObjects(bucket, "", &objects).ok());
  std::set<std::string> keys;
  for (const auto& o : objects) keys.insert(o.key);
  // Each folder holds exactly _SUCCESS and the files it lists (no checkpoint left behind).
  for (const auto& [folder, names] : std::vector<std::pair<std::string, std::vector<std::string>>>{
           {"xo", {"data.csv", "data.h5"}},
           {"sweep",
            {"metrics.csv", "model-hidden-32.h5", "model-hidden-8.h5", "report.html",
             "selection.json", "surface-hidden-32.h5", "surface-hidden-8.h5"}}}) {
    std::string manifest;
    ASSERT_TRUE(client->GetObjectRange(bucket, folder + "/_SUCCESS", 0, 1 << 20, &manifest).ok());
    std::set<std::string> expected = {folder + "/_SUCCESS"};
    for (const std::string& name : names) {
      expected.insert(folder + "/" + testing::CommittedFileName(manifest, name));
    }
    std::set<std::string> found;
    for (const std::string& k : keys) {
      if (k.rfind(folder + "/", 0) == 0) found.insert(k);
    }
    EXPECT_EQ(found, expected) << folder;
  }
  // A failed run (existing output, --mode error) changes nothing.
  auto again = RunCommand(S3Env() + MpirunPrefix(2) + " " + BinPath("train_mlp") + " --train " +
                              root + "/xo --hidden 8 --epochs 1 --dest " + root + "/sweep",
                          240);
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("use --mode overwrite"), std::string::npos) << again.output;
}

}  // namespace
}  // namespace rankflow
