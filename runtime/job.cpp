#include "runtime/job.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <ctime>

#include "runtime/json_string.h"
#include "runtime/log.h"
#include "runtime/peer_watchdog.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

void WriteStderrLine(const std::string& text) {
  std::string line = text + "\n";
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

// Size flags in MB are checked at parse time against 1 TiB, so "<< 20" can never wrap (a huge
// --memory-mb used to become 0 bytes).
constexpr int64_t kMaxSizeMb = int64_t{1} << 20;

void AddCommonFlags(FlagSet* flags, bool reads_src) {
  if (reads_src) {
    flags->AddString("src", "", "input folder, file or s3://bucket/prefix", FlagSet::kRequired);
  }
  flags->AddString("dest", "", "output folder or s3://bucket/prefix", FlagSet::kRequired);
  if (reads_src) {
    flags->AddString("regex", "", "only input files whose name matches (ECMAScript regex)");
  }
  flags->AddString("mode", "error", "error|overwrite: what to do when dest holds output");
  flags->AddInt("memory-mb", 256, 1, kMaxSizeMb,
                "shuffle memory budget per rank in MB; spills beyond it");
  flags->AddBool("strict", false, "fail on the first bad input line instead of counting it");
  flags->AddString("format", "",
                   "output format: jsonl, jsonl.gz, csv, or a job's own (hdf5, parquet; job "
                   "default if empty)");
  flags->AddString("spill-dir", "", "folder for spill and scratch files (default $TMPDIR or /tmp)");
  if (reads_src) {
    flags->AddInt("split-mb", 256, 0, kMaxSizeMb,
                  "split plain (not gzip) inputs into byte ranges of this size");
  }
  flags->AddBool("debug-shuffle", false, "force shuffle spills and tiny exchange rounds (tests)");
  flags->AddInt("peer-timeout-s", 60, 0, 86400,
                "end the job when a peer rank is silent this long (cut network); 0: never");
}

Status ValidateCommonFlags(const FlagSet& flags) {
  const std::string& p = flags.program();
  Result<WriteMode> mode = ParseWriteMode(flags.GetString("mode"));
  if (!mode.ok()) return Status::InvalidArgument(p + ": --mode: " + mode.status().message());
  // "hdf5" and "parquet" are checked by the jobs that write such parts (load_tweets,
  // tweet_features, top_terms).
  const std::string& format_name = flags.GetString("format");
  if (!format_name.empty() && format_name != "hdf5" && format_name != "parquet") {
    Result<OutputFormat> format = ParseOutputFormat(flags.GetString("format"));
    if (!format.ok())
      return Status::InvalidArgument(p + ": --format: " + format.status().message());
  }
  return Status::OK();
}

}  // namespace

std::string IsoTimeNow() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

JobSettings JobSettingsOf(const FlagSet& flags) {
  JobSettings s;
  // Only a job that reads --src declares --src, --regex and --split-mb.
  for (const auto& [name, value] : flags.Arguments()) {
    if (name == "src") s.src = value;
    if (name == "regex") s.regex = value;
    if (name == "split-mb") s.split_mb = flags.GetInt(name);
  }
  s.dest = flags.GetString("dest");
  Result<WriteMode> mode = ParseWriteMode(flags.GetString("mode"));
  RF_CHECK_MSG(mode.ok(), "JobSettingsOf: --mode was not checked");
  s.mode = *mode;
  s.memory_mb = flags.GetInt("memory-mb");
  s.strict = flags.GetBool("strict");
  s.spill_dir = flags.GetString("spill-dir");
  s.debug_shuffle = flags.GetBool("debug-shuffle");
  s.format = flags.GetString("format");
  s.arguments = flags.Arguments();
  return s;
}

JobContext::JobContext(const MpiContext& mpi, const FlagSet& flags, std::string job,
                       std::unique_ptr<FileSystem> src_fs, std::unique_ptr<FileSystem> dest_fs)
    : JobContext(mpi, JobSettingsOf(flags), std::move(job), std::move(src_fs), std::move(dest_fs)) {
  flags_ = &flags;
}

JobContext::JobContext(const MpiContext& mpi, JobSettings settings, std::string job,
                       std::unique_ptr<FileSystem> src_fs, std::unique_ptr<FileSystem> dest_fs)
    : mpi_(mpi),
      settings_(std::move(settings)),
      job_(std::move(job)),
      src_fs_(std::move(src_fs)),
      dest_fs_(std::move(dest_fs)),
      progress_(job_, mpi.is_root(), mpi.size()),
      started_at_(IsoTimeNow()),
      start_(std::chrono::steady_clock::now()) {}

JobContext::~JobContext() = default;

MapPhaseOptions JobContext::map_options() const {
  MapPhaseOptions o;
  o.src = src();
  o.name_regex = settings_.regex;
  o.split_bytes = static_cast<uint64_t>(settings_.split_mb) << 20;
  o.strict = settings_.strict;
  // A line costs several times its size to parse (a padded copy, simdjson's structural index of
  // 4 bytes per structural character, string buffers), so it gets 1/16 of --memory-mb, at least
  // 1 MiB (real tweets are ~4 KB, wrapper pages ~1 MB), at most the reader's 64 MiB. Clamped in
  // MB before the shift, so no --memory-mb value can overflow it.
  const uint64_t memory_mb = static_cast<uint64_t>(std::max<int64_t>(settings_.memory_mb, 0));
  o.max_line_bytes = std::clamp<uint64_t>(memory_mb, 16, 1024) << 16;
  return o;
}

ShuffleOptions ShuffleOptionsFor(uint64_t memory_bytes, int shares, const std::string& spill_dir,
                                 bool debug_shuffle) {
  ShuffleOptions o;
  o.memory_bytes = memory_bytes / static_cast<uint64_t>(shares < 1 ? 1 : shares);
  // Exchange rounds hold a send and a receive buffer of up to round_bytes each: keep them within
  // the budget too (a quarter of it, 64 KiB to 8 MiB).
  o.round_bytes = std::clamp<uint64_t>(o.memory_bytes / 4, 64 << 10, 8 << 20);
  o.spill_dir = spill_dir;
  if (debug_shuffle) {
    o.memory_bytes = 4096;
    o.round_bytes = 64;
  }
  return o;
}

ShuffleOptions JobContext::shuffle_options(int shares) const {
  return ShuffleOptionsFor(static_cast<uint64_t>(settings_.memory_mb) << 20, shares,
                           settings_.spill_dir, settings_.debug_shuffle);
}

Status JobContext::OpenOutput() { return OpenOutput(dest(), {src()}); }

Status JobContext::OpenOutput(const std::string& folder, std::vector<std::string> inputs) {
  std::erase(inputs, std::string());
  output_.reset();  // the committer of an earlier output, if any
  output_ =
      std::make_unique<OutputCommitter>(mpi_, *dest_fs_, folder, settings_.mode, std::move(inputs));
  return output_->status();
}

OutputCommitter& JobContext::output() {
  RF_CHECK_MSG(output_ != nullptr, "JobContext::output before OpenOutput");
  return *output_;
}

void JobContext::SetInputs(const InputPlan& plan) { inputs_ = plan.files; }

void JobContext::SetInputs(std::vector<FileInfo> files) { inputs_ = std::move(files); }

double JobContext::ElapsedSeconds() const {
  if (manifest_seconds_ >= 0) return manifest_seconds_;
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

std::string JobContext::ManifestMembers() const {
  std::string m = "\"job\":";
  AppendJsonString(&m, job_);
  m += ",\"arguments\":{";
  bool first = true;
  for (const auto& [name, value] : settings_.arguments) {
    if (!first) m += ',';
    first = false;
    AppendJsonString(&m, name);
    m += ':';
    AppendJsonString(&m, value);
  }
  m += "},\"started_at\":";
  AppendJsonString(&m, started_at_);
  m += ",\"ended_at\":";
  AppendJsonString(&m, IsoTimeNow());
  char seconds[32];
  std::snprintf(seconds, sizeof seconds, "%.3f", ElapsedSeconds());
  m += ",\"seconds\":";
  m += seconds;
  m += ",\"ranks\":" + std::to_string(mpi_.size());
  m += ",\"peak_rss_bytes_max_rank\":" + std::to_string(peak_rss_bytes_max_);
  uint64_t total = 0;
  m += ",\"inputs\":{\"files\":[";
  for (size_t i = 0; i < inputs_.size(); ++i) {
    if (i > 0) m += ',';
    m += "{\"path\":";
    AppendJsonString(&m, inputs_[i].path);
    m += ",\"bytes\":" + std::to_string(inputs_[i].size) + "}";
    total += inputs_[i].size;
  }
  m +=
      "],\"count\":" + std::to_string(inputs_.size()) + ",\"bytes\":" + std::to_string(total) + "}";
  m += ",\"records_in\":" + std::to_string(metrics_.Get("records_in"));
  m += ",\"records_out\":" + std::to_string(metrics_.Get("records_out"));
  m += ",\"bad_lines\":{";
  first = true;
  const std::string prefix = Metrics::kBadLinePrefix;
  for (const auto& [name, value] : metrics_.counters()) {
    if (name.compare(0, prefix.size(), prefix) != 0) continue;
    if (!first) m += ',';
    first = false;
    AppendJsonString(&m, name.substr(prefix.size()));
    m += ':' + std::to_string(value);
  }
  m += "},";
  m += metrics_.ToJsonMembers();
  return m;
}

Status JobContext::Commit(bool local_ok) {
  RF_CHECK_MSG(output_ != nullptr, "JobContext::Commit before OpenOutput");
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  peak_rss_bytes_max_ = mpi_.AllMax(static_cast<int64_t>(usage.ru_maxrss) * 1024);
  metrics_.MergeToRoot(mpi_);
  // The summary shows the manifest's elapsed time, rounded the same way.
  manifest_seconds_ = -1;
  manifest_seconds_ = std::round(ElapsedSeconds() * 1000) / 1000;
  std::string manifest = mpi_.is_root() ? ManifestMembers() : std::string();
  Status s = output_->Commit(local_ok, manifest);
  if (!s.ok()) return s;
  committed_ = true;
  if (mpi_.is_root()) {
    ProgressFigures global{static_cast<uint64_t>(metrics_.Get("files_in")),
                           static_cast<uint64_t>(metrics_.Get("stored_bytes_in")),
                           static_cast<uint64_t>(metrics_.Get("bytes_in")),
                           static_cast<uint64_t>(metrics_.Get("records_in"))};
    // A job without --src that read nothing (make_training_data) has no input figures to show.
    const bool read_input = src_fs_ != nullptr || global.files_done > 0;
    std::string figures = progress_.Finish(global, metrics_.BadLinesTotal(), manifest_seconds_);
    if (read_input) Print(figures + "\n");
    Print(job_ + ": wrote " + FormatCount(static_cast<uint64_t>(metrics_.Get("records_out"))) +
          " records in " + std::to_string(output_->committed_files().size()) + " files to " +
          output_->dest() + " (manifest: " + FileSystem::Join(output_->dest(), "_SUCCESS") + ")\n");
  }
  // A second output's manifest (a job that commits two folders) counts what came after this one.
  metrics_ = Metrics();
  return Status::OK();
}

namespace {

// Parses flags and opens file systems; returns false with *outcome set when the job must not run.
bool Prepare(const MpiContext& mpi, const JobSpec& spec, int argc, char** argv, FlagSet* flags,
             std::unique_ptr<FileSystem>* src_fs, std::unique_ptr<FileSystem>* dest_fs,
             JobOutcome* outcome) {
  Status s = flags->Parse(argc, argv);
  if (s.ok() && !flags->help_requested()) s = ValidateCommonFlags(*flags);
  if (s.ok() && !flags->help_requested() && spec.check_flags) {
    s = spec.check_flags(*flags);
    if (!s.ok()) s = Status::InvalidArgument(spec.name + ": " + s.message());
  }
  if (!s.ok()) {
    // Every rank parsed the same arguments, so every rank stops here: no agreement needed.
    if (mpi.is_root()) WriteStderrLine(s.message());
    outcome->exit_code = 2;
    return false;
  }
  if (flags->help_requested()) {
    if (mpi.is_root()) outcome->stdout_text = flags->Help();
    outcome->exit_code = 0;
    return false;
  }
  if (spec.reads_src) s = OpenFileSystem(flags->GetString("src"), src_fs);
  if (s.ok()) s = OpenFileSystem(flags->GetString("dest"), dest_fs);
  if (!mpi.AllOk(s.ok())) {
    if (mpi.is_root()) {
      WriteStderrLine(spec.name + ": error: " +
                      (s.ok() ? "another rank could not open a file system" : s.message()));
    }
    outcome->exit_code = 1;
    return false;
  }
  return true;
}

}  // namespace

JobOutcome RunJob(int argc, char** argv, const JobSpec& spec) {
  MpiContext mpi(&argc, &argv);
  JobOutcome outcome;
  FlagSet flags(spec.name, spec.summary);
  AddCommonFlags(&flags, spec.reads_src);
  if (spec.add_flags) spec.add_flags(&flags);
  std::unique_ptr<FileSystem> src_fs, dest_fs;
  if (!Prepare(mpi, spec, argc, argv, &flags, &src_fs, &dest_fs, &outcome)) return outcome;
  // Stopped when RunJob returns, before MPI shuts down (mpi is destroyed last).
  std::unique_ptr<PeerWatchdog> watchdog;
  try {
    // Collective (an MPI error in it throws JobError: caught below like the job's).
    watchdog = PeerWatchdog::Start(mpi, static_cast<double>(flags.GetInt("peer-timeout-s")));
    JobContext ctx(mpi, flags, spec.name, std::move(src_fs), std::move(dest_fs));
    Status s = spec.run(ctx);
    if (s.ok() && !ctx.committed()) s = Status::Internal("the job ended without committing output");
    if (!s.ok()) {
      if (mpi.is_root()) WriteStderrLine(spec.name + ": error: " + s.message());
      outcome.exit_code = 1;
      return outcome;
    }
    outcome.exit_code = 0;
    outcome.stdout_text = std::move(ctx.stdout_text());
    return outcome;
  } catch (const std::exception& e) {
    // Other ranks may be blocked in a collective: agreement is impossible, end them all.
    LogError(spec.name + ": " + e.what());
    if (mpi.size() == 1) return outcome;
    mpi.Abort(1);
  }
}

int JobMain(int argc, char** argv, const JobSpec& spec) {
  JobOutcome outcome = RunJob(argc, argv, spec);
  std::fputs(outcome.stdout_text.c_str(), stdout);
  std::fflush(stdout);
  return outcome.exit_code;
}

}  // namespace rankflow
