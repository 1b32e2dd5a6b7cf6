#include "runtime/scratch_file.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "runtime/sys.h"

namespace rankflow {
namespace {

constexpr char kPrefix[] = "rankflow-scratch-";

// The pid in "rankflow-scratch-<pid>-XXXXXX", or 0 if the name is not one of ours.
pid_t ScratchOwner(const char* base) {
  const size_t prefix = sizeof(kPrefix) - 1;
  if (std::strncmp(base, kPrefix, prefix) != 0) return 0;
  char* end = nullptr;
  const long pid = std::strtol(base + prefix, &end, 10);
  if (end == base + prefix || *end != '-' || pid <= 0) return 0;
  return static_cast<pid_t>(pid);
}

// kill(pid, 0) fails with ESRCH only when no such process exists (EPERM: it exists, not ours).
bool ProcessGone(pid_t pid) { return ::kill(pid, 0) != 0 && errno == ESRCH; }

}  // namespace

int SweepStaleScratchFiles(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) return 0;
  int removed = 0;
  while (const dirent* e = ::readdir(d)) {
    const pid_t pid = ScratchOwner(e->d_name);
    if (pid == 0 || pid == ::getpid() || !ProcessGone(pid)) continue;
    std::error_code ec;
    if (std::filesystem::remove_all(dir + "/" + e->d_name, ec) > 0 && !ec) ++removed;
  }
  ::closedir(d);
  return removed;
}

Result<ScratchFile> ScratchFile::Create(const std::string& dir) {
  SweepStaleScratchFiles(dir);
  std::string name = dir + "/" + kPrefix + std::to_string(::getpid()) + "-XXXXXX";
  const int fd = ::mkostemp(name.data(), O_CLOEXEC);
  if (fd < 0) return Status::IOError(dir + ": cannot create a scratch file: " + ErrnoText(errno));
  return ScratchFile(fd, std::move(name));
}

Result<ScratchFolder> ScratchFolder::Create(const std::string& dir) {
  SweepStaleScratchFiles(dir);
  std::string name = dir + "/" + kPrefix + std::to_string(::getpid()) + "-XXXXXX";
  if (::mkdtemp(name.data()) == nullptr) {
    return Status::IOError(dir + ": cannot create a scratch folder: " + ErrnoText(errno));
  }
  return ScratchFolder(std::move(name));
}

ScratchFolder::ScratchFolder(ScratchFolder&& other) noexcept : path_(std::move(other.path_)) {
  other.path_.clear();
}

ScratchFolder::~ScratchFolder() {
  std::error_code ec;
  if (!path_.empty()) std::filesystem::remove_all(path_, ec);
}

ScratchFile::ScratchFile(int fd, std::string name)
    : fd_(fd), name_(std::move(name)), path_("/proc/self/fd/" + std::to_string(fd)), named_(true) {}

ScratchFile::ScratchFile(ScratchFile&& other) noexcept
    : fd_(other.fd_),
      name_(std::move(other.name_)),
      path_(std::move(other.path_)),
      named_(other.named_) {
  other.fd_ = -1;
  other.named_ = false;
}

ScratchFile& ScratchFile::operator=(ScratchFile&& other) noexcept {
  if (this == &other) return *this;
  Release();
  fd_ = other.fd_;
  name_ = std::move(other.name_);
  path_ = std::move(other.path_);
  named_ = other.named_;
  other.fd_ = -1;
  other.named_ = false;
  return *this;
}

ScratchFile::~ScratchFile() { Release(); }

void ScratchFile::Release() {
  (void)Unlink();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
}

Status ScratchFile::Unlink() {
  if (!named_) return Status::OK();
  named_ = false;
  if (::unlink(name_.c_str()) != 0 && errno != ENOENT) {
    return Status::IOError(name_ + ": cannot remove: " + ErrnoText(errno));
  }
  return Status::OK();
}

}  // namespace rankflow
