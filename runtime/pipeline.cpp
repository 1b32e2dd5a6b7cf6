#include "runtime/pipeline.h"

#include <algorithm>
#include <memory>

#include "runtime/line_reader.h"
#include "runtime/log.h"

namespace rankflow {
namespace {

constexpr uint64_t kProgressEveryLines = 1024;
constexpr std::string_view kLineTooLong = "line_too_long";

// The agreed error travels as "<status code>|<message>".
std::string EncodeError(const Status& s) {
  return std::to_string(static_cast<int>(s.code())) + "|" + s.message();
}

Status DecodeError(const std::string& wire) {
  size_t bar = wire.find('|');
  int code = std::atoi(wire.substr(0, bar).c_str());
  return Status(static_cast<StatusCode>(code), wire.substr(bar + 1));
}

}  // namespace

void LineContext::BadLine(std::string_view kind) {
  std::string sample = metrics_->BadLine(kind, *path_, line_number_, line_);
  if (LogEnabled(LogLevel::kDebug)) LogDebug("bad line (" + std::string(kind) + "): " + sample);
  if (strict_ && failure_.ok()) {
    failure_ = Status::InvalidArgument("--strict: " + std::string(kind) + " at " + sample);
  }
}

void LineContext::Fail(Status status) {
  if (failure_.ok()) failure_ = std::move(status);
}

LineFn FilterLines(std::function<bool(std::string_view)> pred, LineFn next) {
  return [pred = std::move(pred), next = std::move(next)](std::string_view line, LineContext& ctx) {
    if (pred(line)) next(line, ctx);
  };
}

MapPhase::MapPhase(const MpiContext& mpi, FileSystem& fs, Metrics* metrics, Progress* progress)
    : mpi_(mpi), fs_(fs), metrics_(metrics), progress_(progress) {}

Status MapPhase::Plan(const MapPhaseOptions& options) {
  options_ = options;
  std::vector<FileInfo> files;
  RF_RETURN_IF_ERROR(ListInputs(mpi_, fs_, options.src, options.name_regex, &files));
  if (files.empty()) {
    std::string what = options.name_regex.empty() ? "" : " matching " + options.name_regex;
    return Status::InvalidArgument("no input files in " + options.src + what);
  }
  plan_ = PlanUnits(std::move(files), options.split_bytes);
  planned_ = true;
  if (progress_ != nullptr) progress_->SetTotals(plan_.files.size(), plan_.total_bytes);
  return Status::OK();
}

Status MapPhase::RunUnit(const InputUnit& unit, const LineFn& fn, LineContext* ctx) {
  const FileInfo& file = plan_.files[unit.file_index];
  std::unique_ptr<LineReader> reader;
  LineReaderOptions reader_options;
  reader_options.max_line_bytes = options_.max_line_bytes;
  reader_options.skip_long_lines = true;
  RF_RETURN_IF_ERROR(LineReader::Open(fs_, file, unit, reader_options, &reader));
  ctx->path_ = &file.path;
  int64_t* records = metrics_->Counter("records_in");
  std::string_view line;
  uint64_t since_progress = 0;
  // Bytes are counted here (line + its newline) rather than taken from the reader, whose
  // counters include read-ahead past the end of a byte range.
  const uint64_t stored_before = figures_.stored_bytes;
  const uint64_t unit_bytes = unit.end - unit.begin;
  while (reader->Next(&line)) {
    ctx->line_ = line;
    ctx->line_number_ = reader->line_number();
    if (reader->long_line()) {
      ctx->BadLine(kLineTooLong);
    } else {
      fn(line, *ctx);
    }
    ++*records;
    ++figures_.records;
    figures_.bytes += reader->line_bytes() + 1;
    if (!ctx->failure_.ok()) return ctx->failure_;
    if (++since_progress == kProgressEveryLines && progress_ != nullptr) {
      since_progress = 0;
      figures_.stored_bytes = stored_before + std::min(reader->stored_bytes_read(), unit_bytes);
      progress_->Update(figures_);
    }
  }
  RF_RETURN_IF_ERROR(reader->status());
  figures_.stored_bytes = stored_before + unit_bytes;
  ++figures_.files_done;
  return Status::OK();
}

Status MapPhase::Run(const LineFn& fn) {
  RF_CHECK_MSG(planned_, "MapPhase::Run before a successful Plan");
  LineContext ctx;
  ctx.metrics_ = metrics_;
  ctx.strict_ = options_.strict;
  return RunInputPhase(mpi_, plan_, metrics_, figures_, progress_, "map phase",
                       [&](const InputUnit& unit, bool* began_file) {
                         *began_file = unit.begin == 0;
                         return RunUnit(unit, fn, &ctx);
                       });
}

Status RunInputPhase(const MpiContext& mpi, const InputPlan& plan, Metrics* metrics,
                     const ProgressFigures& figures, Progress* progress, const std::string& what,
                     const InputUnitFn& run_unit) {
  Status local;
  uint64_t units = 0;
  uint64_t files = 0;
  {
    UnitClaimer claimer(mpi, plan);
    while (local.ok()) {
      std::optional<InputUnit> unit = claimer.Next();
      if (!unit) break;
      bool began_file = false;
      local = run_unit(*unit, &began_file);
      ++units;
      if (began_file) ++files;
      if (progress != nullptr) progress->Update(figures);
    }
    // Ranks that failed still take part in the claimer's collective destructor and the agreement.
  }
  metrics->Add("units_in", static_cast<int64_t>(units));
  metrics->Add("files_in", static_cast<int64_t>(files));
  metrics->Add("bytes_in", static_cast<int64_t>(figures.bytes));
  metrics->Add("stored_bytes_in", static_cast<int64_t>(figures.stored_bytes));
  if (!local.ok()) LogDebug(what + " failed: " + local.message());
  return AgreeOnStatus(mpi, local);
}

Status AgreeOnStatus(const MpiContext& mpi, const Status& local) {
  if (mpi.AllOk(local.ok())) return Status::OK();
  for (const std::string& wire : mpi.AllGather(local.ok() ? std::string() : EncodeError(local))) {
    if (!wire.empty()) return DecodeError(wire);
  }
  return Status::Internal("ranks disagree about a failure");
}

}  // namespace rankflow
