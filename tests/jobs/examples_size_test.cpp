// The size rule of the example jobs (issue 10): every jobs/examples/*.cpp, main and flags
// included, is at most 40 lines that are neither blank nor comments.
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

constexpr int kMaxLines = 40;

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

TEST(ExamplesSizeTest, EveryExampleHasAtMost40CodeLines) {
  std::vector<std::string> found;
  for (const auto& e : std::filesystem::directory_iterator(SourcePath("jobs/examples"))) {
    if (e.path().extension() != ".cpp") continue;
    found.push_back(e.path().stem().string());
    const int lines = CodeLines(ReadFile(e.path().string()));
    EXPECT_LE(lines, kMaxLines) << e.path();
    std::printf("%s: %d lines\n", e.path().filename().c_str(), lines);
  }
  std::sort(found.begin(), found.end());
  EXPECT_EQ(found, (std::vector<std::string>{"lang_by_hour", "mention_ratio", "retweet_graph",
                                             "top_domains"}));
}

}  // namespace
}  // namespace rankflow
