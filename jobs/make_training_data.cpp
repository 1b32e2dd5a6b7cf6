#include "jobs/make_training_data.h"

#include <cstdio>

#include "operators/ml/output_files.h"
#include "operators/ml/xo_data.h"
#include "runtime/hdf5_file.h"
#include "runtime/log.h"
#include "runtime/scratch_file.h"

namespace rankflow {
namespace {

// data.h5, built in a scratch file of `scratch_dir` (gone even if the process is killed) and
// copied to `out`.
Status WriteHdf5(OutputCommitter& out, const std::string& scratch_dir,
                 const MakeTrainingDataOptions& o, const std::vector<float>& xy,
                 const std::vector<int32_t>& labels) {
  auto file = Hdf5File::CreateScratch(scratch_dir);
  if (!file.ok()) return file.status();
  const uint64_t n = labels.size();
  std::vector<int64_t> y(labels.begin(), labels.end());
  RF_RETURN_IF_ERROR((*file)->WriteFloat32("x", {n, 2}, xy.data()));
  RF_RETURN_IF_ERROR((*file)->WriteInt64("y", {n}, y.data()));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "classes", ml::kXoClassNames));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "geometry", ml::XoGeometryText()));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "seed", std::to_string(o.seed)));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "noise", std::to_string(o.noise)));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "rows", std::to_string(n)));
  RF_RETURN_IF_ERROR((*file)->Close());
  return ml::WriteOutputHdf5(out, "data.h5", **file, n);
}

constexpr const char* kNames[] = {"background", "x", "o"};

std::string Csv(const std::vector<float>& xy, const std::vector<int32_t>& labels) {
  std::string csv = "x,y,label,class\n";
  csv.reserve(labels.size() * 32);
  char line[96];
  for (size_t i = 0; i < labels.size(); ++i) {
    // %.9g round-trips a float exactly.
    const int len = std::snprintf(line, sizeof(line), "%.9g,%.9g,%d,%s\n", xy[2 * i], xy[2 * i + 1],
                                  labels[i], kNames[labels[i]]);
    csv.append(line, len);
  }
  return csv;
}

}  // namespace

Status MakeTrainingData(JobContext& ctx, const MakeTrainingDataOptions& o,
                        MakeTrainingDataResult* result) {
  if (o.rows <= 0) return Status::InvalidArgument("--n must be positive");
  if (o.noise < 0 || o.noise > 1) return Status::InvalidArgument("--noise must be in [0, 1]");
  RF_RETURN_IF_ERROR(ctx.OpenOutput());
  Status st;
  if (ctx.mpi().is_root()) {
    std::vector<float> xy;
    std::vector<int32_t> labels;
    ml::GenerateXo(o.seed, o.noise, 0, o.rows, &xy, &labels);
    result->rows = o.rows;
    for (int32_t y : labels) ++result->class_counts[y];
    Metrics& m = ctx.metrics();
    m.Add("records_out", o.rows);
    m.Add("rows", o.rows);
    for (int c = 0; c < 3; ++c) m.Add(std::string("class.") + kNames[c], result->class_counts[c]);
    LogInfo("make_training_data: generated " + std::to_string(o.rows) + " points (background " +
            std::to_string(result->class_counts[0]) + ", x " +
            std::to_string(result->class_counts[1]) + ", o " +
            std::to_string(result->class_counts[2]) + ")");
    st = WriteHdf5(ctx.output(), SpillDirectory(ctx.settings().spill_dir), o, xy, labels);
    if (st.ok() && o.csv) {
      st = ml::WriteOutputFile(ctx.output(), "data.csv", Csv(xy, labels), labels.size());
    }
  }
  Status commit = ctx.Commit(st.ok());
  if (!st.ok()) return st;
  return commit;
}

void AddMakeTrainingDataFlags(FlagSet* flags) {
  flags->AddInt("n", 100000, "number of points");
  flags->AddInt("seed", 1, "random seed; the same seed gives the same points");
  flags->AddDouble("noise", 0, "label noise: share of points given a wrong label");
  flags->AddBool("csv", true, "also write data.csv");
}

Status RunMakeTrainingData(JobContext& ctx) {
  MakeTrainingDataOptions o;
  o.rows = ctx.flags().GetInt("n");
  o.seed = static_cast<uint64_t>(ctx.flags().GetInt("seed"));
  o.noise = ctx.flags().GetDouble("noise");
  o.csv = ctx.flags().GetBool("csv");
  MakeTrainingDataResult r;
  RF_RETURN_IF_ERROR(MakeTrainingData(ctx, o, &r));
  if (ctx.mpi().is_root()) {
    ctx.Print("make_training_data: wrote " + std::to_string(r.rows) + " points to " + ctx.dest() +
              " (background " + std::to_string(r.class_counts[0]) + ", x " +
              std::to_string(r.class_counts[1]) + ", o " + std::to_string(r.class_counts[2]) +
              ")\n");
  }
  return Status::OK();
}

}  // namespace rankflow
