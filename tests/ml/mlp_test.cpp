#include "operators/ml/mlp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "operators/ml/dataset.h"
#include "operators/ml/model_io.h"
#include "operators/ml/optimizer.h"
#include "operators/ml/xo_data.h"
#include "tests/util/test_util.h"

namespace rankflow::ml {
namespace {

struct Sample {
  std::vector<float> x;
  std::vector<int32_t> y;
};

Sample RandomSample(int64_t rows, int64_t inputs, int classes, uint64_t seed) {
  std::mt19937 rng(static_cast<uint32_t>(seed));
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  Sample s;
  for (int64_t i = 0; i < rows * inputs; ++i) s.x.push_back(u(rng));
  for (int64_t i = 0; i < rows; ++i) s.y.push_back(static_cast<int32_t>(rng() % classes));
  return s;
}

double LossAt(Mlp& model, const BatchView& batch) {
  double loss = 0;
  int64_t correct = 0;
  model.Evaluate(batch, &loss, &correct);
  return loss;
}

// Central finite differences of the summed loss against the analytic gradient, every parameter.
void CheckGradient(Mlp& model, const BatchView& batch) {
  std::vector<float> grad(model.params().size());
  double loss = 0;
  int64_t correct = 0;
  model.Gradient(batch, 1.f, grad.data(), &loss, &correct);
  EXPECT_NEAR(loss, LossAt(model, batch), 1e-4 * std::fabs(loss));
  // ReLU has kinks: a small step keeps both evaluations on the same side of them.
  const float eps = model.spec().activation == Activation::kRelu ? 1e-3f : 1e-2f;
  int checked = 0;
  for (size_t i = 0; i < model.params().size(); ++i) {
    const float saved = model.params()[i];
    model.params()[i] = saved + eps;
    const double up = LossAt(model, batch);
    model.params()[i] = saved - eps;
    const double down = LossAt(model, batch);
    model.params()[i] = saved;
    const double numeric = (up - down) / (2 * eps);
    EXPECT_NEAR(grad[i], numeric, 2e-3 + 2e-2 * std::fabs(numeric)) << "parameter " << i;
    ++checked;
  }
  EXPECT_EQ(checked, model.spec().ParameterCount());
}

class GradientCheck : public ::testing::TestWithParam<Activation> {};

TEST_P(GradientCheck, DenseTwoHiddenLayersMatchFiniteDifferences) {
  MlpSpec spec{3, {5, 4}, 3, GetParam()};
  Mlp model(spec);
  model.Initialize(7);
  // Non-zero biases so the bias gradients are exercised away from 0.
  for (int l = 0; l < model.layers(); ++l) {
    for (int64_t j = 0; j < model.dims()[l + 1]; ++j) {
      model.params()[model.BiasOffset(l) + j] = 0.05f * static_cast<float>(j + 1);
    }
  }
  Sample s = RandomSample(6, 3, 3, 11);
  BatchView b;
  b.rows = 6;
  b.dense = s.x.data();
  b.labels = s.y.data();
  CheckGradient(model, b);
}

INSTANTIATE_TEST_SUITE_P(Activations, GradientCheck,
                         ::testing::Values(Activation::kRelu, Activation::kTanh,
                                           Activation::kSigmoid));

TEST(MlpTest, SparseInputGradientMatchesDenseInput) {
  MlpSpec spec{6, {4}, 2, Activation::kTanh};
  Mlp model(spec);
  model.Initialize(3);
  // Two rows as CSR and as dense.
  std::vector<int64_t> indptr = {0, 2, 5};
  std::vector<int32_t> indices = {1, 4, 0, 2, 5};
  std::vector<float> values = {1.f, 2.f, -1.f, 0.5f, 3.f};
  std::vector<float> dense(12, 0.f);
  for (int r = 0; r < 2; ++r) {
    for (int64_t e = indptr[r]; e < indptr[r + 1]; ++e) dense[r * 6 + indices[e]] = values[e];
  }
  std::vector<int32_t> labels = {1, 0};
  BatchView sparse_batch{2, nullptr, indptr.data(), indices.data(), values.data(), labels.data()};
  BatchView dense_batch{2, dense.data(), nullptr, nullptr, nullptr, labels.data()};
  std::vector<float> g1(model.params().size()), g2(model.params().size());
  double l1, l2;
  int64_t c1, c2;
  model.Gradient(sparse_batch, 0.5f, g1.data(), &l1, &c1);
  model.Gradient(dense_batch, 0.5f, g2.data(), &l2, &c2);
  EXPECT_NEAR(l1, l2, 1e-5);
  EXPECT_EQ(c1, c2);
  for (size_t i = 0; i < g1.size(); ++i) EXPECT_NEAR(g1[i], g2[i], 1e-5) << i;
  CheckGradient(model, sparse_batch);
}

TEST(MlpTest, InitializationIsDeterministicBySeed) {
  MlpSpec spec{2, {8}, 3, Activation::kRelu};
  Mlp a(spec), b(spec), c(spec);
  a.Initialize(42);
  b.Initialize(42);
  c.Initialize(43);
  EXPECT_EQ(a.params(), b.params());
  EXPECT_NE(a.params(), c.params());
  // Glorot bound for the first layer: sqrt(6 / (2 + 8)).
  const float bound = std::sqrt(6.f / 10.f);
  for (int64_t i = 0; i < 16; ++i) EXPECT_LE(std::fabs(a.params()[i]), bound);
  EXPECT_EQ(spec.ParameterCount(), 2 * 8 + 8 + 8 * 3 + 3);
}

TEST(MlpTest, EmptyBatchGivesZeroGradient) {
  Mlp model(MlpSpec{2, {3}, 2, Activation::kRelu});
  model.Initialize(1);
  std::vector<float> g(model.params().size(), 9.f);
  double loss = 1;
  int64_t correct = 1;
  BatchView empty;
  float dummy = 0;
  empty.dense = &dummy;
  model.Gradient(empty, 1.f, g.data(), &loss, &correct);
  for (float v : g) EXPECT_EQ(v, 0.f);
  EXPECT_EQ(loss, 0);
  EXPECT_EQ(correct, 0);
}

TEST(OptimizerTest, AdamFirstStepMovesEachWeightByTheLearningRate) {
  OptimizerOptions o;
  o.kind = OptimizerKind::kAdam;
  o.learning_rate = 0.01f;
  Optimizer opt(o, 3);
  std::vector<float> p = {1.f, 1.f, 1.f};
  std::vector<float> g = {0.5f, -2.f, 0.f};
  opt.Step(p.data(), g.data(), {true, true, true});
  // With bias correction the first Adam step is lr · sign(g).
  EXPECT_NEAR(p[0], 0.99f, 1e-6);
  EXPECT_NEAR(p[1], 1.01f, 1e-6);
  EXPECT_EQ(p[2], 1.f);
}

TEST(OptimizerTest, SgdMomentumAndL2OnWeightsOnly) {
  OptimizerOptions o;
  o.kind = OptimizerKind::kSgd;
  o.learning_rate = 0.1f;
  o.momentum = 0.5f;
  o.l2 = 1.f;
  Optimizer opt(o, 2);
  std::vector<float> p = {1.f, 1.f};
  std::vector<float> g = {0.f, 0.f};
  opt.Step(p.data(), g.data(), {true, false});  // weight decays by lr·l2·w, bias untouched
  EXPECT_NEAR(p[0], 0.9f, 1e-6);
  EXPECT_EQ(p[1], 1.f);
  g = {0.f, 0.f};
  opt.Step(p.data(), g.data(), {true, false});  // v = 0.5·(−0.1) − 0.1·0.9 = −0.14
  EXPECT_NEAR(p[0], 0.76f, 1e-6);
}

TEST(XoDataTest, GeometryAndSlicesAgree) {
  EXPECT_EQ(XoLabel(0.f, 0.f), kXoX);
  EXPECT_EQ(XoLabel(0.3f, 0.3f), kXoX);
  EXPECT_EQ(XoLabel(0.3f, -0.3f), kXoX);
  EXPECT_EQ(XoLabel(0.3f, 0.f), kXoBackground);  // between the bars
  EXPECT_EQ(XoLabel(0.75f, 0.f), kXoO);
  EXPECT_EQ(XoLabel(0.f, -0.8f), kXoO);
  EXPECT_EQ(XoLabel(0.95f, 0.95f), kXoBackground);
  std::vector<float> all_xy, part_xy;
  std::vector<int32_t> all_y, part_y;
  GenerateXo(5, 0.0, 0, 20000, &all_xy, &all_y);
  GenerateXo(5, 0.0, 1000, 1010, &part_xy, &part_y);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(part_xy[2 * i], all_xy[2 * (1000 + i)]);
    EXPECT_EQ(part_y[i], all_y[1000 + i]);
  }
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 20000; ++i) {
    ++counts[all_y[i]];
    EXPECT_EQ(all_y[i], XoLabel(all_xy[2 * i], all_xy[2 * i + 1]));
  }
  // Shares documented in xo_data.h: background ~56 %, x ~14 %, o ~30 %.
  EXPECT_NEAR(counts[0] / 20000.0, 0.56, 0.03);
  EXPECT_NEAR(counts[1] / 20000.0, 0.14, 0.03);
  EXPECT_NEAR(counts[2] / 20000.0, 0.30, 0.03);
  GenerateXo(5, 0.2, 0, 20000, &part_xy, &part_y);
  int flipped = 0;
  for (int i = 0; i < 20000; ++i) flipped += part_y[i] != all_y[i];
  EXPECT_NEAR(flipped / 20000.0, 0.2, 0.02);
}

TEST(ModelIoTest, ModelAndCheckpointRoundTrip) {
  testing::TempDir dir;
  MlpSpec spec{2, {6, 5}, 3, Activation::kTanh};
  Mlp model(spec);
  model.Initialize(9);
  OptimizerOptions o;
  Optimizer opt(o, model.params().size());
  std::vector<float> g(model.params().size(), 0.1f);
  opt.Step(model.params().data(), g.data(), model.WeightMask());
  ASSERT_TRUE(SaveCheckpoint(dir.Join("c.h5"), model, {"a", "b", "c"}, opt, 4, {{"k", "v"}}).ok());
  Mlp restored(spec);
  Optimizer opt2(o, restored.params().size());
  auto epochs = LoadCheckpoint(dir.Join("c.h5"), &restored, &opt2);
  ASSERT_TRUE(epochs.ok()) << epochs.status().ToString();
  EXPECT_EQ(*epochs, 4);
  EXPECT_EQ(restored.params(), model.params());
  EXPECT_EQ(opt2.first(), opt.first());
  EXPECT_EQ(opt2.second(), opt.second());
  EXPECT_EQ(opt2.steps(), 1);
  // Another architecture is refused.
  Mlp other(MlpSpec{2, {7}, 3, Activation::kTanh});
  Optimizer opt3(o, other.params().size());
  EXPECT_EQ(LoadCheckpoint(dir.Join("c.h5"), &other, &opt3).status().code(),
            StatusCode::kInvalidArgument);
  auto file = Hdf5File::Open(dir.Join("c.h5"));
  ASSERT_TRUE(file.ok());
  std::vector<std::string> classes;
  auto read = ReadModel(**file, &classes);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ((*read)->params(), model.params());
  EXPECT_EQ(classes, (std::vector<std::string>{"a", "b", "c"}));
}

TEST(DatasetTest, ShardRangesCoverEveryRowOnce) {
  for (int count : {1, 2, 3, 4, 7}) {
    int64_t next = 0;
    for (int i = 0; i < count; ++i) {
      RowRange r = ShardRange(10, i, count);
      EXPECT_EQ(r.begin, next);
      EXPECT_LE(r.end - r.begin, 10 / count + 1);
      next = r.end;
    }
    EXPECT_EQ(next, 10);
  }
}

}  // namespace
}  // namespace rankflow::ml
