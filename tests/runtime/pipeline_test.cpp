// MapPhase under mpirun at 1, 2 and 4 ranks: every line is seen exactly once across ranks (gzip
// files and plain files split into byte ranges), bad lines are counted and sampled, --strict and
// corrupt input fail on every rank with the same message, and nothing hangs.
#include "runtime/pipeline.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

std::string Lines(int from, int to) {
  std::string out;
  for (int i = from; i < to; ++i) out += "line " + std::to_string(i) + "\n";
  return out;
}

struct Seen {
  std::multiset<std::string> lines;  // every rank's, gathered
  Metrics metrics;
};

// Runs a map phase that records every line; returns the union over ranks on every rank.
Status RunCollect(const MapPhaseOptions& options, Seen* seen, const LineFn& extra = nullptr) {
  auto fs = NewLocalFileSystem();
  Progress progress("test", false, testing::TestMpi().size());
  MapPhase map(testing::TestMpi(), *fs, &seen->metrics, &progress);
  RF_RETURN_IF_ERROR(map.Plan(options));
  std::string mine;
  Status s = map.Run([&](std::string_view line, LineContext& ctx) {
    mine.append(line).push_back('\n');
    if (extra) extra(line, ctx);
  });
  for (const std::string& part : testing::TestMpi().AllGather(mine)) {
    for (const std::string& l : testing::SplitLines(part)) {
      if (!l.empty()) seen->lines.insert(l);
    }
  }
  return s;
}

TEST(MapPhaseTest, EveryLineOnceWithGzipAndSplitPlainFiles) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    testing::WriteGzipFile(dir.Join("a.jsonl.gz"), Lines(0, 1000));
    testing::WriteFile(dir.Join("b.jsonl"), Lines(1000, 5000));  // ~45 kB: split in 1 kB ranges
    testing::WriteFile(dir.Join("c.jsonl"), Lines(5000, 5003));
    testing::WriteFile(dir.Join("_SUCCESS"), "not an input");
  }
  testing::TestMpi().Barrier();
  MapPhaseOptions o;
  o.src = dir.path();
  o.split_bytes = 1024;
  Seen seen;
  ASSERT_TRUE(RunCollect(o, &seen).ok());
  std::multiset<std::string> want;
  for (const std::string& l : testing::SplitLines(Lines(0, 5003))) {
    if (!l.empty()) want.insert(l);
  }
  EXPECT_EQ(seen.lines, want);
  std::vector<int64_t> sums =
      testing::TestMpi().AllSum({seen.metrics.Get("records_in"), seen.metrics.Get("files_in"),
                                 seen.metrics.Get("units_in"), seen.metrics.Get("bytes_in")});
  EXPECT_EQ(sums[0], 5003);
  EXPECT_EQ(sums[1], 3);
  EXPECT_GT(sums[2], 40);
  EXPECT_EQ(sums[3], static_cast<int64_t>(Lines(0, 5003).size()));
}

TEST(MapPhaseTest, RegexSelectsFilesAndEmptyListIsAnError) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    testing::WriteFile(dir.Join("keep.jsonl"), Lines(0, 10));
    testing::WriteFile(dir.Join("skip.txt"), Lines(10, 20));
  }
  testing::TestMpi().Barrier();
  MapPhaseOptions o;
  o.src = dir.path();
  o.name_regex = "\\.jsonl$";
  Seen seen;
  ASSERT_TRUE(RunCollect(o, &seen).ok());
  EXPECT_EQ(seen.lines.size(), 10u);
  auto fs = NewLocalFileSystem();
  Metrics m;
  MapPhase map(testing::TestMpi(), *fs, &m, nullptr);
  o.name_regex = "\\.csv$";
  Status s = map.Plan(o);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "no input files in " + dir.path() + " matching \\.csv$");
  o.src = dir.Join("missing");
  o.name_regex.clear();
  EXPECT_EQ(map.Plan(o).code(), StatusCode::kNotFound);
}

TEST(MapPhaseTest, BadLinesAreCountedAndSampled) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root())
    testing::WriteFile(dir.Join("x.jsonl"), "ok\nbad one\nok\nbad two\n");
  testing::TestMpi().Barrier();
  MapPhaseOptions o;
  o.src = dir.path();
  Seen seen;
  ASSERT_TRUE(RunCollect(o, &seen, [](std::string_view line, LineContext& ctx) {
                if (line.rfind("bad", 0) == 0) ctx.BadLine("invalid_json");
              }).ok());
  seen.metrics.MergeToRoot(testing::TestMpi());
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(seen.metrics.Get("bad_lines.invalid_json"), 2);
    const auto& samples = seen.metrics.samples().at("invalid_json");
    ASSERT_EQ(samples.size(), 2u);
    EXPECT_EQ(samples[0], dir.Join("x.jsonl") + ":2: bad one");
  }
}

TEST(MapPhaseTest, StrictFailsEveryRankWithTheSameMessage) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    for (int f = 0; f < 6; ++f)
      testing::WriteFile(dir.Join("f" + std::to_string(f) + ".jsonl"), Lines(0, 50));
    testing::WriteFile(dir.Join("z.jsonl"), "fine\nbroken\n");
  }
  testing::TestMpi().Barrier();
  MapPhaseOptions o;
  o.src = dir.path();
  o.strict = true;
  Seen seen;
  Status s = RunCollect(o, &seen, [](std::string_view line, LineContext& ctx) {
    if (line == "broken") ctx.BadLine("invalid_json");
  });
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(s.message(), "--strict: invalid_json at " + dir.Join("z.jsonl") + ":2: broken");
}

TEST(MapPhaseTest, CorruptGzipFailsEveryRankNamingTheFile) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) {
    for (int f = 0; f < 5; ++f)
      testing::WriteGzipFile(dir.Join("g" + std::to_string(f) + ".jsonl.gz"), Lines(0, 2000));
    std::string whole = testing::ReadFile(dir.Join("g0.jsonl.gz"));
    testing::WriteFile(dir.Join("g0.jsonl.gz"), whole.substr(0, whole.size() - 30));
  }
  testing::TestMpi().Barrier();
  MapPhaseOptions o;
  o.src = dir.path();
  Seen seen;
  Status s = RunCollect(o, &seen);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kCorruption) << s.message();
  EXPECT_EQ(s.message().rfind(dir.Join("g0.jsonl.gz") + ":", 0), 0u) << s.message();
  // Every rank returned the same status.
  std::vector<std::string> all = testing::TestMpi().AllGather(s.message());
  for (const std::string& m : all) EXPECT_EQ(m, s.message());
}

TEST(MapPhaseTest, AdaptersFilterMapAndFlatMap) {
  testing::SharedTempDir dir;
  if (testing::TestMpi().is_root()) testing::WriteFile(dir.Join("n.jsonl"), "1\n2\n3\n4\nx\n");
  testing::TestMpi().Barrier();
  auto fs = NewLocalFileSystem();
  Metrics m;
  MapPhase map(testing::TestMpi(), *fs, &m, nullptr);
  MapPhaseOptions o;
  o.src = dir.path();
  ASSERT_TRUE(map.Plan(o).ok());
  int64_t sum = 0;
  int64_t pieces = 0;
  LineFn to_int = MapLines<int>(
      [](std::string_view line, LineContext& ctx) -> std::optional<int> {
        if (line == "x") {
          ctx.BadLine("not_a_number");
          return std::nullopt;
        }
        return std::stoi(std::string(line));
      },
      [&](int&& v) { sum += v; });
  LineFn evens =
      FilterLines([](std::string_view l) { return l == "2" || l == "4" || l == "x"; }, to_int);
  LineFn split = FlatMapLines<char>(
      [](std::string_view line, LineContext&, const std::function<void(char&&)>& emit) {
        for (char c : line) emit(char(c));
      },
      [&](char&&) { ++pieces; });
  ASSERT_TRUE(map.Run([&](std::string_view line, LineContext& ctx) {
                   evens(line, ctx);
                   split(line, ctx);
                 })
                  .ok());
  std::vector<int64_t> totals =
      testing::TestMpi().AllSum({sum, pieces, m.Get("bad_lines.not_a_number")});
  EXPECT_EQ(totals[0], 6);
  EXPECT_EQ(totals[1], 5);
  EXPECT_EQ(totals[2], 1);
}

TEST(AgreeOnStatusTest, LowestFailingRankWins) {
  Status local = testing::TestMpi().rank() == testing::TestMpi().size() - 1
                     ? Status::NotFound("rank-specific failure")
                     : Status::OK();
  Status s = AgreeOnStatus(testing::TestMpi(), local);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), "rank-specific failure");
  EXPECT_TRUE(AgreeOnStatus(testing::TestMpi(), Status::OK()).ok());
}

}  // namespace
}  // namespace rankflow
