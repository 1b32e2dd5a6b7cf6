// Progress: the live progress line and the final summary, printed by rank 0 to stderr.
//
// On a terminal (isatty(stderr)) rank 0 rewrites one line with '\r' about every 0.5 s; otherwise it
// prints a plain line every interval (5 s by default). The line shows files done/total, stored
// bytes, uncompressed bytes, records, MB/s of stored input and an ETA.
//
// How rank 0 knows the other ranks' numbers: it does not ask them while the job runs (that would
// put a collective or a one-sided lock on the hot path). Units are claimed dynamically, so every
// rank reads about the same share of the input; the live line shows rank 0's own figures times the
// number of ranks, marked "~". The final summary uses exact global figures (the merged Metrics),
// the same numbers the _SUCCESS manifest records.
//
// Not thread-safe; call from the main thread. Update() costs a clock read; the map phase calls it
// every 1024 lines and at the end of each unit.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

namespace rankflow {

struct ProgressFigures {
  uint64_t files_done = 0;
  uint64_t stored_bytes = 0;  // bytes as stored (compressed)
  uint64_t bytes = 0;         // uncompressed bytes
  uint64_t records = 0;
};

class Progress {
 public:
  // `enabled` is true on rank 0 only; `scale` multiplies local figures (the number of ranks).
  // interval_ms: the period of plain lines; 0 means the default (5000, or RANKFLOW_PROGRESS_MS).
  Progress(std::string job, bool enabled, int scale, int64_t interval_ms = 0);

  // Totals of the input, for "x/y files" and the ETA.
  void SetTotals(uint64_t files, uint64_t stored_bytes);
  // This rank's figures so far. Prints when the interval has passed.
  void Update(const ProgressFigures& local);
  // Clears the live line (terminal) and returns the one-line summary for the exact global
  // figures, e.g. "top_terms: 8 files, 210.3 MB stored, 1.54 GB uncompressed, 402,113 records,
  // 12 bad lines in 1.9 s (810.2 MB/s uncompressed)". Prints nothing itself.
  // seconds < 0: the time since construction.
  std::string Finish(const ProgressFigures& global, int64_t bad_lines, double seconds = -1);

  // The live line for given (already scaled) figures and elapsed seconds; exposed for tests.
  std::string FormatLine(const ProgressFigures& f, double seconds) const;
  int lines_printed() const { return lines_printed_; }
  bool is_terminal() const { return terminal_; }

 private:
  void Print(const std::string& line);

  std::string job_;
  bool enabled_;
  int scale_;
  bool terminal_ = false;
  int64_t interval_ms_;
  uint64_t total_files_ = 0;
  uint64_t total_stored_ = 0;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_print_;
  int lines_printed_ = 0;
  size_t last_width_ = 0;
};

// "1.5 GB", "210.3 MB", "12.0 kB", "512 B" (powers of 1000).
std::string FormatBytes(uint64_t bytes);
// "1,234,567".
std::string FormatCount(uint64_t n);

}  // namespace rankflow
