// train_mlp: flags -> ml::TrainSweep (operators/ml/sweep.h, which states the outputs) -> exit
// code (0 only when the output was committed).
#include <cstdio>

#include "operators/ml/blas_threads.h"
#include "operators/ml/sweep.h"
#include "runtime/cli.h"
#include "runtime/log.h"

namespace {

int Fail(const rankflow::MpiContext& mpi, const rankflow::Status& s) {
  // Failures agreed collectively carry the same message everywhere: say those once.
  if (mpi.is_root() || (s.code() != rankflow::StatusCode::kAborted &&
                        s.code() != rankflow::StatusCode::kAlreadyExists)) {
    rankflow::LogError("train_mlp: " + s.message());
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  using rankflow::FlagSet;
  rankflow::ml::EnsureSingleThreadedBlas(argv);  // one core per rank; before MPI starts
  rankflow::MpiContext mpi(&argc, &argv);
  FlagSet flags(
      "train_mlp",
      "trains MLP classifiers (one or a sweep of hidden sizes) data-parallel over MPI; "
      "commits metrics.csv, model-hidden-H.h5, surface-hidden-H.h5, report.html, selection.json");
  flags.AddString("train", "",
                  "training data: .h5 file, or a committed folder whose _SUCCESS lists data.h5 "
                  "(local or s3://)",
                  FlagSet::kRequired);
  flags.AddString("test", "", "held-out data (.h5 or folder); default: --test-fraction of --train");
  flags.AddDouble("test-fraction", 0.2, "share of --train rows (the last ones) held out");
  flags.AddString("hidden", "5,10,20,40,80,160,320,600",
                  "comma-separated models; '64-32' = two hidden layers; '0' = none");
  flags.AddString("activation", "relu", "relu, tanh or sigmoid");
  flags.AddInt("epochs", 20, "passes over the training rows");
  flags.AddInt("batch", 200, "global mini-batch size (rows per step over all ranks of a group)");
  flags.AddDouble("lr", 0.001, "learning rate");
  flags.AddString("optimizer", "adam", "adam or sgd (with momentum)");
  flags.AddDouble("momentum", 0.9, "sgd momentum");
  flags.AddDouble("l2", 0, "L2 penalty added to each weight's gradient (l2 * w)");
  flags.AddInt("seed", 1, "seed of the initial weights and of the shuffling");
  flags.AddString("dest", "", "output folder, local or s3://bucket/prefix", FlagSet::kRequired);
  flags.AddString("mode", "error", "error: fail if dest has output; overwrite: replace it");
  flags.AddInt("groups", 0, "rank groups training models side by side (0: one per model)");
  flags.AddInt("grid", 100, "decision surface resolution for 2-input data (0: none)");
  flags.AddBool("resume", false, "continue each model from dest/_checkpoints if present");
  flags.AddInt("stop-after-epochs", 0, "testing: fail after this many epochs (checkpoints kept)");
  rankflow::Status s = flags.Parse(argc, argv);
  if (!s.ok()) {
    if (mpi.is_root()) std::fprintf(stderr, "%s\n", s.message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    if (mpi.is_root()) std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  rankflow::ml::SweepOptions o;
  auto models = rankflow::ml::ParseHiddenList(flags.GetString("hidden"));
  auto optimizer = rankflow::ml::ParseOptimizer(flags.GetString("optimizer"));
  const std::string mode = flags.GetString("mode");
  if (!models.ok() || !optimizer.ok() || (mode != "error" && mode != "overwrite")) {
    if (mpi.is_root()) {
      std::fprintf(stderr, "train_mlp: %s\n",
                   !models.ok()      ? models.status().message().c_str()
                   : !optimizer.ok() ? optimizer.status().message().c_str()
                                     : "--mode must be error or overwrite");
    }
    return 2;
  }
  o.train = flags.GetString("train");
  o.test = flags.GetString("test");
  o.test_fraction = flags.GetDouble("test-fraction");
  o.models = *models;
  o.activation = flags.GetString("activation");
  o.epochs = static_cast<int>(flags.GetInt("epochs"));
  o.batch = flags.GetInt("batch");
  o.optimizer.kind = *optimizer;
  o.optimizer.learning_rate = static_cast<float>(flags.GetDouble("lr"));
  o.optimizer.momentum = static_cast<float>(flags.GetDouble("momentum"));
  o.optimizer.l2 = static_cast<float>(flags.GetDouble("l2"));
  o.seed = static_cast<uint64_t>(flags.GetInt("seed"));
  o.dest = flags.GetString("dest");
  o.overwrite = mode == "overwrite";
  o.groups = static_cast<int>(flags.GetInt("groups"));
  o.grid = static_cast<int>(flags.GetInt("grid"));
  o.resume = flags.GetBool("resume");
  o.stop_after_epochs = static_cast<int>(flags.GetInt("stop-after-epochs"));
  for (const auto& [k, v] : flags.Arguments()) o.command_line += "--" + k + "=" + v + " ";
  rankflow::ml::SweepResult result;
  try {
    s = rankflow::ml::TrainSweep(mpi, o, &result);
  } catch (const rankflow::JobError& e) {
    rankflow::LogError(std::string("train_mlp: ") + e.what());
    mpi.Abort(1);
  }
  if (!s.ok()) return Fail(mpi, s);
  if (mpi.is_root()) {
    std::printf("train_mlp: %zu model(s), %lld train / %lld held-out rows -> %s\n",
                result.models.size(), static_cast<long long>(result.train_rows),
                static_cast<long long>(result.test_rows), o.dest.c_str());
    std::printf("%-12s %10s %10s %10s %10s\n", "hidden", "params", "train_acc", "test_acc",
                "s/epoch");
    for (size_t i = 0; i < result.models.size(); ++i) {
      const auto& m = result.models[i];
      std::printf("%-12s %10lld %10.4f %10.4f %10.4f%s\n", m.hidden.c_str(),
                  static_cast<long long>(m.parameters), m.train_accuracy, m.test_accuracy,
                  m.seconds_per_epoch, static_cast<int>(i) == result.chosen ? "  <- chosen" : "");
    }
  }
  return 0;
}
