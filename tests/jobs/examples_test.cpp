// End-to-end tests of the example jobs (jobs/examples/, contracts in jobs/README.md, "Example
// jobs"): each binary under mpirun at 1, 2 and 4 ranks, on a tweetgen corpus (two generated days,
// with malformed lines, duplicates and notices) and on the real samples of tests/data/tweets
// (every archive shape), against tests/jobs/examples/reference.py — an independent sequential
// reference in Python (standard library only) that reads the archives itself. Every row of every
// output is compared in order: cells equal as text, or as the same double (the share and ratio
// columns: "4" and "4.0"). One run per example also forces the hard paths (--debug-shuffle,
// --memory-mb 1: spills and one-record exchange rounds).
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

TEST_P(ExamplesTest, MatchesThePythonReferenceAt1And2And4Ranks) {
  const auto& [ex, which] = GetParam();
  const std::string corpus = Corpus(which);
  const Expected want = Reference(ex, corpus, which);
  ASSERT_EQ(want.tables.size(), ex.outputs.size());
  for (const Table& t : want.tables) ASSERT_FALSE(t.rows.empty()) << "reference gave no rows";
  for (int ranks : {1, 2, 4}) {
    SCOPED_TRACE(ex.name + " on " + which + " at " + std::to_string(ranks) + " ranks");
    RunAndCompare(ex, corpus, ranks, "", want);
  }
  // The hard paths: every shuffle spills and exchanges in tiny rounds.
  RunAndCompare(ex, corpus, 2, "--debug-shuffle --memory-mb 1", want);
}

INSTANTIATE_TEST_SUITE_P(All, ExamplesTest,
                         ::testing::Combine(::testing::ValuesIn(kExamples),
                                            ::testing::Values("tweetgen", "samples")),
                         [](const auto& info) {
                           return std::get<0>(info.param).name + "_" + std::get<1>(info.param);
                         });

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
    for (int ranks : {1, 2}) {
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
        ExpectSameTable(tables[1][o], tables[0][o],
                        ex.name + " on Parquet vs JSON at " + std::to_string(ranks) + " ranks, " +
                            ex.outputs[o]);
      }
    }
  }
}

}  // namespace
}  // namespace rankflow
