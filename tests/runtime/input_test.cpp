// Input listing, planning and claiming. Runs under mpirun at 1, 2 and 4 ranks.
#include "runtime/input.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <set>
#include <sstream>
#include <thread>

#include "runtime/line_reader.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::WriteFile;

std::string Describe(const std::vector<FileInfo>& files) {
  std::ostringstream out;
  for (const auto& f : files) out << f.path << "=" << f.size << ";";
  return out.str();
}

TEST(InputTest, EveryRankGetsTheSameSortedListing) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dir.Join("2021/01"));
    WriteFile(dir.Join("b.jsonl.gz"), "xx");
    WriteFile(dir.Join("a.jsonl"), "xxxx");
    WriteFile(dir.Join("2021/01/c.jsonl"), "x");
    WriteFile(dir.Join("notes.txt"), "x");
    WriteFile(dir.Join("_SUCCESS"), "{}");
  }
  testing::TestMpi().Barrier();
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.path(), "\\.jsonl(\\.gz)?$", &files).ok());
  EXPECT_EQ(Describe(files), dir.Join("2021/01/c.jsonl") + "=1;" + dir.Join("a.jsonl") + "=4;" +
                                 dir.Join("b.jsonl.gz") + "=2;");
  auto all = testing::TestMpi().AllGather(Describe(files));
  for (const auto& d : all) EXPECT_EQ(d, all[0]);

  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.path(), "", &files).ok());
  EXPECT_EQ(files.size(), 4u);
}

// A committed rankflow output is read through its manifest: leftovers of killed attempts and
// stray files beside the listed ones are not inputs, a listed file that is gone is Corruption, and
// a _SUCCESS that is not a rankflow manifest (Spark's empty one) changes nothing.
TEST(InputTest, CommittedOutputsAreReadThroughTheirManifest) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dir.Join("out/day=1"));
    WriteFile(dir.Join("out/part-00000-rf0123456789ab.jsonl"), "{}\n");
    WriteFile(dir.Join("out/day=1/part-00001-rf0123456789ab.jsonl"), "{}\n{}\n");
    WriteFile(dir.Join("out/part-00000-rfffffffffffff.jsonl"), "{\"killed\":1}\n");
    WriteFile(dir.Join("out/stray.jsonl"), "{}\n");
    WriteFile(dir.Join("out/_SUCCESS"),
              "{\"attempt\":\"rf0123456789ab\",\"files\":["
              "{\"name\":\"part-00000.jsonl\",\"file\":\"part-00000-rf0123456789ab.jsonl\"},"
              "{\"name\":\"day=1/part-00001.jsonl\","
              "\"file\":\"day=1/part-00001-rf0123456789ab.jsonl\"}]}");
    std::filesystem::create_directories(dir.Join("spark"));
    WriteFile(dir.Join("spark/_SUCCESS"), "");
    WriteFile(dir.Join("spark/part-00000-0a1b.json"), "{}\n");
    WriteFile(dir.Join("loose.jsonl"), "{}\n");
  }
  testing::TestMpi().Barrier();
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.path(), "", &files).ok());
  EXPECT_EQ(Describe(files), dir.Join("loose.jsonl") + "=3;" +
                                 dir.Join("out/day=1/part-00001-rf0123456789ab.jsonl") + "=6;" +
                                 dir.Join("out/part-00000-rf0123456789ab.jsonl") + "=3;" +
                                 dir.Join("spark/part-00000-0a1b.json") + "=3;");
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.Join("out"), "", &files).ok());
  EXPECT_EQ(files.size(), 2u) << Describe(files);
  // The regex still applies, and a listed file it leaves out need not exist.
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.Join("out"), "^part-00000", &files).ok());
  EXPECT_EQ(Describe(files), dir.Join("out/part-00000-rf0123456789ab.jsonl") + "=3;");
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    std::filesystem::remove(dir.Join("out/day=1/part-00001-rf0123456789ab.jsonl"));
  }
  testing::TestMpi().Barrier();
  Status s = ListInputs(testing::TestMpi(), *fs, dir.Join("out"), "", &files);
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.ToString();
  EXPECT_NE(s.message().find("day=1/part-00001-rf0123456789ab.jsonl, which is missing"),
            std::string::npos)
      << s.message();
}

TEST(InputTest, ManyFilesSurviveTheCompactBroadcast) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    for (int i = 0; i < 300; ++i) {
      WriteFile(dir.Join("part-" + std::to_string(100000 + i * 7) + ".jsonl"), std::string(i, 'x'));
    }
  }
  testing::TestMpi().Barrier();
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.path(), "", &files).ok());
  ASSERT_EQ(files.size(), 300u);
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end(),
                             [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; }));
  EXPECT_EQ(files[0].path, dir.Join("part-100000.jsonl"));
  EXPECT_EQ(files[0].size, 0u);
  EXPECT_EQ(files[299].size, 299u);
  auto all = testing::TestMpi().AllGather(Describe(files));
  for (const auto& d : all) EXPECT_EQ(d, all[0]);
}

TEST(InputTest, MissingSourceAndBadRegexFailOnEveryRank) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  Status s = ListInputs(testing::TestMpi(), *fs, dir.Join("missing/folder"), "", &files);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), dir.Join("missing/folder") + ": no such file or directory");
  s = ListInputs(testing::TestMpi(), *fs, dir.path(), "([", &files);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("(["), std::string::npos) << s.message();
  // An empty folder is an empty list, not an error.
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.path(), "", &files).ok());
  EXPECT_TRUE(files.empty());
}

TEST(InputTest, PlanSplitsPlainFilesOnlyAndKeepsGzipWhole) {
  InputPlan plan =
      PlanUnits({{"/a.jsonl.gz", 1000}, {"/b.jsonl", 250}, {"/c.jsonl", 99}, {"/d.jsonl", 0}}, 100);
  EXPECT_EQ(plan.total_bytes, 1349u);
  ASSERT_EQ(plan.units.size(), 1u + 3u + 1u + 1u);
  EXPECT_EQ(plan.units[0].file_index, 0u);
  EXPECT_EQ(plan.units[0].end, 1000u);
  EXPECT_EQ(plan.units[1].begin, 0u);
  EXPECT_EQ(plan.units[1].end, 100u);
  EXPECT_EQ(plan.units[3].begin, 200u);
  EXPECT_EQ(plan.units[3].end, 250u);
  EXPECT_EQ(plan.units[4].end, 99u);
  EXPECT_EQ(PlanUnits({{"/b.jsonl", 250}}, 0).units.size(), 1u) << "split_bytes 0: never split";
  EXPECT_TRUE(IsGzipName("x.gz"));
  EXPECT_FALSE(IsGzipName("x.gzip"));
  EXPECT_FALSE(IsGzipName("gz"));
}

TEST(InputTest, DealIsSizeBalancedLargestFirst) {
  std::vector<FileInfo> files;
  for (int i = 0; i < 20; ++i) files.push_back({"/f" + std::to_string(i) + ".gz", 100u + i * 10u});
  InputPlan plan = PlanUnits(files, 0);
  auto lists = DealUnits(plan, 3);
  ASSERT_EQ(lists.size(), 3u);
  std::vector<uint64_t> load(3, 0);
  std::set<size_t> seen;
  for (int r = 0; r < 3; ++r) {
    for (size_t i = 0; i < lists[r].size(); ++i) {
      EXPECT_TRUE(seen.insert(lists[r][i]).second);
      load[r] += plan.units[lists[r][i]].end;
      if (i > 0) {
        EXPECT_GE(plan.units[lists[r][i - 1]].end, plan.units[lists[r][i]].end);
      }
    }
  }
  EXPECT_EQ(seen.size(), 20u);
  EXPECT_EQ(lists[0][0], 19u) << "the largest unit goes first, to rank 0";
  auto [lo, hi] = std::minmax_element(load.begin(), load.end());
  EXPECT_LE(*hi - *lo, 290u) << "no rank is more than one unit ahead";
}

// Runs the claimer in one mode: "window" (MPI one-sided, the default) or "messages" (fallback).
class ClaimerMode {
 public:
  explicit ClaimerMode(const char* mode) { setenv("RANKFLOW_CLAIMER", mode, 1); }
  ~ClaimerMode() { unsetenv("RANKFLOW_CLAIMER"); }
};
constexpr const char* kModes[] = {"window", "messages"};

// Every rank claims until nothing is left; rank 0 is slow, so the others must steal from it.
// The union of what was processed must be the plan, each unit exactly once.
void ClaimAll(const InputPlan& plan, int slow_ms, std::vector<size_t>* mine) {
  UnitClaimer claimer(testing::TestMpi(), plan);
  while (std::optional<InputUnit> u = claimer.Next()) {
    size_t index = 0;
    while (plan.units[index].file_index != u->file_index || plan.units[index].begin != u->begin) {
      ++index;
    }
    mine->push_back(index);
    if (testing::TestMpi().is_root() && slow_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(slow_ms));
    }
  }
  EXPECT_FALSE(claimer.Next().has_value()) << "stays empty";
}

std::string Join(const std::vector<size_t>& v) {
  std::string out;
  for (size_t x : v) out += std::to_string(x) + ",";
  return out;
}

std::vector<size_t> Parse(const std::string& s) {
  std::vector<size_t> out;
  std::stringstream in(s);
  std::string item;
  while (std::getline(in, item, ',')) out.push_back(std::stoul(item));
  return out;
}

void ExpectExactlyOnce(const InputPlan& plan);

TEST(InputTest, EveryUnitIsClaimedExactlyOnce) {
  std::vector<FileInfo> files;
  for (int i = 0; i < 13; ++i)
    files.push_back({"/f" + std::to_string(i) + ".jsonl", 1000u + i * 37u});
  files.push_back({"/big.jsonl.gz", 1500});
  InputPlan plan = PlanUnits(files, 300);  // plain files split into 4-5 units each
  for (const char* mode : kModes) {
    SCOPED_TRACE(mode);
    ClaimerMode scoped(mode);
    ExpectExactlyOnce(plan);
  }
}

// A rank that fails stops claiming and goes to the destructor; the others take its units.
TEST(InputTest, UnitsOfARankThatStopsEarlyAreTakenByTheOthers) {
  std::vector<FileInfo> files;
  for (int i = 0; i < 24; ++i) files.push_back({"/f" + std::to_string(i) + ".gz", 100u});
  InputPlan plan = PlanUnits(files, 0);
  for (const char* mode : kModes) {
    SCOPED_TRACE(mode);
    ClaimerMode scoped(mode);
    std::vector<size_t> mine;
    {
      UnitClaimer claimer(testing::TestMpi(), plan);
      bool stop_early = testing::TestMpi().is_root() && testing::TestMpi().size() > 1;
      while (std::optional<InputUnit> u = claimer.Next()) {
        mine.push_back(u->file_index);
        if (stop_early) break;
      }
    }
    auto all = testing::TestMpi().AllGather(Join(mine));
    std::vector<size_t> union_of_all;
    for (const auto& s : all) {
      auto v = Parse(s);
      union_of_all.insert(union_of_all.end(), v.begin(), v.end());
    }
    std::sort(union_of_all.begin(), union_of_all.end());
    std::vector<size_t> expected(24);
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = i;
    EXPECT_EQ(union_of_all, expected);
  }
}

void ExpectExactlyOnce(const InputPlan& plan) {
  for (int slow_ms : {0, testing::TestMpi().size() > 1 ? 20 : 0}) {
    std::vector<size_t> mine;
    ClaimAll(plan, slow_ms, &mine);
    auto all = testing::TestMpi().AllGather(Join(mine));
    std::vector<size_t> union_of_all;
    for (const auto& s : all) {
      auto v = Parse(s);
      union_of_all.insert(union_of_all.end(), v.begin(), v.end());
    }
    std::sort(union_of_all.begin(), union_of_all.end());
    std::vector<size_t> expected(plan.units.size());
    for (size_t i = 0; i < expected.size(); ++i) expected[i] = i;
    EXPECT_EQ(union_of_all, expected) << "slow_ms " << slow_ms;
    if (slow_ms > 0 && testing::TestMpi().size() > 1) {
      auto dealt = DealUnits(plan, testing::TestMpi().size());
      size_t rank0_did = Parse(all[0]).size();
      EXPECT_LT(rank0_did, dealt[0].size())
          << "the others should have taken some of rank 0's units";
    }
  }
}

TEST(InputTest, OwnUnitsComeFirstLargestFirst) {
  std::vector<FileInfo> files;
  for (int i = 0; i < 8; ++i) files.push_back({"/f" + std::to_string(i) + ".gz", 10u + i});
  InputPlan plan = PlanUnits(files, 0);
  auto dealt = DealUnits(plan, testing::TestMpi().size());
  for (const char* mode : kModes) {
    SCOPED_TRACE(mode);
    ClaimerMode scoped(mode);
    UnitClaimer claimer(testing::TestMpi(), plan);
    // Before anyone can steal (barrier below), each rank's first claim is its largest own unit.
    std::optional<InputUnit> first = claimer.Next();
    EXPECT_TRUE(first.has_value());
    if (first) {
      EXPECT_EQ(first->file_index, dealt[testing::TestMpi().rank()][0]);
    }
    testing::TestMpi().Barrier();
    while (claimer.Next()) {
    }
  }
}

TEST(InputTest, EmptyPlanHasNothingToClaim) {
  InputPlan plan = PlanUnits({}, 100);
  for (const char* mode : kModes) {
    ClaimerMode scoped(mode);
    UnitClaimer claimer(testing::TestMpi(), plan);
    EXPECT_FALSE(claimer.Next().has_value()) << mode;
  }
}

// End to end on real bytes: list, plan with a small split, claim, read: the lines read by all
// ranks together are the files' lines, each once.
TEST(InputTest, ListPlanClaimReadGivesEveryLineOnce) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    for (int f = 0; f < 5; ++f) {
      std::string text;
      for (int i = 0; i < 400; ++i) {
        text += "{\"f\":" + std::to_string(f) + ",\"i\":" + std::to_string(i) + "}\n";
      }
      if (f % 2 == 0) {
        testing::WriteGzipFile(dir.Join("in-" + std::to_string(f) + ".jsonl.gz"), text);
      } else {
        WriteFile(dir.Join("in-" + std::to_string(f) + ".jsonl"), text);
      }
    }
  }
  testing::TestMpi().Barrier();
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dir.path(), "", &files).ok());
  InputPlan plan = PlanUnits(files, 1000);
  std::vector<std::string> lines;
  {
    UnitClaimer claimer(testing::TestMpi(), plan);
    while (std::optional<InputUnit> u = claimer.Next()) {
      std::unique_ptr<LineReader> reader;
      ASSERT_TRUE(LineReader::Open(*fs, plan.files[u->file_index], *u, &reader).ok());
      std::string_view line;
      while (reader->Next(&line)) lines.emplace_back(line);
      ASSERT_TRUE(reader->status().ok()) << reader->status().ToString();
    }
  }
  std::string joined;
  for (const auto& l : lines) joined += l + "\n";
  auto all = testing::TestMpi().GatherToRoot(joined);
  if (testing::TestMpi().is_root()) {
    std::multiset<std::string> got;
    for (const auto& s : all) {
      for (const auto& l : testing::SplitLines(s)) got.insert(l);
    }
    EXPECT_EQ(got.size(), 5u * 400u);
    std::set<std::string> distinct(got.begin(), got.end());
    EXPECT_EQ(distinct.size(), 5u * 400u) << "no line read twice";
    EXPECT_EQ(distinct.count("{\"f\":3,\"i\":399}"), 1u);
  }
}

}  // namespace
}  // namespace rankflow
