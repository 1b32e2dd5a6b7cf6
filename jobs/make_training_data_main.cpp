// make_training_data: see jobs/make_training_data.h. Flags -> RunJob (JobMain) -> exit code.
#include "jobs/make_training_data.h"
#include "runtime/job.h"

int main(int argc, char** argv) {
  return rankflow::JobMain(
      argc, argv,
      {"make_training_data",
       "writes the XO data set (2-d points labelled x, o or background; see "
       "operators/ml/xo_data.h) as data.h5 and data.csv under --dest",
       rankflow::AddMakeTrainingDataFlags, rankflow::RunMakeTrainingData, /*reads_src=*/false});
}
