// Peak memory of the collective pieces under a 1 MiB budget (issue 10, item 6), at 1 and 2 ranks:
// GroupingShuffle with one key of 2·10^6 values, ShuffleJoin with a skewed key (10^5 values on
// each side) and GlobalSort of ~50 MB of keys. Each operation's peak resident set is measured as
// VmHWM after it minus VmRSS before it, with the high-water mark reset first (writing 5 to
// /proc/self/clear_refs, Linux >= 4.0); it must stay under the budget plus kSlackBytes (16 MiB),
// whatever the data size. The slack covers the pieces' fixed buffers (spill writer 1 MiB, 64 KiB
// per merged run for up to 64 runs, the exchange's send and receive rounds) and the allocator. The
// inputs are generated on the fly, so the test's own data costs nothing.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>

#include "runtime/group.h"
#include "runtime/join.h"
#include "runtime/sort.h"
#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

using testing::TestMpi;

constexpr uint64_t kBudgetBytes = 1 << 20;
constexpr int64_t kSlackBytes = 16 << 20;

ShuffleOptions OneMiB() {
  ShuffleOptions o;
  o.memory_bytes = kBudgetBytes;
  o.round_bytes = kBudgetBytes / 4;  // what JobContext::shuffle_options gives for --memory-mb 1
  return o;
}

int64_t StatusKiB(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(field, 0) == 0) return std::stoll(line.substr(line.find(':') + 1));
  }
  return -1;
}

// Measures the peak resident growth of fn on this rank (bytes); the largest over all ranks.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kSanitized = true;
#else
constexpr bool kSanitized = false;
#endif
#define RF_SKIP_IF_SANITIZED() \
  if (kSanitized) GTEST_SKIP() << "resident sizes mean nothing under ASan"

template <typename Fn>
int64_t PeakGrowth(const char* what, Fn fn) {
  std::ofstream("/proc/self/clear_refs") << "5";
  const int64_t before = StatusKiB("VmRSS:");
  fn();
  const int64_t peak = StatusKiB("VmHWM:");
  EXPECT_GT(before, 0);
  const int64_t growth = TestMpi().AllMax((peak - before) << 10);
  if (TestMpi().is_root()) {
    std::printf("[ rss      ] %s: peak growth %.1f MiB (budget 1 MiB + slack 16 MiB)\n", what,
                static_cast<double>(growth) / (1 << 20));
  }
  return growth;
}

TEST(CollectiveRssTest, ResetOfTheHighWaterMarkWorks) {
  RF_SKIP_IF_SANITIZED();
  // The measurement itself: a 64 MiB block touched and freed shows up, then is forgotten.
  int64_t growth = PeakGrowth("64 MiB probe", [] {
    std::string block(64 << 20, 'x');
    EXPECT_EQ(block[12345], 'x');
  });
  EXPECT_GT(growth, 60 << 20);
  EXPECT_LT(PeakGrowth("nothing", [] {}), 8 << 20);
}

TEST(CollectiveRssTest, GroupingOneKeyOfTwoMillionValues) {
  RF_SKIP_IF_SANITIZED();
  const int size = TestMpi().size();
  const int rank = TestMpi().rank();
  constexpr int64_t kValues = 2000000;
  int64_t seen = 0, sum = 0;
  int64_t growth = PeakGrowth("group, one key of 2e6 values", [&] {
    GroupingShuffle g(TestMpi(), OneMiB());
    for (int64_t i = rank; i < kValues; i += size) {
      ASSERT_TRUE(g.Add("the-one-key", EncodeU64(static_cast<uint64_t>(i))).ok());
    }
    ASSERT_TRUE(g.Exchange().ok());
    ASSERT_TRUE(g.ForEachGroup([&](std::string_view key, GroupValues& values) {
                   EXPECT_EQ(key, "the-one-key");
                   std::string_view v;
                   while (values.Next(&v)) {
                     ++seen;
                     sum += static_cast<int64_t>(DecodeU64(v));
                   }
                   return Status::OK();
                 }).ok());
  });
  EXPECT_EQ(TestMpi().AllSum(seen), kValues);
  EXPECT_EQ(TestMpi().AllSum(sum), kValues * (kValues - 1) / 2);
  EXPECT_LT(growth, static_cast<int64_t>(kBudgetBytes) + kSlackBytes);
}

// A skewed join: "hot" has `left_hot` left and 10^5 right values over all ranks; 10^5 other keys
// have one value on each side. The pairs are counted; with stop_after > 0 the callback stops the
// walk after that many pairs (10^5 x 10^5 pairs are too many to enumerate in a test, but the
// buffering of both sides happens before the first pair).
void SkewedJoin(int64_t left_hot, int64_t stop_after, int64_t* pairs, Status* status) {
  const int size = TestMpi().size();
  const int rank = TestMpi().rank();
  constexpr int64_t kRightHot = 100000;
  constexpr int64_t kOtherKeys = 100000;
  JoinOptions options;
  options.kind = JoinKind::kInner;
  options.shuffle = OneMiB();
  ShuffleJoin join(TestMpi(), options);
  const std::string value(24, 'v');
  for (int64_t i = rank; i < left_hot; i += size) ASSERT_TRUE(join.AddLeft("hot", value).ok());
  for (int64_t i = rank; i < kRightHot; i += size) ASSERT_TRUE(join.AddRight("hot", value).ok());
  for (int64_t i = rank; i < kOtherKeys; i += size) {
    ASSERT_TRUE(join.AddLeft("k" + std::to_string(i), value).ok());
    ASSERT_TRUE(join.AddRight("k" + std::to_string(i), value).ok());
  }
  ASSERT_TRUE(join.Exchange().ok());
  *status = join.ForEach([&](std::string_view, std::string_view, const std::string_view*) {
    ++*pairs;
    if (stop_after > 0 && *pairs >= stop_after) return Status::Aborted("enough pairs");
    return Status::OK();
  });
}

TEST(CollectiveRssTest, JoinWithASkewedKey) {
  RF_SKIP_IF_SANITIZED();
  int64_t pairs = 0;
  Status status;
  int64_t growth = PeakGrowth("join, hot key 200 x 1e5 (2e7 pairs) + 1e5 keys",
                              [&] { SkewedJoin(200, 0, &pairs, &status); });
  EXPECT_TRUE(status.ok()) << status.message();
  EXPECT_EQ(TestMpi().AllSum(pairs), 200 * 100000 + 100000);
  EXPECT_LT(growth, static_cast<int64_t>(kBudgetBytes) + kSlackBytes);

  // Both sides of the hot key at 10^5: the walk is stopped after 10^7 pairs on the rank that owns
  // it, by which point its 10^5 right values are buffered (spilled) and its left values stream.
  pairs = 0;
  growth = PeakGrowth("join, hot key 1e5 x 1e5 (stopped after 1e7 pairs)",
                      [&] { SkewedJoin(100000, 10000000, &pairs, &status); });
  EXPECT_LT(growth, static_cast<int64_t>(kBudgetBytes) + kSlackBytes);
  EXPECT_EQ(TestMpi().AllMax(pairs), 10000000);
}

TEST(CollectiveRssTest, SortOfFiftyMegabytesOfKeys) {
  RF_SKIP_IF_SANITIZED();
  const int size = TestMpi().size();
  const int rank = TestMpi().rank();
  constexpr int64_t kKeys = 50 * 1000 * 1000 / 24;  // 24-byte keys: ~50 MB
  int64_t out = 0;
  bool ordered = true;
  std::string first, last;
  uint64_t checksum_in = 0, checksum_out = 0;
  int64_t growth = PeakGrowth("sort, 50 MB of keys", [&] {
    GlobalSort sort(TestMpi(), SortOptions{.shuffle = OneMiB()});
    std::mt19937_64 rng(77 + static_cast<uint64_t>(rank));
    std::string key(24, '\0');
    for (int64_t i = rank; i < kKeys; i += size) {
      for (size_t j = 0; j < key.size(); j += 8) {
        const uint64_t r = rng();
        std::memcpy(key.data() + j, &r, 8);
      }
      checksum_in += KeyHash64(key);
      ASSERT_TRUE(sort.Add(key, {}).ok());
    }
    ASSERT_TRUE(sort.Sort().ok());
    ASSERT_TRUE(sort.ForEach([&](std::string_view k, std::string_view) {
                      if (out > 0 && k < last) ordered = false;
                      if (out == 0) first.assign(k);
                      last.assign(k);
                      checksum_out += KeyHash64(k);
                      ++out;
                      return Status::OK();
                    })
                    .ok());
  });
  EXPECT_TRUE(ordered);
  EXPECT_EQ(TestMpi().AllSum(out), kKeys);
  EXPECT_EQ(TestMpi().AllSum(static_cast<int64_t>(checksum_in)),
            TestMpi().AllSum(static_cast<int64_t>(checksum_out)));
  // Rank r's last key is below rank r+1's first (ranks with no keys aside).
  std::vector<std::string> firsts = TestMpi().AllGather(out > 0 ? first : std::string());
  std::vector<std::string> lasts = TestMpi().AllGather(out > 0 ? last : std::string());
  for (int r = 0; r + 1 < size; ++r) {
    if (!lasts[r].empty() && !firsts[r + 1].empty()) {
      EXPECT_LE(lasts[r], firsts[r + 1]);
    }
  }
  EXPECT_LT(growth, static_cast<int64_t>(kBudgetBytes) + kSlackBytes);
}

}  // namespace
}  // namespace rankflow
