// The hidden-size sweep: trains one MLP or several (different hidden sizes) on an HDF5 data set
// (dataset.h layout, e.g. make_training_data's data.h5), data-parallel over MPI, and commits into
// dest through the job's JobContext (runtime/job.h: OpenOutput, Commit; so the manifest has every
// job's members, with counters train_rows, test_rows, models, groups) the files below. It is the
// whole of the train_mlp job and the training step of classify_tweets; it logs as "train_mlp" for
// both, and its manifest names the job that runs it. Each file is stored under a name unique to the
// attempt (metrics.csv as metrics-rf<12 hex>.csv); dest/_SUCCESS lists them by these logical names,
// and readers find them there (FindCommittedFile, output_files.h):
//
//   metrics.csv                  hidden,layers,parameters,train_accuracy,test_accuracy,
//                                train_loss,test_loss,epochs,seconds,seconds_per_epoch,chosen
//   model-hidden-<h>.h5          weights (model_io.h layout) + metric attributes
//   surface-hidden-<h>.h5        decision surface on a grid (2-input data only):
//                                /x float32 [G], /y float32 [G] (grid coordinates, ascending),
//                                /probs float32 [G, G, classes] (probs[i, j] at (x[j], y[i])),
//                                /labels int64 [G, G] (arg-max class)
//   report.html                  self-contained: setup, accuracy-vs-size SVG, table, surfaces
//   selection.json               the chosen hidden size: highest held-out accuracy, ties to
//                                fewer parameters
//   _SUCCESS                     the manifest, the commit point
//
// A sweep splits the ranks into groups (MpiContext::Split, SweepOptions::groups; default one group
// per model up to the rank count); each group trains its share of the models (largest first, to the
// least loaded group), data-parallel over its ranks (trainer.h). Each model is checkpointed after
// every epoch to dest/_checkpoints/hidden-<h>.ckpt.h5 (sweep_checkpoint.h; a "_" folder: never
// listed, never part of an output); `resume` continues from there. After a successful commit the
// checkpoints and their folder are removed, so the folder holds _SUCCESS and what it lists,
// nothing else.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "operators/ml/optimizer.h"
#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow::ml {

struct SweepOptions {
  // A .h5 file, or a committed folder (its _SUCCESS lists a file named train_name).
  std::string train;
  std::string train_name = "data.h5";
  // Optional held-out data, the same way; else the last test_fraction of train.
  std::string test;
  std::string test_name = "data.h5";
  double test_fraction = 0.2;
  std::vector<std::vector<int64_t>> models;  // hidden widths of each model
  std::string activation = "relu";
  int epochs = 20;
  int64_t batch = 200;
  OptimizerOptions optimizer;
  uint64_t seed = 1;
  std::string dest;
  int groups = 0;  // 0: min(models, ranks)
  int grid = 100;  // decision-surface resolution (2-input data only); 0: none
  bool resume = false;
  int stop_after_epochs = 0;  // testing: fail (no commit) once every model has this many epochs
  std::string title = "train_mlp: hidden-size sweep";
  std::string notes_html;  // extra HTML for the report
};

struct SweepModelResult {
  std::string hidden;
  int layers = 0;
  int64_t parameters = 0;
  double train_accuracy = 0, test_accuracy = 0, train_loss = 0, test_loss = 0;
  int epochs = 0;
  double seconds = 0, seconds_per_epoch = 0;
};

struct SweepResult {
  std::vector<SweepModelResult> models;  // by parameter count, ascending (rank 0 only)
  int chosen = -1;
  int64_t train_rows = 0, test_rows = 0;
};

// "5,10,600" -> {{5},{10},{600}}; "64-32" is one model with two hidden layers; "0": no hidden
// layer (multinomial logistic regression).
Result<std::vector<std::vector<int64_t>>> ParseHiddenList(const std::string& text);

// Collective over every rank of ctx.mpi(). Opens ctx's output at options.dest and commits it
// (ctx.Commit); ok on every rank iff the output was committed.
Status TrainSweep(JobContext& ctx, const SweepOptions& options, SweepResult* result);

// The flags train_mlp and classify_tweets share (--hidden, --epochs, --batch, --lr, --optimizer,
// --l2, --seed), with each job's defaults.
struct SweepFlagDefaults {
  std::string hidden;
  int64_t epochs = 20;
  int64_t batch = 200;
  double lr = 0.001;
  double l2 = 0;
};
void AddSweepFlags(FlagSet* flags, const SweepFlagDefaults& defaults);
// InvalidArgument for a bad --hidden or --optimizer (JobSpec::check_flags: exit code 2).
Status CheckSweepFlags(const FlagSet& flags);
// The shared flags' values into *o (after CheckSweepFlags).
void ReadSweepFlags(const FlagSet& flags, SweepOptions* o);

}  // namespace rankflow::ml
