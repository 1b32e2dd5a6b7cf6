#include "operators/ml/blas_threads.h"

#include <cblas.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace rankflow::ml {

void EnsureSingleThreadedBlas(char** argv) {
  const char* v = std::getenv("OPENBLAS_NUM_THREADS");
  if (v == nullptr || std::strcmp(v, "1") != 0) {
    setenv("OPENBLAS_NUM_THREADS", "1", 1);
    execv("/proc/self/exe", argv);  // returns only on failure: carry on with the pool unused
  }
  openblas_set_num_threads(1);
}

}  // namespace rankflow::ml
