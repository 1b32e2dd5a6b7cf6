// Job scaffolding: what every job's main() shares.
//
//   int main(int argc, char** argv) {
//     JobOutcome o = RunJob(argc, argv, {"top_terms", "counts hashtags or words", AddMyFlags,
//     RunMy}); std::fputs(o.stdout_text.c_str(), stdout); return o.exit_code;
//   }
//
// RunJob starts MPI (MpiContext), declares the common flags (below) plus the job's, parses them
// (a bad flag: one line "top_terms: unknown flag --foo (see --help)" on rank 0, exit code 2;
// --help: the help text, exit 0), opens the file systems of --src and --dest with OpenFileSystem
// (s3:// works once the S3 file system is linked) and calls the job function with a JobContext.
//
// Errors: the job function returns a Status that every rank agrees on (the runtime's collective
// calls return agreed errors); rank 0 prints "top_terms: error: <message>" and every rank's exit
// code is 1. An exception escaping the job function (JobError, std::exception) is logged on the
// rank that threw it and ends every rank through MpiContext::Abort, because the other ranks may be
// blocked in a collective and cannot be asked. Exit code 0 only when the output was committed
// (JobContext::Commit succeeded) — a job that never commits fails with an internal error.
//
// Common flags: --src, --dest (required), --regex (input file names), --mode error|overwrite,
// --memory-mb (shuffle memory budget per rank), --strict, --format (job-defined default),
// --spill-dir, --split-mb (byte ranges of plain inputs), --debug-shuffle (forces spills and
// tiny exchange rounds: the hard paths, for tests), --peer-timeout-s (default 60; 0: off): a
// PeerWatchdog (runtime/peer_watchdog.h) ends a rank whose peer has been silent that long.
// A job whose JobSpec says reads_src = false (it makes its data, or names it with flags of its
// own: make_training_data, train_mlp) has no --src, --regex or --split-mb; its src() is empty.
//
// A JobContext reads the common options from a JobSettings (typed values, no flags): RunJob fills
// it from the flags (JobSettingsOf); an in-process test of a job that opens and commits its own
// outputs (make_training_data, train_mlp, classify_tweets) builds one itself and constructs the
// JobContext without a FlagSet (tests/util/in_process_job.h, InProcessJobContext).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "runtime/cli.h"
#include "runtime/commit.h"
#include "runtime/fs.h"
#include "runtime/input.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/pipeline.h"
#include "runtime/progress.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

// The common options of a job as values (the flags above, parsed and checked).
struct JobSettings {
  std::string src{};  // empty: a job without --src (src_fs is then absent)
  std::string dest{};
  std::string regex{};
  WriteMode mode = WriteMode::kError;
  int64_t memory_mb = 256;
  bool strict = false;
  std::string spill_dir{};  // empty: $TMPDIR, else /tmp (SpillDirectory)
  int64_t split_mb = 256;
  bool debug_shuffle = false;
  std::string format{};  // --format; empty: the job's default
  // The manifest's "arguments" (name, value), secrets left out: RunJob puts every flag there.
  std::vector<std::pair<std::string, std::string>> arguments{};
};

// The common flags' values (after RunJob checked them; --mode must parse). A flag the job does not
// declare (--src, --regex, --split-mb of a job without --src) keeps the default above.
JobSettings JobSettingsOf(const FlagSet& flags);

// A shuffle's budget: memory_bytes / shares (a job running two shuffles at once passes 2);
// round_bytes a quarter of that, clamped to [64 KiB, 8 MiB]; debug_shuffle: tiny tables and rounds.
ShuffleOptions ShuffleOptionsFor(uint64_t memory_bytes, int shares, const std::string& spill_dir,
                                 bool debug_shuffle);

class JobContext {
 public:
  // The driver's context: the common options from `flags` (JobSettingsOf), which also stay
  // readable through flags() for the job's own.
  JobContext(const MpiContext& mpi, const FlagSet& flags, std::string job,
             std::unique_ptr<FileSystem> src_fs, std::unique_ptr<FileSystem> dest_fs);
  // A context without flags (in-process tests): flags() must not be called. src_fs may be null
  // when settings.src is empty.
  JobContext(const MpiContext& mpi, JobSettings settings, std::string job,
             std::unique_ptr<FileSystem> src_fs, std::unique_ptr<FileSystem> dest_fs);
  ~JobContext();

  const MpiContext& mpi() const { return mpi_; }
  // The parsed flags of a driver's context (the job's own flags); a bug in a context without them.
  const FlagSet& flags() const {
    RF_CHECK_MSG(flags_ != nullptr, "JobContext::flags in a context made without flags");
    return *flags_;
  }
  const JobSettings& settings() const { return settings_; }
  const std::string& job() const { return job_; }
  Metrics& metrics() { return metrics_; }
  Progress& progress() { return progress_; }
  FileSystem& src_fs() {
    RF_CHECK_MSG(src_fs_ != nullptr, "JobContext::src_fs in a job without --src");
    return *src_fs_;
  }
  FileSystem& dest_fs() { return *dest_fs_; }
  // Empty in a job without --src (JobSpec::reads_src = false).
  std::string src() const { return src_fs_ ? settings_.src : std::string(); }
  std::string dest() const { return settings_.dest; }

  // From the common flags. max_line_bytes = --memory-mb / 16, clamped to [1 MiB, 64 MiB] (so
  // --memory-mb 16 -> 1 MiB, the default 256 -> 16 MiB): a longer line is a bad line of kind
  // "line_too_long", skipped without being held in memory.
  MapPhaseOptions map_options() const;
  // memory_bytes = --memory-mb / shares (a job running two shuffles at once passes 2);
  // round_bytes = a quarter of that, clamped to [64 KiB, 8 MiB].
  ShuffleOptions shuffle_options(int shares = 1) const;

  // Collective. Creates the output committer for --dest under --mode; the same error on every rank
  // if dest already holds output (--mode error). Call before the map phase to fail fast.
  Status OpenOutput();
  // The same for another folder on --dest's file system (--dest itself or a folder below it),
  // refusing a folder that holds one of `inputs`. A job with two outputs (classify_tweets:
  // dest/features, then dest/model) opens and commits them one after the other; each open
  // replaces the committer of the one before.
  Status OpenOutput(const std::string& folder, std::vector<std::string> inputs);
  OutputCommitter& output();

  // Records the inputs for the manifest (the map phase's plan, or files a job read by itself).
  void SetInputs(const InputPlan& plan);
  void SetInputs(std::vector<FileInfo> files);

  // Collective. Merges metrics to rank 0, commits the parts (all or nothing) with the manifest
  // (job, arguments without secrets, start/end, ranks, peak RSS of the largest rank, inputs,
  // records in/out, bad lines by kind, counters, samples, files), and on rank 0 appends the summary
  // line to stdout_text. The same status on every rank. After a successful Commit every rank's
  // metrics start again from zero: a job that commits a second output (OpenOutput(folder, …))
  // gets a manifest and a summary for what it did after the first.
  Status Commit(bool local_ok);
  bool committed() const { return committed_; }

  // Text for stdout (the caller of RunJob prints it; only rank 0's is non-empty by convention).
  void Print(const std::string& text) { stdout_text_ += text; }
  std::string& stdout_text() { return stdout_text_; }

  // The manifest members as Commit writes them (rank 0, after MergeToRoot, before the metrics
  // start again); exposed for tests.
  std::string ManifestMembers() const;

 private:
  const MpiContext& mpi_;
  const FlagSet* flags_ = nullptr;  // null in a context made from settings alone
  JobSettings settings_;
  std::string job_;
  std::unique_ptr<FileSystem> src_fs_;
  std::unique_ptr<FileSystem> dest_fs_;
  Metrics metrics_;
  Progress progress_;
  std::unique_ptr<OutputCommitter> output_;
  std::vector<FileInfo> inputs_;
  std::string started_at_;
  std::chrono::steady_clock::time_point start_;
  bool committed_ = false;
  int64_t peak_rss_bytes_max_ = 0;
  double manifest_seconds_ = -1;  // fixed when Commit builds the manifest
  double ElapsedSeconds() const;  // the largest peak RSS of any rank, measured at Commit
  std::string stdout_text_;
};

struct JobSpec {
  std::string name;
  std::string summary;
  std::function<void(FlagSet*)> add_flags;  // the job's own flags (may be empty)
  std::function<Status(JobContext&)> run;   // the job; must call ctx.Commit
  // False: the job has no --src (nor --regex, --split-mb); see above.
  bool reads_src = true;
  // Checks the values of the job's own flags before anything runs (may be empty): an error is a
  // bad flag like an unknown one, "<job>: <message>" on rank 0 and exit code 2.
  std::function<Status(const FlagSet&)> check_flags = nullptr;
};

struct JobOutcome {
  int exit_code = 1;
  std::string stdout_text;  // help text, result tables, summary (rank 0)
};

// Runs a job from main(). Never exits; prints only to stderr (errors, progress).
JobOutcome RunJob(int argc, char** argv, const JobSpec& spec);
// A job's whole main(): RunJob, its stdout_text on stdout, its exit code.
int JobMain(int argc, char** argv, const JobSpec& spec);

// "2026-11-21T04:35:00Z".
std::string IsoTimeNow();

}  // namespace rankflow
