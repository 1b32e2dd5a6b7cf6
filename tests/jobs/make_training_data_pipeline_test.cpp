// make_training_data's pipeline in process (Thrill's shape): MakeTrainingData of
// jobs/make_training_data.h on a JobContext made without flags (tests/util/in_process_job.h),
// under mpirun at 1, 2 and 4 ranks (rankflow_add_mpi_test), compared with the sequential
// reference: ml::GenerateXo (operators/ml/xo_data.h) run here with the same seed and noise. The
// committed data.h5 is read back (ml::ReadDatasetRows) and data.csv parsed; the manifest's counters
// are the class counts of the reference. The binary's flags, exit codes and h5py's reading:
// tests/jobs/make_training_data_test.cpp.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <array>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "jobs/make_training_data.h"
#include "operators/ml/dataset.h"
#include "operators/ml/xo_data.h"
#include "tests/util/in_process_job.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::InProcessJobContext;
using testing::TestMpi;

struct Reference {
  std::vector<float> xy;
  std::vector<int32_t> labels;
  std::array<int64_t, 3> counts{0, 0, 0};
};

Reference Generate(const MakeTrainingDataOptions& o) {
  Reference r;
  ml::GenerateXo(o.seed, o.noise, 0, o.rows, &r.xy, &r.labels);
  for (int32_t y : r.labels) ++r.counts.at(y);
  return r;
}

// Runs the pipeline into a fresh folder of `dir`; returns the folder (committed on every rank).
std::string RunInto(const testing::SharedTempDir& dir, const std::string& name,
                    const MakeTrainingDataOptions& o, MakeTrainingDataResult* result) {
  const std::string dest = dir.Join(name);
  auto ctx = InProcessJobContext(TestMpi(), JobSettings{.dest = dest}, "make_training_data");
  if (ctx == nullptr) return dest;
  const Status s = MakeTrainingData(*ctx, o, result);
  EXPECT_TRUE(s.ok()) << s.ToString();
  EXPECT_TRUE(ctx->committed());
  return dest;
}

TEST(MakeTrainingDataPipelineTest, RowsAndClassesEqualTheSequentialGenerator) {
  testing::SharedTempDir dir;
  const MakeTrainingDataOptions o{.rows = 3001, .seed = 42, .noise = 0.1, .csv = true};
  MakeTrainingDataResult result;
  const std::string dest = RunInto(dir, "xo", o, &result);
  if (!TestMpi().is_root()) return;  // rank 0 writes everything; the folder is committed
  const Reference want = Generate(o);
  EXPECT_EQ(result.rows, o.rows);
  for (int c = 0; c < 3; ++c) EXPECT_EQ(result.class_counts[c], want.counts[c]) << "class " << c;
  // A generator that ignored the noise or the seed would give other counts: the three classes are
  // all present, and noise 0.1 moves some points into every class.
  for (int c = 0; c < 3; ++c) EXPECT_GT(want.counts[c], 100) << "class " << c;

  ml::Dataset data;
  const std::string h5 = testing::CommittedFile(dest, "data.h5");
  const Status s = ml::ReadDatasetRows(h5, 0, o.rows, &data);
  ASSERT_TRUE(s.ok()) << s.ToString();
  EXPECT_EQ(data.global_rows, o.rows);
  EXPECT_EQ(data.inputs, 2);
  EXPECT_FALSE(data.sparse);
  EXPECT_EQ(data.class_names, (std::vector<std::string>{"background", "x", "o"}));
  EXPECT_EQ(data.dense, want.xy);  // bit for bit
  EXPECT_EQ(data.labels, want.labels);

  const std::vector<std::string> lines =
      testing::SplitLines(testing::ReadFile(testing::CommittedFile(dest, "data.csv")));
  ASSERT_GE(lines.size(), static_cast<size_t>(o.rows) + 1);
  EXPECT_EQ(lines[0], "x,y,label,class");
  const char* names[] = {"background", "x", "o"};
  int mismatches = 0;
  for (int64_t i = 0; i < o.rows; ++i) {
    const std::string& line = lines[i + 1];
    char* end = nullptr;
    const float x = std::strtof(line.c_str(), &end);
    const float y = std::strtof(end + 1, &end);
    const long label = std::strtol(end + 1, &end, 10);
    const std::string name = end + 1;
    if (x != want.xy[2 * i] || y != want.xy[2 * i + 1] || label != want.labels[i] ||
        name != names[want.labels[i]]) {
      if (++mismatches <= 3) ADD_FAILURE() << "data.csv row " << i << ": " << line;
    }
  }
  EXPECT_EQ(mismatches, 0);

  rapidjson::Document m;
  m.Parse(testing::ReadFile(dest + "/_SUCCESS").c_str());
  ASSERT_TRUE(m.IsObject());
  EXPECT_EQ(m["job"].GetString(), std::string("make_training_data"));
  EXPECT_EQ(m["ranks"].GetInt(), TestMpi().size());
  EXPECT_EQ(m["records_out"].GetInt64(), o.rows);
  const auto& c = m["counters"];
  EXPECT_EQ(c["rows"].GetInt64(), o.rows);
  EXPECT_EQ(c["class.background"].GetInt64(), want.counts[0]);
  EXPECT_EQ(c["class.x"].GetInt64(), want.counts[1]);
  EXPECT_EQ(c["class.o"].GetInt64(), want.counts[2]);
}

TEST(MakeTrainingDataPipelineTest, AnotherSeedGivesOtherPointsAndBadOptionsCommitNothing) {
  testing::SharedTempDir dir;
  MakeTrainingDataResult result;
  const MakeTrainingDataOptions o{.rows = 500, .seed = 7, .noise = 0, .csv = false};
  const std::string dest = RunInto(dir, "seed7", o, &result);
  for (const MakeTrainingDataOptions& bad :
       {MakeTrainingDataOptions{.rows = 0}, MakeTrainingDataOptions{.rows = 10, .noise = 1.5}}) {
    auto ctx = InProcessJobContext(TestMpi(), JobSettings{.dest = dir.Join("bad")}, "m");
    ASSERT_NE(ctx, nullptr);
    const Status s = MakeTrainingData(*ctx, bad, &result);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_FALSE(ctx->committed());
  }
  if (!TestMpi().is_root()) return;
  EXPECT_FALSE(std::filesystem::exists(dir.Join("bad")));
  EXPECT_EQ(testing::CommittedNames(dest), std::vector<std::string>{"data.h5"});  // csv = false
  ml::Dataset data;
  ASSERT_TRUE(ml::ReadDatasetRows(testing::CommittedFile(dest, "data.h5"), 0, o.rows, &data).ok());
  EXPECT_EQ(data.dense, Generate(o).xy);
  EXPECT_NE(data.dense, Generate({.rows = 500, .seed = 8}).xy);
}

// Noise relabels the requested share of points and moves none (moved here from the binary test).
TEST(MakeTrainingDataPipelineTest, NoiseFlipsTheRequestedShareOfLabels) {
  testing::SharedTempDir dir;
  MakeTrainingDataResult result;
  const MakeTrainingDataOptions clean{.rows = 5000, .seed = 9, .noise = 0, .csv = false};
  const MakeTrainingDataOptions noisy{.rows = 5000, .seed = 9, .noise = 0.3, .csv = false};
  const std::string a = RunInto(dir, "clean", clean, &result);
  const std::string b = RunInto(dir, "noisy", noisy, &result);
  if (!TestMpi().is_root()) return;
  ml::Dataset da, db;
  ASSERT_TRUE(ml::ReadDatasetRows(testing::CommittedFile(a, "data.h5"), 0, 5000, &da).ok());
  ASSERT_TRUE(ml::ReadDatasetRows(testing::CommittedFile(b, "data.h5"), 0, 5000, &db).ok());
  EXPECT_EQ(da.dense, db.dense);  // same seed, same points
  int flipped = 0;
  for (size_t i = 0; i < da.labels.size(); ++i) {
    flipped += da.labels[i] != db.labels[i];
    EXPECT_EQ(da.labels[i], ml::XoLabel(da.dense[2 * i], da.dense[2 * i + 1])) << "row " << i;
  }
  EXPECT_NEAR(flipped / 5000.0, 0.3, 0.03);
}

}  // namespace
}  // namespace rankflow
