#include "runtime/progress.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace rankflow {
namespace {

constexpr int64_t kTerminalIntervalMs = 500;
constexpr int64_t kDefaultIntervalMs = 5000;

void WriteStderr(const std::string& text) {
  ssize_t rc = ::write(STDERR_FILENO, text.data(), text.size());
  (void)rc;
}

std::string FormatSeconds(double s) {
  char buf[32];
  if (s < 10) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.0fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s) / 60, static_cast<int>(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s) / 3600,
                  static_cast<int>(s) / 60 % 60);
  }
  return buf;
}

}  // namespace

std::string FormatBytes(uint64_t bytes) {
  static const char* const kUnits[] = {"B", "kB", "MB", "GB", "TB", "PB"};
  double v = static_cast<double>(bytes);
  int unit = 0;
  while (v >= 1000 && unit < 5) {
    v /= 1000;
    ++unit;
  }
  char buf[32];
  if (unit == 0) {
    std::snprintf(buf, sizeof buf, "%llu B", static_cast<unsigned long long>(bytes));
  } else {
    std::snprintf(buf, sizeof buf, "%.1f %s", v, kUnits[unit]);
  }
  return buf;
}

std::string FormatCount(uint64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

Progress::Progress(std::string job, bool enabled, int scale, int64_t interval_ms)
    : job_(std::move(job)), enabled_(enabled), scale_(scale < 1 ? 1 : scale) {
  terminal_ = enabled_ && ::isatty(STDERR_FILENO) == 1;
  if (interval_ms <= 0) {
    interval_ms = kDefaultIntervalMs;
    if (const char* env = std::getenv("RANKFLOW_PROGRESS_MS"); env != nullptr && *env != '\0') {
      interval_ms = std::max<int64_t>(1, std::atoll(env));
    }
  }
  interval_ms_ = terminal_ ? std::min(interval_ms, kTerminalIntervalMs) : interval_ms;
  start_ = last_print_ = std::chrono::steady_clock::now();
}

void Progress::SetTotals(uint64_t files, uint64_t stored_bytes) {
  total_files_ = files;
  total_stored_ = stored_bytes;
}

std::string Progress::FormatLine(const ProgressFigures& f, double seconds) const {
  std::string line = job_ + ": ~" + FormatCount(std::min(f.files_done, total_files_)) + "/" +
                     FormatCount(total_files_) + " files, " + FormatBytes(f.stored_bytes) +
                     " stored (" + FormatBytes(f.bytes) + " uncompressed), " +
                     FormatCount(f.records) + " records";
  if (seconds > 0) {
    char buf[96];
    double mbs = static_cast<double>(f.stored_bytes) / 1e6 / seconds;
    std::snprintf(buf, sizeof buf, ", %.1f MB/s", mbs);
    line += buf;
    if (f.stored_bytes > 0 && total_stored_ > f.stored_bytes) {
      double eta = seconds * static_cast<double>(total_stored_ - f.stored_bytes) /
                   static_cast<double>(f.stored_bytes);
      line += ", eta " + FormatSeconds(eta);
    }
  }
  return line;
}

void Progress::Update(const ProgressFigures& local) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - last_print_ < std::chrono::milliseconds(interval_ms_)) return;
  last_print_ = now;
  ProgressFigures scaled{local.files_done * scale_, local.stored_bytes * scale_,
                         local.bytes * scale_, local.records * scale_};
  Print(FormatLine(scaled, std::chrono::duration<double>(now - start_).count()));
}

void Progress::Print(const std::string& line) {
  ++lines_printed_;
  if (!terminal_) {
    WriteStderr(line + "\n");
    return;
  }
  std::string padded = line;
  if (padded.size() < last_width_) padded.append(last_width_ - padded.size(), ' ');
  last_width_ = line.size();
  WriteStderr("\r" + padded);
}

std::string Progress::Finish(const ProgressFigures& global, int64_t bad_lines, double seconds) {
  if (seconds < 0) {
    seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  }
  if (terminal_ && last_width_ > 0) WriteStderr("\r" + std::string(last_width_, ' ') + "\r");
  char rate[64];
  std::snprintf(rate, sizeof rate, "%.3f s (%.1f MB/s uncompressed)", seconds,
                seconds > 0 ? static_cast<double>(global.bytes) / 1e6 / seconds : 0.0);
  return job_ + ": " + FormatCount(global.files_done) + " files, " +
         FormatBytes(global.stored_bytes) + " stored, " + FormatBytes(global.bytes) +
         " uncompressed, " + FormatCount(global.records) + " records, " +
         FormatCount(static_cast<uint64_t>(bad_lines)) + " bad lines in " + rate;
}

}  // namespace rankflow
