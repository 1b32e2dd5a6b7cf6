// classify_tweets end to end: a synthetic two-language corpus it must separate, and the real
// tweet samples in tests/data/tweets where it must beat the majority-class baseline.
// The pipeline against a sequential reference at 1, 2 and 4 ranks (features, bad-line counts, too
// few classes): classify_tweets_pipeline_test.cpp.
#include <gtest/gtest.h>

#include <cstdlib>
#include <random>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::BinPath;
using testing::MpirunPrefix;
using testing::RunCommand;
using testing::TempDir;

std::string Classify(int ranks, const std::string& args) {
  return MpirunPrefix(ranks) + " " + BinPath("classify_tweets") + " " + args;
}

// v1.1 statuses whose words come from one of three small vocabularies by language.
void WriteCorpus(const std::string& dir) {
  const std::vector<std::string> en = {"the",  "and",   "house", "water", "friend", "today",
                                       "good", "night", "thank", "you",   "love",   "city"};
  const std::vector<std::string> es = {"el",    "la",    "casa",    "agua", "amigo",  "hoy",
                                       "bueno", "noche", "gracias", "amor", "ciudad", "que"};
  const std::vector<std::string> de = {"der", "die",   "haus",  "wasser", "freund", "heute",
                                       "gut", "nacht", "danke", "liebe",  "stadt",  "und"};
  std::mt19937 rng(3);
  for (int file = 0; file < 3; ++file) {
    std::string lines;
    for (int i = 0; i < 120; ++i) {
      const int which = static_cast<int>(rng() % 3);
      const auto& words = which == 0 ? en : which == 1 ? es : de;
      std::string text;
      for (int w = 0; w < 7; ++w) text += (w ? " " : "") + words[rng() % words.size()];
      const std::string id = std::to_string(1000000 + file * 1000 + i);
      lines += "{\"id_str\":\"" + id +
               "\",\"created_at\":\"Wed Oct 10 20:19:24 +0000 2018\",\"text\":\"" + text +
               "\",\"lang\":\"" +
               (which == 0   ? "en"
                : which == 1 ? "es"
                             : "de") +
               "\",\"user\":{\"id_str\":\"7\",\"screen_name\":\"u\"}}\n";
    }
    lines += "{not json\n";  // a bad line is skipped, not fatal
    testing::WriteFile(dir + "/part-" + std::to_string(file) + ".jsonl", lines);
  }
}

double HeldOutAccuracyOfChosen(const std::string& output) {
  const size_t at = output.find("<- chosen");
  if (at == std::string::npos) return -1;
  const size_t line = output.rfind("held-out accuracy ", at);
  return std::strtod(output.c_str() + line + 18, nullptr);
}

TEST(ClassifyTweetsTest, SeparatesASyntheticThreeLanguageCorpus) {
  TempDir dir;
  WriteCorpus(dir.Join("src"));
  const std::string dest = dir.Join("out");
  auto r = RunCommand(Classify(2, "--src " + dir.Join("src") + " --dest " + dest +
                                      " --hidden 0,8 --epochs 15 --min-class 5"),
                      240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("360 tweets read, 360 distinct, 360 kept in 3 languages"),
            std::string::npos)
      << r.output;
  EXPECT_GE(HeldOutAccuracyOfChosen(r.output), 0.97) << r.output;
  // Two committed folders, each holding _SUCCESS and what it lists, nothing else.
  EXPECT_EQ(testing::TreeEntries(dest).size(),
            2 + testing::CommittedTree(dest + "/features").size() +
                testing::CommittedTree(dest + "/model").size());
  EXPECT_EQ(testing::CommittedNames(dest + "/features"),
            (std::vector<std::string>{"test.h5", "train.h5"}));
  EXPECT_EQ(testing::CommittedNames(dest + "/model"),
            (std::vector<std::string>{"metrics.csv", "model-hidden-0.h5", "model-hidden-8.h5",
                                      "report.html", "selection.json"}));
  for (const std::string& name : testing::CommittedNames(dest + "/model")) {
    EXPECT_EQ(RunCommand("test -s " + testing::CommittedFile(dest + "/model", name)).exit_code, 0)
        << name;
  }
  const std::string html =
      testing::ReadFile(testing::CommittedFile(dest + "/model", "report.html"));
  EXPECT_NE(html.find("Majority-class baseline"), std::string::npos);
  // The held-out rows are sparse CSR rows with unit L2 norm.
  auto py = RunCommand(
      "/usr/bin/python3 -c \"import h5py,numpy as np,sys; f=h5py.File(sys.argv[1],'r'); "
      "p=f['indptr'][...]; v=f['values'][...]; "
      "n=[np.sqrt((v[p[i]:p[i+1]]**2).sum()) for i in range(len(p)-1)]; "
      "print(f.attrs['classes'], len(p)-1 == len(f['y']), bool(np.allclose(n, 1, atol=1e-5)))\" " +
      testing::CommittedFile(dest + "/features", "test.h5"));
  ASSERT_EQ(py.exit_code, 0) << py.output;
  EXPECT_EQ(py.output, "de,en,es True True\n") << py.output;
}

TEST(ClassifyTweetsTest, BeatsTheMajorityBaselineOnRealTweetSamples) {
  TempDir dir;
  auto r = RunCommand(Classify(2, "--src " + testing::SourcePath("tests/data/tweets") + " --dest " +
                                      dir.Join("out")),
                      240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const size_t at = r.output.find("majority-class baseline (held out): ");
  ASSERT_NE(at, std::string::npos) << r.output;
  const double baseline = std::strtod(r.output.c_str() + at + 36, nullptr);
  EXPECT_GT(baseline, 0.5);
  EXPECT_GT(HeldOutAccuracyOfChosen(r.output), baseline) << r.output;
}

// A --src that is a committed output is read through its _SUCCESS: files it does not list (a
// killed attempt's leftover, here part-2) are not inputs.
TEST(ClassifyTweetsTest, ReadsACommittedSrcThroughItsManifest) {
  TempDir dir;
  WriteCorpus(dir.Join("src"));
  testing::WriteFile(dir.Join("src/_SUCCESS"),
                     "{\"job\":\"load_tweets\",\"attempt\":\"rf000000000001\",\"files\":["
                     "{\"name\":\"part-0.jsonl\",\"file\":\"part-0.jsonl\"},"
                     "{\"name\":\"part-1.jsonl\",\"file\":\"part-1.jsonl\"}]}\n");
  auto r = RunCommand(Classify(2, "--src " + dir.Join("src") + " --dest " + dir.Join("out") +
                                      " --hidden 0 --epochs 2 --min-class 5"),
                      240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("240 tweets read, 240 distinct"), std::string::npos) << r.output;
}

// The three "{not json" lines of the corpus are counted by kind in features/_SUCCESS; with --strict
// the first one ends the job (rank 0 reads part-0 and part-2), naming file and line.
TEST(ClassifyTweetsTest, BadLinesAreCountedAndStrictFailsOnTheFirst) {
  TempDir dir;
  WriteCorpus(dir.Join("src"));
  const std::string args = "--src " + dir.Join("src") + " --hidden 0 --epochs 1 --min-class 5";
  auto r = RunCommand(Classify(2, args + " --dest " + dir.Join("out")), 240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string manifest = testing::ReadFile(dir.Join("out/features/_SUCCESS"));
  EXPECT_NE(manifest.find("\"bad_lines\":{\"invalid_json\":3}"), std::string::npos) << manifest;
  EXPECT_NE(manifest.find("\"records_in\":363,"), std::string::npos) << manifest;  // lines
  auto strict = RunCommand(Classify(2, args + " --strict --dest " + dir.Join("strict")), 240);
  EXPECT_EQ(strict.exit_code, 1) << strict.output;
  EXPECT_NE(strict.output.find("classify_tweets: error: --strict: invalid_json at " +
                               dir.Join("src/part-0.jsonl") + ":121"),
            std::string::npos)
      << strict.output;
  EXPECT_NE(RunCommand("test -e " + dir.Join("strict/features/_SUCCESS")).exit_code, 0);
}

}  // namespace
}  // namespace rankflow
