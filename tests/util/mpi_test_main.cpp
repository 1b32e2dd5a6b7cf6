// main() for MPI tests that need nothing before MPI starts.
#include "tests/util/mpi_test.h"

int main(int argc, char** argv) {
  rankflow::MpiContext mpi(&argc, &argv);
  return rankflow::testing::RunMpiTests(mpi, &argc, argv);
}
