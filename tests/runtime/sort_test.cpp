// GlobalSort at 1, 2 and 4 ranks against a std::stable_sort of every rank's records: ascending
// and descending, in memory and with forced spills, skewed keys, empty ranks, a failing rank.
#include "runtime/sort.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "tests/runtime/collective_inputs.h"
#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

using testing::KeyedRecord;
using testing::TestMpi;

// The reference: all records, stable-sorted by key (ties keep rank order, then add order).
std::vector<KeyedRecord> Reference(std::vector<KeyedRecord> all, bool descending) {
  std::stable_sort(all.begin(), all.end(), [&](const KeyedRecord& a, const KeyedRecord& b) {
    return descending ? a.key > b.key : a.key < b.key;
  });
  return all;
}

SortOptions Descending() {
  SortOptions o;
  o.descending = true;
  return o;
}

// Sorts `mine` and returns every rank's output in rank order; *per_rank gets each rank's count.
std::vector<KeyedRecord> RunSort(const std::vector<KeyedRecord>& mine, SortOptions options,
                                 std::vector<int64_t>* per_rank = nullptr,
                                 int64_t* spilled_runs = nullptr) {
  GlobalSort sort(TestMpi(), options);
  for (const KeyedRecord& r : mine) EXPECT_TRUE(sort.Add(r.key, r.value).ok());
  Status s = sort.Sort();
  EXPECT_TRUE(s.ok()) << s.message();
  std::vector<KeyedRecord> out;
  EXPECT_TRUE(sort.ForEach([&](std::string_view k, std::string_view v) {
                    out.push_back({std::string(k), std::string(v)});
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(sort.records(), out.size());
  if (spilled_runs != nullptr) {
    *spilled_runs = TestMpi().AllSum(static_cast<int64_t>(sort.shuffle_stats().spilled_runs));
  }
  if (per_rank != nullptr) {
    std::vector<int64_t> counts(TestMpi().size(), 0);
    counts[TestMpi().rank()] = static_cast<int64_t>(out.size());
    *per_rank = TestMpi().AllSum(counts);
  }
  return testing::AllGatherRecords(TestMpi(), out);
}

void ExpectSameRecords(const std::vector<KeyedRecord>& got, const std::vector<KeyedRecord>& want) {
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].key, want[i].key) << "record " << i;
    ASSERT_EQ(got[i].value, want[i].value) << "record " << i;
  }
}

TEST(GlobalSortTest, AscendingInMemoryEqualsStableSort) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 5000, 0.2, 1);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  ExpectSameRecords(RunSort(mine, SortOptions{}), Reference(all, false));
}

TEST(GlobalSortTest, DescendingKeepsTiesInAddOrder) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 5000, 0.2, 2);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  ExpectSameRecords(RunSort(mine, Descending()), Reference(all, true));
}

TEST(GlobalSortTest, ForcedSpillsAndTinyRoundsGiveTheSameOrder) {
  auto mine = testing::KeyedInputs(TestMpi().rank(), 4000, 0.3, 3);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  SortOptions options{.shuffle = testing::TinyBudget()};
  int64_t spilled = 0;
  ExpectSameRecords(RunSort(mine, options, nullptr, &spilled), Reference(all, false));
  EXPECT_GT(spilled, 0);
  options.descending = true;
  ExpectSameRecords(RunSort(mine, options), Reference(all, true));
}

TEST(GlobalSortTest, OneHotKeyIsCutBetweenRanks) {
  // 90% of the records share one key: the splitters cut its run by tie-break.
  auto mine = testing::KeyedInputs(TestMpi().rank(), 20000, 0.9, 4);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  std::vector<int64_t> per_rank;
  ExpectSameRecords(RunSort(mine, SortOptions{}, &per_rank), Reference(all, false));
  const int64_t total = static_cast<int64_t>(all.size());
  for (int64_t n : per_rank) {
    EXPECT_LT(n, total / TestMpi().size() + total / 10) << "a rank got more than its share";
  }
}

TEST(GlobalSortTest, EmptyRanksAndNoRecordsAtAll) {
  std::vector<KeyedRecord> mine;
  if (TestMpi().rank() == 0) mine = testing::KeyedInputs(0, 3000, 0.1, 5);
  auto all = testing::AllGatherRecords(TestMpi(), mine);
  ExpectSameRecords(RunSort(mine, SortOptions{.shuffle = testing::TinyBudget()}),
                    Reference(all, false));
  EXPECT_TRUE(RunSort({}, SortOptions{}).empty());
}

TEST(GlobalSortTest, OneFailingRankStopsEveryRank) {
  GlobalSort sort(TestMpi(), SortOptions{});
  for (const KeyedRecord& r : testing::KeyedInputs(TestMpi().rank(), 100, 0.1, 6)) {
    ASSERT_TRUE(sort.Add(r.key, r.value).ok());
  }
  const bool ok = TestMpi().rank() != TestMpi().size() - 1;
  Status s = sort.Sort(ok);
  EXPECT_FALSE(s.ok());
  if (ok) {
    EXPECT_EQ(s.code(), StatusCode::kAborted) << s.message();
  }
}

TEST(GlobalSortTest, ReservoirIsDeterministicAndBounded) {
  SampleReservoir a(7, 16), b(7, 16);
  for (int i = 0; i < 1000; ++i) {
    a.Offer(std::to_string(i));
    b.Offer(std::to_string(i));
  }
  EXPECT_EQ(a.items(), b.items());
  EXPECT_EQ(a.items().size(), 16u);
  EXPECT_EQ(a.seen(), 1000u);
  // Not just the first 16 offered.
  EXPECT_TRUE(std::any_of(a.items().begin(), a.items().end(),
                          [](const std::string& s) { return std::stoi(s) >= 16; }));
}

}  // namespace
}  // namespace rankflow
