#include "tests/util/test_util.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "runtime/manifest.h"

namespace rankflow::testing {

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string tmpl = std::string(base && *base ? base : "/tmp") + "/rankflow-test-XXXXXX";
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed: " + tmpl);
  path_ = tmpl;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

CommandResult RunCommand(const std::string& command, int timeout_s) {
  int fds[2];
  if (pipe(fds) != 0) throw std::runtime_error("pipe failed");
  pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    setpgid(0, 0);  // own process group, so a timeout kills the whole pipeline
    dup2(fds[1], STDOUT_FILENO);
    dup2(fds[1], STDERR_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  CommandResult result;
  bool timed_out = false;
  std::thread killer;
  bool done = false;
  if (timeout_s > 0) {
    killer = std::thread([&] {
      auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
      while (!__atomic_load_n(&done, __ATOMIC_SEQ_CST)) {
        if (std::chrono::steady_clock::now() > deadline) {
          timed_out = true;
          kill(-pid, SIGKILL);
          return;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    });
  }
  char buf[65536];
  ssize_t n;
  while ((n = read(fds[0], buf, sizeof buf)) > 0) result.output.append(buf, n);
  close(fds[0]);
  int status = 0;
  struct rusage usage {};
  wait4(pid, &status, 0, &usage);
  result.max_rss_kb = usage.ru_maxrss;
  __atomic_store_n(&done, true, __ATOMIC_SEQ_CST);
  if (killer.joinable()) killer.join();
  if (timed_out) {
    result.exit_code = 124;
  } else if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.exit_code = 128 + WTERMSIG(status);
  }
  return result;
}

static std::string EnvOr(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? v : fallback;
}

std::string BinPath(const std::string& name) {
  return EnvOr("RANKFLOW_BIN_DIR", "build/bin") + "/" + name;
}

std::string SourcePath(const std::string& relative) {
  return EnvOr("RANKFLOW_SOURCE_DIR", ".") + "/" + relative;
}

std::string MpirunPrefix(int ranks) {
  return "mpirun -n " + std::to_string(ranks) + " --oversubscribe";
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot read " + path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& contents) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  std::ofstream out(path, std::ios::binary);
  out << contents;
  if (!out) throw std::runtime_error("cannot write " + path);
}

void WriteGzipFile(const std::string& path, const std::string& contents) {
  std::filesystem::path p(path);
  if (p.has_parent_path()) std::filesystem::create_directories(p.parent_path());
  gzFile f = gzopen(path.c_str(), "wb6");
  if (f == nullptr) throw std::runtime_error("cannot write " + path);
  if (!contents.empty() &&
      gzwrite(f, contents.data(), static_cast<unsigned>(contents.size())) <= 0) {
    gzclose(f);
    throw std::runtime_error("gzwrite failed: " + path);
  }
  gzclose(f);
}

std::string ReadMaybeGzipFile(const std::string& path) {
  gzFile f = gzopen(path.c_str(), "rb");  // zlib reads plain files transparently
  if (f == nullptr) throw std::runtime_error("cannot read " + path);
  std::string out;
  char buf[65536];
  int n;
  while ((n = gzread(f, buf, sizeof buf)) > 0) out.append(buf, n);
  gzclose(f);
  return out;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

namespace {

Manifest ParseOrThrow(const std::string& dir, const std::string& json) {
  Manifest manifest;
  const Status s = ParseManifest(dir, json, &manifest);
  if (!s.ok()) throw std::runtime_error(s.message());
  return manifest;
}

Manifest ReadManifest(const std::string& dir) {
  return ParseOrThrow(dir, ReadFile(dir + "/" + kManifestName));
}

std::string FileNamed(const Manifest& manifest, const std::string& dir, const std::string& name) {
  const ManifestFile* f = manifest.Find(name);
  if (f == nullptr) throw std::runtime_error(dir + "/_SUCCESS lists no file named " + name);
  return f->file;
}

}  // namespace

std::string CommittedFile(const std::string& dir, const std::string& name) {
  return dir + "/" + FileNamed(ReadManifest(dir), dir, name);
}

std::string CommittedFileName(const std::string& manifest_json, const std::string& name) {
  return FileNamed(ParseOrThrow("(manifest)", manifest_json), "(manifest)", name);
}

std::vector<std::string> TreeEntries(const std::string& dir) {
  std::vector<std::string> entries;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir)) {
    std::string rel = std::filesystem::relative(e.path(), dir).string();
    if (e.is_directory()) rel += "/";
    entries.push_back(rel);
  }
  std::sort(entries.begin(), entries.end());
  return entries;
}

std::vector<std::string> CommittedTree(const std::string& dir) {
  std::vector<std::string> tree = {kManifestName};
  for (const ManifestFile& f : ReadManifest(dir).files) tree.push_back(f.file);
  std::sort(tree.begin(), tree.end());
  return tree;
}

std::vector<std::string> CommittedNames(const std::string& dir) {
  std::vector<std::string> names;
  for (const ManifestFile& f : ReadManifest(dir).files) names.push_back(f.name);
  std::sort(names.begin(), names.end());
  return names;
}

std::vector<std::string> CommittedPaths(const std::string& dir) {
  std::vector<std::string> paths;
  for (const ManifestFile& f : ReadManifest(dir).files) paths.push_back(dir + "/" + f.file);
  return paths;
}

}  // namespace rankflow::testing
