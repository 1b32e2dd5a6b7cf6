#include "runtime/flow/flow.h"

#include <algorithm>
#include <cstdio>

#include "runtime/hdf5_part_writer.h"
#include "runtime/log.h"
#include "runtime/scratch_file.h"
#include "runtime/writer.h"

namespace rankflow::flow {

// A spool keeps this much in memory before it moves to a scratch file.
constexpr uint64_t kSpoolMemoryBytes = 1 << 20;

void ThrowIfError(const Status& status) { detail::ThrowIfNotOk(status); }

std::optional<std::string_view> CsvRow::Get(std::string_view name) const {
  for (size_t i = 0; i < header_->size() && i < fields_.size(); ++i) {
    if ((*header_)[i] == name) return fields_[i];
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------
// Context::Internal

Context::Internal::Internal(const MpiContext& m, JobContext* j, JobInfo i, ContextOptions o)
    : mpi(m),
      job(j),
      info(std::move(i)),
      options(std::move(o)),
      metrics(j != nullptr ? &j->metrics() : &own_metrics) {}

Context::Internal::~Internal() = default;

uint64_t Context::Internal::memory_bytes() const { return shuffle_options().memory_bytes; }

ShuffleOptions Context::Internal::shuffle_options(int shares) const {
  // A job's context has its options from the job's settings (OptionsOf).
  return ShuffleOptionsFor(options.memory_bytes, shares, options.spill_dir, options.debug_shuffle);
}

Status Context::Internal::SourceFiles(const SourceOptions& source, FileSystem** fs,
                                      MapPhaseOptions* o) {
  if (job != nullptr) *o = job->map_options();
  if (!source.src.empty()) {
    o->src = source.src;
    o->name_regex = source.regex;
    auto it = file_systems.find(source.src);
    if (it == file_systems.end()) {
      std::unique_ptr<FileSystem> owned;
      Status s = OpenFileSystem(source.src, &owned);
      s = AgreeOnStatus(mpi, s);
      if (!s.ok()) return s;
      it = file_systems.emplace(source.src, std::move(owned)).first;
    }
    *fs = it->second.get();
  } else {
    if (job == nullptr) {
      return Status::InvalidArgument("flow: a source without a job needs SourceOptions::src");
    }
    *fs = &job->src_fs();
    if (!source.regex.empty()) o->name_regex = source.regex;
  }
  if (job == nullptr) {
    o->strict = options.strict;
    o->max_line_bytes = std::clamp<uint64_t>(options.memory_bytes >> 20, 16, 1024) << 16;
  }
  return Status::OK();
}

void Context::Internal::AddInputs(const std::vector<FileInfo>& files) {
  for (const FileInfo& f : files) inputs.push_back(f);
  if (job != nullptr) {
    InputPlan all;
    all.files = inputs;
    job->SetInputs(all);
  }
}

Status Context::Internal::PlanSource(const SourceOptions& source, Metrics* rerun_metrics,
                                     std::unique_ptr<MapPhase>* map) {
  MapPhaseOptions o;
  FileSystem* fs = nullptr;
  RF_RETURN_IF_ERROR(SourceFiles(source, &fs, &o));
  if (source.whole_files) o.split_bytes = 0;
  if (rerun_metrics != nullptr) {
    *map = std::make_unique<MapPhase>(mpi, *fs, rerun_metrics, nullptr);
    return (*map)->Plan(o);
  }
  *map = std::make_unique<MapPhase>(mpi, *fs, metrics, job != nullptr ? &job->progress() : nullptr);
  RF_RETURN_IF_ERROR((*map)->Plan(o));
  AddInputs((*map)->plan().files);
  return Status::OK();
}

Status Context::Internal::CurrentFailure(const LineContext* where) {
  std::string what;
  StatusCode code = StatusCode::kInternal;
  try {
    throw;
  } catch (const detail::StatusException& e) {
    what = e.status().message();
    code = e.status().code();
  } catch (const std::exception& e) {
    what = e.what();
  } catch (...) {
    what = "an exception that is not a std::exception";
  }
  if (where == nullptr) where = line;
  std::string message = "rank " + std::to_string(mpi.rank()) + ": ";
  if (where != nullptr) {
    message += where->path() + ":" + std::to_string(where->line_number()) + ": ";
  }
  message += std::string(op) + ": " + what;
  LogDebug("flow: " + message);
  return Status(code, message);
}

void Context::Internal::ThrowIfFailed(const Status& agreed) {
  if (!agreed.ok()) throw JobFailed(agreed);
}

void Context::Internal::BeginCollective() {
  if (user_code_depth > 0) {
    // Called from a user function: only the ranks that run it would get here, so it must not
    // communicate. Thrown into the stage that runs the function, which fails the job cleanly.
    throw detail::StatusException(Status::InvalidArgument(
        "an operation was called inside a user function (operations are collective: call them "
        "in the job body)"));
  }
  line = nullptr;
  stage_failure = Status::OK();
  ThrowIfFailed(AgreeOnStatus(mpi, Status::OK()));
}

void Context::Internal::EndStage(const Status& local) {
  Fail(local);
  line = nullptr;
  Status agreed = AgreeOnStatus(mpi, stage_failure);
  stage_failure = Status::OK();
  ThrowIfFailed(agreed);
}

detail::Spool Context::Internal::NewSpool() const {
  return std::make_shared<RecordBuffer>(kSpoolMemoryBytes, SpillDirectory(options.spill_dir),
                                        "flow");
}

void Context::Internal::AddShuffleStats(const ShuffleStats& stats) {
  metrics->Add("shuffle.pairs_sent", static_cast<int64_t>(stats.pairs_sent));
  metrics->Add("shuffle.rounds", static_cast<int64_t>(stats.rounds));
  metrics->Add("shuffle.spilled_runs", static_cast<int64_t>(stats.spilled_runs));
  metrics->Add("shuffle.spilled_bytes", static_cast<int64_t>(stats.spilled_bytes));
}

std::string Context::Internal::ResolveFormat(const WriteOptions& write) const {
  if (!write.format.empty()) return write.format;
  if (job != nullptr && !job->settings().format.empty()) return job->settings().format;
  return info.default_format;
}

// ---------------------------------------------------------------------------------------------
// Context

namespace {
ContextOptions OptionsOf(const JobContext& job) {
  ContextOptions o;
  const JobSettings& s = job.settings();
  o.memory_bytes = static_cast<uint64_t>(s.memory_mb) << 20;
  o.spill_dir = s.spill_dir;
  o.strict = s.strict;
  o.debug_shuffle = s.debug_shuffle;
  return o;
}
}  // namespace

Context::Context(JobContext& job, const JobInfo& info)
    : mpi_(job.mpi()),
      internal_(std::make_unique<Internal>(job.mpi(), &job, info, OptionsOf(job))) {}

Context::Context(const MpiContext& mpi, ContextOptions options)
    : mpi_(mpi),
      internal_(std::make_unique<Internal>(mpi, nullptr, JobInfo{"flow", ""}, std::move(options))) {
}

Context::~Context() = default;

int Context::rank() const { return mpi_.rank(); }
int Context::size() const { return mpi_.size(); }

const FlagSet& Context::flags() const {
  RF_CHECK_MSG(internal_->job != nullptr, "flow::Context::flags without a job");
  return internal_->job->flags();
}

Metrics& Context::metrics() { return *internal_->metrics; }

int64_t* Context::Counter(const std::string& name) { return internal_->metrics->Counter(name); }

const std::string& Context::printed() const { return internal_->print_text; }

Dataset<std::string> Context::Lines(SourceOptions source) {
  return ReadLines<std::string>([](std::string_view line, LineContext&,
                                   Emitter<std::string>& emit) { emit(std::string(line)); },
                                std::move(source));
}

// ---------------------------------------------------------------------------------------------
// Sinks

namespace detail {

namespace {
bool ValidOutputName(const std::string& name) {
  if (name.empty() || name.size() > 100) return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}
}  // namespace

void CheckWritable(const std::string& job, const std::string& name, const std::string& format,
                   const std::vector<std::string>& columns, const std::vector<int>& kinds) {
  (void)job;
  const std::string output = "output \"" + name + "\"";
  if (!ValidOutputName(name)) {
    throw JobFailed(Status::InvalidArgument("Write: " + output +
                                            ": names are 1 to 100 letters, digits, '_' or '-'"));
  }
  if (columns.size() != kinds.size()) {
    throw JobFailed(Status::InvalidArgument(
        "Write: " + output + ": " + std::to_string(columns.size()) + " column names for rows of " +
        std::to_string(kinds.size()) + " columns"));
  }
  if (format == "parquet") return;
  if (format == "hdf5") {
    for (size_t i = 0; i < kinds.size(); ++i) {
      if (kinds[i] == kColumnOther) {
        throw JobFailed(Status::InvalidArgument(
            "--format hdf5: " + output + ": column \"" + columns[i] +
            "\" is not numeric (hdf5 holds numbers only; use csv, jsonl or jsonl.gz)"));
      }
    }
    return;
  }
  Result<OutputFormat> parsed = ParseOutputFormat(format);
  if (!parsed.ok()) {
    throw JobFailed(
        Status::InvalidArgument("--format: " + output + ": " + parsed.status().message()));
  }
}

std::vector<std::string> SplitFormats(const std::string& formats) {
  std::vector<std::string> out;
  size_t begin = 0;
  while (true) {
    const size_t comma = formats.find(',', begin);
    out.push_back(formats.substr(begin, comma == std::string::npos ? comma : comma - begin));
    if (comma == std::string::npos) return out;
    begin = comma + 1;
  }
}

void CheckNewOutput(Context::Internal& in, const std::string& name) {
  if (std::find(in.outputs.begin(), in.outputs.end(), name) != in.outputs.end()) {
    throw JobFailed(Status::InvalidArgument("Write: output \"" + name +
                                            "\" is written twice; give each Write its own name"));
  }
  in.outputs.push_back(name);
}

struct PartSink::Impl {
  Context::Internal* in = nullptr;
  WritableFile* file = nullptr;
  std::unique_ptr<RecordWriter> writer;
  std::unique_ptr<Hdf5PartWriter> h5;
  std::unique_ptr<ParquetWriter> parquet;
  bool has_reals = false;
  bool has_ints = false;
  bool count_records_out = true;
  Status status;
  bool finished = false;
};

PartSink::PartSink(Context::Internal& in, const std::string& name, const std::string& format,
                   const std::vector<std::string>& columns, const std::vector<bool>& floating,
                   std::vector<ParquetColumn> parquet_schema, bool count_records_out)
    : impl_(std::make_unique<Impl>()), format_(format) {
  impl_->in = &in;
  impl_->count_records_out = count_records_out;
  // Write without a job keeps its rows instead (KeepWritten): no sink is made there.
  RF_CHECK_MSG(in.job != nullptr, "flow: a part sink without a job");
  OutputCommitter& out = in.job->output();
  if (format == "parquet") {
    impl_->file = out.NewPart("parquet", name);
    ParquetWriterOptions options;
    // A row group is buffered whole: keep it within a quarter of the budget.
    options.row_group_bytes = std::clamp<uint64_t>(in.memory_bytes() / 4, 1 << 20, 128 << 20);
    impl_->parquet =
        std::make_unique<ParquetWriter>(impl_->file, std::move(parquet_schema), options);
    impl_->status = impl_->parquet->status();
    return;
  }
  if (format == "hdf5") {
    impl_->file = out.NewPart("h5", name);
    std::vector<Hdf5RowDataset> sets;
    std::string int_names, real_names;
    uint64_t ints = 0, reals = 0;
    for (size_t i = 0; i < columns.size(); ++i) {
      std::string& names = floating[i] ? real_names : int_names;
      names += (names.empty() ? "" : ",") + columns[i];
      ++(floating[i] ? reals : ints);
    }
    impl_->has_ints = ints > 0;
    impl_->has_reals = reals > 0;
    if (ints > 0) sets.push_back({"int64", Hdf5Type::kInt64, ints});
    if (reals > 0) sets.push_back({"float64", Hdf5Type::kFloat64, reals});
    impl_->h5 = std::make_unique<Hdf5PartWriter>(impl_->file, sets, in.shuffle_options().spill_dir);
    if (ints > 0) impl_->status = impl_->h5->SetAttribute("int64", "columns", int_names);
    if (impl_->status.ok() && reals > 0) {
      impl_->status = impl_->h5->SetAttribute("float64", "columns", real_names);
    }
    return;
  }
  Result<OutputFormat> f = ParseOutputFormat(format);
  if (!f.ok()) {
    impl_->status = f.status();
    return;
  }
  impl_->file = out.NewPart(OutputFormatExtension(*f), name);
  impl_->writer = std::make_unique<RecordWriter>(
      impl_->file, *f, *f == OutputFormat::kCsv ? columns : std::vector<std::string>{});
}

PartSink::~PartSink() = default;

Status PartSink::AddJson(std::string_view json) {
  RF_RETURN_IF_ERROR(impl_->status);
  return impl_->writer->WriteJson(json);
}

Status PartSink::AddCsv(const std::vector<std::string>& cells) {
  RF_RETURN_IF_ERROR(impl_->status);
  return impl_->writer->WriteCsvRow(cells);
}

Status PartSink::AddNumbers(const std::vector<double>& reals, const std::vector<int64_t>& ints) {
  RF_RETURN_IF_ERROR(impl_->status);
  if (impl_->has_ints && impl_->has_reals) return impl_->h5->AddRow({ints.data(), reals.data()});
  if (impl_->has_ints) return impl_->h5->AddRow({ints.data()});
  return impl_->h5->AddRow({reals.data()});
}

ParquetWriter* PartSink::parquet() { return impl_->parquet.get(); }

Status PartSink::EndParquetRow() {
  RF_RETURN_IF_ERROR(impl_->status);
  return impl_->parquet->EndRow();
}

Status PartSink::Finish() {
  RF_RETURN_IF_ERROR(impl_->status);
  if (impl_->finished) return Status::OK();
  impl_->finished = true;
  uint64_t records = 0;
  if (impl_->h5 != nullptr) {
    RF_RETURN_IF_ERROR(impl_->h5->Finish());
    records = impl_->h5->records();
  } else if (impl_->parquet != nullptr) {
    RF_RETURN_IF_ERROR(impl_->parquet->Finish());
    records = impl_->parquet->records();
  } else {
    RF_RETURN_IF_ERROR(impl_->writer->Finish());
    records = impl_->writer->records();
  }
  impl_->in->job->output().SetRecords(impl_->file, records);
  if (impl_->count_records_out)
    impl_->in->metrics->Add("records_out", static_cast<int64_t>(records));
  return Status::OK();
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Running a job

Status RunFlow(JobContext& job, const JobInfo& info, const std::function<void(Context&)>& body) {
  RF_RETURN_IF_ERROR(job.OpenOutput());
  Context ctx(job, info);
  try {
    body(ctx);
  } catch (const JobFailed& e) {
    return e.status();  // agreed on every rank
  } catch (...) {
    // Thrown by the job body on this rank only: the other ranks are at (or on their way to) the
    // agreement that opens their next collective operation, or the one below; meet them there.
    ctx.internal().op = "job";
    ctx.internal().line = nullptr;
    return AgreeOnStatus(job.mpi(), ctx.internal().CurrentFailure(nullptr));
  }
  RF_RETURN_IF_ERROR(AgreeOnStatus(job.mpi(), Status::OK()));
  RF_RETURN_IF_ERROR(job.Commit(true));
  if (job.mpi().is_root()) job.Print(ctx.internal().print_text);
  return Status::OK();
}

int Main(int argc, char** argv, const JobInfo& info, const std::function<void(Context&)>& body) {
  JobSpec spec{info.name, info.summary, info.add_flags,
               [&](JobContext& job) { return RunFlow(job, info, body); }};
  JobOutcome outcome = RunJob(argc, argv, spec);
  std::fputs(outcome.stdout_text.c_str(), stdout);
  std::fflush(stdout);
  return outcome.exit_code;
}

}  // namespace rankflow::flow
