// Runs under mpirun at 1, 2 and 4 ranks.
#include "runtime/mpi_context.h"

#include <gtest/gtest.h>

#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

TEST(MpiContextTest, AllOkIsFalseIfAnyRankFails) {
  EXPECT_TRUE(testing::TestMpi().AllOk(true));
  EXPECT_FALSE(
      testing::TestMpi().AllOk(testing::TestMpi().rank() != testing::TestMpi().size() - 1));
}

TEST(MpiContextTest, SumsAndGathers) {
  EXPECT_EQ(testing::TestMpi().AllSum(int64_t{testing::TestMpi().rank() + 1}),
            testing::TestMpi().size() * (testing::TestMpi().size() + 1) / 2);
  EXPECT_EQ(testing::TestMpi().AllMax(int64_t{testing::TestMpi().rank()}),
            testing::TestMpi().size() - 1);
  auto all = testing::TestMpi().AllGather("r" + std::to_string(testing::TestMpi().rank()));
  ASSERT_EQ(static_cast<int>(all.size()), testing::TestMpi().size());
  EXPECT_EQ(all.back(), "r" + std::to_string(testing::TestMpi().size() - 1));
  auto gathered = testing::TestMpi().GatherToRoot(std::string(testing::TestMpi().rank(), 'x'));
  if (testing::TestMpi().is_root()) {
    ASSERT_EQ(static_cast<int>(gathered.size()), testing::TestMpi().size());
    EXPECT_EQ(gathered[testing::TestMpi().size() - 1].size(),
              static_cast<size_t>(testing::TestMpi().size() - 1));
  } else {
    EXPECT_TRUE(gathered.empty());
  }
  std::string v = testing::TestMpi().is_root() ? "from root" : "";
  testing::TestMpi().Broadcast(&v);
  EXPECT_EQ(v, "from root");
}

}  // namespace
}  // namespace rankflow
