#include "operators/ml/output_files.h"

#include <algorithm>
#include <set>

#include "runtime/hdf5_file.h"
#include "runtime/metrics.h"

namespace rankflow::ml {

std::string JsonEscape(const std::string& s) {
  std::string quoted;
  AppendJsonString(&quoted, s);  // one escaper for every manifest (invalid UTF-8 becomes U+FFFD)
  return quoted.substr(1, quoted.size() - 2);
}

OutputFiles::OutputFiles(const MpiContext& mpi, FileSystem& fs, std::string dest)
    : mpi_(mpi), fs_(fs), dest_(std::move(dest)) {
  while (dest_.size() > 1 && dest_.back() == '/') dest_.pop_back();
}

OutputFiles::~OutputFiles() {
  for (auto& f : files_) f->Abort();
}

Status OutputFiles::CheckDest(bool overwrite) {
  overwrite_ = overwrite;
  std::string problem;
  if (mpi_.is_root() && !overwrite) {
    std::vector<FileInfo> files;
    Status st = fs_.List(dest_, nullptr, &files);
    auto success = fs_.Exists(FileSystem::Join(dest_, "_SUCCESS"));
    if (success.ok() && *success) {
      problem = dest_ + ": output exists (_SUCCESS found); use --mode overwrite";
    } else if (st.ok() && !files.empty()) {
      problem = dest_ + ": folder is not empty (" + files[0].path + "); use --mode overwrite";
    } else if (!st.ok() && st.code() != StatusCode::kNotFound) {
      problem = st.message();
    }
  }
  mpi_.Broadcast(&problem);
  if (problem.empty()) return Status::OK();
  return problem.find("use --mode") != std::string::npos ? Status::AlreadyExists(problem)
                                                         : Status::IOError(problem);
}

Status OutputFiles::AddBytes(const std::string& name, const std::string& bytes) {
  std::unique_ptr<WritableFile> f;
  Status st = fs_.NewWritableFile(FileSystem::Join(dest_, name), &f);
  if (st.ok()) st = f->Append(bytes);
  if (st.ok()) st = f->Finish();
  if (!st.ok()) {
    if (f) f->Abort();
    if (first_error_.ok()) first_error_ = st;
    return st;
  }
  files_.push_back(std::move(f));
  names_.push_back(name);
  return Status::OK();
}

Status OutputFiles::AddLocalFile(const std::string& name, const std::string& local_path) {
  std::unique_ptr<WritableFile> f;
  Status st = fs_.NewWritableFile(FileSystem::Join(dest_, name), &f);
  if (st.ok()) st = CopyLocalFileTo(local_path, f.get());
  if (st.ok()) st = f->Finish();
  if (!st.ok()) {
    if (f) f->Abort();
    if (first_error_.ok()) first_error_ = st;
    return st;
  }
  files_.push_back(std::move(f));
  names_.push_back(name);
  return Status::OK();
}

Status OutputFiles::Commit(bool local_ok, const std::string& manifest_members) {
  const bool ok = local_ok && first_error_.ok();
  if (!mpi_.AllOk(ok)) {
    for (auto& f : files_) f->Abort();
    files_.clear();
    if (!first_error_.ok()) return first_error_;
    return Status::Aborted(dest_ + ": not committed: a rank failed");
  }
  const std::string success = FileSystem::Join(dest_, "_SUCCESS");
  // The old _SUCCESS goes first so a reader never sees it over a mix of old and new files.
  Status st;
  if (mpi_.is_root() && overwrite_) st = fs_.Delete({success});
  if (!mpi_.AllOk(st.ok())) return st.ok() ? Status::Aborted(dest_ + ": commit failed") : st;
  std::string listing;
  for (size_t i = 0; i < files_.size() && st.ok(); ++i) {
    st = files_[i]->Publish();
    listing += names_[i] + "\t" + std::to_string(files_[i]->bytes_written()) + "\n";
  }
  if (!mpi_.AllOk(st.ok())) {
    for (auto& f : files_) f->Abort();
    return st.ok() ? Status::Aborted(dest_ + ": commit failed on another rank") : st;
  }
  files_.clear();
  std::vector<std::string> all = mpi_.GatherToRoot(listing);
  if (mpi_.is_root()) {
    std::string files_json;
    std::set<std::string> names;
    for (const std::string& part : all) {
      size_t start = 0;
      while (start < part.size()) {
        size_t nl = part.find('\n', start);
        const std::string line = part.substr(start, nl - start);
        start = nl + 1;
        const size_t tab = line.find('\t');
        const std::string name = line.substr(0, tab);
        names.insert(name);
        committed_.push_back(name);
        files_json += std::string(files_json.empty() ? "" : ",") + "{\"path\":\"" +
                      JsonEscape(FileSystem::Join(dest_, name)) +
                      "\",\"bytes\":" + line.substr(tab + 1) + "}";
      }
    }
    if (overwrite_) {
      // Files of an older output that this one did not replace.
      std::vector<FileInfo> existing;
      if (fs_.List(dest_, nullptr, &existing).ok()) {
        std::vector<std::string> stale;
        for (const FileInfo& f : existing) {
          const std::string rel = f.path.substr(std::min(f.path.size(), dest_.size() + 1));
          if (!names.count(rel)) stale.push_back(f.path);
        }
        if (!stale.empty()) st = fs_.Delete(stale);
      }
    }
    std::string manifest = "{" + manifest_members + (manifest_members.empty() ? "" : ",") +
                           "\"files\":[" + files_json + "]}\n";
    if (st.ok()) st = fs_.WriteSmallFile(success, manifest);
  }
  if (!mpi_.AllOk(st.ok())) return st.ok() ? Status::Aborted(dest_ + ": _SUCCESS not written") : st;
  return Status::OK();
}

}  // namespace rankflow::ml
