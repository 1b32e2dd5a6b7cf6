// make_training_data: flags -> MakeTrainingData -> exit code (0 only when committed).
#include <cstdio>

#include "jobs/make_training_data.h"
#include "runtime/cli.h"
#include "runtime/log.h"

int main(int argc, char** argv) {
  using rankflow::FlagSet;
  rankflow::MpiContext mpi(&argc, &argv);
  FlagSet flags("make_training_data",
                "writes the XO data set (2-d points labelled x, o or background; see "
                "operators/ml/xo_data.h) as data.h5 and data.csv under --dest");
  flags.AddInt("n", 100000, "number of points");
  flags.AddInt("seed", 1, "random seed; the same seed gives the same points");
  flags.AddDouble("noise", 0, "label noise: share of points given a wrong label");
  flags.AddString("dest", "", "output folder, local or s3://bucket/prefix", FlagSet::kRequired);
  flags.AddString("mode", "error", "error: fail if dest has output; overwrite: replace it");
  flags.AddBool("csv", true, "also write data.csv");
  rankflow::Status s = flags.Parse(argc, argv);
  if (!s.ok()) {
    if (mpi.is_root()) std::fprintf(stderr, "%s\n", s.message().c_str());
    return 2;
  }
  if (flags.help_requested()) {
    if (mpi.is_root()) std::fputs(flags.Help().c_str(), stdout);
    return 0;
  }
  const std::string mode = flags.GetString("mode");
  if (mode != "error" && mode != "overwrite") {
    if (mpi.is_root())
      std::fprintf(stderr, "make_training_data: --mode must be error or overwrite\n");
    return 2;
  }
  rankflow::MakeTrainingDataOptions o;
  o.rows = flags.GetInt("n");
  o.seed = static_cast<uint64_t>(flags.GetInt("seed"));
  o.noise = flags.GetDouble("noise");
  o.dest = flags.GetString("dest");
  o.overwrite = mode == "overwrite";
  o.csv = flags.GetBool("csv");
  for (const auto& [k, v] : flags.Arguments()) o.command_line += "--" + k + "=" + v + " ";
  rankflow::MakeTrainingDataResult result;
  try {
    s = rankflow::MakeTrainingData(mpi, o, &result);
  } catch (const rankflow::JobError& e) {
    rankflow::LogError(std::string("make_training_data: ") + e.what());
    mpi.Abort(1);
  }
  if (!s.ok()) {
    // Collective failures carry the same message on every rank: say it once.
    if (mpi.is_root() || s.code() != rankflow::StatusCode::kAlreadyExists) {
      rankflow::LogError("make_training_data: " + s.message());
    }
    return 1;
  }
  if (mpi.is_root()) {
    std::printf("make_training_data: wrote %lld points to %s (background %lld, x %lld, o %lld)\n",
                static_cast<long long>(result.rows), o.dest.c_str(),
                static_cast<long long>(result.class_counts[0]),
                static_cast<long long>(result.class_counts[1]),
                static_cast<long long>(result.class_counts[2]));
  }
  return 0;
}
