#include "tests/util/mpi_test.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <string>

#include "tests/util/test_util.h"

namespace rankflow::testing {
namespace {
MpiContext* g_test_mpi = nullptr;  // set once by RunMpiTests, for the tests' lifetime

// On ranks other than 0 (whose default printer is removed): each failed assertion and test on
// stderr, prefixed with the rank, so that a failure seen by one rank only is not just an exit code.
class RankFailurePrinter : public ::testing::EmptyTestEventListener {
 public:
  explicit RankFailurePrinter(int rank) : rank_(rank) {}
  void OnTestPartResult(const ::testing::TestPartResult& result) override {
    if (!result.failed()) return;
    std::fprintf(stderr, "rank %d: %s:%d: Failure\n%s\n", rank_,
                 result.file_name() ? result.file_name() : "?", result.line_number(),
                 result.message());
  }
  void OnTestEnd(const ::testing::TestInfo& info) override {
    if (!info.result()->Failed()) return;
    std::fprintf(stderr, "rank %d: [  FAILED  ] %s.%s\n", rank_, info.test_suite_name(),
                 info.name());
  }

 private:
  int rank_;
};

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
    listeners.Append(new RankFailurePrinter(mpi.rank()));  // owned by gtest
  }
  int rc = RUN_ALL_TESTS();
  bool all_ok = mpi.AllOk(rc == 0);
  g_test_mpi = nullptr;
  return all_ok ? 0 : 1;
}

SharedTempDir::SharedTempDir(const MpiContext& mpi, const Fill& fill) : mpi_(mpi) {
  if (mpi.is_root()) {
    dir_ = std::make_unique<TempDir>();
    path_ = dir_->path();
    if (fill) fill(path_);
  }
  mpi.Broadcast(&path_);
}

SharedTempDir::~SharedTempDir() { mpi_.Barrier(); }

}  // namespace rankflow::testing
