#include "runtime/aws/credential_process.h"

#include <fcntl.h>
#include <rapidjson/document.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

#include "runtime/aws/json.h"
#include "runtime/sys.h"

extern char** environ;

namespace rankflow::aws {
namespace {

// Enough for any credentials document; more is not one.
constexpr size_t kMaxOutputBytes = 1 << 20;

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

struct ProcessOutput {
  int wait_status = 0;
  std::string out;
  bool too_long = false;
};

// Runs argv (PATH lookup) with stdout on a pipe; stdin, stderr and the environment are ours.
// posix_spawn, not fork: the caller may be a threaded MPI rank.
Status RunCapturingStdout(const std::vector<std::string>& argv, ProcessOutput* result) {
  int fds[2];
  if (pipe2(fds, O_CLOEXEC) != 0) return Status::Internal("pipe: " + ErrnoText(errno));
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, fds[1], STDOUT_FILENO);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = -1;
  const int err = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(fds[1]);
  if (err != 0) {
    close(fds[0]);
    return Status::InvalidArgument("cannot run '" + argv[0] + "': " + ErrnoText(err));
  }
  char buf[8192];
  for (;;) {
    ssize_t n = read(fds[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (result->out.size() + static_cast<size_t>(n) > kMaxOutputBytes) {
      result->too_long = true;  // keep draining so the command is not stopped by a full pipe
      continue;
    }
    result->out.append(buf, static_cast<size_t>(n));
  }
  close(fds[0]);
  while (waitpid(pid, &result->wait_status, 0) < 0) {
    if (errno != EINTR) return Status::Internal("waitpid: " + ErrnoText(errno));
  }
  return Status::OK();
}

}  // namespace

Result<std::vector<std::string>> SplitCommandLine(std::string_view command) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (size_t i = 0; i < command.size(); ++i) {
    const char c = command[i];
    if (IsBlank(c)) {
      if (in_word) words.push_back(std::move(word));
      word.clear();
      in_word = false;
      continue;
    }
    in_word = true;
    if (c == '\\') {
      if (i + 1 < command.size()) word += command[++i];
      continue;
    }
    if (c == '\'') {
      const size_t end = command.find('\'', i + 1);
      if (end == std::string_view::npos) return Status::InvalidArgument("unterminated ' quote");
      word.append(command.substr(i + 1, end - i - 1));
      i = end;
      continue;
    }
    if (c == '"') {
      size_t j = i + 1;
      for (; j < command.size() && command[j] != '"'; ++j) {
        const bool escape = command[j] == '\\' && j + 1 < command.size() &&
                            std::string_view("\"\\$`").find(command[j + 1]) != std::string::npos;
        if (escape) ++j;
        word += command[j];
      }
      if (j >= command.size()) return Status::InvalidArgument("unterminated \" quote");
      i = j;
      continue;
    }
    word += c;
  }
  if (in_word) words.push_back(std::move(word));
  if (words.empty()) return Status::InvalidArgument("empty command");
  return words;
}

ProcessCredentialsProvider::ProcessCredentialsProvider(std::string profile, std::string command,
                                                       std::chrono::seconds refresh_before)
    : RefreshingCredentialsProvider(refresh_before),
      profile_(std::move(profile)),
      command_(std::move(command)) {}

Result<Credentials> ProcessCredentialsProvider::Fetch() {
  const std::string where = "profile '" + profile_ + "': credential_process";
  Result<std::vector<std::string>> argv = SplitCommandLine(command_);
  if (!argv.ok()) return argv.status().WithPrefix(where);
  ProcessOutput run;
  if (Status s = RunCapturingStdout(*argv, &run); !s.ok()) return s.WithPrefix(where);
  // The output holds secrets: messages describe it, never quote it.
  if (WIFSIGNALED(run.wait_status)) {
    return Status::Unavailable(where + " was killed by signal " +
                               std::to_string(WTERMSIG(run.wait_status)));
  }
  if (!WIFEXITED(run.wait_status) || WEXITSTATUS(run.wait_status) != 0) {
    return Status::Unavailable(where + " exited with status " +
                               std::to_string(WEXITSTATUS(run.wait_status)) +
                               " (its stderr says why)");
  }
  if (run.too_long) return Status::InvalidArgument(where + " printed more than 1 MiB");
  rapidjson::Document doc;
  doc.Parse(run.out.c_str(), run.out.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::InvalidArgument(where + " printed no json object");
  }
  auto version = doc.FindMember("Version");
  if (version == doc.MemberEnd() || !version->value.IsInt() || version->value.GetInt() != 1) {
    return Status::InvalidArgument(where + ": Version must be 1");
  }
  Credentials c;
  c.access_key_id = JsonString(doc, "AccessKeyId");
  c.secret_access_key = JsonString(doc, "SecretAccessKey");
  c.session_token = JsonString(doc, "SessionToken");
  c.source = "profile " + profile_ + " (credential_process)";
  if (c.empty()) {
    return Status::InvalidArgument(where + ": AccessKeyId or SecretAccessKey missing");
  }
  if (std::string exp = JsonString(doc, "Expiration"); !exp.empty()) {
    c.expiration = ParseIso8601(exp);
    if (!c.expiration)
      return Status::InvalidArgument(where + ": Expiration is not an iso-8601 time");
  }
  return c;
}

}  // namespace rankflow::aws
