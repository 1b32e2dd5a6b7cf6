// make_training_data end to end: runs the binary under mpirun and checks its files, flags and exit
// codes. The pipeline against the sequential generator at 1, 2 and 4 ranks, and the noise share:
// make_training_data_pipeline_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>

#include "operators/ml/xo_data.h"
#include "runtime/hdf5_file.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::BinPath;
using testing::CommittedFile;
using testing::MpirunPrefix;
using testing::RunCommand;
using testing::TempDir;

std::string Job(int ranks, const std::string& args) {
  return MpirunPrefix(ranks) + " " + BinPath("make_training_data") + " " + args;
}

TEST(MakeTrainingDataTest, WritesHdf5AndCsvThatAgreeWithTheGeometry) {
  TempDir dir;
  const std::string dest = dir.Join("xo");
  auto r = RunCommand(Job(2, "--n 3000 --seed 4 --dest " + dest));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("wrote 3000 points"), std::string::npos) << r.output;
  const std::string manifest = testing::ReadFile(dest + "/_SUCCESS");
  EXPECT_NE(manifest.find("\"job\":\"make_training_data\""), std::string::npos);
  EXPECT_EQ(testing::CommittedNames(dest), (std::vector<std::string>{"data.csv", "data.h5"}));
  EXPECT_EQ(testing::TreeEntries(dest), testing::CommittedTree(dest));

  auto f = Hdf5File::Open(CommittedFile(dest, "data.h5"));
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  std::vector<float> x;
  std::vector<int64_t> y;
  std::vector<uint64_t> dims;
  ASSERT_TRUE((*f)->ReadFloat32("x", &x, &dims).ok());
  ASSERT_TRUE((*f)->ReadInt64("y", &y).ok());
  EXPECT_EQ(dims, (std::vector<uint64_t>{3000, 2}));
  EXPECT_EQ((*f)->GetAttribute("/", "classes").value(), "background,x,o");
  int counts[3] = {0, 0, 0};
  for (int i = 0; i < 3000; ++i) {
    EXPECT_EQ(y[i], ml::XoLabel(x[2 * i], x[2 * i + 1])) << i;
    ++counts[y[i]];
  }
  EXPECT_GT(counts[1], 200);
  EXPECT_GT(counts[2], 600);

  auto lines = testing::SplitLines(testing::ReadFile(CommittedFile(dest, "data.csv")));
  ASSERT_GE(lines.size(), 3001u);
  EXPECT_EQ(lines[0], "x,y,label,class");
  for (int i : {0, 1, 1234, 2999}) {
    const std::string& line = lines[i + 1];
    char* end = nullptr;
    const float cx = std::strtof(line.c_str(), &end);
    const float cy = std::strtof(end + 1, &end);
    const long label = std::strtol(end + 1, &end, 10);
    EXPECT_EQ(cx, x[2 * i]) << line;  // %.9g round-trips floats exactly
    EXPECT_EQ(cy, x[2 * i + 1]) << line;
    EXPECT_EQ(label, y[i]) << line;
  }
}

TEST(MakeTrainingDataTest, RefusesExistingOutputUnlessOverwrite) {
  TempDir dir;
  const std::string dest = dir.Join("xo");
  ASSERT_EQ(RunCommand(Job(1, "--n 100 --dest " + dest)).exit_code, 0);
  auto again = RunCommand(Job(2, "--n 200 --dest " + dest));
  EXPECT_EQ(again.exit_code, 1) << again.output;
  EXPECT_NE(again.output.find("use --mode overwrite"), std::string::npos) << again.output;
  auto over = RunCommand(Job(2, "--n 200 --csv=false --mode overwrite --dest " + dest));
  ASSERT_EQ(over.exit_code, 0) << over.output;
  auto f = Hdf5File::Open(CommittedFile(dest, "data.h5"));
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->Dims("y").value(), (std::vector<uint64_t>{200}));
  // The old files (data.csv included, which the new output lacks) are gone.
  EXPECT_EQ(testing::CommittedNames(dest), (std::vector<std::string>{"data.h5"}));
  EXPECT_EQ(testing::TreeEntries(dest), testing::CommittedTree(dest));
}

TEST(MakeTrainingDataTest, HelpAndBadFlags) {
  auto help = RunCommand(Job(1, "--help"));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--noise"), std::string::npos) << help.output;
  auto bad = RunCommand(Job(1, "--n 10 --dest /tmp/x --bogus 1"));
  EXPECT_EQ(bad.exit_code, 2) << bad.output;
  auto neg = RunCommand(Job(1, "--n -5 --dest /tmp/never-written-xo"));
  EXPECT_EQ(neg.exit_code, 1) << neg.output;
  EXPECT_NE(neg.output.find("--n must be positive"), std::string::npos) << neg.output;
}

}  // namespace
}  // namespace rankflow
