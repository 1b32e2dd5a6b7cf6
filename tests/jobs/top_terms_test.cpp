// End-to-end tests of build/bin/top_terms under mpirun at 1, 2 and 4 ranks, against a sequential
// reference written independently here: rapidjson over the gunzipped lines, glibc towlower for
// lowercasing, and a separate tokenizer for words. Also the failure cases: truncated gzip, empty
// files, garbage lines, --strict, missing folder, unwritable dest, existing dest, bad flags.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <clocale>
#include <cstdio>
#include <cwchar>
#include <cwctype>
#include <filesystem>
#include <map>
#include <memory>
#include <set>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;
using testing::BinPath;
using testing::CommandResult;
using testing::MpirunPrefix;
using testing::ReadFile;
using testing::ReadMaybeGzipFile;
using testing::RunCommand;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzipFile;

using Counts = std::map<std::string, uint64_t>;
using Rows = std::vector<std::pair<std::string, uint64_t>>;

struct Reference {
  Counts hashtags;
  Counts words;
  uint64_t lines = 0;
  uint64_t tweets = 0;
  uint64_t notices = 0;
  uint64_t bad = 0;
};

std::wstring Widen(const std::string& s) {
  std::mbstate_t st{};
  std::wstring out;
  const char* p = s.data();
  const char* end = p + s.size();
  while (p < end) {
    wchar_t wc = 0;
    size_t n = std::mbrtowc(&wc, p, end - p, &st);
    if (n == static_cast<size_t>(-1) || n == static_cast<size_t>(-2) || n == 0) {
      ADD_FAILURE() << "invalid utf-8 in test data";
      return out;
    }
    out.push_back(wc);
    p += n;
  }
  return out;
}

std::string Narrow(const std::wstring& w) {
  std::string out;
  std::mbstate_t st{};
  char buf[MB_LEN_MAX];
  for (wchar_t wc : w) {
    size_t n = std::wcrtomb(buf, wc, &st);
    out.append(buf, n);
  }
  return out;
}

std::string Lower(const std::string& s) {
  std::wstring w = Widen(s);
  for (wchar_t& c : w) c = static_cast<wchar_t>(std::towlower(static_cast<wint_t>(c)));
  return Narrow(w);
}

// The word rule of jobs/top_terms_text.h, written again from its description.
bool WordChar(wchar_t c) {
  auto u = static_cast<uint32_t>(c);
  if (u < 128) return std::isalnum(static_cast<int>(u)) || u == '_';
  bool excluded = u < 0xC0 || u == 0xD7 || u == 0xF7 || (u >= 0x2000 && u <= 0x2BFF) ||
                  (u >= 0x3000 && u <= 0x303F) || (u >= 0xFE00 && u <= 0xFE0F) ||
                  (u >= 0xFFF0 && u <= 0xFFFF) || (u >= 0x1F000 && u <= 0x1FAFF) ||
                  (u >= 0xE0000 && u <= 0xE007F);
  return !excluded;
}

void AddWords(const std::string& text, Counts* words) {
  std::wstring w = Widen(text);
  std::wstring cur;
  for (size_t i = 0; i <= w.size(); ++i) {
    if (i < w.size() && WordChar(w[i])) {
      cur.push_back(static_cast<wchar_t>(std::towlower(static_cast<wint_t>(w[i]))));
      continue;
    }
    if (!cur.empty()) ++(*words)[Narrow(cur)];
    cur.clear();
  }
}

void AddHashtags(const rapidjson::Value& entities, Counts* tags) {
  if (!entities.IsObject() || !entities.HasMember("hashtags")) return;
  for (const auto& h : entities["hashtags"].GetArray()) ++(*tags)[Lower(h["text"].GetString())];
}

void AddLine(const std::string& line, Reference* ref) {
  ++ref->lines;
  rapidjson::Document d;
  d.Parse(line.c_str(), line.size());
  if (d.HasParseError() || !d.IsObject()) {
    ++ref->bad;
    return;
  }
  for (const char* k : {"delete", "limit", "scrub_geo", "status_withheld", "user_withheld",
                        "disconnect", "warning", "event", "friends"}) {
    if (d.HasMember(k)) {
      ++ref->notices;
      return;
    }
  }
  bool has_id = d.HasMember("id_str") || d.HasMember("id");
  bool has_ext = d.HasMember("extended_tweet");
  if (!has_id || !(d.HasMember("text") || d.HasMember("full_text") || has_ext)) {
    ++ref->bad;
    return;
  }
  ++ref->tweets;
  if (has_ext) {
    AddHashtags(d["extended_tweet"]["entities"], &ref->hashtags);
    AddWords(d["extended_tweet"]["full_text"].GetString(), &ref->words);
  } else {
    if (d.HasMember("entities")) AddHashtags(d["entities"], &ref->hashtags);
    AddWords(d[d.HasMember("full_text") ? "full_text" : "text"].GetString(), &ref->words);
  }
}

Reference BuildReference(const std::string& dir) {
  Reference ref;
  std::vector<std::string> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path().string());
  std::sort(files.begin(), files.end());
  for (const std::string& f : files) {
    for (const std::string& line : SplitLines(ReadMaybeGzipFile(f))) {
      if (!line.empty()) AddLine(line, &ref);
    }
  }
  return ref;
}

Rows Sorted(const Counts& counts) {
  Rows rows(counts.begin(), counts.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return rows;
}

std::vector<std::string> PartFiles(const std::string& dest, const std::string& ext) {
  std::vector<std::string> parts;
  for (const auto& e : fs::directory_iterator(dest)) {
    std::string name = e.path().filename().string();
    if (name.rfind("part-", 0) == 0 && name.size() > ext.size() &&
        name.compare(name.size() - ext.size(), ext.size(), ext) == 0) {
      parts.push_back(e.path().string());
    }
  }
  std::sort(parts.begin(), parts.end());
  return parts;
}

Rows ReadCsvRows(const std::string& dest) {
  Rows rows;
  for (const std::string& part : PartFiles(dest, ".csv")) {
    std::vector<std::string> lines = SplitLines(ReadFile(part));
    EXPECT_FALSE(lines.empty());
    if (lines.empty()) continue;
    EXPECT_EQ(lines[0], "term,count") << part;
    for (size_t i = 1; i < lines.size(); ++i) {
      if (lines[i].empty()) continue;
      size_t comma = lines[i].rfind(',');
      rows.emplace_back(lines[i].substr(0, comma), std::stoull(lines[i].substr(comma + 1)));
    }
  }
  return rows;
}

Rows ReadJsonlRows(const std::string& dest) {
  Rows rows;
  for (const std::string& part : PartFiles(dest, ".jsonl")) {
    for (const std::string& line : SplitLines(ReadFile(part))) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.c_str());
      EXPECT_FALSE(d.HasParseError()) << line;
      if (d.HasParseError()) continue;
      rows.emplace_back(d["term"].GetString(), d["count"].GetUint64());
    }
  }
  return rows;
}

int64_t Counter(const rapidjson::Document& m, const char* name) {
  const auto& c = m["counters"];
  return c.HasMember(name) ? c[name].GetInt64() : 0;
}

class TopTermsTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    std::setlocale(LC_CTYPE, "C.UTF-8");
    dir_ = new TempDir();
    corpus_ = dir_->Join("corpus");
    CommandResult r = RunCommand(BinPath("tweetgen") + " --dest " + corpus_ +
                                 " --files 5 --mb 4 --seed 11 --bad-share 0.01 --dup-share 0.02"
                                 " --gzip-level 1");
    ASSERT_EQ(r.exit_code, 0) << r.output;
    ref_ = new Reference(BuildReference(corpus_));
    ASSERT_GT(ref_->bad, 0u);
    ASSERT_GT(ref_->notices, 0u);
    ASSERT_GT(ref_->hashtags.size(), 100u);
  }
  static void TearDownTestSuite() {
    delete ref_;
    delete dir_;
  }

  CommandResult Run(int ranks, const std::string& args) {
    return RunCommand(MpirunPrefix(ranks) + " " + BinPath("top_terms") + " " + args, 180);
  }

  // Checks a successful run's parts and manifest against the reference.
  void ExpectMatches(const std::string& dest, const Counts& expected, int ranks) {
    Rows want = Sorted(expected);
    EXPECT_EQ(ReadCsvRows(dest), want);
    EXPECT_EQ(ReadJsonlRows(dest), want);
    ASSERT_TRUE(fs::exists(dest + "/_SUCCESS"));
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError());
    EXPECT_EQ(m["ranks"].GetInt(), ranks);
    EXPECT_EQ(m["records_in"].GetUint64(), ref_->lines);
    EXPECT_EQ(m["records_out"].GetUint64(), want.size());
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "tweets")), ref_->tweets);
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "notices")), ref_->notices);
    EXPECT_EQ(static_cast<uint64_t>(Counter(m, "bad_lines.invalid_json") +
                                    Counter(m, "bad_lines.not_a_tweet")),
              ref_->bad);
    EXPECT_EQ(m["inputs"]["count"].GetInt(), 5);
    EXPECT_EQ(m["files"].GetArray().Size(), static_cast<unsigned>(2 * ranks));
  }

  static TempDir* dir_;
  static std::string corpus_;
  static Reference* ref_;
};

TempDir* TopTermsTest::dir_ = nullptr;
std::string TopTermsTest::corpus_;
Reference* TopTermsTest::ref_ = nullptr;

TEST_F(TopTermsTest, HashtagsMatchReferenceAt1Rank) {
  std::string dest = dir_->Join("out1");
  CommandResult r = Run(1, "--src " + corpus_ + " --dest " + dest + " --top 5");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->hashtags, 1);
  Rows want = Sorted(ref_->hashtags);
  EXPECT_NE(r.output.find("top 5 hashtags:"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("  " + std::to_string(want[0].second) + "  " + want[0].first + "\n"),
            std::string::npos)
      << r.output;
  // The summary's figures are the manifest's.
  std::string lines = std::to_string(ref_->lines);
  if (lines.size() > 3) lines.insert(lines.size() - 3, ",");
  EXPECT_NE(r.output.find("top_terms: 5 files, "), std::string::npos) << r.output;
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", m["seconds"].GetDouble());
  EXPECT_NE(r.output.find(std::string(" bad lines in ") + seconds + " s ("), std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find(" uncompressed, " + lines + " records, " + std::to_string(ref_->bad) +
                          " bad lines in "),
            std::string::npos)
      << r.output;
}

TEST_F(TopTermsTest, HashtagsMatchReferenceAt2Ranks) {
  std::string dest = dir_->Join("out2");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->hashtags, 2);
}

TEST_F(TopTermsTest, HashtagsMatchReferenceAt4Ranks) {
  std::string dest = dir_->Join("out4");
  CommandResult r = Run(4, "--src " + corpus_ + " --dest " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->hashtags, 4);
}

TEST_F(TopTermsTest, WordsMatchReferenceAt2Ranks) {
  std::string dest = dir_->Join("words2");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest + " --what words --top 3");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->words, 2);
  EXPECT_NE(r.output.find("top 3 words:"), std::string::npos);
}

TEST_F(TopTermsTest, ForcedSpillsAndTinyRoundsGiveTheSameAnswer) {
  std::string dest = dir_->Join("spill");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest + " --debug-shuffle");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->hashtags, 2);
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_GT(Counter(m, "shuffle.spilled_runs"), 10);
  EXPECT_GT(Counter(m, "shuffle.rounds"), 100);
}

TEST_F(TopTermsTest, SmallMemoryBudgetSpillsAt4Ranks) {
  std::string dest = dir_->Join("mem1");
  CommandResult r = Run(4, "--src " + corpus_ + " --dest " + dest + " --what words --memory-mb 1");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->words, 4);
}

TEST_F(TopTermsTest, SingleFormatAndRegex) {
  std::string dest = dir_->Join("fmt");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest +
                               " --format jsonl --regex 'tweets-0000[0-4]\\.jsonl\\.gz$'");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_TRUE(PartFiles(dest, ".csv").empty());
  EXPECT_EQ(ReadJsonlRows(dest), Sorted(ref_->hashtags));
  std::string none = dir_->Join("none");
  r = Run(2, "--src " + corpus_ + " --dest " + none + " --regex 'nomatch$'");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("top_terms: error: no input files in " + corpus_ + " matching nomatch$"),
            std::string::npos)
      << r.output;
}

// Real v1.1 stream lines (tests/data/tweets, copied with their licenses by the tweets owner).
TEST_F(TopTermsTest, RealStreamLinesMatchReference) {
  std::string src = testing::SourcePath("tests/data/tweets/v1.1-stream");
  Reference real = BuildReference(src);
  ASSERT_GT(real.tweets, 50u);
  ASSERT_GT(real.hashtags.size(), 10u);
  std::string dest = dir_->Join("real");
  CommandResult r = Run(2, "--src " + src + " --dest " + dest + " --format csv");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadCsvRows(dest), Sorted(real.hashtags));
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(m["records_in"].GetUint64(), real.lines);
  EXPECT_EQ(static_cast<uint64_t>(Counter(m, "tweets")), real.tweets);
  EXPECT_EQ(static_cast<uint64_t>(Counter(m, "bad_lines.invalid_json") +
                                  Counter(m, "bad_lines.not_a_tweet")),
            real.bad);
}

// --- failures: one line naming the problem, exit 1 on every rank, no _SUCCESS, no hang ---

size_t CountOccurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t pos = text.find(what); pos != std::string::npos; pos = text.find(what, pos + 1)) ++n;
  return n;
}

void ExpectNoVisibleOutput(const std::string& dest) {
  EXPECT_FALSE(fs::exists(dest + "/_SUCCESS"));
  if (fs::exists(dest)) {
    EXPECT_TRUE(PartFiles(dest, "").empty());
  }
}

TEST_F(TopTermsTest, TruncatedGzipEndsJobNamingTheFile) {
  TempDir in;
  fs::copy_file(corpus_ + "/tweets-00000.jsonl.gz", in.Join("a.jsonl.gz"));
  std::string whole = ReadFile(corpus_ + "/tweets-00001.jsonl.gz");
  WriteFile(in.Join("b.jsonl.gz"), whole.substr(0, whole.size() / 2));
  for (int ranks : {1, 2, 4}) {
    std::string dest = in.Join("out" + std::to_string(ranks));
    CommandResult r = Run(ranks, "--src " + in.path() + " --dest " + dest);
    EXPECT_EQ(r.exit_code, 1) << r.output;
    EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
    EXPECT_NE(r.output.find("top_terms: error: " + in.Join("b.jsonl.gz") + ": truncated gzip"),
              std::string::npos)
        << r.output;
    ExpectNoVisibleOutput(dest);
  }
}

TEST_F(TopTermsTest, EmptyFilesAreReadAsNoLines) {
  TempDir in;
  WriteFile(in.Join("empty.jsonl"), "");
  WriteFile(in.Join("empty2.jsonl.gz"), "");
  WriteGzipFile(
      in.Join("c.jsonl.gz"),
      "{\"id_str\":\"1\",\"text\":\"#A #b\",\"entities\":{\"hashtags\":[{\"text\":\"A\"},"
      "{\"text\":\"b\"}]}}\n\n{\"id_str\":\"2\",\"text\":\"#a\",\"entities\":{\"hashtags\":"
      "[{\"text\":\"a\"}]}}");
  std::string dest = in.Join("out");
  CommandResult r = Run(2, "--src " + in.path() + " --dest " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadCsvRows(dest), (Rows{{"a", 2}, {"b", 1}}));
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(m["records_in"].GetInt(), 2);
  EXPECT_EQ(m["inputs"]["count"].GetInt(), 3);
}

TEST_F(TopTermsTest, GarbageLinesAreCountedAndStrictFailsOnTheFirst) {
  TempDir in;
  WriteFile(in.Join("g.jsonl"),
            "{\"id_str\":\"1\",\"text\":\"x\",\"entities\":{\"hashtags\":[{\"text\":\"Ok\"}]}}\n"
            "not json at all\n[1,2,3]\n{\"id_str\":\"2\",\"text\":\"cut\n\x01\x02\x03\n"
            "{\"delete\":{\"status\":{\"id_str\":\"5\"}}}\n{\"no\":\"tweet\"}\n");
  std::string dest = in.Join("out");
  CommandResult r = Run(2, "--src " + in.path() + " --dest " + dest);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadCsvRows(dest), (Rows{{"ok", 1}}));
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  EXPECT_EQ(Counter(m, "bad_lines.invalid_json"), 3);
  EXPECT_EQ(Counter(m, "bad_lines.not_a_tweet"), 2);
  EXPECT_EQ(Counter(m, "notices"), 1);
  EXPECT_EQ(m["bad_line_samples"]["invalid_json"][0].GetString(),
            in.Join("g.jsonl") + ":2: not json at all");

  std::string strict_dest = in.Join("strict");
  r = Run(2, "--src " + in.path() + " --dest " + strict_dest + " --strict");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_NE(r.output.find("top_terms: error: --strict: invalid_json at " + in.Join("g.jsonl") +
                          ":2: not json at all"),
            std::string::npos)
      << r.output;
  ExpectNoVisibleOutput(strict_dest);
}

TEST_F(TopTermsTest, MissingSourceFolder) {
  std::string dest = dir_->Join("missing-out");
  CommandResult r = Run(2, "--src " + dir_->Join("no-such-folder") + " --dest " + dest);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_NE(r.output.find(dir_->Join("no-such-folder")), std::string::npos) << r.output;
  ExpectNoVisibleOutput(dest);
}

TEST_F(TopTermsTest, UnwritableDestination) {
  TempDir t;
  WriteFile(t.Join("a-file"), "x");
  std::string dest = t.Join("a-file") + "/out";
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest);
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_NE(r.output.find(t.Join("a-file")), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("check failed"), std::string::npos) << r.output;
}

TEST_F(TopTermsTest, UnusableSpillFolderEndsTheJobOnEveryRank) {
  std::string dest = dir_->Join("spill-fail");
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest +
                               " --debug-shuffle --spill-dir " + dir_->Join("no-such-spill-dir"));
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_NE(r.output.find("shuffle: cannot create spill file in " +
                          dir_->Join("no-such-spill-dir") + ": no such file or directory"),
            std::string::npos)
      << r.output;
  ExpectNoVisibleOutput(dest);
}

TEST_F(TopTermsTest, ExistingOutputNeedsOverwrite) {
  std::string dest = dir_->Join("twice");
  ASSERT_EQ(Run(2, "--src " + corpus_ + " --dest " + dest + " --format csv").exit_code, 0);
  CommandResult r = Run(2, "--src " + corpus_ + " --dest " + dest + " --format csv");
  EXPECT_EQ(r.exit_code, 1) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: error: "), 1u) << r.output;
  EXPECT_TRUE(fs::exists(dest + "/_SUCCESS"));  // the old output is untouched
  r = Run(2, "--src " + corpus_ + " --dest " + dest + " --mode overwrite --what words");
  ASSERT_EQ(r.exit_code, 0) << r.output;
  ExpectMatches(dest, ref_->words, 2);
}

TEST_F(TopTermsTest, FlagErrorsAndHelp) {
  CommandResult r = Run(2, "--src x --dest y --foo 1");
  EXPECT_EQ(r.exit_code, 2) << r.output;
  EXPECT_EQ(CountOccurrences(r.output, "top_terms: unknown flag --foo (see --help)\n"), 1u)
      << r.output;
  r = Run(1, "--dest y");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.output.find("top_terms: missing required flag --src (see --help)"),
            std::string::npos);
  r = Run(1, "--src x --dest y --what emojis");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("top_terms: error: --what must be hashtags or words, not emojis"),
            std::string::npos)
      << r.output;
  r = Run(1, "--src x --dest y --format hdf5");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.output.find("top_terms: error: --format: top_terms writes csv, jsonl or jsonl.gz, "
                          "not hdf5"),
            std::string::npos)
      << r.output;
  r = Run(1, "--help");
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.output.find("usage: top_terms [flags]"), std::string::npos);
  EXPECT_NE(r.output.find("--memory-mb <int>"), std::string::npos);
  EXPECT_NE(r.output.find("--what <string>"), std::string::npos);
}

}  // namespace
}  // namespace rankflow
