// make_training_data: writes the XO data set (operators/ml/xo_data.h) as HDF5 and CSV.
//
// Output folder (local or s3://), committed all-or-nothing with a _SUCCESS manifest:
//   data.h5   /x float32 [n, 2], /y int64 [n]; root attributes classes ("background,x,o"),
//             geometry (text), seed, noise, rows — the layout train_mlp reads
//   data.csv  header "x,y,label,class", one point per line (label: 0/1/2; class: its name)
// Rank 0 generates and writes everything (1 M points take well under a second); other ranks only
// take part in the commit.
#pragma once

#include <cstdint>
#include <string>

#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow {

struct MakeTrainingDataOptions {
  int64_t rows = 100000;
  uint64_t seed = 1;
  double noise = 0;
  std::string dest;
  bool overwrite = false;
  bool csv = true;
  std::string command_line;  // for the manifest
};

struct MakeTrainingDataResult {
  int64_t rows = 0;
  int64_t class_counts[3] = {0, 0, 0};
};

// Collective. Ok on every rank iff the output was committed.
Status MakeTrainingData(const MpiContext& mpi, const MakeTrainingDataOptions& options,
                        MakeTrainingDataResult* result);

}  // namespace rankflow
