// Runs under mpirun at 1, 2 and 4 ranks. The watchdog firing (a silent peer ends the job) is
// tested end to end by tests/scripts/netns_test.sh (a stopped rank, a cut host); here: whom each
// rank watches, and that busy ranks are not silent.
#include "runtime/peer_watchdog.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "tests/util/mpi_test.h"

namespace rankflow {
namespace {

TEST(PeerWatchdogTest, WatchedPeersAreSymmetricAndBounded) {
  for (int size = 1; size <= 40; ++size) {
    for (int r = 0; r < size; ++r) {
      std::vector<int> w = PeerWatchdog::WatchedPeers(r, size);
      EXPECT_TRUE(std::is_sorted(w.begin(), w.end()));
      EXPECT_EQ(std::count(w.begin(), w.end(), r), 0) << "rank " << r << " of " << size;
      if (size <= 9) {
        EXPECT_EQ(static_cast<int>(w.size()), size - 1) << size;
      } else {
        EXPECT_EQ(w.size(), 8u) << size;
      }
      for (int p : w) {
        std::vector<int> back = PeerWatchdog::WatchedPeers(p, size);
        EXPECT_TRUE(std::binary_search(back.begin(), back.end(), r))
            << p << " does not watch " << r << " of " << size;
      }
    }
  }
}

TEST(PeerWatchdogTest, NothingStartsWithoutATimeoutOrPeers) {
  MpiContext& mpi = testing::TestMpi();
  EXPECT_EQ(PeerWatchdog::Start(mpi, 0), nullptr);  // collective either way
  std::unique_ptr<PeerWatchdog> w = PeerWatchdog::Start(mpi, 5);
  EXPECT_EQ(w == nullptr, mpi.size() == 1);
  mpi.Barrier();
}

// A rank busy away from MPI for 3x the timeout (here asleep) still sends heartbeats from the
// watchdog's thread, so nobody is ended; if heartbeats needed the main thread, the waiting ranks
// would _exit(1) in the barrier and mpirun would fail this test.
TEST(PeerWatchdogTest, ABusyRankIsNotSilent) {
  MpiContext& mpi = testing::TestMpi();
  std::unique_ptr<PeerWatchdog> w = PeerWatchdog::Start(mpi, 1.0);
  if (mpi.rank() == 0) std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  mpi.Barrier();
  if (mpi.rank() == mpi.size() - 1) std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  EXPECT_TRUE(mpi.AllOk(true));
  w.reset();
  mpi.Barrier();
}

// Every rank stopped for 3x the timeout (Ctrl-Z on mpirun, a suspended machine) and then resumed:
// the watchdog's thread did not run either, so it must count silence afresh, not end the rank the
// moment it wakes up. A child process of each rank sends it SIGCONT.
TEST(PeerWatchdogTest, AStoppedAndResumedJobIsNotEnded) {
  MpiContext& mpi = testing::TestMpi();
  std::unique_ptr<PeerWatchdog> w = PeerWatchdog::Start(mpi, 1.0);
  mpi.Barrier();
  pid_t self = ::getpid();
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    // Odd ranks wake 0.6 s later: the even ones must not count the time they were stopped
    // themselves as their peers' silence.
    ::usleep(static_cast<useconds_t>(3000 + 600 * (mpi.rank() % 2)) * 1000);
    ::kill(self, SIGCONT);
    ::_exit(0);
  }
  ::raise(SIGSTOP);
  int status = 0;
  ::waitpid(child, &status, 0);
  std::this_thread::sleep_for(std::chrono::milliseconds(2000));  // 2x the timeout, running
  EXPECT_TRUE(mpi.AllOk(true));
  w.reset();
  mpi.Barrier();
}

}  // namespace
}  // namespace rankflow
