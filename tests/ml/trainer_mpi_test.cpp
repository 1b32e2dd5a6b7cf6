// Data-parallel training under mpirun at 1, 2 and 4 ranks.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "operators/ml/blas_threads.h"
#include "operators/ml/model_io.h"
#include "operators/ml/sweep_checkpoint.h"
#include "operators/ml/trainer.h"
#include "operators/ml/xo_data.h"
#include "runtime/fs.h"
#include "runtime/mpi_context.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow::ml {
namespace {

// Rows [begin, end) of an XO data set of `rows` rows, as a shard.
Dataset XoShard(int64_t rows, int64_t begin, int64_t end, uint64_t seed) {
  Dataset d;
  d.inputs = 2;
  d.class_names = {"background", "x", "o"};
  d.global_rows = rows;
  d.first_row = begin;
  GenerateXo(seed, 0.0, begin, end, &d.dense, &d.labels);
  return d;
}

Dataset MyShard(int64_t rows, uint64_t seed) {
  RowRange r = ShardRange(rows, testing::TestMpi().rank(), testing::TestMpi().size());
  return XoShard(rows, r.begin, r.end, seed);
}

TrainOptions Options(OptimizerKind kind, int epochs, int64_t batch, float lr) {
  TrainOptions o;
  o.epochs = epochs;
  o.batch = batch;
  o.seed = 17;
  o.optimizer.kind = kind;
  o.optimizer.learning_rate = lr;
  return o;
}

// Trains on every rank's shard; returns the final params.
std::vector<float> Train(const MpiContext& mpi, const Dataset& shard, const MlpSpec& spec,
                         const TrainOptions& options) {
  Mlp model(spec);
  model.Initialize(5);
  Trainer trainer(mpi, &model, options);
  EXPECT_TRUE(trainer.Fit(shard, 0, nullptr).ok());
  return model.params();
}

void ExpectWeightsBitwiseEqualAcrossRanks(const std::vector<float>& params) {
  const std::string hash = std::to_string(HashFloats(params));
  for (const std::string& h : testing::TestMpi().AllGather(hash)) EXPECT_EQ(h, hash);
}

class SameGlobalBatch : public ::testing::TestWithParam<OptimizerKind> {};

// The same global batches at any rank count give the same weights as one process trained on
// everything (a context of its own per rank, from Split), up to float summation order; and every
// rank holds the same bits.
TEST_P(SameGlobalBatch, WeightsMatchSingleProcessReference) {
  const int64_t rows = 3000;
  const MlpSpec spec{2, {16, 8}, 3, Activation::kTanh};
  const TrainOptions options =
      Options(GetParam(), 2, 64, GetParam() == OptimizerKind::kSgd ? 0.1f : 0.01f);
  std::vector<float> distributed = Train(testing::TestMpi(), MyShard(rows, 3), spec, options);
  ExpectWeightsBitwiseEqualAcrossRanks(distributed);
  const MpiContext alone = testing::TestMpi().Split(testing::TestMpi().rank());
  ASSERT_EQ(alone.size(), 1);
  std::vector<float> reference = Train(alone, XoShard(rows, 0, rows, 3), spec, options);
  ASSERT_EQ(distributed.size(), reference.size());
  double max_diff = 0, max_abs = 0;
  for (size_t i = 0; i < reference.size(); ++i) {
    max_diff = std::max(max_diff, static_cast<double>(std::fabs(distributed[i] - reference[i])));
    max_abs = std::max(max_abs, static_cast<double>(std::fabs(reference[i])));
  }
  EXPECT_LE(max_diff, 1e-4 * std::max(1.0, max_abs)) << "ranks " << testing::TestMpi().size();
  if (testing::TestMpi().size() == 1) {
    EXPECT_EQ(max_diff, 0.0);
  }
}

INSTANTIATE_TEST_SUITE_P(Optimizers, SameGlobalBatch,
                         ::testing::Values(OptimizerKind::kSgd, OptimizerKind::kAdam));

TEST(TrainerTest, ConvergesOnXoAboveAccuracyFloor) {
  const int64_t rows = 50000, test_rows = 5000;
  const MlpSpec spec{2, {128}, 3, Activation::kRelu};
  Mlp model(spec);
  model.Initialize(1);
  Trainer trainer(testing::TestMpi(), &model, Options(OptimizerKind::kAdam, 20, 100, 0.005f));
  int epochs_seen = 0;
  double first_loss = 0, last_loss = 0;
  ASSERT_TRUE(trainer
                  .Fit(MyShard(rows, 1), 0,
                       [&](const EpochStats& s) {
                         if (epochs_seen++ == 0) first_loss = s.loss;
                         last_loss = s.loss;
                         return Status::OK();
                       })
                  .ok());
  EXPECT_EQ(epochs_seen, 20);
  EXPECT_EQ(trainer.resyncs(), 0) << "the all-reduce gave ranks different bits";
  EXPECT_LT(last_loss, first_loss);
  // Held-out rows: another seed.
  RowRange r = ShardRange(test_rows, testing::TestMpi().rank(), testing::TestMpi().size());
  EvalStats test = trainer.Evaluate(XoShard(test_rows, r.begin, r.end, 99));
  EXPECT_EQ(test.rows, test_rows);
  // Predicting "background" everywhere scores ~0.56; a fitted model separates the X and the ring.
  EXPECT_GE(test.accuracy, 0.95) << "loss " << test.loss;
  ExpectWeightsBitwiseEqualAcrossRanks(model.params());
}

TEST(TrainerTest, ResumeFromCheckpointEqualsUninterruptedRun) {
  const int64_t rows = 2000;
  const MlpSpec spec{2, {12}, 3, Activation::kRelu};
  const TrainOptions options = Options(OptimizerKind::kAdam, 4, 50, 0.01f);
  Dataset shard = MyShard(rows, 8);
  std::vector<float> straight = Train(testing::TestMpi(), shard, spec, options);

  testing::TempDir dir;  // per rank
  const std::string ckpt = dir.Join("ckpt.h5");
  Mlp first(spec);
  first.Initialize(5);
  TrainOptions two = options;
  two.epochs = 2;
  Trainer t1(testing::TestMpi(), &first, two);
  ASSERT_TRUE(t1.Fit(shard, 0, [&](const EpochStats& s) {
                  return SaveCheckpoint(ckpt, first, shard.class_names, t1.optimizer(), s.epoch + 1,
                                        {});
                }).ok());
  Mlp resumed(spec);
  resumed.Initialize(123);  // overwritten by the checkpoint
  Trainer t2(testing::TestMpi(), &resumed, options);
  auto done = LoadCheckpoint(ckpt, &resumed, &t2.optimizer());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_EQ(*done, 2);
  ASSERT_TRUE(t2.Fit(shard, *done, nullptr).ok());
  EXPECT_EQ(resumed.params(), straight);
}

// The sweep's groups publish checkpoints into one dest/_checkpoints/ at once. A group that removed
// the shared _temporary/ after its own publish could do so between another group's mkdir of it
// and its open (the flaky classify_tweets run): here that other writer is the folder made by hand,
// which a publish must leave; TidyCheckpoints (once every group is done) removes it.
TEST(SweepCheckpointTest, PublishLeavesTheOtherWritersTemporaryFolder) {
  testing::TempDir dir;  // per rank; each rank is a group of its own, as in a sweep
  const MpiContext alone = testing::TestMpi().Split(testing::TestMpi().rank());
  auto fs = NewLocalFileSystem();
  const std::string dest = dir.Join("model");
  const std::string ckpt = CheckpointPath(dest, MlpSpec{2, {4}, 3, Activation::kRelu});
  const std::string temporary = dest + "/_checkpoints/_temporary";
  std::filesystem::create_directories(temporary);  // another group's writer, about to open
  const std::string local = dir.Join("local.h5");
  Status st = PublishFromRoot(alone, *fs, local, ckpt,
                              [&] { return fs->WriteSmallFile(local, "checkpoint bytes"); });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(testing::ReadFile(ckpt), "checkpoint bytes");
  EXPECT_TRUE(std::filesystem::is_directory(temporary));
  TidyCheckpoints(*fs, dest);
  EXPECT_FALSE(std::filesystem::exists(temporary));
  EXPECT_TRUE(std::filesystem::exists(ckpt));
}

TEST(TrainerTest, DivergedWeightsAreResyncedFromRankZeroAtEpochEnd) {
  const MlpSpec spec{2, {6}, 3, Activation::kRelu};
  Mlp model(spec);
  model.Initialize(testing::TestMpi().rank() == testing::TestMpi().size() - 1
                       ? 99
                       : 5);  // the last rank differs
  Trainer trainer(testing::TestMpi(), &model, Options(OptimizerKind::kAdam, 1, 32, 0.01f));
  ASSERT_TRUE(trainer.Fit(MyShard(500, 4), 0, nullptr).ok());
  EXPECT_EQ(trainer.resyncs(), testing::TestMpi().size() > 1 ? 1 : 0);
  ExpectWeightsBitwiseEqualAcrossRanks(model.params());
}

TEST(TrainerTest, EpochPermutationIsAPermutationAndDependsOnEpoch) {
  auto a = EpochPermutation(1000, 3, 0);
  auto b = EpochPermutation(1000, 3, 1);
  EXPECT_NE(a, b);
  std::vector<int64_t> sorted = a;
  std::sort(sorted.begin(), sorted.end());
  for (int64_t i = 0; i < 1000; ++i) EXPECT_EQ(sorted[i], i);
  EXPECT_EQ(a, EpochPermutation(1000, 3, 0));
}

}  // namespace
}  // namespace rankflow::ml

int main(int argc, char** argv) {
  rankflow::ml::EnsureSingleThreadedBlas(argv);
  rankflow::MpiContext mpi(&argc, &argv);
  return rankflow::testing::RunMpiTests(mpi, &argc, argv);
}
