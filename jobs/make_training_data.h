// make_training_data: writes the XO data set (operators/ml/xo_data.h) as HDF5 and CSV.
//
// Output folder --dest (local or s3://), committed all-or-nothing through the JobContext
// (runtime/job.h: the common manifest; counters rows, class.background, class.x, class.o):
//   data.h5   /x float32 [n, 2], /y int64 [n]; root attributes classes ("background,x,o"),
//             geometry (text), seed, noise, rows — the layout train_mlp reads
//   data.csv  header "x,y,label,class", one point per line (label: 0/1/2; class: its name)
// Rank 0 generates and writes everything (1 M points take well under a second); other ranks only
// take part in the commit. The job has no --src (JobSpec::reads_src = false).
#pragma once

#include <cstdint>
#include <string>

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

struct MakeTrainingDataOptions {
  int64_t rows = 100000;
  uint64_t seed = 1;
  double noise = 0;
  bool csv = true;
};

struct MakeTrainingDataResult {
  int64_t rows = 0;
  int64_t class_counts[3] = {0, 0, 0};
};

// The pipeline. Collective. Writes into ctx's output (ctx.dest()) and commits it; ok on every
// rank iff committed. Reads no flags (scratch files go to ctx.settings().spill_dir), so a test
// calls it on a JobContext made without flags (tests/jobs/make_training_data_pipeline_test.cpp).
Status MakeTrainingData(JobContext& ctx, const MakeTrainingDataOptions& options,
                        MakeTrainingDataResult* result);

// The job's own flags (--n, --seed, --noise, --csv) and the job: flags -> MakeTrainingData ->
// one line on rank 0.
void AddMakeTrainingDataFlags(FlagSet* flags);
Status RunMakeTrainingData(JobContext& ctx);

}  // namespace rankflow
