// GroupingShuffle at 1, 2 and 4 ranks against a std::map<key, values> built from every rank's
// records: one hot key, keys that are prefixes of each other and hold 0x00, forced spills,
// callbacks that read only part of a group, a failing rank.
#include "runtime/group.h"

#include <gtest/gtest.h>

#include <map>

#include "tests/runtime/collective_inputs.h"
#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

using testing::KeyedRecord;
using testing::TestMpi;
using Groups = std::map<std::string, std::vector<std::string>>;

// Values per key in (rank, add order) order: AllGatherRecords lists ranks in order already.
Groups Reference(const std::vector<KeyedRecord>& all, size_t take) {
  Groups ref;
  for (const KeyedRecord& r : all) {
    auto& values = ref[r.key];
    if (values.size() < take) values.push_back(r.value);
  }
  return ref;
}

// Groups `mine`, reading at most `take` values of each key; returns every rank's groups.
Groups RunGroups(const std::vector<KeyedRecord>& mine, ShuffleOptions options, size_t take,
                 int64_t* spilled_runs = nullptr) {
  GroupingShuffle g(TestMpi(), options);
  for (const KeyedRecord& r : mine) EXPECT_TRUE(g.Add(r.key, r.value).ok());
  Status s = g.Exchange();
  EXPECT_TRUE(s.ok()) << s.message();
  std::vector<KeyedRecord> out;  // key, then one record per value ("" key = same group)
  std::string previous;
  bool first = true;
  s = g.ForEachGroup([&](std::string_view key, GroupValues& values) {
    if (!first) {
      EXPECT_LT(previous, key) << "keys out of order on rank " << TestMpi().rank();
    }
    first = false;
    previous.assign(key);
    std::string_view v;
    size_t n = 0;
    while (n < take && values.Next(&v)) {
      out.push_back({std::string(key), std::string(v)});
      ++n;
    }
    if (n == 0) out.push_back({std::string(key), "<none>"});
    return Status::OK();
  });
  EXPECT_TRUE(s.ok()) << s.message();
  if (spilled_runs != nullptr) {
    *spilled_runs = TestMpi().AllSum(static_cast<int64_t>(g.stats().spilled_runs));
  }
  Groups got;
  for (const KeyedRecord& r : testing::AllGatherRecords(TestMpi(), out)) {
    auto& values = got[r.key];
    if (r.value != "<none>") values.push_back(r.value);
  }
  return got;
}

TEST(GroupingShuffleTest, EveryValueOfEveryKeyInOriginOrder) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 6000, 0.3, 11);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  EXPECT_EQ(RunGroups(mine, ShuffleOptions{}, SIZE_MAX), Reference(all, SIZE_MAX));
}

TEST(GroupingShuffleTest, ForcedSpillsGiveTheSameGroups) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 6000, 0.5, 12);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  int64_t spilled = 0;
  EXPECT_EQ(RunGroups(mine, testing::TinyBudget(), SIZE_MAX, &spilled), Reference(all, SIZE_MAX));
  EXPECT_GT(spilled, 10);
}

TEST(GroupingShuffleTest, PartlyReadGroupsDoNotLeakIntoTheNext) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 3000, 0.3, 13);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  EXPECT_EQ(RunGroups(mine, testing::TinyBudget(), 2), Reference(all, 2));
  // Groups whose values are never read at all.
  Groups none = RunGroups(mine, ShuffleOptions{}, 0);
  Groups want = Reference(all, 0);
  EXPECT_EQ(none, want);
}

TEST(GroupingShuffleTest, PrefixKeysAndZeroBytesStayApart) {
  std::vector<KeyedRecord> mine;
  const std::string keys[] = {
      "",   std::string(1, '\0'),   "a", std::string("a\0", 2), std::string("a\0\0", 3),
      "ab", std::string("a\xff", 2)};
  int i = 0;
  for (const std::string& k : keys) {
    for (int j = 0; j < 3; ++j) {
      mine.push_back({k, "r" + std::to_string(TestMpi().rank()) + "." + std::to_string(i++)});
    }
  }
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  Groups got = RunGroups(mine, testing::TinyBudget(), SIZE_MAX);
  EXPECT_EQ(got.size(), 7u);
  EXPECT_EQ(got, Reference(all, SIZE_MAX));
}

TEST(GroupingShuffleTest, CallbackErrorIsReturned) {
  GroupingShuffle g(TestMpi(), ShuffleOptions{});
  ASSERT_TRUE(g.Add("k" + std::to_string(TestMpi().rank()), "v").ok());
  ASSERT_TRUE(g.Exchange().ok());
  int groups = 0;
  Status s = g.ForEachGroup([&](std::string_view, GroupValues&) {
    ++groups;
    return Status::Internal("stop here");
  });
  if (groups > 0) {
    EXPECT_EQ(s.message(), "stop here");
    EXPECT_EQ(groups, 1);
  } else {
    EXPECT_TRUE(s.ok());
  }
}

TEST(GroupingShuffleTest, OneFailingRankStopsEveryRank) {
  GroupingShuffle g(TestMpi(), ShuffleOptions{});
  ASSERT_TRUE(g.Add("k", "v").ok());
  const bool ok = TestMpi().rank() != 0;
  Status s = g.Exchange(ok);
  EXPECT_FALSE(s.ok());
  if (ok) {
    EXPECT_EQ(s.code(), StatusCode::kAborted) << s.message();
  }
}

}  // namespace
}  // namespace rankflow
