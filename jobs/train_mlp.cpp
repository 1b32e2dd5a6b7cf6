#include "jobs/train_mlp.h"

#include <cstdio>

#include "operators/ml/sweep.h"

namespace rankflow {

void AddTrainMlpFlags(FlagSet* flags) {
  flags->AddString("train", "",
                   "training data: .h5 file, or a committed folder whose _SUCCESS lists data.h5 "
                   "(local or s3://)",
                   FlagSet::kRequired);
  flags->AddString("test", "",
                   "held-out data (.h5 or folder); default: --test-fraction of --train");
  flags->AddDouble("test-fraction", 0.2, "share of --train rows (the last ones) held out");
  ml::AddSweepFlags(flags, {.hidden = "5,10,20,40,80,160,320,600"});
  flags->AddString("activation", "relu", "relu, tanh or sigmoid");
  flags->AddDouble("momentum", 0.9, "sgd momentum");
  flags->AddInt("groups", 0, "rank groups training models side by side (0: one per model)");
  flags->AddInt("grid", 100, "decision surface resolution for 2-input data (0: none)");
  flags->AddBool("resume", false, "continue each model from dest/_checkpoints if present");
  flags->AddInt("stop-after-epochs", 0, "testing: fail after this many epochs (checkpoints kept)");
}

Status CheckTrainMlpFlags(const FlagSet& flags) { return ml::CheckSweepFlags(flags); }

Status RunTrainMlp(JobContext& ctx) {
  const FlagSet& flags = ctx.flags();
  ml::SweepOptions o;
  ml::ReadSweepFlags(flags, &o);
  o.train = flags.GetString("train");
  o.test = flags.GetString("test");
  o.test_fraction = flags.GetDouble("test-fraction");
  o.activation = flags.GetString("activation");
  o.optimizer.momentum = static_cast<float>(flags.GetDouble("momentum"));
  o.dest = ctx.dest();
  o.groups = static_cast<int>(flags.GetInt("groups"));
  o.grid = static_cast<int>(flags.GetInt("grid"));
  o.resume = flags.GetBool("resume");
  o.stop_after_epochs = static_cast<int>(flags.GetInt("stop-after-epochs"));
  ml::SweepResult result;
  RF_RETURN_IF_ERROR(ml::TrainSweep(ctx, o, &result));
  if (!ctx.mpi().is_root()) return Status::OK();
  ctx.Print("train_mlp: " + std::to_string(result.models.size()) + " model(s), " +
            std::to_string(result.train_rows) + " train / " + std::to_string(result.test_rows) +
            " held-out rows -> " + o.dest + "\n");
  char line[512];
  std::snprintf(line, sizeof line, "%-12s %10s %10s %10s %10s\n", "hidden", "params", "train_acc",
                "test_acc", "s/epoch");
  ctx.Print(line);
  for (size_t i = 0; i < result.models.size(); ++i) {
    const auto& m = result.models[i];
    std::snprintf(line, sizeof line, "%-12s %10lld %10.4f %10.4f %10.4f%s\n", m.hidden.c_str(),
                  static_cast<long long>(m.parameters), m.train_accuracy, m.test_accuracy,
                  m.seconds_per_epoch, static_cast<int>(i) == result.chosen ? "  <- chosen" : "");
    ctx.Print(line);
  }
  return Status::OK();
}

}  // namespace rankflow
