#include "runtime/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <cstring>

namespace rankflow {
namespace {

std::atomic<int> g_rank{-1};

LogLevel LevelFromEnv() {
  const char* v = std::getenv("RANKFLOW_LOG");
  if (v == nullptr) return LogLevel::kInfo;
  if (std::strcmp(v, "debug") == 0) return LogLevel::kDebug;
  if (std::strcmp(v, "warning") == 0) return LogLevel::kWarning;
  if (std::strcmp(v, "error") == 0) return LogLevel::kError;
  return LogLevel::kInfo;
}

std::atomic<int> g_level{static_cast<int>(LevelFromEnv())};

const char* LevelPrefix(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug: ";
    case LogLevel::kInfo:
      return "";
    case LogLevel::kWarning:
      return "warning: ";
    case LogLevel::kError:
      return "error: ";
  }
  return "";
}

}  // namespace

void SetLogRank(int rank) { g_rank = rank; }
int LogRank() { return g_rank; }
void SetLogLevel(LogLevel level) { g_level = static_cast<int>(level); }
bool LogEnabled(LogLevel level) { return static_cast<int>(level) >= g_level; }

void Log(LogLevel level, const std::string& message) {
  if (!LogEnabled(level)) return;
  std::string line;
  if (g_rank >= 0) line = "rank " + std::to_string(g_rank.load()) + ": ";
  line += LevelPrefix(level);
  line += message;
  line += '\n';
  // One write per line so lines from threads and ranks do not interleave mid-line.
  ssize_t rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void)rc;
}

}  // namespace rankflow
