// Errors never hang (issue 10, item 3): user code that throws on one rank only — in a map, in a
// reduce, in a group callback, in the stage that writes, in the job body, or on one input line —
// ends the whole job at 1, 2 and 4 ranks with exit code 1, exactly one error line naming the rank
// (and the input file and line when the element came from one), and no _SUCCESS. Every run has a
// timeout, so a hang fails the test instead of blocking it.
#include <gtest/gtest.h>

#include <filesystem>
#include <regex>
#include <sstream>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::RunCommand;

class FlowErrors : public ::testing::TestWithParam<int> {
 protected:
  void SetUp() override {
    // Eight input files, so every rank has lines of its own at 4 ranks.
    for (int f = 0; f < 8; ++f) {
      std::string text;
      for (int i = 0; i < 40; ++i)
        text += "k" + std::to_string(i % 5) + " " + std::to_string(i) + "\n";
      if (f == 5) text += "poison 0\n";  // line 41 of f5.txt
      testing::WriteFile(in_.Join("f" + std::to_string(f) + ".txt"), text);
    }
  }

  testing::CommandResult Run(const std::string& fail_in, int fail_rank,
                             const std::string& extra = "") {
    const std::string cmd = testing::MpirunPrefix(GetParam()) + " " +
                            testing::BinPath("flow_fail_job") + " --src " + in_.path() +
                            " --dest " + out_.Join("out") + " --fail-in " + fail_in +
                            " --fail-rank " + std::to_string(fail_rank) + " " + extra + " 2>&1";
    return RunCommand(cmd, 120);
  }

  static std::vector<std::string> ErrorLines(const std::string& output) {
    std::vector<std::string> lines;
    for (const std::string& l : testing::SplitLines(output)) {
      if (l.find("flow_fail_job: error:") != std::string::npos) lines.push_back(l);
    }
    return lines;
  }

  void ExpectFailed(const testing::CommandResult& r, const std::string& pattern) {
    ASSERT_NE(r.exit_code, 124) << "the job hung:\n" << r.output;
    EXPECT_EQ(r.exit_code, 1) << r.output;
    std::vector<std::string> errors = ErrorLines(r.output);
    ASSERT_EQ(errors.size(), 1u) << r.output;
    EXPECT_TRUE(std::regex_search(errors[0], std::regex(pattern))) << errors[0];
    EXPECT_FALSE(std::filesystem::exists(out_.Join("out/_SUCCESS"))) << r.output;
  }

  testing::TempDir in_, out_;
};

TEST_P(FlowErrors, WithoutFailuresTheJobCommitsTheSums) {
  testing::CommandResult r = Run("none", 0);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> rows;
  for (int rank = 0; rank < GetParam(); ++rank) {
    char name[32];
    std::snprintf(name, sizeof name, "sums-%05d.csv", rank);
    for (const std::string& l :
         testing::SplitLines(testing::ReadFile(testing::CommittedFile(out_.Join("out"), name)))) {
      if (l != "key,sum") rows.push_back(l);
    }
  }
  std::sort(rows.begin(), rows.end());
  // k0..k4: 8 files × (i ≡ k mod 5 over 0..39) ; "own": 3 per rank; poison 0.
  std::vector<std::string> want;
  for (int k = 0; k < 5; ++k) {
    long long s = 0;
    for (int i = k; i < 40; i += 5) s += i;
    want.push_back("k" + std::to_string(k) + "," + std::to_string(8 * s));
  }
  want.push_back("own," + std::to_string(3 * GetParam()));
  want.push_back("poison,0");
  std::sort(want.begin(), want.end());
  EXPECT_EQ(rows, want);
  EXPECT_NE(r.output.find("keys\nvalue\n7\n"), std::string::npos) << r.output;
}

TEST_P(FlowErrors, AThrowOnOneInputLineNamesRankFileAndLine) {
  ExpectFailed(Run("line", 0), R"(error: rank [0-3]: .*/f5\.txt:41: Map: poisoned line$)");
}

TEST_P(FlowErrors, AThrowInMapOnTheLastRankEndsTheJob) {
  const int rank = GetParam() - 1;
  ExpectFailed(Run("map", rank), "error: rank " + std::to_string(rank) +
                                     R"(: .*/f[0-7]\.txt:[0-9]+: Map: boom in map$)");
}

TEST_P(FlowErrors, AThrowInReduceOnOneRankEndsTheJob) {
  const int rank = GetParam() / 2;
  ExpectFailed(Run("reduce", rank),
               "error: rank " + std::to_string(rank) + ": (.*: )?ReduceByKey: boom in reduce$");
}

TEST_P(FlowErrors, AThrowInAGroupCallbackEndsTheJob) {
  ExpectFailed(Run("group", 0), "error: rank 0: GroupByKey: boom in group$");
}

TEST_P(FlowErrors, AThrowInTheWritingStageCommitsNothing) {
  const int rank = GetParam() - 1;
  ExpectFailed(Run("write", rank), "error: rank " + std::to_string(rank) + ": Map: boom in write$");
}

TEST_P(FlowErrors, AThrowInTheJobBodyOnOneRankEndsTheJob) {
  const int rank = GetParam() - 1;
  ExpectFailed(Run("body", rank), "error: rank " + std::to_string(rank) + ": job: boom in body$");
}

TEST_P(FlowErrors, AFormatTheRowsCannotBeWrittenInIsOneClearError) {
  ExpectFailed(Run("none", 0, "--format hdf5"),
               R"(error: --format hdf5: output "sums": column "key" is not numeric)");
}

TEST_P(FlowErrors, AnOutputNameUsedTwiceIsOneClearError) {
  ExpectFailed(Run("twice", 0), R"(error: Write: output "sums" is written twice)");
}

TEST_P(FlowErrors, AnOperationCalledInsideAUserFunctionFailsInsteadOfHanging) {
  ExpectFailed(Run("nested", 0),
               R"(error: rank [0-3]: .*Map: an operation was called inside a user function)");
}

TEST_P(FlowErrors, OneWriteInSeveralFormatsCountsItsRecordsOnce) {
  testing::CommandResult r = Run("none", 0, "--format-list csv,jsonl");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::vector<std::string> names = testing::CommittedNames(out_.Join("out"));
  EXPECT_EQ(names.size(), 2u * static_cast<size_t>(GetParam()));
  size_t csv_rows = 0, json_rows = 0;
  for (const std::string& name : names) {
    const std::string text = testing::ReadFile(testing::CommittedFile(out_.Join("out"), name));
    for (const std::string& line : testing::SplitLines(text)) {
      if (name.ends_with(".csv") && line != "key,sum") ++csv_rows;
      if (name.ends_with(".jsonl")) {
        ++json_rows;
        EXPECT_TRUE(line.starts_with("{\"key\":")) << line;
      }
    }
  }
  EXPECT_EQ(csv_rows, 7u);
  EXPECT_EQ(json_rows, 7u);
  const std::string manifest = testing::ReadFile(out_.Join("out/_SUCCESS"));
  EXPECT_NE(manifest.find("\"records_out\":7,"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"shuffle.pairs_sent\":"), std::string::npos) << manifest;
}

TEST_P(FlowErrors, NumericRowsAreWrittenAsHdf5) {
  testing::CommandResult r = Run("none", 0, "--format hdf5 --numeric");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  double total = 0;
  int rows = 0;
  for (int rank = 0; rank < GetParam(); ++rank) {
    char name[32];
    std::snprintf(name, sizeof name, "sums-%05d.h5", rank);
    const std::string path = testing::CommittedFile(out_.Join("out"), name);
    testing::CommandResult dump = RunCommand("h5dump -d float64 -y " + path + " 2>&1");
    ASSERT_EQ(dump.exit_code, 0) << dump.output;
    // The data section lists the values separated by commas and spaces.
    const size_t at = dump.output.find("DATA {");
    ASSERT_NE(at, std::string::npos) << dump.output;
    std::string data = dump.output.substr(at + 6, dump.output.find('}', at) - at - 6);
    for (char& c : data) c = (c == ',') ? ' ' : c;
    std::istringstream in(data);
    for (double v; in >> v;) {
      total += v;
      ++rows;
    }
    testing::CommandResult attr = RunCommand("h5dump -a float64/columns " + path + " 2>&1");
    EXPECT_NE(attr.output.find("\"sum\""), std::string::npos) << attr.output;
  }
  // The sums of k0..k4 (8 files), "own" (3 per rank) and "poison" (0).
  EXPECT_EQ(rows, 7);
  EXPECT_DOUBLE_EQ(total, 8 * 780 + 3 * GetParam());
}

INSTANTIATE_TEST_SUITE_P(Ranks, FlowErrors, ::testing::Values(1, 2, 4),
                         [](const auto& info) { return "np" + std::to_string(info.param); });

}  // namespace
}  // namespace rankflow
