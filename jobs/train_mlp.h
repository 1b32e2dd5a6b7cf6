// train_mlp: trains MLP classifiers, one hidden size or a sweep, data-parallel over MPI, on an
// HDF5 data set (--train: a .h5 file, or a committed folder whose _SUCCESS lists data.h5, e.g.
// make_training_data's output). The whole job is the sweep of operators/ml/sweep.h (ml::TrainSweep,
// which states the files it commits: metrics.csv, model-hidden-H.h5, surface-hidden-H.h5,
// report.html, selection.json); this library only turns flags into ml::SweepOptions and prints
// the models' table on rank 0. It has no --src (JobSpec::reads_src = false). The pipeline, which
// tests call on a JobContext made without flags, is ml::TrainSweep with typed ml::SweepOptions
// (tests/jobs/train_mlp_pipeline_test.cpp).
#pragma once

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

// The job's own flags (--train, --test, the sweep's, --groups, --grid, --resume, …).
void AddTrainMlpFlags(FlagSet* flags);
// Bad --hidden or --optimizer (exit code 2).
Status CheckTrainMlpFlags(const FlagSet& flags);
// The job (collective; commits through ctx).
Status RunTrainMlp(JobContext& ctx);

}  // namespace rankflow
