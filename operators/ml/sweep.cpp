#include "operators/ml/sweep.h"

#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <sstream>

#include "operators/ml/dataset.h"
#include "operators/ml/model_io.h"
#include "operators/ml/output_files.h"
#include "operators/ml/report.h"
#include "operators/ml/sweep_checkpoint.h"
#include "operators/ml/trainer.h"
#include "runtime/hdf5_file.h"
#include "runtime/log.h"
#include "runtime/pipeline.h"

namespace rankflow::ml {
namespace {

std::string Fixed(double v, int digits) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.*f", digits, v);
  return buf;
}

// The local path of a data file: `path` itself if it names a .h5 file, else the file with logical
// name `logical` in the committed folder `path` (found through its _SUCCESS); a local copy of a
// remote one.
// *input is the file as stored, for the manifest.
Result<std::string> LocalDataFile(const std::string& path, const std::string& logical,
                                  const ScratchFolder& scratch, const std::string& name,
                                  FileInfo* input) {
  std::unique_ptr<FileSystem> fs;
  RF_RETURN_IF_ERROR(OpenFileSystem(path, &fs));
  std::string file = path;
  if (file.size() < 3 || file.substr(file.size() - 3) != ".h5") {
    Result<std::string> committed = FindCommittedFile(*fs, path, logical);
    if (!committed.ok()) return committed.status();
    file = *committed;
  }
  Result<uint64_t> size = fs->Size(file);
  if (!size.ok()) return size.status();
  *input = FileInfo{file, *size};
  if (!IsS3Path(file)) return file;
  const std::string local = scratch.Join(name);
  RF_RETURN_IF_ERROR(FetchToLocalFile(*fs, file, local));
  return local;
}

struct DataPlan {
  std::vector<FileInfo> inputs;  // as stored (for the manifest)
  std::string train_file, test_file;
  int64_t train_rows = 0, test_rows = 0;
  int64_t test_offset = 0;  // first row of the held-out rows in test_file
};

Status PlanData(const SweepOptions& o, const ScratchFolder& scratch, DataPlan* plan) {
  plan->inputs.resize(o.test.empty() ? 1 : 2);
  auto train = LocalDataFile(o.train, o.train_name, scratch, "train.h5", &plan->inputs[0]);
  if (!train.ok()) return train.status();
  plan->train_file = *train;
  auto rows = CountDatasetRows(plan->train_file);
  if (!rows.ok()) return rows.status();
  if (!o.test.empty()) {
    auto test = LocalDataFile(o.test, o.test_name, scratch, "test.h5", &plan->inputs[1]);
    if (!test.ok()) return test.status();
    plan->test_file = *test;
    auto test_rows = CountDatasetRows(plan->test_file);
    if (!test_rows.ok()) return test_rows.status();
    plan->train_rows = *rows;
    plan->test_rows = *test_rows;
    return Status::OK();
  }
  plan->test_file = plan->train_file;
  plan->test_rows = static_cast<int64_t>(std::floor(*rows * o.test_fraction));
  plan->train_rows = *rows - plan->test_rows;
  plan->test_offset = plan->train_rows;
  if (plan->test_rows <= 0 || plan->train_rows <= 0) {
    return Status::InvalidArgument(o.train + ": " + std::to_string(*rows) +
                                   " rows leave no train or held-out rows at --test-fraction " +
                                   Fixed(o.test_fraction, 3));
  }
  return Status::OK();
}

Status LoadShards(const DataPlan& plan, int index, int count, Dataset* train, Dataset* test) {
  RowRange r = ShardRange(plan.train_rows, index, count);
  RF_RETURN_IF_ERROR(ReadDatasetRows(plan.train_file, r.begin, r.end, train));
  train->global_rows = plan.train_rows;
  RowRange t = ShardRange(plan.test_rows, index, count);
  RF_RETURN_IF_ERROR(
      ReadDatasetRows(plan.test_file, plan.test_offset + t.begin, plan.test_offset + t.end, test));
  test->global_rows = plan.test_rows;
  if (test->inputs != train->inputs || test->class_names != train->class_names) {
    return Status::InvalidArgument(plan.test_file + ": held-out data has other inputs or classes");
  }
  return Status::OK();
}

// Model i goes to a group: largest first, each to the group with the least work so far.
std::vector<int> AssignModels(const std::vector<MlpSpec>& specs, int groups) {
  std::vector<int> order(specs.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int>(i);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return specs[a].ParameterCount() > specs[b].ParameterCount();
  });
  std::vector<int64_t> load(groups, 0);
  std::vector<int> group(specs.size());
  for (int i : order) {
    const int g = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    group[i] = g;
    load[g] += specs[i].ParameterCount();
  }
  return group;
}

// Logical names of a model's committed files (the committer wants base names: no folders).
std::string ModelFileName(const MlpSpec& spec) {
  return "model-hidden-" + spec.HiddenName() + ".h5";
}
std::string SurfaceFileName(const MlpSpec& spec) {
  return "surface-hidden-" + spec.HiddenName() + ".h5";
}

struct Bounds {
  float lo[2] = {0, 0}, hi[2] = {1, 1};
};

Bounds DataBounds(const MpiContext& group, const Dataset& d) {
  float lo[2] = {INFINITY, INFINITY}, hi[2] = {-INFINITY, -INFINITY};
  for (int64_t r = 0; r < d.rows(); ++r) {
    for (int c = 0; c < 2; ++c) {
      lo[c] = std::min(lo[c], d.dense[2 * r + c]);
      hi[c] = std::max(hi[c], d.dense[2 * r + c]);
    }
  }
  group.AllMin(lo);
  group.AllMax(hi);
  Bounds b;
  for (int c = 0; c < 2; ++c) {
    b.lo[c] = std::isfinite(lo[c]) ? lo[c] : 0.f;
    b.hi[c] = std::isfinite(hi[c]) && hi[c] > b.lo[c] ? hi[c] : b.lo[c] + 1.f;
  }
  return b;
}

// Writes the decision surface file into `out` and returns its PNG.
Status WriteSurface(Mlp& model, const Bounds& b, int g, const ScratchFolder& scratch,
                    OutputCommitter* out, const MlpSpec& spec, std::string* png) {
  std::vector<float> xs(g), ys(g), grid(static_cast<size_t>(2) * g * g);
  for (int i = 0; i < g; ++i) {
    xs[i] = b.lo[0] + (b.hi[0] - b.lo[0]) * (static_cast<float>(i) + 0.5f) / g;
    ys[i] = b.lo[1] + (b.hi[1] - b.lo[1]) * (static_cast<float>(i) + 0.5f) / g;
  }
  for (int i = 0; i < g; ++i) {
    for (int j = 0; j < g; ++j) {
      grid[2 * (i * g + j)] = xs[j];
      grid[2 * (i * g + j) + 1] = ys[i];
    }
  }
  BatchView batch;
  batch.rows = static_cast<int64_t>(g) * g;
  batch.dense = grid.data();
  std::vector<float> probs;
  model.PredictProba(batch, &probs);
  const int64_t k = model.dims().back();
  std::vector<int64_t> labels(batch.rows);
  std::vector<float> conf(batch.rows);
  for (int64_t i = 0; i < batch.rows; ++i) {
    const float* p = probs.data() + i * k;
    labels[i] = std::max_element(p, p + k) - p;
    conf[i] = p[labels[i]];
  }
  auto file = Hdf5File::CreateScratch(scratch.path());
  if (!file.ok()) return file.status();
  const uint64_t gg = static_cast<uint64_t>(g);
  RF_RETURN_IF_ERROR((*file)->WriteFloat32("x", {gg}, xs.data()));
  RF_RETURN_IF_ERROR((*file)->WriteFloat32("y", {gg}, ys.data()));
  RF_RETURN_IF_ERROR(
      (*file)->WriteFloat32("probs", {gg, gg, static_cast<uint64_t>(k)}, probs.data()));
  RF_RETURN_IF_ERROR((*file)->WriteInt64("labels", {gg, gg}, labels.data()));
  RF_RETURN_IF_ERROR(
      (*file)->SetAttribute("/", "layout", "probs[i, j] and labels[i, j] at (x[j], y[i])"));
  RF_RETURN_IF_ERROR((*file)->Close());
  RF_RETURN_IF_ERROR(WriteOutputHdf5(*out, SurfaceFileName(spec), **file));
  // The image has y growing upwards: row 0 of the image is the last grid row.
  std::vector<int64_t> flipped(labels.size());
  std::vector<float> flipped_conf(conf.size());
  for (int i = 0; i < g; ++i) {
    for (int j = 0; j < g; ++j) {
      flipped[(g - 1 - i) * g + j] = labels[i * g + j];
      flipped_conf[(g - 1 - i) * g + j] = conf[i * g + j];
    }
  }
  *png = EncodePng(g, g, SurfaceRgb(g, g, flipped, flipped_conf));
  return Status::OK();
}

// One model's line for the gather to rank 0 (tab-separated; PNG base64).
std::string Serialize(const SweepModelResult& m, const std::string& png) {
  std::ostringstream s;
  s.precision(17);
  s << m.hidden << '\t' << m.layers << '\t' << m.parameters << '\t' << m.train_accuracy << '\t'
    << m.test_accuracy << '\t' << m.train_loss << '\t' << m.test_loss << '\t' << m.epochs << '\t'
    << m.seconds << '\t' << m.seconds_per_epoch << '\t' << Base64(png) << '\n';
  return s.str();
}

void Deserialize(const std::string& text, std::vector<SweepModelResult>* models,
                 std::vector<std::string>* pngs) {
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::vector<std::string> f;
    size_t start = 0;
    while (start <= line.size()) {
      size_t tab = line.find('\t', start);
      if (tab == std::string::npos) tab = line.size();
      f.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    if (f.size() != 11) continue;
    SweepModelResult m;
    m.hidden = f[0];
    m.layers = std::stoi(f[1]);
    m.parameters = std::stoll(f[2]);
    m.train_accuracy = std::stod(f[3]);
    m.test_accuracy = std::stod(f[4]);
    m.train_loss = std::stod(f[5]);
    m.test_loss = std::stod(f[6]);
    m.epochs = std::stoi(f[7]);
    m.seconds = std::stod(f[8]);
    m.seconds_per_epoch = std::stod(f[9]);
    models->push_back(m);
    pngs->push_back(FromBase64(f[10]));
  }
}

std::string MetricsCsv(const SweepResult& r) {
  std::string csv =
      "hidden,layers,parameters,train_accuracy,test_accuracy,train_loss,test_loss,epochs,seconds,"
      "seconds_per_epoch,chosen\n";
  for (size_t i = 0; i < r.models.size(); ++i) {
    const SweepModelResult& m = r.models[i];
    csv += m.hidden + "," + std::to_string(m.layers) + "," + std::to_string(m.parameters) + "," +
           Fixed(m.train_accuracy, 6) + "," + Fixed(m.test_accuracy, 6) + "," +
           Fixed(m.train_loss, 6) + "," + Fixed(m.test_loss, 6) + "," + std::to_string(m.epochs) +
           "," + Fixed(m.seconds, 3) + "," + Fixed(m.seconds_per_epoch, 4) + "," +
           (static_cast<int>(i) == r.chosen ? "1" : "0") + "\n";
  }
  return csv;
}

struct ModelJob {
  MlpSpec spec;
  int group = 0;
};

// Trains one model in the group and stages its files (group root). Collective over the group.
Status TrainOne(const SweepOptions& o, const MpiContext& g, FileSystem& fs,
                const ScratchFolder& scratch, const Dataset& train, const Dataset& test,
                const MlpSpec& spec, OutputCommitter* out, std::string* serialized) {
  const std::string name = "hidden-" + spec.HiddenName();
  const std::string ckpt = CheckpointPath(o.dest, spec);
  Mlp model(spec);
  model.Initialize(o.seed);
  TrainOptions to;
  to.epochs = o.epochs;
  to.batch = o.batch;
  to.seed = o.seed;
  to.optimizer = o.optimizer;
  Trainer trainer(g, &model, to);
  int start = 0;
  if (o.resume) {
    auto done =
        ResumeFromCheckpoint(g, fs, ckpt, scratch.Join("resume.h5"), &model, &trainer.optimizer());
    if (!done.ok()) return done.status();
    start = std::min(*done, o.epochs);
    if (start > 0 && g.is_root()) {
      LogInfo("train_mlp: " + name + ": resuming after epoch " + std::to_string(start));
    }
  }
  double seconds = 0;
  int epochs_run = 0;
  const std::string local_ckpt = scratch.Join("ckpt.h5");
  Status st = trainer.Fit(train, start, [&](const EpochStats& s) -> Status {
    seconds += s.seconds;
    ++epochs_run;
    if (g.is_root()) {
      LogInfo("train_mlp: " + name + " epoch " + std::to_string(s.epoch + 1) + "/" +
              std::to_string(o.epochs) + ": loss " + Fixed(s.loss, 4) + ", accuracy " +
              Fixed(s.accuracy, 4) + ", " + Fixed(s.seconds, 3) + " s");
    }
    RF_RETURN_IF_ERROR(PublishFromRoot(g, fs, local_ckpt, ckpt, [&] {
      return SaveCheckpoint(local_ckpt, model, train.class_names, trainer.optimizer(), s.epoch + 1,
                            {});
    }));
    if (o.stop_after_epochs > 0 && s.epoch + 1 >= o.stop_after_epochs && s.epoch + 1 < o.epochs) {
      return Status::Aborted("stopped after epoch " + std::to_string(s.epoch + 1) +
                             " (--stop-after-epochs)");
    }
    return Status::OK();
  });
  if (!st.ok()) return st.WithPrefix(name);
  const EvalStats tr = trainer.Evaluate(train);
  const EvalStats te = trainer.Evaluate(test);
  SweepModelResult m;
  m.hidden = spec.HiddenName();
  m.layers = static_cast<int>(spec.hidden.size());
  m.parameters = spec.ParameterCount();
  m.train_accuracy = tr.accuracy;
  m.test_accuracy = te.accuracy;
  m.train_loss = tr.loss;
  m.test_loss = te.loss;
  m.epochs = o.epochs;
  m.seconds = seconds;
  m.seconds_per_epoch = epochs_run > 0 ? seconds / epochs_run : 0;
  const bool surface = o.grid > 0 && spec.inputs == 2 && !train.sparse;
  Bounds bounds;
  if (surface) bounds = DataBounds(g, train);
  if (!g.is_root()) return Status::OK();
  std::string png;
  {
    auto file = Hdf5File::CreateScratch(scratch.path());
    if (!file.ok()) return file.status();
    Attributes attrs = {{"train_accuracy", Fixed(m.train_accuracy, 6)},
                        {"test_accuracy", Fixed(m.test_accuracy, 6)},
                        {"train_loss", Fixed(m.train_loss, 6)},
                        {"test_loss", Fixed(m.test_loss, 6)},
                        {"epochs", std::to_string(o.epochs)},
                        {"optimizer", OptimizerName(o.optimizer.kind)},
                        {"seed", std::to_string(o.seed)}};
    RF_RETURN_IF_ERROR(WriteModel(model, train.class_names, attrs, file->get()));
    RF_RETURN_IF_ERROR((*file)->Close());
    RF_RETURN_IF_ERROR(WriteOutputHdf5(*out, ModelFileName(spec), **file));
  }
  if (surface) RF_RETURN_IF_ERROR(WriteSurface(model, bounds, o.grid, scratch, out, spec, &png));
  *serialized += Serialize(m, png);
  LogInfo("train_mlp: " + name + ": train accuracy " + Fixed(m.train_accuracy, 4) +
          ", held-out accuracy " + Fixed(m.test_accuracy, 4) + ", " + Fixed(m.seconds, 2) + " s");
  return Status::OK();
}

std::string OptimizerText(const OptimizerOptions& o) {
  std::string s = std::string(OptimizerName(o.kind)) + ", lr " + Fixed(o.learning_rate, 5);
  if (o.kind == OptimizerKind::kSgd) s += ", momentum " + Fixed(o.momentum, 3);
  if (o.l2 != 0) s += ", l2 " + Fixed(o.l2, 6);
  return s;
}

// Checks what the flags cannot; the activation function.
Result<Activation> CheckOptions(const SweepOptions& o) {
  if (o.models.empty()) return Status::InvalidArgument("no model sizes given (--hidden)");
  if (o.epochs <= 0 || o.batch <= 0) {
    return Status::InvalidArgument("--epochs and --batch must be positive");
  }
  if (o.test.empty() && (o.test_fraction <= 0 || o.test_fraction >= 1)) {
    return Status::InvalidArgument("--test-fraction must be in (0, 1) when --test is not given");
  }
  if (o.grid < 0 || o.grid > 2000) return Status::InvalidArgument("--grid must be in [0, 2000]");
  return ParseActivation(o.activation);
}

// The report's title, setup table and notes (the models come later).
ReportPage ReportSetup(const SweepOptions& o, const DataPlan& plan, const Dataset& train, int ranks,
                       int groups) {
  ReportPage page;
  page.title = o.title;
  page.chosen_reason = "highest held-out accuracy; ties go to the smaller model";
  page.setup = {
      {"training data", o.train},
      {"held-out data", o.test.empty()
                            ? "last " + Fixed(100 * o.test_fraction, 1) + "% of the training file"
                            : o.test},
      {"rows",
       std::to_string(plan.train_rows) + " train, " + std::to_string(plan.test_rows) + " held-out"},
      {"inputs / classes", std::to_string(train.inputs) + " / " + std::to_string(train.classes())},
      {"activation", o.activation},
      {"optimizer", OptimizerText(o.optimizer)},
      {"epochs / batch", std::to_string(o.epochs) + " / " + std::to_string(o.batch)},
      {"seed", std::to_string(o.seed)},
      {"ranks / groups", std::to_string(ranks) + " / " + std::to_string(groups)}};
  page.notes_html = o.notes_html;
  return page;
}

// Rank 0: every group's models (gathered) by size into result and the page, the chosen one, and
// metrics.csv, report.html and selection.json into out.
Status WriteSummary(const std::vector<std::string>& gathered, ReportPage* page,
                    OutputCommitter* out, SweepResult* result) {
  std::vector<std::string> pngs;
  std::vector<SweepModelResult> rows;
  for (const std::string& part : gathered) Deserialize(part, &rows, &pngs);
  std::vector<size_t> order(rows.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::stable_sort(order.begin(), order.end(),
                   [&](size_t a, size_t b) { return rows[a].parameters < rows[b].parameters; });
  for (size_t i : order) {
    result->models.push_back(rows[i]);
    const SweepModelResult& m = rows[i];
    page->models.push_back(ReportModel{m.hidden, m.parameters, m.train_accuracy, m.test_accuracy,
                                       m.train_loss, m.test_loss, m.seconds, m.seconds_per_epoch,
                                       m.epochs, pngs[i]});
  }
  for (size_t i = 0; i < result->models.size(); ++i) {
    if (result->chosen < 0 ||
        result->models[i].test_accuracy > result->models[result->chosen].test_accuracy) {
      result->chosen = static_cast<int>(i);
    }
  }
  page->chosen = result->chosen;
  const SweepModelResult& c = result->models[result->chosen];
  RF_RETURN_IF_ERROR(
      WriteOutputFile(*out, "metrics.csv", MetricsCsv(*result), result->models.size()));
  RF_RETURN_IF_ERROR(WriteOutputFile(*out, "report.html", RenderReportHtml(*page)));
  return WriteOutputFile(*out, "selection.json",
                         "{\"chosen_hidden\":\"" + c.hidden +
                             "\",\"parameters\":" + std::to_string(c.parameters) +
                             ",\"test_accuracy\":" + Fixed(c.test_accuracy, 6) +
                             ",\"train_accuracy\":" + Fixed(c.train_accuracy, 6) +
                             ",\"criterion\":\"highest held-out accuracy, ties to fewer "
                             "parameters\"}\n");
}

// Rank 0: the counters of the manifest and the summary (the other ranks add nothing).
void CountSweep(JobContext& ctx, const DataPlan& plan, int models, int groups) {
  if (!ctx.mpi().is_root()) return;
  Metrics& m = ctx.metrics();
  m.Add("files_in", static_cast<int64_t>(plan.inputs.size()));
  for (const FileInfo& f : plan.inputs) {
    m.Add("stored_bytes_in", static_cast<int64_t>(f.size));
    m.Add("bytes_in", static_cast<int64_t>(f.size));
  }
  m.Add("records_in", plan.train_rows + plan.test_rows);
  m.Add("train_rows", plan.train_rows);
  m.Add("test_rows", plan.test_rows);
  m.Add("models", models);
  m.Add("groups", groups);
}

// Collective, after a failed world-wide agreement: "rank R: <message>" of the lowest rank whose
// failure was its own (`echo`: it only stopped because another rank of its group failed), for
// rank 0's error line (RunJob prints rank 0's status alone); empty if there is none.
std::string FirstOwnFailure(const MpiContext& mpi, const Status& st, bool echo) {
  const bool own = !st.ok() && !echo;
  const std::string mine = own ? "rank " + std::to_string(mpi.rank()) + ": " + st.message() : "";
  for (const std::string& failure : mpi.AllGather(mine)) {
    if (!failure.empty()) return failure;
  }
  return "";
}

}  // namespace

Status TrainSweep(JobContext& ctx, const SweepOptions& o, SweepResult* result) {
  const MpiContext& mpi = ctx.mpi();
  Result<Activation> activation = CheckOptions(o);
  if (!activation.ok()) return activation.status();
  RF_RETURN_IF_ERROR(ctx.OpenOutput(o.dest, {o.train, o.test}));
  OutputCommitter& out = ctx.output();
  FileSystem& fs = ctx.dest_fs();

  // Per rank, in --spill-dir (else $TMPDIR, else /tmp): local copies of remote data, checkpoints
  // on their way out, and the scratch files that models and surfaces are built in.
  Result<ScratchFolder> scratch = ScratchFolder::Create(SpillDirectory(ctx.settings().spill_dir));
  DataPlan plan;
  // Agreed with the failing rank's message, so that rank 0 reports it.
  Status st = AgreeOnStatus(mpi, scratch.ok() ? PlanData(o, *scratch, &plan) : scratch.status());
  if (!st.ok()) return st;

  const int models = static_cast<int>(o.models.size());
  const int groups = std::max(1, std::min(o.groups > 0 ? o.groups : models, mpi.size()));
  const int color = static_cast<int>(static_cast<int64_t>(mpi.rank()) * groups / mpi.size());
  const MpiContext group = mpi.Split(color);

  Dataset train, test;
  st = AgreeOnStatus(mpi, LoadShards(plan, group.rank(), group.size(), &train, &test));
  if (!st.ok()) return st;
  std::vector<MlpSpec> specs;
  for (const auto& hidden : o.models) {
    specs.push_back(MlpSpec{train.inputs, hidden, train.classes(), *activation});
  }
  const std::vector<int> assignment = AssignModels(specs, groups);
  ctx.SetInputs(plan.inputs);
  CountSweep(ctx, plan, models, groups);
  if (mpi.is_root()) {
    LogInfo("train_mlp: " + std::to_string(plan.train_rows) + " train rows, " +
            std::to_string(plan.test_rows) + " held-out rows, " + std::to_string(train.inputs) +
            " inputs, " + std::to_string(train.classes()) + " classes; " + std::to_string(models) +
            " model(s) on " + std::to_string(groups) + " group(s) of ranks");
  }
  std::string serialized;
  bool echo = false;  // st only says that another rank of the group failed
  for (int i = 0; i < models && st.ok(); ++i) {
    if (assignment[i] != color) continue;
    st = TrainOne(o, group, fs, *scratch, train, test, specs[i], &out, &serialized);
    // Staging is done by the group's first rank alone: the group agrees before its next model.
    echo = !group.AllOk(st.ok()) && st.ok();
    if (echo) st = Status::Aborted("another rank of the group failed");
  }
  // Every rank of a group saw the same status for collective failures; agree world-wide now.
  const bool all_ok = mpi.AllOk(st.ok());
  // Every group has published its last checkpoint: their writers' folder can go.
  if (mpi.is_root()) TidyCheckpoints(fs, o.dest);
  const std::string failure = all_ok ? "" : FirstOwnFailure(mpi, st, echo);
  std::vector<std::string> gathered = mpi.GatherToRoot(serialized);
  Status local = st;
  if (all_ok && mpi.is_root()) {
    result->train_rows = plan.train_rows;
    result->test_rows = plan.test_rows;
    ReportPage page = ReportSetup(o, plan, train, mpi.size(), groups);
    local = WriteSummary(gathered, &page, &out, result);
  }
  if (mpi.is_root()) ctx.metrics().Add("records_out", static_cast<int64_t>(result->models.size()));
  Status commit = ctx.Commit(all_ok && local.ok());
  // Checkpoints are for interrupted runs only: a committed folder holds _SUCCESS and its files.
  if (commit.ok() && mpi.is_root()) RemoveCheckpoints(fs, o.dest, specs);
  if (!st.ok()) return st;
  if (!local.ok()) return local;
  if (!all_ok) {
    return Status::Aborted((failure.empty() ? "another rank failed" : failure) +
                           "; nothing was committed");
  }
  return commit;
}

}  // namespace rankflow::ml
