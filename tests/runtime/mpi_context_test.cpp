// Runs under mpirun at 1, 2 and 4 ranks.
#include "runtime/mpi_context.h"

#include <gtest/gtest.h>

namespace rankflow {
namespace {

MpiContext* g_mpi = nullptr;

TEST(MpiContextTest, AllOkIsFalseIfAnyRankFails) {
  EXPECT_TRUE(g_mpi->AllOk(true));
  EXPECT_FALSE(g_mpi->AllOk(g_mpi->rank() != g_mpi->size() - 1));
}

TEST(MpiContextTest, SumsAndGathers) {
  EXPECT_EQ(g_mpi->AllSum(int64_t{g_mpi->rank() + 1}), g_mpi->size() * (g_mpi->size() + 1) / 2);
  EXPECT_EQ(g_mpi->AllMax(int64_t{g_mpi->rank()}), g_mpi->size() - 1);
  auto all = g_mpi->AllGather("r" + std::to_string(g_mpi->rank()));
  ASSERT_EQ(static_cast<int>(all.size()), g_mpi->size());
  EXPECT_EQ(all.back(), "r" + std::to_string(g_mpi->size() - 1));
  auto gathered = g_mpi->GatherToRoot(std::string(g_mpi->rank(), 'x'));
  if (g_mpi->is_root()) {
    ASSERT_EQ(static_cast<int>(gathered.size()), g_mpi->size());
    EXPECT_EQ(gathered[g_mpi->size() - 1].size(), static_cast<size_t>(g_mpi->size() - 1));
  } else {
    EXPECT_TRUE(gathered.empty());
  }
  std::string v = g_mpi->is_root() ? "from root" : "";
  g_mpi->Broadcast(&v);
  EXPECT_EQ(v, "from root");
}

}  // namespace
}  // namespace rankflow

int main(int argc, char** argv) {
  rankflow::MpiContext mpi(&argc, &argv);
  rankflow::g_mpi = &mpi;
  ::testing::InitGoogleTest(&argc, argv);
  // Only rank 0 prints results; every rank's failures still fail the exit code.
  if (!mpi.is_root()) {
    delete ::testing::UnitTest::GetInstance()->listeners().Release(
        ::testing::UnitTest::GetInstance()->listeners().default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  // A failure on any rank fails every rank's exit code.
  return mpi.AllOk(rc == 0) ? 0 : 1;
}
