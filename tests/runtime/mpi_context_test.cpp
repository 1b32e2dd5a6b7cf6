// Runs under mpirun at 1, 2 and 4 ranks.
#include "runtime/mpi_context.h"

#include <gtest/gtest.h>
#include <mpi.h>

#include <span>
#include <string>
#include <vector>

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

TEST(MpiContextTest, MinMaxAndBroadcastOfNumbers) {
  const MpiContext& mpi = testing::TestMpi();
  const float r = static_cast<float>(mpi.rank());
  float lo[2] = {r, -r}, hi[2] = {r, -r};
  mpi.AllMin(lo);
  mpi.AllMax(hi);
  EXPECT_EQ(lo[0], 0.f);
  EXPECT_EQ(lo[1], -static_cast<float>(mpi.size() - 1));
  EXPECT_EQ(hi[0], static_cast<float>(mpi.size() - 1));
  EXPECT_EQ(hi[1], 0.f);
  std::vector<float> floats = {r + 0.5f, r + 1.5f};
  int64_t ints[3] = {mpi.rank(), 7 * mpi.rank(), -mpi.rank()};
  mpi.Broadcast(std::span<float>(floats));
  mpi.Broadcast(std::span<int64_t>(ints));
  EXPECT_EQ(floats, (std::vector<float>{0.5f, 1.5f}));
  EXPECT_EQ(ints[0], 0);
  EXPECT_EQ(ints[1], 0);
  EXPECT_EQ(ints[2], 0);
}

// Ranks of one color form a context ordered as in the parent; its collectives see only them.
TEST(MpiContextSplitTest, RanksOfOneColorFormAContextInParentOrder) {
  const MpiContext& mpi = testing::TestMpi();
  const int color = mpi.rank() % 2;
  const MpiContext group = mpi.Split(color);
  const int members = (mpi.size() + 1 - color) / 2;  // ranks with this parity
  EXPECT_EQ(group.size(), members);
  EXPECT_EQ(group.rank(), mpi.rank() / 2);
  EXPECT_EQ(group.is_root(), mpi.rank() < 2);
  std::vector<std::string> expected;
  for (int r = color; r < mpi.size(); r += 2) expected.push_back(std::to_string(r));
  EXPECT_EQ(group.AllGather(std::to_string(mpi.rank())), expected);
  int64_t sum = 0;
  for (int r = color; r < mpi.size(); r += 2) sum += r;
  EXPECT_EQ(group.AllSum(int64_t{mpi.rank()}), sum);
  // The group's root broadcasts to its own members only.
  std::string from_root = group.is_root() ? "root of color " + std::to_string(color) : "";
  group.Broadcast(&from_root);
  EXPECT_EQ(from_root, "root of color " + std::to_string(color));
  // A failure in one group is not seen by the other.
  EXPECT_EQ(group.AllOk(color == 0 ? group.rank() != members - 1 : true), color != 0);
  // The parent is still whole.
  EXPECT_EQ(mpi.AllSum(int64_t{1}), mpi.size());
}

TEST(MpiContextSplitTest, OwnColorGivesEveryRankAContextOfItsOwn) {
  const MpiContext& mpi = testing::TestMpi();
  const MpiContext alone = mpi.Split(mpi.rank());
  EXPECT_EQ(alone.size(), 1);
  EXPECT_EQ(alone.rank(), 0);
  EXPECT_TRUE(alone.is_root());
  EXPECT_FALSE(alone.AllOk(false));  // no other rank takes part
  EXPECT_EQ(alone.AllSum(int64_t{mpi.rank() + 1}), mpi.rank() + 1);
  const MpiContext all = mpi.Split(0);
  EXPECT_EQ(all.size(), mpi.size());
  EXPECT_EQ(all.rank(), mpi.rank());
}

TEST(MpiContextSplitTest, ASplitContextCanBeSplitAgain) {
  const MpiContext& mpi = testing::TestMpi();
  const MpiContext halves = mpi.Split(mpi.rank() < (mpi.size() + 1) / 2 ? 0 : 1);
  const MpiContext singles = halves.Split(halves.rank());
  EXPECT_EQ(singles.size(), 1);
  const MpiContext again = halves.Split(7);
  EXPECT_EQ(again.size(), halves.size());
  EXPECT_EQ(again.AllSum(int64_t{1}), halves.size());
}

// MPI calls an attribute's delete callback when the communicator holding it is freed: that is
// how the test sees that a split context frees its communicator exactly once, moved or not.
int frees_seen = 0;
int CountFree(MPI_Comm, int, void*, void*) {
  ++frees_seen;
  return MPI_SUCCESS;
}

TEST(MpiContextSplitTest, DestroyingTheContextFreesItsCommunicatorOnce) {
  const MpiContext& mpi = testing::TestMpi();
  int key = MPI_KEYVAL_INVALID;
  ASSERT_EQ(MPI_Comm_create_keyval(MPI_COMM_NULL_COPY_FN, CountFree, &key, nullptr), MPI_SUCCESS);
  frees_seen = 0;
  {
    MpiContext group = mpi.Split(mpi.rank() % 2);
    ASSERT_EQ(MPI_Comm_set_attr(group.comm(), key, nullptr), MPI_SUCCESS);
    EXPECT_EQ(frees_seen, 0);
    MpiContext moved(std::move(group));  // ownership moves; the moved-from one frees nothing
    EXPECT_EQ(moved.size(), (mpi.size() + 1 - mpi.rank() % 2) / 2);
    EXPECT_EQ(moved.AllSum(int64_t{1}), moved.size());
    EXPECT_EQ(frees_seen, 0);
  }
  EXPECT_EQ(frees_seen, 1);
  MPI_Comm_free_keyval(&key);
  // Many splits in a row: none is leaked or freed twice (each would fail or crash).
  for (int i = 0; i < 200; ++i) {
    const MpiContext group = mpi.Split(i % 3 == 0 ? 0 : mpi.rank() % 2);
    ASSERT_EQ(group.AllSum(int64_t{1}), group.size());
  }
}

}  // namespace
}  // namespace rankflow
