// TopK and GroupTopK at 1, 2 and 4 ranks against a stable sort of every rank's records: largest and
// smallest, ties resolved to the earliest (rank, add order), n larger than the input, n = 0,
// per-group lists with forced spills, a failing rank.
#include "runtime/topk.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>

#include "tests/runtime/collective_inputs.h"
#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

using testing::KeyedRecord;
using testing::TestMpi;

// The best n of `all` (in rank order, each rank's in add order): a stable sort by key.
std::vector<std::string> Reference(std::vector<KeyedRecord> all, size_t n, bool largest) {
  std::stable_sort(all.begin(), all.end(), [&](const KeyedRecord& a, const KeyedRecord& b) {
    return largest ? a.key > b.key : a.key < b.key;
  });
  std::vector<std::string> out;
  for (size_t i = 0; i < std::min(n, all.size()); ++i)
    out.push_back(all[i].key + "=" + all[i].value);
  return out;
}

std::vector<std::string> Flatten(const std::vector<TopKRow>& rows) {
  std::vector<std::string> out;
  for (const TopKRow& r : rows) out.push_back(r.key + "=" + r.value);
  return out;
}

TEST(TopKTest, GlobalBestNWithTiesToTheEarliest) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 5000, 0.3, 31);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  for (bool largest : {true, false}) {
    for (size_t n : {size_t{0}, size_t{1}, size_t{10}, size_t{200}, size_t{100000}}) {
      TopK top(TestMpi(), n, largest);
      for (const KeyedRecord& r : mine) top.Add(r.key, r.value);
      std::vector<TopKRow> rows;
      ASSERT_TRUE(top.Gather(TestMpi(), true, &rows).ok());
      if (TestMpi().is_root()) {
        EXPECT_EQ(Flatten(rows), Reference(all, n, largest)) << "n=" << n << " largest=" << largest;
      } else {
        EXPECT_TRUE(rows.empty());
      }
      ASSERT_TRUE(top.Gather(TestMpi(), true, &rows, /*all_ranks=*/true).ok());
      EXPECT_EQ(Flatten(rows), Reference(all, n, largest));
    }
  }
}

TEST(TopKTest, LocalIsThisRanksBest) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 1000, 0.2, 32);
  TopK top(TestMpi(), 7, true);
  for (const KeyedRecord& r : mine) top.Add(r.key, r.value);
  EXPECT_EQ(Flatten(top.Local()), Reference(mine, 7, true));
}

TEST(TopKTest, OneFailingRankStopsEveryRank) {
  TopK top(TestMpi(), 3, true);
  top.Add("k", "v");
  std::vector<TopKRow> rows;
  const bool ok = TestMpi().rank() != TestMpi().size() - 1;
  Status s = top.Gather(TestMpi(), ok, &rows);
  EXPECT_EQ(s.code(), StatusCode::kAborted) << s.message();
  EXPECT_TRUE(rows.empty());
}

TEST(GroupTopKTest, BestNPerGroupWithForcedSpills) {
  // Groups are the keys' first byte ("" for the empty key); the ranking key is the whole key.
  auto mine = testing::KeyedInputs(TestMpi().rank(), 4000, 0.2, 33);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  auto group_of = [](const std::string& key) { return key.substr(0, 1); };
  for (bool largest : {true, false}) {
    for (ShuffleOptions options : {ShuffleOptions{}, testing::TinyBudget()}) {
      GroupTopK g(TestMpi(), 5, largest, options);
      for (const KeyedRecord& r : mine) ASSERT_TRUE(g.Add(group_of(r.key), r.key, r.value).ok());
      ASSERT_TRUE(g.Exchange().ok());
      std::vector<KeyedRecord> out;  // group, "key=value"
      ASSERT_TRUE(g.ForEach([&](std::string_view group, const std::vector<TopKRow>& rows) {
                     for (const std::string& row : Flatten(rows)) {
                       out.push_back({std::string(group), row});
                     }
                     return Status::OK();
                   }).ok());
      std::map<std::string, std::vector<std::string>> got;
      for (const KeyedRecord& r : testing::AllGatherRecords(TestMpi(), out)) {
        got[r.key].push_back(r.value);
      }
      std::map<std::string, std::vector<KeyedRecord>> by_group;
      for (const KeyedRecord& r : all) by_group[group_of(r.key)].push_back(r);
      std::map<std::string, std::vector<std::string>> want;
      for (const auto& [group, records] : by_group) want[group] = Reference(records, 5, largest);
      EXPECT_EQ(got, want) << "largest=" << largest;
    }
  }
}

}  // namespace
}  // namespace rankflow
