// MapPhase: the map side of a job. Lists the inputs (ListInputs), cuts them into units (PlanUnits),
// hands units to ranks (UnitClaimer), streams each unit's lines (LineReader) and calls a user
// callback per line.
//
//   MapPhase map(mpi, fs, &metrics, &progress);
//   RF_RETURN_IF_ERROR(map.Plan({.src = "/data", .name_regex = "\\.jsonl\\.gz$"}));  // collective
//   Status s = map.Run([&](std::string_view line, LineContext& ctx) {          // collective
//     if (!Parse(line)) return ctx.BadLine("invalid_json");
//     shuffle.Add(key, value);
//   });
//
// Lines longer than options.max_line_bytes are skipped by the map phase itself as bad lines of
// kind "line_too_long" (the callback never sees them; with strict they fail the job).
// Bad lines: a callback reports one with ctx.BadLine(kind); it is counted under
// "bad_lines.<kind>", sampled (Metrics) and logged at debug level; with options.strict the first
// bad line fails the job ("--strict: invalid_json at /data/a.jsonl.gz:17: {\"id…").
// Failures: an unreadable or corrupt file (truncated gzip, missing object) stops this rank's
// reading; Run then agrees with every rank (AllOk) and returns the same error on every rank — the
// message of the lowest failing rank, naming the file. No rank hangs: ranks that did not fail
// finish their units first (they would block in the agreement otherwise).
//
// Metrics kept: records_in (lines handed to the callback, and lines too long for it), bytes_in
// (their full bytes plus one newline each; empty lines, the '\r' of CRLF and a leading BOM are not
// counted), stored_bytes_in (the units' byte ranges), units_in, files_in (whole files and first
// units of split files).
// Not thread-safe; the callback runs on the calling thread.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/fs.h"
#include "runtime/input.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/progress.h"
#include "runtime/status.h"

namespace rankflow {

struct MapPhaseOptions {
  std::string src;
  std::string name_regex;            // on the base name; empty = every file
  uint64_t split_bytes = 256 << 20;  // plain files larger than this are split into byte ranges
  bool strict = false;               // the first bad line fails the job
  // Longer lines are bad lines of kind "line_too_long" (counted, sampled by their first bytes,
  // never given to the callback); the reader never holds more than this of one line.
  uint64_t max_line_bytes = 64 << 20;
};

// What a line callback can ask about the line it was given and report about it.
class LineContext {
 public:
  // Counts the current line as bad (kind: "invalid_json", "not_a_tweet", …) and samples it.
  void BadLine(std::string_view kind);
  // Fails this rank's map phase with `status` (the job ends); the current unit is abandoned.
  void Fail(Status status);
  const std::string& path() const { return *path_; }
  uint64_t line_number() const { return line_number_; }
  std::string_view line() const { return line_; }

 private:
  friend class MapPhase;
  Metrics* metrics_ = nullptr;
  bool strict_ = false;
  const std::string* path_ = nullptr;
  uint64_t line_number_ = 0;
  std::string_view line_;
  Status failure_;
};

using LineFn = std::function<void(std::string_view line, LineContext& ctx)>;

class MapPhase {
 public:
  // Borrows everything; progress may be null.
  MapPhase(const MpiContext& mpi, FileSystem& fs, Metrics* metrics, Progress* progress);

  // Collective. Lists and plans the inputs; the same error on every rank (NotFound for a missing
  // src). An empty input list is InvalidArgument ("no input files in …").
  Status Plan(const MapPhaseOptions& options);
  const InputPlan& plan() const { return plan_; }

  // Collective, after Plan. Runs fn over every line of the units this rank claims, then agrees.
  Status Run(const LineFn& fn);

  // This rank's figures (also in the metrics).
  const ProgressFigures& local_figures() const { return figures_; }

 private:
  Status RunUnit(const InputUnit& unit, const LineFn& fn, LineContext* ctx);

  const MpiContext& mpi_;
  FileSystem& fs_;
  Metrics* metrics_;
  Progress* progress_;
  MapPhaseOptions options_;
  InputPlan plan_;
  bool planned_ = false;
  ProgressFigures figures_;
};

// One unit of an input phase; *began_file: the unit is the first of its file (counted as files_in).
using InputUnitFn = std::function<Status(const InputUnit& unit, bool* began_file)>;

// Collective. An input phase (MapPhase::Run, ParquetSource::Run): claims units of `plan`
// (UnitClaimer) and runs each until none is left or one fails on this rank (a failed rank still
// takes part in the claimer's collective end), updating `progress` (may be null) after each. Then
// adds this rank's units_in, files_in, bytes_in and stored_bytes_in (from `figures`, which
// run_unit keeps) to metrics, logs a local failure at debug level ("<what> failed: …") and returns
// AgreeOnStatus(mpi, local).
Status RunInputPhase(const MpiContext& mpi, const InputPlan& plan, Metrics* metrics,
                     const ProgressFigures& figures, Progress* progress, const std::string& what,
                     const InputUnitFn& run_unit);

// Collective. OK on every rank if every rank passed OK; otherwise every rank gets the same
// status: that of the lowest failing rank (code and message). Costs one Allreduce, plus one
// Allgather when something failed.
Status AgreeOnStatus(const MpiContext& mpi, const Status& local);

// Callback adapters for the three classic styles. `emit` receives the produced values.
//   Filter:  keep a line when pred(line) is true.
//   Map:     fn(line, ctx) -> optional<T>; nullopt drops the line (after ctx.BadLine, say).
//   FlatMap: fn(line, ctx, emit) calls emit any number of times.
LineFn FilterLines(std::function<bool(std::string_view)> pred, LineFn next);

template <typename T>
LineFn MapLines(std::function<std::optional<T>(std::string_view, LineContext&)> fn,
                std::function<void(T&&)> emit) {
  return [fn = std::move(fn), emit = std::move(emit)](std::string_view line, LineContext& ctx) {
    std::optional<T> v = fn(line, ctx);
    if (v) emit(std::move(*v));
  };
}

template <typename T>
LineFn FlatMapLines(
    std::function<void(std::string_view, LineContext&, const std::function<void(T&&)>&)> fn,
    std::function<void(T&&)> emit) {
  return [fn = std::move(fn), emit = std::move(emit)](std::string_view line, LineContext& ctx) {
    fn(line, ctx, emit);
  };
}

}  // namespace rankflow
