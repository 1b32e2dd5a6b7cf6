// train_mlp end to end: a sweep under mpirun, the files it commits, h5py/NumPy reproducing its
// predictions, resume after an interrupted run, and failures that leave nothing behind.
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "tests/util/model_weights.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::BinPath;
using testing::CommittedFile;
using testing::MpirunPrefix;
using testing::RunCommand;
using testing::TempDir;

std::string Train(int ranks, const std::string& args) {
  return MpirunPrefix(ranks) + " " + BinPath("train_mlp") + " " + args;
}

class TrainMlpTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    data_ = std::make_unique<TempDir>();
    auto r = RunCommand(MpirunPrefix(1) + " " + BinPath("make_training_data") +
                        " --n 12000 --seed 5 --csv=false --dest " + data_->Join("xo"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  static void TearDownTestSuite() { data_.reset(); }
  static std::string DataDir() { return data_->Join("xo"); }
  static std::unique_ptr<TempDir> data_;
};
std::unique_ptr<TempDir> TrainMlpTest::data_;

TEST_F(TrainMlpTest, SweepOnTwoGroupsCommitsEverythingAndChoosesByHeldOutAccuracy) {
  TempDir out;
  const std::string dest = out.Join("sweep");
  auto r = RunCommand(Train(2, "--train " + DataDir() +
                                   " --hidden 4,48 --epochs 25 --batch 50 --lr 0.01 --grid 40 "
                                   "--dest " +
                                   dest),
                      240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("on 2 group(s)"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("<- chosen"), std::string::npos) << r.output;
  EXPECT_EQ(testing::CommittedNames(dest),
            (std::vector<std::string>{"metrics.csv", "model-hidden-4.h5", "model-hidden-48.h5",
                                      "report.html", "selection.json", "surface-hidden-4.h5",
                                      "surface-hidden-48.h5"}));
  for (const std::string& name : testing::CommittedNames(dest)) {
    EXPECT_EQ(RunCommand("test -s " + CommittedFile(dest, name)).exit_code, 0) << name;
  }
  // Regression (issue 9): a successful run left empty _temporary/ and _checkpoints/_temporary/.
  EXPECT_EQ(testing::TreeEntries(dest), testing::CommittedTree(dest))
      << "a committed folder holds _SUCCESS and what it lists, nothing else";
  auto lines = testing::SplitLines(testing::ReadFile(CommittedFile(dest, "metrics.csv")));
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0].rfind("hidden,layers,parameters,train_accuracy,test_accuracy", 0), 0u);
  // Rows by size; the 48-wide model fits the XO far better than the 4-wide one and is chosen.
  EXPECT_EQ(lines[1].rfind("4,1,27,", 0), 0u) << lines[1];
  EXPECT_EQ(lines[2].rfind("48,1,291,", 0), 0u) << lines[2];
  auto field = [](const std::string& line, int i) {
    size_t start = 0;
    for (int k = 0; k < i; ++k) start = line.find(',', start) + 1;
    return std::strtod(line.c_str() + start, nullptr);
  };
  EXPECT_GE(field(lines[2], 4), 0.90) << lines[2];
  EXPECT_GT(field(lines[2], 4), field(lines[1], 4));
  EXPECT_EQ(lines[2].substr(lines[2].size() - 1), "1");
  EXPECT_NE(
      testing::ReadFile(CommittedFile(dest, "selection.json")).find("\"chosen_hidden\":\"48\""),
      std::string::npos);
  const std::string html = testing::ReadFile(CommittedFile(dest, "report.html"));
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_EQ(html.find("src=\"http"), std::string::npos);  // self-contained
  size_t images = 0;
  for (size_t at = html.find("data:image/png;base64,"); at != std::string::npos;
       at = html.find("data:image/png;base64,", at + 1)) {
    ++images;
  }
  EXPECT_EQ(images, 2u);

  // h5py + NumPy reproduce the surface probabilities and the held-out accuracy.
  auto py = RunCommand("/usr/bin/python3 " + testing::SourcePath("tests/ml/predict_with_numpy.py") +
                       " " + CommittedFile(dest, "model-hidden-48.h5") + " " +
                       CommittedFile(dest, "surface-hidden-48.h5") + " " +
                       CommittedFile(DataDir(), "data.h5") + " 0.2");
  EXPECT_EQ(py.exit_code, 0) << py.output;
  EXPECT_EQ(py.output.rfind("ok ", 0), 0u) << py.output;
}

TEST_F(TrainMlpTest, ResumeAfterInterruptionEqualsAnUninterruptedRun) {
  TempDir out;
  const std::string args =
      "--train " + DataDir() + " --hidden 24 --epochs 4 --batch 64 --lr 0.01 --grid 0 --dest ";
  auto straight = RunCommand(Train(2, args + out.Join("straight")), 240);
  ASSERT_EQ(straight.exit_code, 0) << straight.output;

  const std::string dest = out.Join("resumed");
  auto stopped = RunCommand(Train(2, args + dest + " --stop-after-epochs 2"), 240);
  EXPECT_EQ(stopped.exit_code, 1) << stopped.output;
  EXPECT_NE(stopped.output.find("stopped after epoch 2"), std::string::npos) << stopped.output;
  // Nothing was committed; only the checkpoint (and its folder) stays, for --resume.
  EXPECT_EQ(testing::TreeEntries(dest),
            (std::vector<std::string>{"_checkpoints/", "_checkpoints/hidden-24.ckpt.h5"}));
  EXPECT_EQ(RunCommand("test -s " + dest + "/_checkpoints/hidden-24.ckpt.h5").exit_code, 0);

  auto resumed = RunCommand(Train(2, args + dest + " --resume"), 240);
  ASSERT_EQ(resumed.exit_code, 0) << resumed.output;
  EXPECT_NE(resumed.output.find("resuming after epoch 2"), std::string::npos) << resumed.output;
  EXPECT_EQ(resumed.output.find("epoch 1/4"), std::string::npos) << resumed.output;
  const std::vector<float> a =
      testing::ModelWeights(CommittedFile(out.Join("straight"), "model-hidden-24.h5"));
  const std::vector<float> b = testing::ModelWeights(CommittedFile(dest, "model-hidden-24.h5"));
  EXPECT_EQ(testing::TreeEntries(dest), testing::CommittedTree(dest))
      << "the checkpoints are gone once the resumed run committed";
  ASSERT_FALSE(a.empty());
  EXPECT_EQ(a, b);
}

TEST_F(TrainMlpTest, FailuresLeaveNoOutput) {
  TempDir out;
  auto missing = RunCommand(
      Train(2, "--train " + out.Join("nope.h5") + " --hidden 4 --dest " + out.Join("d1")));
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("nope.h5"), std::string::npos) << missing.output;
  EXPECT_EQ(RunCommand("test -e " + out.Join("d1/_SUCCESS")).exit_code, 1);

  // A folder is read through its _SUCCESS: without one it is not a data set.
  testing::WriteFile(out.Join("raw/data.h5"), "not read");
  auto uncommitted =
      RunCommand(Train(1, "--train " + out.Join("raw") + " --hidden 4 --dest " + out.Join("d4")));
  EXPECT_EQ(uncommitted.exit_code, 1) << uncommitted.output;
  EXPECT_NE(uncommitted.output.find("is not a committed rankflow output"), std::string::npos)
      << uncommitted.output;
  // The one committer refuses a dest that holds the data it reads, even with overwrite (which
  // would have deleted it), and deletes nothing there.
  auto over_input = RunCommand(Train(2, "--train " + CommittedFile(DataDir(), "data.h5") +
                                            " --hidden 4 --mode overwrite --dest " + DataDir()));
  EXPECT_EQ(over_input.exit_code, 1) << over_input.output;
  EXPECT_NE(over_input.output.find("holds the input"), std::string::npos) << over_input.output;
  EXPECT_EQ(testing::TreeEntries(DataDir()), testing::CommittedTree(DataDir()));

  auto bad_hidden =
      RunCommand(Train(1, "--train " + DataDir() + " --hidden 4,x --dest " + out.Join("d2")));
  EXPECT_EQ(bad_hidden.exit_code, 2) << bad_hidden.output;
  EXPECT_NE(bad_hidden.output.find("bad width 'x'"), std::string::npos) << bad_hidden.output;

  auto bad_act = RunCommand(
      Train(1, "--train " + DataDir() + " --hidden 4 --activation swish --dest " + out.Join("d3")));
  EXPECT_EQ(bad_act.exit_code, 1) << bad_act.output;
  EXPECT_NE(bad_act.output.find("unknown activation 'swish'"), std::string::npos);
  EXPECT_EQ(RunCommand("test -e " + out.Join("d3/_SUCCESS")).exit_code, 1);

  auto help = RunCommand(Train(1, "--help"));
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.output.find("--resume"), std::string::npos);
}

}  // namespace
}  // namespace rankflow
