#include "runtime/local_fs.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "runtime/manifest.h"
#include "runtime/sys.h"

namespace rankflow {

Status ErrnoStatus(const std::string& path, int errnum) {
  std::string message = path + ": " + ErrnoText(errnum);
  switch (errnum) {
    case ENOENT:
      return Status::NotFound(message);
    case EACCES:
    case EPERM:
    case EROFS:
      return Status::PermissionDenied(message);
    default:
      return Status::IOError(message);
  }
}

namespace {

bool IsHiddenName(const char* name) { return name[0] == '_' || name[0] == '.'; }

std::string ParentDir(const std::string& path) {
  size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// mkdir -p with errors that name the path which could not be made (for example a parent that is a
// regular file: "…/file.txt: not a directory").
Status MakeDirs(const std::string& dir) {
  struct stat st;
  if (stat(dir.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return Status::OK();
    return ErrnoStatus(dir, ENOTDIR);
  }
  // ENOTDIR: some ancestor is not a folder; the recursion finds and names it.
  if (errno != ENOENT && errno != ENOTDIR) return ErrnoStatus(dir, errno);
  std::string parent = ParentDir(dir);
  if (parent != dir) RF_RETURN_IF_ERROR(MakeDirs(parent));
  if (mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) return ErrnoStatus(dir, errno);
  return Status::OK();
}

// The version of a local small file: FNV-1a 64 of its contents, 16 hex digits.
std::string ContentVersion(std::string_view contents) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : contents) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

Status WriteAll(int fd, const char* data, size_t n, const std::string& path) {
  while (n > 0) {
    ssize_t w = write(fd, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, errno);
    }
    data += w;
    n -= static_cast<size_t>(w);
  }
  return Status::OK();
}

class LocalInputStream : public InputStream {
 public:
  LocalInputStream(int fd, std::string path, uint64_t offset, uint64_t length)
      : fd_(fd), path_(std::move(path)), pos_(offset), remaining_(length) {}
  ~LocalInputStream() override { close(fd_); }

  Status Read(char* buf, size_t n, size_t* got) override {
    *got = 0;
    if (remaining_ != FileSystem::kToEnd)
      n = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
    while (n > 0) {
      ssize_t r = pread(fd_, buf, n, static_cast<off_t>(pos_));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(path_, errno);
      }
      pos_ += static_cast<uint64_t>(r);
      if (remaining_ != FileSystem::kToEnd) remaining_ -= static_cast<uint64_t>(r);
      *got = static_cast<size_t>(r);
      break;
    }
    return Status::OK();
  }

 private:
  int fd_;
  std::string path_;
  uint64_t pos_;
  uint64_t remaining_;
};

// Small appends are gathered in a buffer; large ones go straight to write(2).
class LocalWritableFile : public WritableFile {
 public:
  static constexpr size_t kBufferBytes = 256 << 10;

  LocalWritableFile(int fd, std::string temp_path, std::string final_path)
      : fd_(fd), temp_path_(std::move(temp_path)), final_path_(std::move(final_path)) {
    buffer_.reserve(kBufferBytes);
  }
  ~LocalWritableFile() override {
    if (!published_) Abort();
  }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return Status::IOError(final_path_ + ": append after the file was closed");
    bytes_written_ += data.size();
    if (buffer_.size() + data.size() <= kBufferBytes) {
      buffer_.append(data);
      return Status::OK();
    }
    RF_RETURN_IF_ERROR(Flush());
    if (data.size() >= kBufferBytes) return WriteAll(fd_, data.data(), data.size(), temp_path_);
    buffer_.append(data);
    return Status::OK();
  }

  Status Finish() override {
    if (finished_) return Status::OK();
    if (fd_ < 0) return Status::IOError(final_path_ + ": finish after the file was closed");
    RF_RETURN_IF_ERROR(Flush());
    if (fsync(fd_) != 0) return ErrnoStatus(temp_path_, errno);
    if (close(fd_) != 0) {
      fd_ = -1;
      return ErrnoStatus(temp_path_, errno);
    }
    fd_ = -1;
    finished_ = true;
    return Status::OK();
  }

  Status Publish() override {
    if (published_) return Status::OK();
    if (!finished_) RF_RETURN_IF_ERROR(Finish());
    if (rename(temp_path_.c_str(), final_path_.c_str()) != 0)
      return ErrnoStatus(final_path_, errno);
    published_ = true;
    return Status::OK();
  }

  void Abort() override {
    if (published_) return;
    if (fd_ >= 0) close(fd_);
    fd_ = -1;
    unlink(temp_path_.c_str());
  }

  const std::string& path() const override { return final_path_; }
  uint64_t bytes_written() const override { return bytes_written_; }

 private:
  Status Flush() {
    Status s = WriteAll(fd_, buffer_.data(), buffer_.size(), temp_path_);
    buffer_.clear();
    return s;
  }

  int fd_;
  std::string temp_path_;
  std::string final_path_;
  std::string buffer_;
  uint64_t bytes_written_ = 0;
  bool finished_ = false;
  bool published_ = false;
};

class LocalFileSystem : public FileSystem {
 public:
  Status List(const std::string& root, const std::regex* name_regex,
              std::vector<FileInfo>* out) override {
    out->clear();
    struct stat st;
    if (stat(root.c_str(), &st) != 0) return ErrnoStatus(root, errno);
    if (!S_ISDIR(st.st_mode)) {
      out->push_back({root, static_cast<uint64_t>(st.st_size)});
      return Status::OK();
    }
    RF_RETURN_IF_ERROR(ListDir(root, name_regex, out));
    std::sort(out->begin(), out->end(),
              [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    return Status::OK();
  }

  Status ListManifests(const std::string& root, std::vector<std::string>* out) override {
    out->clear();
    struct stat st;
    if (stat(root.c_str(), &st) != 0) return ErrnoStatus(root, errno);
    if (!S_ISDIR(st.st_mode)) return Status::OK();
    std::vector<std::string> dirs = {root};
    while (!dirs.empty()) {
      std::string dir = std::move(dirs.back());
      dirs.pop_back();
      DIR* d = opendir(dir.c_str());
      if (d == nullptr) return ErrnoStatus(dir, errno);
      errno = 0;
      while (struct dirent* e = readdir(d)) {
        std::string path = Join(dir, e->d_name);
        if (std::strcmp(e->d_name, "_SUCCESS") == 0) {
          if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) out->push_back(path);
        } else if (!IsHiddenName(e->d_name) && stat(path.c_str(), &st) == 0 &&
                   S_ISDIR(st.st_mode)) {
          dirs.push_back(path);
        }
        errno = 0;
      }
      int err = errno;
      closedir(d);
      if (err != 0) return ErrnoStatus(dir, err);
    }
    std::sort(out->begin(), out->end());
    return Status::OK();
  }

  Result<uint64_t> Size(const std::string& path) override {
    struct stat st;
    if (stat(path.c_str(), &st) != 0) return ErrnoStatus(path, errno);
    if (S_ISDIR(st.st_mode)) return ErrnoStatus(path, EISDIR);
    return static_cast<uint64_t>(st.st_size);
  }

  Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                  std::unique_ptr<InputStream>* out) override {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(path, errno);
    struct stat st;
    int err = fstat(fd, &st) != 0 ? errno : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (err != 0) {
      close(fd);
      return ErrnoStatus(path, err);
    }
    posix_fadvise(fd, static_cast<off_t>(offset), 0, POSIX_FADV_SEQUENTIAL);
    *out = std::make_unique<LocalInputStream>(fd, path, offset, length);
    return Status::OK();
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    std::string dir = ParentDir(path);
    std::string name = BaseName(path);
    if (name.empty()) return Status::InvalidArgument(path + ": not a file name");
    RF_RETURN_IF_ERROR(MakeDirs(dir));
    std::string temp_dir = Join(dir, kLocalTemporaryDir);
    RF_RETURN_IF_ERROR(MakeDirs(temp_dir));
    static std::atomic<uint64_t> counter{0};
    std::string temp_path = Join(temp_dir, name + "." + std::to_string(getpid()) + "." +
                                               std::to_string(counter.fetch_add(1)));
    int fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    // Another committer may have just removed the empty _temporary (RemoveTemporaries), between
    // our mkdir and open: make it again. Each round needs another removal in that window of
    // microseconds, so the bound is only against a livelock (two learning groups publishing
    // checkpoints into one folder met it with a bound of 3).
    for (int i = 0; i < 64 && fd < 0 && errno == ENOENT; ++i) {
      RF_RETURN_IF_ERROR(MakeDirs(temp_dir));
      fd = open(temp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    }
    if (fd < 0) return ErrnoStatus(temp_path, errno);
    *out = std::make_unique<LocalWritableFile>(fd, std::move(temp_path), path);
    return Status::OK();
  }

  Status WriteSmallFile(const std::string& path, std::string_view contents) override {
    std::unique_ptr<WritableFile> file;
    RF_RETURN_IF_ERROR(NewWritableFile(path, &file));
    RF_RETURN_IF_ERROR(file->Append(contents));
    RF_RETURN_IF_ERROR(file->Finish());
    return file->Publish();
  }

  Status ReadSmallFile(const std::string& path, std::string* contents) override {
    contents->clear();
    std::unique_ptr<InputStream> in;
    RF_RETURN_IF_ERROR(OpenRead(path, 0, kToEnd, &in));
    char buf[65536];
    for (;;) {
      size_t got = 0;
      RF_RETURN_IF_ERROR(in->Read(buf, sizeof buf, &got));
      if (got == 0) return Status::OK();
      contents->append(buf, got);
    }
  }

  Status ReadSmallFileVersion(const std::string& path, std::string* contents,
                              std::string* version) override {
    version->clear();
    RF_RETURN_IF_ERROR(ReadSmallFile(path, contents));
    *version = ContentVersion(*contents);
    return Status::OK();
  }

  Status WriteSmallFileIf(const std::string& path, std::string_view contents,
                          const std::string& expected) override {
    const std::string dir = ParentDir(path);
    RF_RETURN_IF_ERROR(MakeDirs(dir));
    int dfd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0) return ErrnoStatus(dir, errno);
    Status s;
    while (flock(dfd, LOCK_EX) != 0) {
      if (errno != EINTR) {
        s = ErrnoStatus(dir, errno);
        break;
      }
    }
    if (s.ok()) {
      std::string current, version;
      Status r = ReadSmallFileVersion(path, &current, &version);
      if (!r.ok() && r.code() != StatusCode::kNotFound) {
        s = r;
      } else if (version != expected) {
        s = Status::AlreadyExists(path + ": changed by another writer");
      } else {
        s = WriteSmallFile(path, contents);
        if (s.ok() && fsync(dfd) != 0) s = ErrnoStatus(dir, errno);
      }
    }
    close(dfd);  // releases the lock
    return s;
  }

  Status ListTemporaries(const std::string& dir, std::vector<std::string>* ids) override {
    ids->clear();
    const std::string temp_dir = Join(dir, kLocalTemporaryDir);
    DIR* d = opendir(temp_dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return ErrnoStatus(temp_dir, errno);
    }
    errno = 0;
    while (struct dirent* e = readdir(d)) {
      if (std::strcmp(e->d_name, ".") != 0 && std::strcmp(e->d_name, "..") != 0) {
        ids->emplace_back(e->d_name);
      }
    }
    int err = errno;
    closedir(d);
    if (err != 0) return ErrnoStatus(temp_dir, err);
    std::sort(ids->begin(), ids->end());
    return Status::OK();
  }

  Status RemoveTemporaries(const std::string& dir, const std::vector<std::string>& ids) override {
    const std::string temp_dir = Join(dir, kLocalTemporaryDir);
    for (const std::string& id : ids) {
      if (id.empty() || id.find('/') != std::string::npos) {
        return Status::InvalidArgument(temp_dir + ": not a temporary: " + id);
      }
      const std::string p = Join(temp_dir, id);
      if (unlink(p.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(p, errno);
    }
    if (rmdir(temp_dir.c_str()) != 0 && errno != ENOENT && errno != ENOTEMPTY && errno != EEXIST) {
      return ErrnoStatus(temp_dir, errno);
    }
    return Status::OK();
  }

  Status ListTemporaryFolders(const std::string& dir, std::vector<std::string>* folders) override {
    folders->clear();
    RF_RETURN_IF_ERROR(FindTemporaryFolders(dir, "", folders));
    std::sort(folders->begin(), folders->end());
    return Status::OK();
  }

  Result<bool> Exists(const std::string& path) override {
    struct stat st;
    if (stat(path.c_str(), &st) == 0) return true;
    if (errno == ENOENT || errno == ENOTDIR) return false;
    return ErrnoStatus(path, errno);
  }

  Status Delete(const std::vector<std::string>& paths) override {
    for (const std::string& p : paths) {
      if (unlink(p.c_str()) != 0 && errno != ENOENT) return ErrnoStatus(p, errno);
    }
    return Status::OK();
  }

 private:
  // Depth-first over one folder; entries whose names start with '_' or '.' are skipped, folders
  // included (so "_temporary" is never entered).
  // Partition folders below root + "/" + rel (depth-first) that hold a _temporary folder.
  Status FindTemporaryFolders(const std::string& root, const std::string& rel,
                              std::vector<std::string>* out) {
    const std::string dir = rel.empty() ? root : Join(root, rel);
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) {
      if (errno == ENOENT || errno == ENOTDIR) return Status::OK();
      return ErrnoStatus(dir, errno);
    }
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = readdir(d)) {
      if (IsPartitionFolder(e->d_name)) names.emplace_back(e->d_name);
    }
    int err = errno;
    closedir(d);
    if (err != 0) return ErrnoStatus(dir, err);
    for (const std::string& name : names) {
      const std::string sub = rel.empty() ? name : rel + "/" + name;
      struct stat st;
      if (stat(Join(root, sub).c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) continue;
      if (stat(Join(Join(root, sub), kLocalTemporaryDir).c_str(), &st) == 0) out->push_back(sub);
      RF_RETURN_IF_ERROR(FindTemporaryFolders(root, sub, out));
    }
    return Status::OK();
  }

  Status ListDir(const std::string& dir, const std::regex* name_regex, std::vector<FileInfo>* out) {
    DIR* d = opendir(dir.c_str());
    if (d == nullptr) return ErrnoStatus(dir, errno);
    std::vector<std::string> names;
    errno = 0;
    while (struct dirent* e = readdir(d)) {
      if (!IsHiddenName(e->d_name)) names.emplace_back(e->d_name);
    }
    int err = errno;
    closedir(d);
    if (err != 0) return ErrnoStatus(dir, err);
    for (const std::string& name : names) {
      std::string path = Join(dir, name);
      struct stat st;
      if (stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) continue;  // removed while listing, or a dangling symlink
        return ErrnoStatus(path, errno);
      }
      if (S_ISDIR(st.st_mode)) {
        RF_RETURN_IF_ERROR(ListDir(path, name_regex, out));
        continue;
      }
      if (!S_ISREG(st.st_mode)) continue;
      if (name_regex != nullptr && !std::regex_search(name, *name_regex)) continue;
      out->push_back({path, static_cast<uint64_t>(st.st_size)});
    }
    return Status::OK();
  }
};

}  // namespace

std::unique_ptr<FileSystem> NewLocalFileSystem() { return std::make_unique<LocalFileSystem>(); }

}  // namespace rankflow
