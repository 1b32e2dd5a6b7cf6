// ShuffleJoin and BroadcastTable at 1, 2 and 4 ranks against a nested-loop join of every rank's
// records: inner and left, in memory and with forced spills, a skewed key whose right side spills
// and whose left side spans many blocks, keys that are prefixes of each other, a failing rank.
#include "runtime/join.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "tests/runtime/collective_inputs.h"
#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

using testing::KeyedRecord;
using testing::TestMpi;
using Row = std::tuple<std::string, std::string, std::string>;  // key, left, right ("-": none)

std::vector<Row> Reference(const std::vector<KeyedRecord>& left,
                           const std::vector<KeyedRecord>& right, JoinKind kind) {
  std::multimap<std::string, std::string> by_key;
  for (const KeyedRecord& r : right) by_key.emplace(r.key, r.value);
  std::vector<Row> rows;
  for (const KeyedRecord& l : left) {
    auto [b, e] = by_key.equal_range(l.key);
    if (b == e && kind == JoinKind::kLeft) rows.emplace_back(l.key, l.value, "-");
    for (auto it = b; it != e; ++it) rows.emplace_back(l.key, l.value, it->second);
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// Joins this rank's sides; returns every rank's rows, sorted.
std::vector<Row> RunJoin(const std::vector<KeyedRecord>& left,
                         const std::vector<KeyedRecord>& right, JoinOptions options,
                         JoinStats* stats = nullptr) {
  ShuffleJoin join(TestMpi(), options);
  for (const KeyedRecord& r : left) EXPECT_TRUE(join.AddLeft(r.key, r.value).ok());
  for (const KeyedRecord& r : right) EXPECT_TRUE(join.AddRight(r.key, r.value).ok());
  Status s = join.Exchange();
  EXPECT_TRUE(s.ok()) << s.message();
  std::vector<KeyedRecord> out;  // key, "left|right"
  std::string previous;
  s = join.ForEach([&](std::string_view key, std::string_view l, const std::string_view* r) {
    if (!out.empty()) {
      EXPECT_LE(previous, key);
    }
    previous.assign(key);
    out.push_back({std::string(key), std::string(l) + "|" + (r ? std::string(*r) : "-")});
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  if (stats != nullptr) *stats = join.stats();
  std::vector<Row> rows;
  for (const KeyedRecord& r : testing::AllGatherRecords(TestMpi(), out)) {
    const size_t bar = r.value.find('|');
    rows.emplace_back(r.key, r.value.substr(0, bar), r.value.substr(bar + 1));
  }
  std::sort(rows.begin(), rows.end());
  return rows;
}

// n records over about n keys (a few values per key on each side, so the pairs stay few), keys
// "k<i>" that are prefixes of each other and some holding 0x00.
std::vector<KeyedRecord> JoinInputs(int rank, int n, uint64_t seed, const std::string& tag) {
  std::vector<KeyedRecord> out = testing::KeyedInputs(rank, n, 0.0, seed);
  std::mt19937_64 rng(seed);
  for (size_t i = 0; i < out.size(); ++i) {
    out[i].key = "k" + std::to_string(rng() % static_cast<uint64_t>(n));
    if (i % 7 == 0) out[i].key += std::string(1, '\0');
    out[i].value = tag + out[i].value;
  }
  return out;
}

// Right values are told apart from left ones by a prefix.
std::vector<KeyedRecord> RightSide(int rank, int n, uint64_t seed) {
  return JoinInputs(rank, n, seed, "R");
}

JoinOptions Options(JoinKind kind, ShuffleOptions shuffle = ShuffleOptions{}) {
  JoinOptions o;
  o.kind = kind;
  o.shuffle = shuffle;
  return o;
}

TEST(ShuffleJoinTest, InnerAndLeftEqualNestedLoops) {
  const int rank = TestMpi().rank();
  auto left = JoinInputs(rank, 1500, 21 + static_cast<uint64_t>(rank), "");
  auto right = RightSide(rank, 1500, 22 + static_cast<uint64_t>(rank));
  auto all_left = testing::AllGatherRecords(TestMpi(), left);
  auto all_right = testing::AllGatherRecords(TestMpi(), right);
  for (JoinKind kind : {JoinKind::kInner, JoinKind::kLeft}) {
    std::vector<Row> want = Reference(all_left, all_right, kind);
    EXPECT_EQ(RunJoin(left, right, Options(kind)), want);
    EXPECT_EQ(RunJoin(left, right, Options(kind, testing::TinyBudget())), want);
  }
}

TEST(ShuffleJoinTest, SkewedKeySpillsItsRightSideAndStreamsItsLeftInBlocks) {
  // One key with 300 left and 1000 right values over all ranks (300k pairs): its right side
  // overflows the 4 KiB buffer of the tiny budget, its left side spans several 4 KiB blocks.
  const int rank = TestMpi().rank();
  const int size = TestMpi().size();
  const std::string pad(16, '.');
  std::vector<KeyedRecord> left, right;
  for (int i = 0; i < 300 / size; ++i) {
    left.push_back({"hot", "l" + pad + std::to_string(rank * 1000 + i)});
  }
  for (int i = 0; i < 1000 / size; ++i) {
    right.push_back({"hot", "r" + pad + std::to_string(rank * 10000 + i)});
  }
  left.push_back({"ho", "l-short"});
  right.push_back({"hott", "r-long"});
  auto all_left = testing::AllGatherRecords(TestMpi(), left);
  auto all_right = testing::AllGatherRecords(TestMpi(), right);
  JoinStats stats;
  std::vector<Row> got =
      RunJoin(left, right, Options(JoinKind::kLeft, testing::TinyBudget()), &stats);
  EXPECT_EQ(got, Reference(all_left, all_right, JoinKind::kLeft));
  EXPECT_EQ(TestMpi().AllSum(static_cast<int64_t>(stats.right_spilled_keys)), 1);
  EXPECT_EQ(TestMpi().AllSum(static_cast<int64_t>(stats.pairs_out)),
            static_cast<int64_t>(got.size()));
}

TEST(ShuffleJoinTest, EmptySidesGiveNothingOrOnlyLeftRows) {
  auto left = testing::KeyedInputs(TestMpi().rank(), 200, 0.1, 23);
  auto all_left = testing::AllGatherRecords(TestMpi(), left);
  EXPECT_TRUE(RunJoin(left, {}, Options(JoinKind::kInner)).empty());
  EXPECT_EQ(RunJoin(left, {}, Options(JoinKind::kLeft)), Reference(all_left, {}, JoinKind::kLeft));
  EXPECT_TRUE(RunJoin({}, RightSide(TestMpi().rank(), 200, 24), Options(JoinKind::kLeft)).empty());
}

TEST(ShuffleJoinTest, OneFailingRankStopsEveryRank) {
  ShuffleJoin join(TestMpi(), Options(JoinKind::kInner));
  ASSERT_TRUE(join.AddLeft("k", "v").ok());
  const bool ok = TestMpi().rank() != TestMpi().size() - 1;
  Status s = join.Exchange(ok);
  EXPECT_FALSE(s.ok());
  if (ok) {
    EXPECT_EQ(s.code(), StatusCode::kAborted) << s.message();
  }
}

TEST(BroadcastTableTest, EveryRankSeesEveryRanksSmallSide) {
  const int rank = TestMpi().rank();
  auto small = RightSide(rank, 300, 25);
  auto all_small = testing::AllGatherRecords(TestMpi(), small);
  BroadcastTable table;
  for (const KeyedRecord& r : small) table.Add(r.key, r.value);
  table.Broadcast(TestMpi());
  EXPECT_EQ(table.records(), all_small.size());
  // Probe with this rank's big side; compare with the nested loop over the gathered small side.
  auto big = testing::KeyedInputs(rank, 500, 0.1, 26);
  std::vector<Row> got;
  for (const KeyedRecord& l : big) {
    table.ForEachMatch(
        l.key, [&](std::string_view r) { got.emplace_back(l.key, l.value, std::string(r)); });
  }
  std::sort(got.begin(), got.end());
  EXPECT_EQ(got, Reference(big, all_small, JoinKind::kInner));
  EXPECT_EQ(table.ForEachMatch("no such key", [](std::string_view) {}), 0u);
}

}  // namespace
}  // namespace rankflow
