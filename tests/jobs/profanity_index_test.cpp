// End-to-end tests of build/bin/profanity_index at 1, 2 and 4 ranks on a hand-built archive whose
// answer is counted by hand below, plus the report page and the failure cases.
#include "jobs/profanity_index.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using testing::BinPath;
using testing::CommandResult;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::RunCommand;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzipFile;

// A v1.1 line: id, time "Tue Jul 18 HH:MM:SS +0000 2017", text, hashtags, mentions.
std::string V1(int id, const std::string& hhmmss, const std::string& text,
               const std::string& hashtags = "", const std::string& mentions = "") {
  return R"({"id_str":")" + std::to_string(id) + R"(","created_at":"Tue Jul 18 )" + hhmmss +
         R"( +0000 2017","text":")" + text + R"(","user":{"id_str":"1","screen_name":"u"},)" +
         R"("entities":{"hashtags":[)" + hashtags + R"(],"user_mentions":[)" + mentions +
         R"(],"urls":[]}})";
}

void MakeInput(const std::string& dir) {
  fs::create_directories(dir);
  // Hour 10: Alpha mentioned 3 times (by word, by #alpha, by @AlphaCorp), 2 profane; Beta once.
  WriteFile(dir + "/a.jsonl", V1(1, "10:01:00", "alpha is shit") + "\n" +
                                  V1(2, "10:02:00", "I love #Alpha", R"({"text":"Alpha"})") + "\n" +
                                  V1(3, "10:03:00", "what the fuck @AlphaCorp and beta", "",
                                     R"({"screen_name":"AlphaCorp"})") +
                                  "\n" + "garbage line\n");
  // Hour 11: Beta twice, none profane; a tweet mentioning nothing; a delete notice.
  WriteGzipFile(dir + "/b.jsonl.gz",
                V1(4, "11:00:00", "Beta release today") + "\n" +
                    V1(5, "11:59:59", "beta beta beta") + "\n" +
                    V1(6, "11:30:00", "nothing to see") + "\n" +
                    R"({"delete":{"status":{"id_str":"9","user_id_str":"1"}}})" + "\n");
  // Hour 12: Alpha once (two-word name inside a sentence), profane.
  WriteFile(dir + "/c.jsonl", V1(7, "12:15:00", "so the Alpha Corp thing is bullshit") + "\n");
}

TEST(ProfanityIndexTest, CountsByHourAndTargetAtEveryRankCount) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  WriteFile(tmp.Join("targets.txt"),
            "// the two products\nAlpha: alpha, #alpha, @AlphaCorp, alpha corp\nBeta: beta\n");
  const std::string expected =
      "bucket,target,tweets,profane,rate\n"
      "2017-07-18T10:00:00Z,Alpha,3,2,0.666667\n"
      "2017-07-18T10:00:00Z,Beta,1,1,1.000000\n"
      "2017-07-18T11:00:00Z,Beta,2,0,0.000000\n"
      "2017-07-18T12:00:00Z,Alpha,1,1,1.000000\n";
  for (int ranks : {1, 2, 4}) {
    SCOPED_TRACE("ranks " + std::to_string(ranks));
    const std::string dest = tmp.Join("out" + std::to_string(ranks));
    CommandResult r =
        RunCommand(MpirunPrefix(ranks) + " " + BinPath("profanity_index") + " --src " + in +
                   " --dest " + dest + " --targets " + tmp.Join("targets.txt"));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_EQ(testing::CommittedNames(dest),
              (std::vector<std::string>{"part-00000.csv", "report.html"}));
    EXPECT_EQ(ReadFile(testing::CommittedFile(dest, "part-00000.csv")), expected);
    const std::string html = ReadFile(testing::CommittedFile(dest, "report.html"));
    EXPECT_NE(html.find("<svg"), std::string::npos);
    EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, no scripts
    EXPECT_NE(html.find("<td>2017-07-18T10:00:00Z</td><td>Alpha</td><td>3</td><td>2</td>"),
              std::string::npos);
    const std::string manifest = ReadFile(dest + "/_SUCCESS");
    EXPECT_NE(manifest.find("\"notices.delete\":1"), std::string::npos) << manifest;
    EXPECT_NE(manifest.find("\"bad_lines.invalid_json\":1"), std::string::npos) << manifest;
  }
}

TEST(ProfanityIndexTest, ReportDrawsOneLinePerTargetWithData) {
  const std::string html = RenderProfanityReport({{"2017-07-18T10:00:00Z", "A", 4, 1},
                                                  {"2017-07-18T10:00:00Z", "B", 2, 2},
                                                  {"2017-07-18T11:00:00Z", "A", 4, 2}},
                                                 {"A", "B", "C <none>"}, "t");
  size_t lines = 0;
  for (size_t p = html.find("<polyline"); p != std::string::npos;
       p = html.find("<polyline", p + 1)) {
    ++lines;
  }
  EXPECT_EQ(lines, 2u);
  EXPECT_NE(html.find("C &lt;none&gt;"), std::string::npos);  // escaped legend entry
}

TEST(ProfanityIndexTest, BadTargetsAndFlagsFail) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  WriteFile(tmp.Join("empty.txt"), "// nothing\n\n");
  const std::string base = MpirunPrefix(2) + " " + BinPath("profanity_index") + " --src " + in;
  CommandResult r =
      RunCommand(base + " --dest " + tmp.Join("o1") + " --targets " + tmp.Join("missing.txt"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("missing.txt"), std::string::npos) << r.output;
  r = RunCommand(base + " --dest " + tmp.Join("o2") + " --targets " + tmp.Join("empty.txt"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("no target"), std::string::npos) << r.output;
  r = RunCommand(base + " --dest " + tmp.Join("o3") + " --by week --targets " +
                 tmp.Join("empty.txt"));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_FALSE(fs::exists(tmp.Join("o1/_SUCCESS")) || fs::exists(tmp.Join("o2/_SUCCESS")) ||
               fs::exists(tmp.Join("o3/_SUCCESS")));
}

}  // namespace
}  // namespace rankflow
