#include "jobs/make_training_data.h"

#include <cstdio>

#include "operators/ml/output_files.h"
#include "operators/ml/xo_data.h"
#include "runtime/hdf5_file.h"
#include "runtime/log.h"

namespace rankflow {
namespace {

// data.h5, built in a scratch file (gone even if the process is killed) and copied to `out`.
Status WriteHdf5(OutputCommitter& out, const MakeTrainingDataOptions& o,
                 const std::vector<float>& xy, const std::vector<int32_t>& labels) {
  auto file = Hdf5File::CreateScratch(SpillDirectory(""));
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

std::string Csv(const std::vector<float>& xy, const std::vector<int32_t>& labels) {
  static const char* kNames[] = {"background", "x", "o"};
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

Status MakeTrainingData(const MpiContext& mpi, const MakeTrainingDataOptions& o,
                        MakeTrainingDataResult* result) {
  if (o.rows <= 0) return Status::InvalidArgument("--n must be positive");
  if (o.noise < 0 || o.noise > 1) return Status::InvalidArgument("--noise must be in [0, 1]");
  if (o.dest.empty()) return Status::InvalidArgument("--dest is required");
  std::unique_ptr<FileSystem> fs;
  RF_RETURN_IF_ERROR(OpenFileSystem(o.dest, &fs));
  OutputCommitter out(mpi, *fs, o.dest, o.overwrite ? WriteMode::kOverwrite : WriteMode::kError);
  RF_RETURN_IF_ERROR(out.status());
  Status st;
  std::vector<float> xy;
  std::vector<int32_t> labels;
  if (mpi.is_root()) {
    ml::GenerateXo(o.seed, o.noise, 0, o.rows, &xy, &labels);
    result->rows = o.rows;
    for (int32_t y : labels) ++result->class_counts[y];
    LogInfo("make_training_data: generated " + std::to_string(o.rows) + " points (background " +
            std::to_string(result->class_counts[0]) + ", x " +
            std::to_string(result->class_counts[1]) + ", o " +
            std::to_string(result->class_counts[2]) + ")");
    st = WriteHdf5(out, o, xy, labels);
    if (st.ok() && o.csv) {
      st = ml::WriteOutputFile(out, "data.csv", Csv(xy, labels), labels.size());
    }
  }
  const std::string manifest =
      "\"job\":\"make_training_data\",\"arguments\":" + ml::JsonQuoted(o.command_line) +
      ",\"rows\":" + std::to_string(o.rows) + ",\"seed\":" + std::to_string(o.seed) +
      ",\"noise\":" + std::to_string(o.noise) + ",\"ranks\":" + std::to_string(mpi.size());
  Status commit = out.Commit(st.ok(), manifest);
  if (!st.ok()) return st;
  return commit;
}

}  // namespace rankflow
