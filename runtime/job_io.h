// JobIo: what an engine-level job's pipeline reads from and writes to, without flags — MPI, the
// input's file system, the output committer, counters and progress — so that the pipeline is a
// function of (JobIo, typed options) that tests call directly (Thrill's shape, as the flow jobs'
// pipelines take a flow::Context). RunJob's JobContext holds these pieces (JobIoOf, after
// OpenOutput); an in-process test builds them itself (tests/util/in_process_job.h).
//
// A plain aggregate of references: it owns nothing, and each piece must outlive the pipeline
// call. Not thread-safe (the pieces are not).
#pragma once

#include <functional>

#include "runtime/commit.h"
#include "runtime/fs.h"
#include "runtime/input.h"
#include "runtime/job.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/progress.h"
#include "runtime/status.h"

namespace rankflow {

struct JobIo {
  const MpiContext& mpi;
  FileSystem& src_fs;       // the input's file system (MapPhase, ParquetSource)
  OutputCommitter& output;  // where parts go; the caller commits
  Metrics& metrics;         // counters and bad-line samples (this rank's)
  Progress& progress;       // the progress line (rank 0)
};

// The job's pieces. Requires ctx.OpenOutput() to have succeeded (output()).
inline JobIo JobIoOf(JobContext& ctx) {
  return {ctx.mpi(), ctx.src_fs(), ctx.output(), ctx.metrics(), ctx.progress()};
}

// The steps every engine-level driver takes around its pipeline: opens the output (a dest that
// holds output fails here, before any work), runs pipeline(JobIoOf(ctx), &inputs) and records the
// inputs for the manifest. Collective; returns the pipeline's status. The caller commits.
inline Status RunJobPipeline(JobContext& ctx,
                             const std::function<Status(const JobIo&, InputPlan*)>& pipeline) {
  RF_RETURN_IF_ERROR(ctx.OpenOutput());
  InputPlan inputs;
  RF_RETURN_IF_ERROR(pipeline(JobIoOf(ctx), &inputs));
  ctx.SetInputs(inputs);
  return Status::OK();
}

}  // namespace rankflow
