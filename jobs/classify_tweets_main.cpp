// classify_tweets: flags -> ClassifyTweets -> exit code (0 only when both outputs were committed).
#include <cstdio>

#include "jobs/classify_tweets.h"
#include "operators/ml/blas_threads.h"
#include "operators/ml/sweep.h"
#include "runtime/cli.h"
#include "runtime/log.h"

int main(int argc, char** argv) {
  using rankflow::FlagSet;
  rankflow::ml::EnsureSingleThreadedBlas(argv);  // one core per rank; before MPI starts
  rankflow::MpiContext mpi(&argc, &argv);
  FlagSet flags("classify_tweets",
                "language identification of tweets: hashed n-gram features -> MLP sweep; writes "
                "dest/features/ and dest/model/ (report.html with held-out accuracy)");
  flags.AddString("src", "", "tweet files (folder, local or s3://)", FlagSet::kRequired);
  flags.AddString("dest", "", "output folder, local or s3://bucket/prefix", FlagSet::kRequired);
  flags.AddString("mode", "error", "error: fail if dest has output; overwrite: replace it");
  flags.AddInt("dim", 1024, "hashed n-gram slots");
  flags.AddInt("min-class", 10, "languages with fewer tweets are left out");
  flags.AddString("hidden", "0,16,64", "comma-separated models ('0' = no hidden layer)");
  flags.AddInt("epochs", 40, "epochs");
  flags.AddInt("batch", 32, "global mini-batch size");
  flags.AddDouble("lr", 0.01, "learning rate");
  flags.AddString("optimizer", "adam", "adam or sgd");
  flags.AddDouble("l2", 0.0001, "L2 penalty on weights");
  flags.AddInt("seed", 1, "seed of weights and shuffling");
  rankflow::Status s = flags.Parse(argc, argv);
  if (!s.ok()) {
    if (mpi.is_root()) std::fprintf(stderr, "%s\n", s.message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    if (mpi.is_root()) std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  auto models = rankflow::ml::ParseHiddenList(flags.GetString("hidden"));
  auto optimizer = rankflow::ml::ParseOptimizer(flags.GetString("optimizer"));
  const std::string mode = flags.GetString("mode");
  if (!models.ok() || !optimizer.ok() || (mode != "error" && mode != "overwrite")) {
    if (mpi.is_root()) {
      std::fprintf(stderr, "classify_tweets: %s\n",
                   !models.ok()      ? models.status().message().c_str()
                   : !optimizer.ok() ? optimizer.status().message().c_str()
                                     : "--mode must be error or overwrite");
    }
    return 2;
  }
  rankflow::ClassifyTweetsOptions o;
  o.src = flags.GetString("src");
  o.dest = flags.GetString("dest");
  o.overwrite = mode == "overwrite";
  o.dim = static_cast<int>(flags.GetInt("dim"));
  o.min_class = static_cast<int>(flags.GetInt("min-class"));
  o.train.models = *models;
  o.train.epochs = static_cast<int>(flags.GetInt("epochs"));
  o.train.batch = flags.GetInt("batch");
  o.train.optimizer.kind = *optimizer;
  o.train.optimizer.learning_rate = static_cast<float>(flags.GetDouble("lr"));
  o.train.optimizer.l2 = static_cast<float>(flags.GetDouble("l2"));
  o.train.seed = static_cast<uint64_t>(flags.GetInt("seed"));
  for (const auto& [k, v] : flags.Arguments()) o.train.command_line += "--" + k + "=" + v + " ";
  rankflow::ClassifyTweetsResult r;
  try {
    s = rankflow::ClassifyTweets(mpi, o, &r);
  } catch (const rankflow::JobError& e) {
    rankflow::LogError(std::string("classify_tweets: ") + e.what());
    mpi.Abort(1);
  }
  if (!s.ok()) {
    if (mpi.is_root() || (s.code() != rankflow::StatusCode::kAborted &&
                          s.code() != rankflow::StatusCode::kAlreadyExists)) {
      rankflow::LogError("classify_tweets: " + s.message());
    }
    return 1;
  }
  if (mpi.is_root()) {
    std::printf(
        "classify_tweets: %lld tweets read, %lld distinct, %lld kept in %zu languages "
        "(%lld train / %lld held out)\n",
        static_cast<long long>(r.tweets_read), static_cast<long long>(r.unique_tweets),
        static_cast<long long>(r.examples), r.class_counts.size(),
        static_cast<long long>(r.train_rows), static_cast<long long>(r.test_rows));
    std::printf("majority-class baseline (held out): %.4f\n", r.majority_baseline);
    for (size_t i = 0; i < r.training.models.size(); ++i) {
      const auto& m = r.training.models[i];
      std::printf("hidden %-8s held-out accuracy %.4f  train accuracy %.4f%s\n", m.hidden.c_str(),
                  m.test_accuracy, m.train_accuracy,
                  static_cast<int>(i) == r.training.chosen ? "  <- chosen" : "");
    }
    std::printf("report: %s/model/report.html\n", o.dest.c_str());
  }
  return 0;
}
