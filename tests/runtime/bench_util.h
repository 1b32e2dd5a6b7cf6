// Helpers of the hand-run benchmarks in tests/runtime (line_reader_bench, parquet_read_bench).
#pragma once

#include <time.h>

namespace rankflow::testing {

// CPU time of this (single-threaded) process: other load on a shared machine does not count.
inline double CpuSeconds() {
  timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace rankflow::testing
