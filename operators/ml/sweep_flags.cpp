// The sweep's flags (sweep.h): --hidden's grammar and the flags train_mlp and classify_tweets
// share.
#include <cstdlib>
#include <sstream>

#include "operators/ml/sweep.h"

namespace rankflow::ml {

Result<std::vector<std::vector<int64_t>>> ParseHiddenList(const std::string& text) {
  std::vector<std::vector<int64_t>> models;
  std::stringstream items(text);
  std::string item;
  while (std::getline(items, item, ',')) {
    std::vector<int64_t> widths;
    std::stringstream layers(item);
    std::string w;
    while (std::getline(layers, w, '-')) {
      char* end = nullptr;
      const long long v = std::strtoll(w.c_str(), &end, 10);
      if (w.empty() || *end != '\0' || v < 0 || v > 1000000) {
        return Status::InvalidArgument("--hidden: bad width '" + w + "' in '" + text + "'");
      }
      if (v > 0) widths.push_back(v);
    }
    models.push_back(widths);
  }
  if (models.empty()) return Status::InvalidArgument("--hidden: no model sizes given");
  return models;
}

void AddSweepFlags(FlagSet* flags, const SweepFlagDefaults& d) {
  flags->AddString("hidden", d.hidden,
                   "comma-separated models; '64-32' = two hidden layers; '0' = none");
  flags->AddInt("epochs", d.epochs, "passes over the training rows");
  flags->AddInt("batch", d.batch,
                "global mini-batch size (rows per step over all ranks of a group)");
  flags->AddDouble("lr", d.lr, "learning rate");
  flags->AddString("optimizer", "adam", "adam or sgd (with momentum)");
  flags->AddDouble("l2", d.l2, "L2 penalty added to each weight's gradient (l2 * w)");
  flags->AddInt("seed", 1, "seed of the initial weights and of the shuffling");
}

Status CheckSweepFlags(const FlagSet& flags) {
  RF_RETURN_IF_ERROR(ParseHiddenList(flags.GetString("hidden")).status());
  return ParseOptimizer(flags.GetString("optimizer")).status();
}

void ReadSweepFlags(const FlagSet& flags, SweepOptions* o) {
  o->models = ParseHiddenList(flags.GetString("hidden")).value();
  o->epochs = static_cast<int>(flags.GetInt("epochs"));
  o->batch = flags.GetInt("batch");
  o->optimizer.kind = ParseOptimizer(flags.GetString("optimizer")).value();
  o->optimizer.learning_rate = static_cast<float>(flags.GetDouble("lr"));
  o->optimizer.l2 = static_cast<float>(flags.GetDouble("l2"));
  o->seed = static_cast<uint64_t>(flags.GetInt("seed"));
}

}  // namespace rankflow::ml
