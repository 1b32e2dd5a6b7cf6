// For GoogleTest binaries that run under mpirun (rankflow_add_mpi_test): the process's MpiContext
// and the main() logic they share. Link rankflow_mpi_test_main for a ready-made main(); a test
// that must do something before MPI starts writes its own main() and calls RunMpiTests.
#pragma once

#include "runtime/mpi_context.h"

namespace rankflow::testing {

// The MpiContext RunMpiTests was given. Only valid while the tests run.
MpiContext& TestMpi();

// Runs every registered test on every rank. Only rank 0 prints results (the other ranks print
// their failures on stderr, "rank R: FILE:LINE: Failure"); a failure on any rank
// fails every rank's exit code (collective).
int RunMpiTests(MpiContext& mpi, int* argc, char** argv);

}  // namespace rankflow::testing
