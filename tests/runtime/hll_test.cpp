// HyperLogLog at 1, 2 and 4 ranks: 10^6 distinct values spread over the ranks (with duplicates
// added on every rank) estimate within 3 standard errors after AllMerge; small counts are nearly
// exact; merging is idempotent; the serialized form round-trips and damaged bytes are refused.
#include "runtime/hll.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>

#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

using testing::TestMpi;

double RelativeError(double estimate, double truth) { return std::abs(estimate - truth) / truth; }

TEST(HyperLogLogTest, MillionDistinctAcrossRanksWithinThreeStandardErrors) {
  const int size = TestMpi().size();
  const int rank = TestMpi().rank();
  constexpr int kDistinct = 1000000;
  for (int precision : {12, 14}) {
    HyperLogLog hll(precision);
    for (int i = rank; i < kDistinct; i += size) hll.Add("user-" + std::to_string(i));
    for (int i = 0; i < 20000; ++i) hll.Add("user-" + std::to_string(i));  // on every rank
    hll.AllMerge(TestMpi());
    const double standard_error = 1.04 / std::sqrt(double(1 << precision));
    const double error = RelativeError(hll.Estimate(), kDistinct);
    EXPECT_LT(error, 3 * standard_error)
        << "precision " << precision << " estimate " << hll.Estimate();
    if (TestMpi().is_root()) {
      std::printf("[ hll      ] p=%d: estimate %.0f of %d distinct, error %.3f%% (se %.3f%%)\n",
                  precision, hll.Estimate(), kDistinct, 100 * error, 100 * standard_error);
    }
    // The same set gives the same registers on every rank count.
    const std::string registers = hll.Serialize();
    EXPECT_EQ(TestMpi().AllGather(registers)[0], registers);
  }
}

TEST(HyperLogLogTest, BinaryItemsAndSmallCounts) {
  HyperLogLog hll(14);
  for (uint64_t i = 0; i < 1000000; ++i) {
    hll.Add(std::string_view(reinterpret_cast<const char*>(&i), sizeof i));
  }
  EXPECT_LT(RelativeError(hll.Estimate(), 1e6), 3 * 1.04 / 128);
  HyperLogLog small(14);
  for (int i = 0; i < 1000; ++i) small.Add("x" + std::to_string(i % 500));
  EXPECT_LT(RelativeError(small.Estimate(), 500), 0.01);
  EXPECT_EQ(HyperLogLog(14).Estimate(), 0.0);
}

TEST(HyperLogLogTest, MergeIsAUnionAndIdempotent) {
  HyperLogLog a(12), b(12);
  for (int i = 0; i < 50000; ++i) a.Add("a" + std::to_string(i));
  for (int i = 0; i < 50000; ++i) b.Add("b" + std::to_string(i));
  HyperLogLog both = a;
  both.Merge(b);
  EXPECT_LT(RelativeError(both.Estimate(), 100000), 3 * 1.04 / 64);
  const std::string before = both.Serialize();
  both.Merge(a);
  both.Merge(both);
  EXPECT_EQ(both.Serialize(), before);
}

TEST(HyperLogLogTest, SerializedFormRoundTripsAndDamageIsRefused) {
  HyperLogLog hll(10);
  for (int i = 0; i < 5000; ++i) hll.Add(std::to_string(i));
  Result<HyperLogLog> back = HyperLogLog::Deserialize(hll.Serialize());
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->Estimate(), hll.Estimate());
  EXPECT_EQ(back->precision(), 10);
  EXPECT_FALSE(HyperLogLog::Deserialize("").ok());
  EXPECT_FALSE(HyperLogLog::Deserialize(hll.Serialize().substr(0, 100)).ok());
  std::string bad = hll.Serialize();
  bad[0] = 30;
  EXPECT_FALSE(HyperLogLog::Deserialize(bad).ok());
  bad = hll.Serialize();
  bad[5] = 100;
  EXPECT_FALSE(HyperLogLog::Deserialize(bad).ok());
}

}  // namespace
}  // namespace rankflow
