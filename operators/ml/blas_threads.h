// Single-threaded OpenBLAS for a rank. Debian's OpenBLAS (pthread build) starts a thread pool when
// the library loads, sized from OPENBLAS_NUM_THREADS (default: every core).
// openblas_set_num_threads(1) afterwards stops using the pool, but its threads stay, bound to the
// rank's core under `mpirun --bind-to core`, and measurably slow a 2-rank run (bench/RESULTS.md:
// 0.66 s vs 0.45 s per epoch on 1 M points). The environment variable is the only way to stop the
// pool being created.
#pragma once

namespace rankflow::ml {

// Call first thing in main(), before MPI is initialised. If OPENBLAS_NUM_THREADS is not "1", sets
// it and re-executes the program (/proc/self/exe, same argv, same pid): exactly once, since the
// new image finds the variable set. Returns if no re-exec was needed or exec failed; in both cases
// it also calls openblas_set_num_threads(1).
void EnsureSingleThreadedBlas(char** argv);

}  // namespace rankflow::ml
