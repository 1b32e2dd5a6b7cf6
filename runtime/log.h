// Logging to stderr, one line per message, prefixed with the rank: "rank 3: warning: …".
// Library code logs here and never prints to stdout. Thread-safe (one write(2) per line).
#pragma once

#include <string>

namespace rankflow {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Process-wide settings, set once by main() (MpiContext sets the rank). Messages below the
// level are dropped. Defaults: rank -1 (no prefix), level kInfo;
// RANKFLOW_LOG=debug|info|warning|error overrides the level at start-up.
void SetLogRank(int rank);
int LogRank();
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

void Log(LogLevel level, const std::string& message);
inline void LogDebug(const std::string& m) { Log(LogLevel::kDebug, m); }
inline void LogInfo(const std::string& m) { Log(LogLevel::kInfo, m); }
inline void LogWarning(const std::string& m) { Log(LogLevel::kWarning, m); }
inline void LogError(const std::string& m) { Log(LogLevel::kError, m); }

}  // namespace rankflow
