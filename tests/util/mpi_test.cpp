#include "tests/util/mpi_test.h"

#include <gtest/gtest.h>

namespace rankflow::testing {
namespace {
MpiContext* g_test_mpi = nullptr;  // set once by RunMpiTests, for the tests' lifetime
}  // namespace

MpiContext& TestMpi() {
  RF_CHECK_MSG(g_test_mpi != nullptr, "TestMpi() called outside RunMpiTests");
  return *g_test_mpi;
}

int RunMpiTests(MpiContext& mpi, int* argc, char** argv) {
  g_test_mpi = &mpi;
  ::testing::InitGoogleTest(argc, argv);
  if (!mpi.is_root()) {
    auto& listeners = ::testing::UnitTest::GetInstance()->listeners();
    delete listeners.Release(listeners.default_result_printer());
  }
  int rc = RUN_ALL_TESTS();
  bool all_ok = mpi.AllOk(rc == 0);
  g_test_mpi = nullptr;
  return all_ok ? 0 : 1;
}

}  // namespace rankflow::testing
