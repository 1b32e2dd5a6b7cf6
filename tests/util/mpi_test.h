// For GoogleTest binaries that run under mpirun (rankflow_add_mpi_test): the process's MpiContext
// and the main() logic they share. Link rankflow_mpi_test_main for a ready-made main(); a test
// that must do something before MPI starts writes its own main() and calls RunMpiTests.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/mpi_context.h"

namespace rankflow::testing {

// The MpiContext RunMpiTests was given. Only valid while the tests run.
MpiContext& TestMpi();

// Runs every registered test on every rank. Only rank 0 prints results (the other ranks print
// their failures on stderr, "rank R: FILE:LINE: Failure"); a failure on any rank
// fails every rank's exit code (collective).
int RunMpiTests(MpiContext& mpi, int* argc, char** argv);

class TempDir;  // tests/util/test_util.h

// Collective. One fresh folder for every rank of `mpi`: rank 0 makes it (TempDir), calls
// fill(path) if given, and sends its path (so every rank sees what fill wrote); on destruction
// every rank waits for the others, then rank 0 removes it.
class SharedTempDir {
 public:
  using Fill = std::function<void(const std::string& path)>;
  explicit SharedTempDir(const MpiContext& mpi = TestMpi(), const Fill& fill = nullptr);
  explicit SharedTempDir(const Fill& fill) : SharedTempDir(TestMpi(), fill) {}
  ~SharedTempDir();
  SharedTempDir(const SharedTempDir&) = delete;
  SharedTempDir& operator=(const SharedTempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  const MpiContext& mpi_;
  std::unique_ptr<TempDir> dir_;  // rank 0 only
  std::string path_;
};

}  // namespace rankflow::testing
