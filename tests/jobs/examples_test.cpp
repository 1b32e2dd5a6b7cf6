// End-to-end tests of the example jobs' binaries (jobs/examples/, contracts in
// jobs/examples/README.md). The pipelines' rows at 1, 2 and 4 ranks, with and without forced
// spills, are tests/jobs/examples_pipeline_test.cpp's (in process, against a C++ reference); here
// each binary runs once per corpus at 2 ranks — a tweetgen corpus (two generated days, with
// malformed lines, duplicates and notices) and the real samples of tests/data/tweets (every
// archive shape) — against tests/jobs/examples/reference.py, an independent sequential reference
// in Python (standard library only) that reads the archives itself: every row of every output
// in order (cells equal as text, or as the same double: "4" and "4.0"), and the manifest's
// records_out and tweets_in. Then flags and exit codes (--help, bad flags, an existing --dest),
// and the examples on a load_tweets Parquet table.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <cstdlib>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::BinPath;
using testing::CommandResult;
using testing::CommittedFile;
using testing::CommittedNames;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::RunCommand;
using testing::SourcePath;
using testing::SplitLines;
using testing::TempDir;

using Row = std::vector<std::string>;

struct Table {
  Row header;
  std::vector<Row> rows;
};

// The reference's answer: one table per output, and the number of tweets it read.
struct Expected {
  std::vector<Table> tables;
  uint64_t tweets = 0;
};

struct Example {
  std::string name;
  std::vector<std::string> outputs;
};

void PrintTo(const Example& e, std::ostream* os) { *os << e.name; }

const Example kExamples[] = {
    {"retweet_graph", {"edges", "authors"}},
    {"lang_by_hour", {"shares"}},
    {"top_domains", {"domains"}},
    {"mention_ratio", {"ratios"}},
};

// One CSV line (RFC 4180 quoting, no line breaks inside fields).
Row ParseCsvLine(const std::string& line) {
  Row out(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted && c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
      out.back().push_back('"');
      ++i;
    } else if (c == '"') {
      quoted = !quoted;
    } else if (c == ',' && !quoted) {
      out.emplace_back();
    } else {
      out.back().push_back(c);
    }
  }
  return out;
}

// Appends a CSV file's rows to *table; checks its header against the table's (set by the first).
void AppendCsv(const std::string& path, Table* table) {
  std::vector<std::string> lines = SplitLines(ReadFile(path));
  while (!lines.empty() && lines.back().empty()) lines.pop_back();
  if (lines.empty()) return;
  Row header = ParseCsvLine(lines[0]);
  if (table->header.empty()) table->header = header;
  EXPECT_EQ(header, table->header) << path;
  for (size_t i = 1; i < lines.size(); ++i) table->rows.push_back(ParseCsvLine(lines[i]));
}

// The rows of output `name` of a committed folder: its parts (name-00000.csv, name-00001.csv …,
// found through _SUCCESS) concatenated in rank order.
Table ReadOutput(const std::string& dest, const std::string& name) {
  Table table;
  int parts = 0;
  for (const std::string& logical : CommittedNames(dest)) {
    if (logical.rfind(name + "-", 0) != 0 || logical.size() < 4 ||
        logical.compare(logical.size() - 4, 4, ".csv") != 0) {
      continue;
    }
    AppendCsv(CommittedFile(dest, logical), &table);
    ++parts;
  }
  EXPECT_GT(parts, 0) << dest << " holds no part of output " << name;
  return table;
}

bool SameCell(const std::string& got, const std::string& want) {
  if (got == want) return true;
  char* end_got = nullptr;
  char* end_want = nullptr;
  const double g = std::strtod(got.c_str(), &end_got);
  const double w = std::strtod(want.c_str(), &end_want);
  if (got.empty() || want.empty() || *end_got != '\0' || *end_want != '\0') return false;
  return g == w;  // both sides divide the same integers: the same double, whatever its text
}

void ExpectSameTable(const Table& got, const Table& want, const std::string& what) {
  EXPECT_EQ(got.header, want.header) << what;
  ASSERT_EQ(got.rows.size(), want.rows.size()) << what;
  for (size_t i = 0; i < want.rows.size(); ++i) {
    const Row& g = got.rows[i];
    const Row& w = want.rows[i];
    bool same = g.size() == w.size();
    for (size_t c = 0; same && c < w.size(); ++c) same = SameCell(g[c], w[c]);
    ASSERT_TRUE(same) << what << ", row " << i + 1 << ": got\n  " << ::testing::PrintToString(g)
                      << "\nwant\n  " << ::testing::PrintToString(w);
  }
}

class ExamplesTest : public ::testing::TestWithParam<std::tuple<Example, std::string>> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    // Two days (tweetgen's clock starts at 2020-01-01 + seed days), so per-day outputs have rows
    // for each.
    for (const std::string& args :
         {"--dest " + dir_->Join("tweetgen/day1") +
              " --files 2 --mb 3 --seed 5 --bad-share 0.01 --dup-share 0.02",
          "--dest " + dir_->Join("tweetgen/day2") +
              " --files 3 --mb 2 --seed 6 --notice-share 0.05"}) {
      CommandResult r = RunCommand(BinPath("tweetgen") + " " + args + " --gzip-level 1");
      ASSERT_EQ(r.exit_code, 0) << r.output;
    }
  }
  static void TearDownTestSuite() { delete dir_; }

  static std::string Corpus(const std::string& which) {
    return which == "samples" ? SourcePath("tests/data/tweets") : dir_->Join("tweetgen");
  }

  // The reference's outputs for one example on one corpus.
  static Expected Reference(const Example& ex, const std::string& corpus,
                            const std::string& which) {
    const std::string out = dir_->Join("ref-" + ex.name + "-" + which);
    CommandResult r = RunCommand("python3 " + SourcePath("tests/jobs/examples/reference.py") + " " +
                                     ex.name + " --src " + corpus + " --out " + out,
                                 300);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    Expected want;
    for (const std::string& name : ex.outputs) {
      want.tables.emplace_back();
      AppendCsv(out + "/" + name + ".csv", &want.tables.back());
    }
    want.tweets = std::stoull(ReadFile(out + "/tweets.txt"));
    return want;
  }

  // Runs the example and compares every output, and the manifest's counts, with the reference.
  static void RunAndCompare(const Example& ex, const std::string& corpus, int ranks,
                            const std::string& extra, const Expected& want) {
    const std::string dest = dir_->Join("out-" + ex.name + "-" + std::to_string(ranks) + "-" +
                                        std::to_string(std::hash<std::string>()(corpus + extra)));
    CommandResult r = RunCommand(MpirunPrefix(ranks) + " " + BinPath(ex.name) + " --src " + corpus +
                                     " --dest " + dest + " --format csv " + extra,
                                 300);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    uint64_t rows = 0;
    for (size_t i = 0; i < ex.outputs.size(); ++i) {
      const std::string what =
          ex.name + " at " + std::to_string(ranks) + " ranks " + extra + ", " + ex.outputs[i];
      ExpectSameTable(ReadOutput(dest, ex.outputs[i]), want.tables[i], what);
      rows += want.tables[i].rows.size();
    }
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError()) << dest;
    EXPECT_EQ(m["ranks"].GetInt(), ranks);
    EXPECT_EQ(m["records_out"].GetUint64(), rows);
    EXPECT_EQ(m["counters"]["tweets_in"].GetUint64(), want.tweets) << "tweets read";
  }

  static TempDir* dir_;
};

TempDir* ExamplesTest::dir_ = nullptr;

TEST_P(ExamplesTest, MatchesThePythonReference) {
  const auto& [ex, which] = GetParam();
  const std::string corpus = Corpus(which);
  const Expected want = Reference(ex, corpus, which);
  ASSERT_EQ(want.tables.size(), ex.outputs.size());
  for (const Table& t : want.tables) ASSERT_FALSE(t.rows.empty()) << "reference gave no rows";
  SCOPED_TRACE(ex.name + " on " + which);
  RunAndCompare(ex, corpus, 2, "", want);
}

INSTANTIATE_TEST_SUITE_P(All, ExamplesTest,
                         ::testing::Combine(::testing::ValuesIn(kExamples),
                                            ::testing::Values("tweetgen", "samples")),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" + std::get<1>(info.param);
                         });

// Flags and exit codes: --help (0, the job's own flags listed), an unknown flag or a --top that
// is not a number (2, one line), an existing --dest under --mode error (1, one line, the old
// output untouched), --mode overwrite over it (0).
TEST(ExamplesFlagsTest, HelpBadFlagsAndAnExistingDest) {
  TempDir dir;
  const std::string src = SourcePath("tests/data/tweets");
  for (const Example& ex : kExamples) {
    SCOPED_TRACE(ex.name);
    // One process without mpirun (an MPI singleton): a failing run under mpirun costs ~2 s of
    // mpirun's abort handling, and the exit codes are the same.
    const std::string run = BinPath(ex.name) + " ";
    CommandResult r = RunCommand(run + "--help");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("usage: " + ex.name + " [flags]"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("--top <int>") != std::string::npos, ex.name != "lang_by_hour")
        << r.output;
    r = RunCommand(run + "--src " + src + " --dest " + dir.Join("x") + " --foo 1");
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(ex.name + ": unknown flag --foo (see --help)"), std::string::npos)
        << r.output;
    if (ex.name != "lang_by_hour") {
      r = RunCommand(run + "--src " + src + " --dest " + dir.Join("x") + " --top many");
      EXPECT_EQ(r.exit_code, 2) << r.output;
      EXPECT_NE(r.output.find(ex.name + ": --top: not an integer: many"), std::string::npos)
          << r.output;
    }
    const std::string dest = dir.Join(ex.name);
    r = RunCommand(run + "--src " + src + " --dest " + dest, 300);
    ASSERT_EQ(r.exit_code, 0) << r.output;
    const std::string manifest = ReadFile(dest + "/_SUCCESS");
    r = RunCommand(run + "--src " + src + " --dest " + dest, 300);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_NE(r.output.find(ex.name + ": error: "), std::string::npos) << r.output;
    EXPECT_EQ(ReadFile(dest + "/_SUCCESS"), manifest) << "the old output is untouched";
    r = RunCommand(run + "--src " + src + " --dest " + dest + " --mode overwrite", 300);
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(ReadFile(dest + "/_SUCCESS"), manifest) << "a new commit";
  }
}

// The examples on a load_tweets Parquet table (ReadTweets reads it through ReadParquetTweets)
// give what they give on the same tweets' JSON lines (issue 12, item 3: every job runs on either).
TEST(ExamplesOnParquetTest, SameOutputsAsOnTheJsonOfTheSameTweets) {
  TempDir dir;
  for (const char* format : {"jsonl", "parquet"}) {
    CommandResult r = RunCommand(MpirunPrefix(2) + " " + BinPath("load_tweets") + " --src " +
                                     SourcePath("tests/data/tweets") + " --dest " +
                                     dir.Join(format) + " --format " + format,
                                 300);
    ASSERT_EQ(r.exit_code, 0) << r.output;
  }
  for (const Example& ex : kExamples) {
    const int ranks = 2;
    std::vector<Table> tables[2];
    uint64_t tweets[2] = {0, 0};
    for (int i = 0; i < 2; ++i) {
      const std::string format = i == 0 ? "jsonl" : "parquet";
      const std::string dest = dir.Join(ex.name + "-" + format + std::to_string(ranks));
      CommandResult r = RunCommand(MpirunPrefix(ranks) + " " + BinPath(ex.name) + " --src " +
                                       dir.Join(format) + " --dest " + dest + " --format csv",
                                   300);
      ASSERT_EQ(r.exit_code, 0) << r.output;
      for (const std::string& name : ex.outputs) tables[i].push_back(ReadOutput(dest, name));
      rapidjson::Document m;
      m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
      ASSERT_FALSE(m.HasParseError()) << dest;
      tweets[i] = m["counters"]["tweets_in"].GetUint64();
    }
    EXPECT_GT(tweets[0], 0u) << ex.name;
    EXPECT_EQ(tweets[1], tweets[0]) << ex.name << ": tweets read from Parquet and from JSON";
    for (size_t o = 0; o < ex.outputs.size(); ++o) {
      EXPECT_FALSE(tables[0][o].rows.empty()) << ex.name << " " << ex.outputs[o];
      ExpectSameTable(
          tables[1][o], tables[0][o],
          ex.name + " on Parquet vs JSON at " + std::to_string(ranks) + " ranks, " + ex.outputs[o]);
    }
  }
}

}  // namespace
}  // namespace rankflow
