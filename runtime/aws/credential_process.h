// Credentials from an external command, as a profile's `credential_process` names it (the AWS
// CLI's "sourcing credentials with an external process"): the command runs without a shell (split
// into words like a POSIX shell would, quotes and backslashes honoured, nothing expanded), with
// the process's environment and stdin; its stderr goes to ours; its stdout must be one JSON object
//   {"Version": 1, "AccessKeyId": "…", "SecretAccessKey": "…", "SessionToken": "…",
//    "Expiration": "2026-12-04T20:00:00Z"}
// (SessionToken and Expiration optional; without Expiration the credentials are kept for good).
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/aws/credentials.h"

namespace rankflow::aws {

// Splits a command line into words: blanks separate, '…' is literal, "…" honours \" \\ \$ \`,
// a backslash outside quotes escapes the next character. No variables, globs or operators.
// InvalidArgument on an unterminated quote or an empty command. Pure.
Result<std::vector<std::string>> SplitCommandLine(std::string_view command);

// Runs the command on each fetch (the first Get(), then `refresh_before` ahead of Expiration).
// Errors name the profile and never repeat the command's output or arguments (either may hold
// secrets): "profile 'dev': credential_process exited with status 3", "… printed no json object",
// "… Version must be 1". Thread-safe; a fetch blocks until the command exits.
class ProcessCredentialsProvider : public RefreshingCredentialsProvider {
 public:
  ProcessCredentialsProvider(std::string profile, std::string command,
                             std::chrono::seconds refresh_before = std::chrono::minutes(5));

 protected:
  Result<Credentials> Fetch() override;

 private:
  std::string profile_;
  std::string command_;
};

}  // namespace rankflow::aws
