// The size rule of the example jobs (issue 10; issue 11, item 6 split each into Thrill's shape):
// every example is a pipeline header jobs/examples/NAME.h of at most 40 lines that are neither
// blank nor comments (rows, options, the pipeline), and a driver NAME.cpp (main: flags -> the
// pipeline) of at most 10; the two together at most 45.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::SourcePath;
using testing::SplitLines;

constexpr int kMaxPipelineLines = 40;
constexpr int kMaxDriverLines = 10;
constexpr int kMaxExampleLines = 45;

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r");
  if (b == std::string::npos) return "";
  return s.substr(b, s.find_last_not_of(" \t\r") - b + 1);
}

// Lines holding code: not blank, not only a // comment, not inside or only a /* */ comment.
int CodeLines(const std::string& text) {
  int n = 0;
  bool in_block = false;
  for (const std::string& raw : SplitLines(text)) {
    std::string line = Trim(raw);
    if (in_block) {
      const size_t end = line.find("*/");
      if (end == std::string::npos) continue;
      in_block = false;
      line = Trim(line.substr(end + 2));
    }
    while (line.rfind("/*", 0) == 0) {
      const size_t end = line.find("*/", 2);
      if (end == std::string::npos) {
        in_block = true;
        line.clear();
        break;
      }
      line = Trim(line.substr(end + 2));
    }
    if (line.empty() || line.rfind("//", 0) == 0) continue;
    ++n;
  }
  return n;
}

TEST(ExamplesSizeTest, CountsCodeLinesOnly) {
  EXPECT_EQ(CodeLines("// a\n\n  int x;  // y\n/* b\n c */\n/* d */ int z;\n   \nint w;\n"), 3);
}

TEST(ExamplesSizeTest, EveryExampleIsAShortPipelineAndDriver) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(SourcePath("jobs/examples"))) {
    if (e.path().extension() != ".cpp") continue;
    found.push_back(e.path().stem().string());
    std::filesystem::path header = e.path();
    header.replace_extension(".h");
    ASSERT_TRUE(std::filesystem::exists(header)) << header << ": the pipeline of " << e.path();
    const int driver = CodeLines(ReadFile(e.path().string()));
    const int pipeline = CodeLines(ReadFile(header.string()));
    EXPECT_LE(pipeline, kMaxPipelineLines) << header;
    EXPECT_LE(driver, kMaxDriverLines) << e.path();
    EXPECT_LE(pipeline + driver, kMaxExampleLines) << e.path().stem();
    std::printf("%s: %d lines (pipeline %d, driver %d)\n", e.path().stem().c_str(),
                pipeline + driver, pipeline, driver);
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"lang_by_hour", "mention_ratio", "retweet_graph",
                                             "top_domains"}));
}

}  // namespace
}  // namespace rankflow
