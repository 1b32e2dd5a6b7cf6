// train_mlp: see jobs/train_mlp.h. Flags -> RunJob (JobMain) -> exit code.
#include "jobs/train_mlp.h"
#include "operators/ml/blas_threads.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  rankflow::ml::EnsureSingleThreadedBlas(argv);  // one core per rank; before MPI starts
  return rankflow::JobMain(
      argc, argv,
      {"train_mlp",
       "trains MLP classifiers (one or a sweep of hidden sizes) data-parallel over MPI",
       rankflow::AddTrainMlpFlags, rankflow::RunTrainMlp, /*reads_src=*/false,
       rankflow::CheckTrainMlpFlags});
}
