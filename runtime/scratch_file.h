// Local scratch files that vanish with the process, however it ends (item 7 of issue 9: a killed
// `--format hdf5` job used to leave its temporary HDF5 file in /tmp).
//
// Some libraries insist on a file name (HDF5 resolves the name it is given, so a nameless
// O_TMPFILE inode or a /proc/self/fd link does not do). The protocol is therefore:
//
//   Result<ScratchFile> f = ScratchFile::Create(SpillDirectory(options.spill_dir));
//   library_open(f->name());   // the library opens the file by its name and keeps its descriptor
//   f->Unlink();               // the name goes; the storage lives while a descriptor is open
//   ... library writes and closes; read the bytes back through f->path() or f->fd() ...
//
// The name exists only between Create and Unlink (microseconds to a millisecond). A process
// killed inside that window leaves "<dir>/rankflow-scratch-<pid>-XXXXXX"; the next Create in
// the same folder on the same host removes such files of processes that no longer exist. After
// Unlink a kill -9 leaves nothing: the kernel closes a dead process's descriptors and frees the
// inode. Linux only (/proc/self/fd). Not thread-safe per object; Create may run concurrently.
// The sweep trusts pids: processes sharing a spill folder must share a pid namespace (containers
// with their own pid namespace want their own --spill-dir).
#pragma once

#include <string>

#include "runtime/status.h"
#include "runtime/sys.h"  // SpillDirectory: --spill-dir, else $TMPDIR, else /tmp

namespace rankflow {

class ScratchFile {
 public:
  // A new empty read-write file "<dir>/rankflow-scratch-<pid>-XXXXXX" (mode 0600). First
  // removes the scratch files in `dir` whose process is gone (see above). IOError "<dir>: cannot
  // create a scratch file: <reason>" if the folder is missing or not writable.
  static Result<ScratchFile> Create(const std::string& dir);

  ScratchFile(ScratchFile&& other) noexcept;
  ScratchFile& operator=(ScratchFile&& other) noexcept;
  ScratchFile(const ScratchFile&) = delete;
  ScratchFile& operator=(const ScratchFile&) = delete;
  ~ScratchFile();  // removes the name if still there, closes the descriptor: storage freed

  // The file's name in its folder (gone after Unlink; still good for messages).
  const std::string& name() const { return name_; }
  // Removes the name. Idempotent. IOError if unlink(2) fails.
  Status Unlink();
  // "/proc/self/fd/N": opening it in this process opens this file, named or not. Valid while this
  // object lives.
  const std::string& path() const { return path_; }
  int fd() const { return fd_; }

 private:
  ScratchFile(int fd, std::string name);
  void Release();
  int fd_ = -1;
  std::string name_;
  std::string path_;
  bool named_ = false;
};

// A private folder "<dir>/rankflow-scratch-<pid>-XXXXXX" (mode 0700) for files that must keep a
// name while a library reopens them (HDF5 inputs fetched from S3, checkpoints on their way out).
// Removed with everything in it on destruction; if the process is killed, the next ScratchFile or
// ScratchFolder created in `dir` on this host removes it. Not thread-safe.
class ScratchFolder {
 public:
  // IOError "<dir>: cannot create a scratch folder: <reason>". Sweeps like ScratchFile::Create.
  static Result<ScratchFolder> Create(const std::string& dir);
  ScratchFolder(ScratchFolder&& other) noexcept;
  ScratchFolder& operator=(ScratchFolder&& other) = delete;
  ScratchFolder(const ScratchFolder&) = delete;
  ScratchFolder& operator=(const ScratchFolder&) = delete;
  ~ScratchFolder();

  const std::string& path() const { return path_; }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  explicit ScratchFolder(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

// Removes "<dir>/rankflow-scratch-<pid>-*" files and folders whose pid is not a live process on
// this host. Returns how many it removed. Errors (unreadable folder) count as none removed.
// ScratchFile::Create and ScratchFolder::Create call it.
int SweepStaleScratchFiles(const std::string& dir);

}  // namespace rankflow
