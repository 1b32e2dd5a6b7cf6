// End-to-end tests of build/bin/load_tweets under mpirun against a sequential reference
// (TweetParser over every line, then a dedupe by id that keeps the smallest (timestamp_ms, JSON)),
// plus the flags that pick a path (--debug-shuffle, --memory-mb, --parse-thread), the formats (csv,
// hdf5 read back with h5py), --partition-by at 1, 2 and 4 ranks, --strict and bad flags. The
// pipeline at 1, 2 and 4 ranks, in process: load_tweets_pipeline_test.cpp.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "operators/tweet_parser.h"
#include "runtime/shuffle.h"
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
using testing::SourcePath;
using testing::SplitLines;
using testing::TempDir;
using testing::WriteFile;
using testing::WriteGzipFile;

const char* const kSamples[] = {
    "v1.1-stream/tweet_parser_original_format_examples.jsonl",
    "v1.1-stream/python-twitter_streaming_lines.jsonl",
    "gnip/tweet_parser_activity_streams_examples.jsonl",
    "gnip/gnip4j_payload-example-2.jsonl",
    "v2/twarc-csv_streaming_output_with_error.jsonl",
    "v2/twarc-csv_tweets_compliance.jsonl",
    "v2/twarc-csv_two_tweets.jsonl",
    "v2/twarc-csv_edited.jsonl",
    "v2/twarc-csv_edited_after.jsonl",
    "stream-notices/twitter4j_streamingapi-testcase.jsonl",
    "stream-notices/twitter-ruby_track_streaming_user.crlf.jsonl",
};

// The input folder: the samples, half of them gzipped, plus a second copy of one file (so every
// tweet in it is a duplicate) and two records of one id with different times.
void MakeInput(const std::string& dir) {
  fs::create_directories(dir + "/sub");
  int i = 0;
  for (const char* rel : kSamples) {
    const std::string text = ReadFile(SourcePath(std::string("tests/data/tweets/") + rel));
    const std::string name =
        dir + "/" + std::to_string(i) + "_" + fs::path(rel).filename().string();
    if (i++ % 2 == 0) {
      WriteGzipFile(name + ".gz", text);
    } else {
      WriteFile(name, text);
    }
  }
  WriteFile(dir + "/sub/copy.jsonl",
            ReadFile(SourcePath("tests/data/tweets/v1.1-stream/"
                                "tweet_parser_original_format_examples.jsonl")));
  const std::string late =
      R"({"id_str":"42","created_at":"Tue Jul 18 23:25:04 +0000 2017","text":"late copy",)"
      R"("user":{"id_str":"7","screen_name":"u"}})";
  const std::string early =
      R"({"id_str":"42","created_at":"Tue Jul 18 23:25:03 +0000 2017","text":"early copy",)"
      R"("user":{"id_str":"7","screen_name":"u"}})";
  WriteFile(dir + "/a_late.jsonl", late + "\nnot json at all\n");
  WriteFile(dir + "/z_early.jsonl", early + "\n");
}

struct Reference {
  std::map<std::string, std::pair<int64_t, std::string>> by_id;  // id -> (ts, json)
  int64_t tweets_in = 0, notices = 0, bad = 0;
};

Reference BuildReference(const std::string& dir) {
  Reference ref;
  TweetParser parser;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (!entry.is_regular_file()) continue;
    for (std::string line : SplitLines(ReadMaybeGzipFile(entry.path().string()))) {
      if (!line.empty() && line.back() == '\r') line.pop_back();
      if (line.empty()) continue;
      std::vector<Tweet> tweets;
      ParseResult r = parser.Parse(line, &tweets);
      ref.notices += r.kind == ParseResult::Kind::kNotice ? 1 : 0;
      ref.bad += r.kind == ParseResult::Kind::kBad ? 1 : 0;
      for (const Tweet& t : tweets) {
        ++ref.tweets_in;
        std::pair<int64_t, std::string> v{t.timestamp_ms, TweetToJson(t)};
        auto it = ref.by_id.find(t.id);
        if (it == ref.by_id.end() || v < it->second) ref.by_id[t.id] = v;
      }
    }
  }
  return ref;
}

// Reads every part; checks each part is sorted by numeric id; returns id -> JSON line.
std::map<std::string, std::string> ReadOutput(const std::string& dest, const std::string& ext) {
  std::map<std::string, std::string> out;
  for (const auto& entry : fs::directory_iterator(dest)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind("part-", 0) != 0 || name.size() < ext.size() ||
        name.substr(name.size() - ext.size()) != ext) {
      continue;
    }
    std::string prev;
    for (const std::string& line : SplitLines(ReadMaybeGzipFile(entry.path().string()))) {
      if (line.empty()) continue;
      rapidjson::Document d;
      d.Parse(line.c_str());
      EXPECT_FALSE(d.HasParseError()) << line;
      const std::string id = d["id"].GetString();
      const std::string padded = std::string(20 - id.size(), '0') + id;
      EXPECT_LT(prev, padded) << name << " is not sorted by id";
      prev = padded;
      EXPECT_EQ(out.count(id), 0u) << "id " << id << " written twice";
      out[id] = line;
    }
  }
  return out;
}

int64_t Counter(const rapidjson::Document& manifest, const char* name) {
  const auto& c = manifest["counters"];
  return c.HasMember(name) ? c[name].GetInt64() : 0;
}

std::string RunJobCmd(int ranks, const std::string& args) {
  return MpirunPrefix(ranks) + " " + BinPath("load_tweets") + " " + args;
}

// The binary on a hand-built archive (an id seen three times, v2 compliance notices); the pipeline
// at 1, 2 and 4 ranks, in process: load_tweets_pipeline_test.
TEST(LoadTweetsTest, MatchesSequentialReference) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const Reference ref = BuildReference(in);
  ASSERT_GT(ref.by_id.size(), 100u);
  ASSERT_GT(ref.tweets_in, static_cast<int64_t>(ref.by_id.size()) + 25);
  for (int ranks : {2}) {
    SCOPED_TRACE("ranks " + std::to_string(ranks));
    const std::string dest = tmp.Join("out" + std::to_string(ranks));
    CommandResult r = RunCommand(RunJobCmd(ranks, "--src " + in + " --dest " + dest));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("duplicates dropped"), std::string::npos) << r.output;
    std::map<std::string, std::string> got = ReadOutput(dest, ".jsonl.gz");
    ASSERT_EQ(got.size(), ref.by_id.size());
    for (const auto& [id, v] : ref.by_id) {
      auto it = got.find(id);
      ASSERT_NE(it, got.end()) << "missing id " << id;
      EXPECT_EQ(it->second, v.second);
    }
    EXPECT_NE(got.at("42").find("\"text\":\"early copy\""), std::string::npos);
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError());
    EXPECT_EQ(Counter(m, "tweets_in"), ref.tweets_in);
    EXPECT_EQ(Counter(m, "tweets_out"), static_cast<int64_t>(ref.by_id.size()));
    EXPECT_EQ(Counter(m, "duplicates"), ref.tweets_in - static_cast<int64_t>(ref.by_id.size()));
    EXPECT_EQ(Counter(m, "notices"), ref.notices);
    EXPECT_EQ(Counter(m, "notices.delete"), 2);
    EXPECT_EQ(Counter(m, "notices.v2_compliance"), 2);
    EXPECT_EQ(Counter(m, "bad_lines.invalid_json"), ref.bad);
    EXPECT_EQ(m["records_out"].GetInt64(), static_cast<int64_t>(ref.by_id.size()));
  }
}

TEST(LoadTweetsTest, ForcedSpillsGiveTheSameAnswer) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const Reference ref = BuildReference(in);
  const std::string dest = tmp.Join("out");
  CommandResult r =
      RunCommand(RunJobCmd(2, "--debug-shuffle --format jsonl --src " + in + " --dest " + dest));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> got = ReadOutput(dest, ".jsonl");
  ASSERT_EQ(got.size(), ref.by_id.size());
  for (const auto& [id, v] : ref.by_id) EXPECT_EQ(got[id], v.second);
}

// At one rank load_tweets dedupes in memory without the shuffle while the records fit in half
// the shuffle budget, and hands them all to the shuffle past that (--debug-shuffle: 4 KB budget).
// Both paths must give the reference answer; the manifest's shuffle counters tell which ran.
TEST(LoadTweetsTest, OneRankLocalDedupeAndShuffleFallbackGiveTheSameAnswer) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const Reference ref = BuildReference(in);
  for (const bool spill : {false, true}) {
    SCOPED_TRACE(spill ? "over budget" : "in memory");
    const std::string dest = tmp.Join(spill ? "out_spill" : "out_local");
    CommandResult r =
        RunCommand(RunJobCmd(1, std::string(spill ? "--debug-shuffle " : "") +
                                    "--format jsonl --src " + in + " --dest " + dest));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::map<std::string, std::string> got = ReadOutput(dest, ".jsonl");
    ASSERT_EQ(got.size(), ref.by_id.size());
    for (const auto& [id, v] : ref.by_id) EXPECT_EQ(got[id], v.second);
    EXPECT_NE(got.at("42").find("\"text\":\"early copy\""), std::string::npos);
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError());
    EXPECT_EQ(Counter(m, "duplicates"), ref.tweets_in - static_cast<int64_t>(ref.by_id.size()));
    if (spill) {
      EXPECT_GT(Counter(m, "shuffle.pairs_sent"), 0);
      EXPECT_GT(Counter(m, "shuffle.spilled_runs"), 0);
    } else {
      EXPECT_FALSE(m["counters"].HasMember("shuffle.pairs_sent"));
    }
  }
}

// Two files of ~330 KB of normalized records each whose ids all belong to rank 0 of 2 (HashOwner
// of the padded id), the second repeating 20 ids of the first one second later.
void MakeInputOwnedByRankZero(const std::string& dir) {
  fs::create_directories(dir);
  std::string text;
  for (int w = 0; w < 160; ++w) text += "word" + std::to_string(w % 10) + " ";
  std::vector<std::string> ids;
  for (uint64_t id = 100000; ids.size() < 600; ++id) {
    const std::string s = std::to_string(id);
    if (HashOwner(std::string(20 - s.size(), '0') + s, 2) == 0) ids.push_back(s);
  }
  auto line = [&](const std::string& id, int second) {
    return R"({"id_str":")" + id + R"(","created_at":"Tue Jul 18 23:25:0)" +
           std::to_string(second) + R"( +0000 2017","text":")" + text +
           R"(","user":{"id_str":"7","screen_name":"u"}})" + "\n";
  };
  std::string a, b;
  for (size_t i = 0; i < 300; ++i) a += line(ids[i], 3);
  for (size_t i = 300; i < 600; ++i) b += line(ids[i], 3);
  for (size_t i = 0; i < 20; ++i) b += line(ids[i], 4);
  WriteFile(dir + "/a.jsonl", a);
  WriteFile(dir + "/b.jsonl", b);
}

// At more than one rank each rank keeps its records in its TweetTable while every owner's share
// fits in half of --memory-mb (then peers get their records straight from the tables); when one
// owner's share does not (here rank 0 owns ~660 KB against 512 KiB at --memory-mb 1), every rank
// moves its records into the HashShuffle. Both give the reference answer on the owner's part;
// the manifest tells which path ran.
TEST(LoadTweetsTest, AnOwnerOverItsShareOfTheBudgetSendsEveryRankToTheShuffle) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInputOwnedByRankZero(in);
  const Reference ref = BuildReference(in);
  ASSERT_EQ(ref.by_id.size(), 600u);
  ASSERT_EQ(ref.tweets_in, 620);
  for (const bool over_budget : {false, true}) {
    SCOPED_TRACE(over_budget ? "--memory-mb 1" : "default budget");
    const std::string dest = tmp.Join(over_budget ? "out_shuffle" : "out_table");
    CommandResult r =
        RunCommand(RunJobCmd(2, std::string(over_budget ? "--memory-mb 1 " : "") +
                                    "--format jsonl --src " + in + " --dest " + dest));
    ASSERT_EQ(r.exit_code, 0) << r.output;
    std::map<std::string, std::string> got = ReadOutput(dest, ".jsonl");
    ASSERT_EQ(got.size(), ref.by_id.size());
    for (const auto& [id, v] : ref.by_id) EXPECT_EQ(got[id], v.second);
    EXPECT_EQ(ReadFile(testing::CommittedFile(dest, "part-00001.jsonl")), "");
    rapidjson::Document m;
    m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
    ASSERT_FALSE(m.HasParseError());
    EXPECT_EQ(Counter(m, "duplicates"), 20);
    EXPECT_TRUE(m["counters"].HasMember("shuffle.bytes_sent"));
    if (over_budget) {
      // 600 ids, plus the 20 repeated ones where they were read on the other rank (no map-side
      // combine there).
      EXPECT_GE(Counter(m, "shuffle.pairs_sent"), 600);
      EXPECT_LE(Counter(m, "shuffle.pairs_sent"), 620);
    } else {
      EXPECT_FALSE(m["counters"].HasMember("shuffle.pairs_sent"));
    }
  }
}

TEST(LoadTweetsTest, ParsingOnASecondThreadGivesTheSameAnswer) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const Reference ref = BuildReference(in);
  const std::string dest = tmp.Join("out");
  CommandResult r =
      RunCommand(RunJobCmd(2, "--parse-thread --format jsonl --src " + in + " --dest " + dest));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> got = ReadOutput(dest, ".jsonl");
  ASSERT_EQ(got.size(), ref.by_id.size());
  for (const auto& [id, v] : ref.by_id) EXPECT_EQ(got[id], v.second);
  const std::string manifest = ReadFile(dest + "/_SUCCESS");
  EXPECT_NE(manifest.find("\"bad_lines.invalid_json\":" + std::to_string(ref.bad)),
            std::string::npos)
      << manifest;
}

TEST(LoadTweetsTest, CsvAndHdf5Formats) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const Reference ref = BuildReference(in);
  const std::string csv = tmp.Join("csv");
  CommandResult r = RunCommand(RunJobCmd(2, "--format csv --src " + in + " --dest " + csv));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  size_t rows = 0;
  for (const auto& entry : fs::directory_iterator(csv)) {
    if (entry.path().extension() != ".csv") continue;
    const std::string text = ReadFile(entry.path().string());
    EXPECT_EQ(text.rfind("id,created_at,timestamp_ms,user_id,screen_name,followers,lang,text,", 0),
              0u);
    EXPECT_EQ(text.substr(0, text.find('\n')).substr(text.find(",source_format,")),
              ",source_format,retweeted_user_id,retweeted_screen_name")
        << "the columns of the normalized JSON, in its order";
    // Rows may span lines (quoted newlines in text): count records by the python csv module.
    CommandResult py = RunCommand(
        "/usr/bin/python3 -c \"import csv,sys; "
        "print(sum(1 for _ in csv.reader(open(sys.argv[1], newline=''))) - 1)\" " +
        entry.path().string());
    ASSERT_EQ(py.exit_code, 0) << py.output;
    rows += std::stoul(py.output);
  }
  EXPECT_EQ(rows, ref.by_id.size());

  const std::string h5 = tmp.Join("h5");
  r = RunCommand(RunJobCmd(2, "--format hdf5 --src " + in + " --dest " + h5));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string script =
      "import h5py,glob,sys\n"
      "n=0; ids=[]\n"
      "for p in sorted(glob.glob(sys.argv[1]+'/part-*.h5')):\n"
      "  f=h5py.File(p,'r'); assert f['ids'].shape[1]==5 and f['numbers'].shape[1]==8\n"
      "  assert f['coordinates'].shape[0]==f['ids'].shape[0]\n"
      "  assert f.attrs['columns_ids'].startswith('id,user_id')\n"
      "  n+=f['ids'].shape[0]; ids+=list(f['ids'][:,0])\n"
      "print(n, 42 in ids)\n";
  WriteFile(tmp.Join("check.py"), script);
  CommandResult py = RunCommand("/usr/bin/python3 " + tmp.Join("check.py") + " " + h5);
  ASSERT_EQ(py.exit_code, 0) << py.output;
  EXPECT_EQ(py.output, std::to_string(ref.by_id.size()) + " True\n");
}

TEST(LoadTweetsTest, EscapedNulInTextNeverReachesCsvAsARawByte) {
  // Regression: "\u0000" in tweet text reached the CSV part as a NUL byte. It is written as
  // U+FFFD (runtime/README.md, writers).
  TempDir tmp;
  const std::string in = tmp.Join("in");
  fs::create_directories(in);
  WriteFile(
      in + "/nul.jsonl",
      R"({"id_str":"9","created_at":"Tue Jul 18 23:25:04 +0000 2017",)"
      R"("text":"nul\u0000here, \"quoted\u0000\"","user":{"id_str":"7","screen_name":"u\u0000v"}})"
      "\n");
  const std::string dest = tmp.Join("csv");
  CommandResult r = RunCommand(RunJobCmd(1, "--format csv --src " + in + " --dest " + dest));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::string all;
  for (const auto& entry : fs::directory_iterator(dest)) {
    if (entry.path().extension() == ".csv") all += ReadFile(entry.path().string());
  }
  EXPECT_EQ(all.find('\0'), std::string::npos) << "a NUL byte in the csv output";
  EXPECT_NE(all.find("\"nul\xEF\xBF\xBDhere, \"\"quoted\xEF\xBF\xBD\"\"\""), std::string::npos)
      << all;
  EXPECT_NE(all.find(",u\xEF\xBF\xBDv,"), std::string::npos) << all;
}

TEST(LoadTweetsTest, RegexSelectsInputFilesByName) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  // Only the gzipped samples: build the reference from a folder holding just those.
  const std::string only_gz = tmp.Join("only_gz");
  fs::create_directories(only_gz);
  for (const auto& entry : fs::recursive_directory_iterator(in)) {
    if (entry.path().extension() == ".gz") {
      fs::copy_file(entry.path(), only_gz + "/" + entry.path().filename().string());
    }
  }
  const Reference ref = BuildReference(only_gz);
  ASSERT_GT(ref.by_id.size(), 10u);
  const std::string dest = tmp.Join("out");
  CommandResult r =
      RunCommand(RunJobCmd(2, "--regex '\\.gz$' --format jsonl --src " + in + " --dest " + dest));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  std::map<std::string, std::string> got = ReadOutput(dest, ".jsonl");
  ASSERT_EQ(got.size(), ref.by_id.size());
  for (const auto& [id, v] : ref.by_id) EXPECT_EQ(got[id], v.second);
}

TEST(LoadTweetsTest, StrictAndBadFlagsFailWithoutOutput) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  const std::string dest = tmp.Join("strict");
  CommandResult r = RunCommand(RunJobCmd(2, "--strict --src " + in + " --dest " + dest));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("invalid_json"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dest + "/_SUCCESS"));
  r = RunCommand(RunJobCmd(1, "--format xml --src " + in + " --dest " + tmp.Join("bad")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--format"), std::string::npos) << r.output;
  r = RunCommand(RunJobCmd(1, "--partition-by week --src " + in + " --dest " + tmp.Join("bad")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.output.find("--partition-by"), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(tmp.Join("bad/_SUCCESS")));
  r = RunCommand(RunJobCmd(1, "--src " + tmp.Join("missing") + " --dest " + tmp.Join("x")));
  EXPECT_NE(r.exit_code, 0);
}

TEST(LoadTweetsTest, SizeFlagsThatWouldWrapAreRefused) {
  // Regression: --memory-mb 17592186044416 (2^44) became 0 bytes after "<< 20".
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  for (const char* flag_value :
       {"--memory-mb 17592186044416", "--memory-mb 0", "--memory-mb 99999999999999999999",
        "--split-mb 1048577", "--split-mb -1"}) {
    const std::string arg = flag_value;
    CommandResult r = RunCommand(RunJobCmd(1, arg + " --src " + in + " --dest " + tmp.Join("out")));
    EXPECT_EQ(r.exit_code, 2) << arg << ": " << r.output;
    const std::string flag = arg.substr(0, arg.find(' '));
    EXPECT_NE(r.output.find("load_tweets: " + flag + ": out of range: "), std::string::npos)
        << r.output;
    EXPECT_FALSE(fs::exists(tmp.Join("out")));
  }
}

// Every file below dest (recursively) but _SUCCESS, as paths relative to dest.
std::vector<std::string> FilesBelow(const std::string& dest) {
  std::vector<std::string> out;
  for (const auto& e : fs::recursive_directory_iterator(dest)) {
    if (e.is_regular_file() && e.path().filename() != "_SUCCESS") {
      out.push_back(fs::relative(e.path(), dest).string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

// The files _SUCCESS lists, relative to dest.
std::vector<std::string> ManifestFiles(const std::string& dest) {
  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  std::vector<std::string> out;
  for (const auto& f : m["files"].GetArray()) out.push_back(f["file"].GetString());
  std::sort(out.begin(), out.end());
  return out;
}

TEST(LoadTweetsTest, PartitionByDayAndHourWritesHiveFoldersOfTheSameRecords) {
  TempDir tmp;
  const std::string in = tmp.Join("in");
  MakeInput(in);
  // Ids in one order, days and hours in another: with one open part, every rank reopens.
  std::string alternating;
  for (int i = 1; i <= 64; ++i) {
    alternating += R"({"id_str":")" + std::to_string(9000 + i) + R"(","created_at":"Tue Jul )" +
                   (i % 2 ? "18 23" : "19 01") +
                   R"(:25:04 +0000 2017","text":"alternating","user":{"id_str":"7"}})" + "\n";
  }
  WriteFile(in + "/alternating.jsonl", alternating);
  const Reference ref = BuildReference(in);
  for (int ranks : {1, 2, 4}) {
    for (const char* by : {"day", "hour"}) {
      SCOPED_TRACE(std::string(by) + ", ranks " + std::to_string(ranks));
      const std::string dest = tmp.Join(std::string("out-") + by + std::to_string(ranks));
      // One open part at a time: every change of partition closes the part (ids do not follow
      // time in this archive), so partitions get second parts.
      CommandResult r = RunCommand(RunJobCmd(
          ranks, std::string("--partition-by ") + by + " --max-open-parts 1 --format jsonl --src " +
                     in + " --dest " + dest));
      ASSERT_EQ(r.exit_code, 0) << r.output;
      const std::vector<std::string> files = FilesBelow(dest);
      EXPECT_EQ(files, ManifestFiles(dest)) << "only committed files, no _temporary";
      std::map<std::string, std::string> got;
      for (const std::string& rel : files) {
        const std::string folder = fs::path(rel).parent_path().string();
        for (const std::string& line : SplitLines(ReadFile(dest + "/" + rel))) {
          rapidjson::Document d;
          d.Parse(line.c_str());
          ASSERT_FALSE(d.HasParseError()) << line;
          const std::string created = d["created_at"].GetString();  // 2017-05-24T20:19:05Z
          std::string want = "dt=" + created.substr(0, 10);
          if (std::string(by) == "hour") want += "/hr=" + created.substr(11, 2);
          EXPECT_EQ(folder, want) << line;
          got[d["id"].GetString()] = line;
        }
      }
      ASSERT_EQ(got.size(), ref.by_id.size());
      for (const auto& [id, v] : ref.by_id) EXPECT_EQ(got[id], v.second) << id;
      rapidjson::Document m;
      m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
      EXPECT_EQ(Counter(m, "tweets_out"), static_cast<int64_t>(ref.by_id.size()));
      EXPECT_GT(Counter(m, "parts_reopened"), 0);
    }
  }
  // An overwrite of an hour layout with a day layout leaves only the new files.
  const std::string dest = tmp.Join("out-hour1");
  CommandResult r = RunCommand(RunJobCmd(
      2, "--partition-by day --format jsonl.gz --mode overwrite --src " + in + " --dest " + dest));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(FilesBelow(dest), ManifestFiles(dest));
  for (const std::string& f : FilesBelow(dest)) {
    EXPECT_EQ(f.find("hr="), std::string::npos) << f;
    EXPECT_EQ(f.substr(f.size() - 9), ".jsonl.gz") << f;
  }
}

}  // namespace
}  // namespace rankflow
