#include "runtime/commit.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>

#include "runtime/log.h"

namespace rankflow {

namespace {

// Statuses and file lists cross ranks as strings: "<code>:<message>" and, per file,
// "<len>:<path><len>:<name><bytes> <records>\n".
std::string EncodeStatus(const Status& s) {
  return std::to_string(static_cast<int>(s.code())) + ":" + s.message();
}

Status DecodeStatus(const std::string& wire) {
  size_t colon = wire.find(':');
  if (colon == std::string::npos) return Status::Internal("commit: malformed status broadcast");
  int code = std::stoi(wire.substr(0, colon));
  if (code == 0) return Status::OK();
  return Status(static_cast<StatusCode>(code), wire.substr(colon + 1));
}

void AppendCounted(std::string* out, const std::string& s) {
  *out += std::to_string(s.size()) + ":" + s;
}

bool ReadCounted(const std::string& wire, size_t* pos, std::string* out) {
  size_t colon = wire.find(':', *pos);
  if (colon == std::string::npos) return false;
  char* end = nullptr;
  unsigned long long len = std::strtoull(wire.c_str() + *pos, &end, 10);
  if (end != wire.c_str() + colon || len > wire.size() - colon - 1) return false;
  *out = wire.substr(colon + 1, len);
  *pos = colon + 1 + len;
  return true;
}

std::string EncodeFiles(const std::vector<OutputFileInfo>& files) {
  std::string out;
  for (const auto& f : files) {
    AppendCounted(&out, f.path);
    AppendCounted(&out, f.name);
    out += std::to_string(f.bytes) + " " + std::to_string(f.records) + "\n";
  }
  return out;
}

bool DecodeFiles(const std::string& wire, std::vector<OutputFileInfo>* out) {
  size_t pos = 0;
  while (pos < wire.size()) {
    OutputFileInfo f;
    if (!ReadCounted(wire, &pos, &f.path) || !ReadCounted(wire, &pos, &f.name)) return false;
    size_t end = wire.find('\n', pos);
    if (end == std::string::npos) return false;
    char* next = nullptr;
    f.bytes = std::strtoull(wire.c_str() + pos, &next, 10);
    f.records = std::strtoull(next, &next, 10);
    if (next != wire.c_str() + end) return false;
    out->push_back(std::move(f));
    pos = end + 1;
  }
  return true;
}

// Checks the caller's manifest members: a JSON object's members without braces, none reserved.
Status ParseManifestMembers(const std::string& members, rapidjson::Document* doc) {
  std::string object = "{" + members + "}";
  doc->Parse(object.c_str(), object.size());
  if (doc->HasParseError()) {
    return Status::InvalidArgument(std::string("manifest members are not valid json: ") +
                                   rapidjson::GetParseError_En(doc->GetParseError()) +
                                   " at offset " + std::to_string(doc->GetErrorOffset()));
  }
  for (const char* reserved : {"files", "attempt"}) {
    if (doc->HasMember(reserved)) {
      return Status::InvalidArgument(std::string("manifest member \"") + reserved +
                                     "\" is reserved for the committer");
    }
  }
  return Status::OK();
}

std::string RelativeTo(const std::string& dir, const std::string& path) {
  const std::string prefix = dir.back() == '/' ? dir : dir + "/";
  return path.compare(0, prefix.size(), prefix) == 0 ? path.substr(prefix.size()) : path;
}

std::string ManifestJson(const rapidjson::Document& members, const std::string& attempt,
                         const std::string& dest, const std::vector<OutputFileInfo>& files) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& m : members.GetObject()) {
    w.Key(m.name.GetString(), m.name.GetStringLength());
    m.value.Accept(w);
  }
  w.Key("attempt");
  w.String(attempt.c_str(), static_cast<rapidjson::SizeType>(attempt.size()));
  w.Key("files");
  w.StartArray();
  for (const auto& f : files) {
    const std::string file = RelativeTo(dest, f.path);
    w.StartObject();
    w.Key("name");
    w.String(f.name.c_str(), static_cast<rapidjson::SizeType>(f.name.size()));
    w.Key("file");
    w.String(file.c_str(), static_cast<rapidjson::SizeType>(file.size()));
    w.Key("path");
    w.String(f.path.c_str(), static_cast<rapidjson::SizeType>(f.path.size()));
    w.Key("bytes");
    w.Uint64(f.bytes);
    w.Key("records");
    w.Uint64(f.records);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize()) + "\n";
}

std::string RankName(int rank) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", rank);
  return buf;
}

// A file of dest that a commit may own: directly in dest, or in Hive-style partition folders
// ("dt=2015-08-06/part-…"). Anything in other folders belongs to someone else (another output).
bool IsOwnedPlace(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos || IsPartitionFolder(std::string_view(rel).substr(0, slash));
}

// The partition folder of a part's relative name ("" for a file directly in dest).
std::string FolderOf(const std::string& rel) {
  const size_t slash = rel.rfind('/');
  return slash == std::string::npos ? std::string() : rel.substr(0, slash);
}

std::string BaseName(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

// "s3a://b/k/" -> "s3://b/k"; a local path -> absolute and canonical as far as it exists.
std::string CanonicalLocation(const std::string& location) {
  std::string out;
  if (IsS3Path(location)) {
    out = "s3://" + location.substr(location.find("://") + 3);
  } else {
    std::error_code ec;
    std::filesystem::path p = std::filesystem::weakly_canonical(
        std::filesystem::absolute(location.empty() ? "." : location, ec), ec);
    out = ec ? location : p.lexically_normal().string();
  }
  while (out.size() > 1 && out.back() == '/') out.pop_back();
  return out;
}

bool IsInside(const std::string& inner, const std::string& outer) {
  return inner == outer ||
         (inner.size() > outer.size() && inner.compare(0, outer.size(), outer) == 0 &&
          (outer.back() == '/' || inner[outer.size()] == '/'));
}

}  // namespace

Result<WriteMode> ParseWriteMode(const std::string& name) {
  if (name == "error") return WriteMode::kError;
  if (name == "overwrite") return WriteMode::kOverwrite;
  return Status::InvalidArgument("unknown write mode '" + name + "' (expected error or overwrite)");
}

bool LocationInside(const std::string& inner, const std::string& outer) {
  return IsInside(CanonicalLocation(inner), CanonicalLocation(outer));
}

// What dest held when the job started (rank 0 only). The final write is conditional on
// `version`; after it succeeded, `old_files`, `leftovers` and `temporaries` are removed.
struct OutputCommitter::Previous {
  std::string version;                   // of dest/_SUCCESS; "" = none
  std::vector<std::string> old_files;    // the old manifest's files present in dest
  std::vector<std::string> leftovers;    // attempt-named files no manifest lists
  std::vector<std::string> temporaries;  // fs temporaries (ListTemporaries ids)
  // Temporaries in partition folders: (folder relative to dest, ListTemporaries ids there).
  std::vector<std::pair<std::string, std::vector<std::string>>> folder_temporaries;
};

// A part as the caller sees it: forwards to the real file and remembers whether it is complete.
struct OutputCommitter::Part : public WritableFile {
  Part(std::string final_path, std::string logical_name, std::unique_ptr<WritableFile> f,
       Status creation)
      : path_(std::move(final_path)),
        name(std::move(logical_name)),
        file(std::move(f)),
        error(std::move(creation)) {}

  Status Append(std::string_view data) override {
    if (!error.ok()) return error;
    if (finished) return error = Status::Internal(path_ + ": append after Finish");
    Status s = file->Append(data);
    if (!s.ok()) error = s;
    return s;
  }
  Status Finish() override {
    if (!error.ok()) return error;
    Status s = file->Finish();
    if (!s.ok()) error = s;
    finished = s.ok();
    return s;
  }
  Status Publish() override {
    return Status::Internal(path_ + ": parts are published by OutputCommitter::Commit");
  }
  void Abort() override {
    if (file != nullptr && !published) file->Abort();
    if (error.ok()) error = Status::Aborted(path_ + ": part aborted");
  }
  const std::string& path() const override { return path_; }
  uint64_t bytes_written() const override { return file ? file->bytes_written() : 0; }

  std::string path_;
  std::string name;
  std::unique_ptr<WritableFile> file;  // null if it could not be created
  Status error;                        // why this part cannot be committed
  bool finished = false;
  bool published = false;
  uint64_t records = 0;
};

namespace {

// The temporaries of dest's partition folders (a killed attempt's partitioned parts).
Status ListFolderTemporaries(FileSystem& fs, const std::string& dest,
                             std::vector<std::pair<std::string, std::vector<std::string>>>* out) {
  std::vector<std::string> folders;
  RF_RETURN_IF_ERROR(fs.ListTemporaryFolders(dest, &folders));
  for (const std::string& folder : folders) {
    std::vector<std::string> ids;
    RF_RETURN_IF_ERROR(fs.ListTemporaries(FileSystem::Join(dest, folder), &ids));
    out->emplace_back(folder, std::move(ids));
  }
  return Status::OK();
}

Status ExamineDestOnRoot(
    FileSystem& fs, const std::string& dest, WriteMode mode, std::string* version,
    std::vector<std::string>* old_files, std::vector<std::string>* leftovers,
    std::vector<std::string>* temporaries,
    std::vector<std::pair<std::string, std::vector<std::string>>>* folder_temporaries) {
  if (fs.Size(dest).ok())
    return Status::AlreadyExists(dest + ": is an existing file, not a folder");
  const std::string marker = FileSystem::Join(dest, kManifestName);
  std::string json;
  Status r = fs.ReadSmallFileVersion(marker, &json, version);
  const bool has_marker = r.ok();
  if (!has_marker && r.code() != StatusCode::kNotFound) return r;
  if (has_marker && mode == WriteMode::kError) {
    return Status::AlreadyExists(dest + ": output exists (" + kManifestName +
                                 " present); use --mode overwrite to replace it");
  }
  // Read the manifest before listing: an output committed in between changes the version, and
  // then our conditional write fails instead of deleting its files as leftovers.
  Manifest manifest;
  Status parsed = has_marker ? ParseManifest(dest, json, &manifest) : Status::OK();
  std::set<std::string> listed;
  for (const auto& f : manifest.files) listed.insert(f.file);

  std::vector<FileInfo> visible;
  Status l = fs.List(dest, nullptr, &visible);
  if (!l.ok() && l.code() != StatusCode::kNotFound) return l;
  std::vector<std::string> foreign;
  for (const FileInfo& f : visible) {
    const std::string rel = RelativeTo(dest, f.path);
    if (rel == f.path) {  // dest itself is a file (or an S3 object)
      return Status::AlreadyExists(dest + ": is an existing file, not a folder");
    }
    if (listed.count(rel) != 0) {
      old_files->push_back(f.path);
    } else if (IsOwnedPlace(rel) && IsAttemptFileName(BaseName(rel))) {
      leftovers->push_back(f.path);
    } else {
      foreign.push_back(f.path);
    }
  }
  if (!parsed.ok() && !visible.empty()) {
    return Status::InvalidArgument(parsed.message() + "; refusing to replace an output " +
                                   "rankflow did not write");
  }
  if (!foreign.empty()) {
    return Status::AlreadyExists(dest + ": holds " + std::to_string(foreign.size()) +
                                 " file(s) rankflow did not write (e.g. " + foreign.front() +
                                 "); they are never deleted: choose an empty --dest");
  }
  RF_RETURN_IF_ERROR(fs.ListTemporaries(dest, temporaries));
  return ListFolderTemporaries(fs, dest, folder_temporaries);
}

}  // namespace

OutputCommitter::OutputCommitter(const MpiContext& mpi, FileSystem& fs, std::string dest,
                                 WriteMode mode, std::vector<std::string> sources)
    : mpi_(mpi), fs_(fs), dest_(std::move(dest)), mode_(mode) {
  while (dest_.size() > 1 && dest_.back() == '/' && dest_.find("://") + 3 != dest_.size()) {
    dest_.pop_back();
  }
  std::string wire;
  if (mpi_.is_root()) {
    previous_ = std::make_unique<Previous>();
    Status s;
    for (const std::string& src : sources) {
      if (s.ok() && !src.empty() && LocationInside(src, dest_)) {
        s = Status::InvalidArgument(dest_ + ": holds the input " + src +
                                    "; a job never replaces what it reads (choose another --dest)");
      }
    }
    if (s.ok()) {
      s = ExamineDestOnRoot(fs_, dest_, mode_, &previous_->version, &previous_->old_files,
                            &previous_->leftovers, &previous_->temporaries,
                            &previous_->folder_temporaries);
    }
    wire = EncodeStatus(s);
    attempt_ = NewAttemptId();
  }
  mpi_.Broadcast(&wire);
  mpi_.Broadcast(&attempt_);
  status_ = DecodeStatus(wire);
}

OutputCommitter::~OutputCommitter() {
  for (auto& part : parts_) {
    if (part->file != nullptr && !part->published) part->file->Abort();
  }
}

WritableFile* OutputCommitter::NewPart(const std::string& extension, const std::string& stem) {
  return NewPart(extension, stem, "");
}

WritableFile* OutputCommitter::NewPart(const std::string& extension, const std::string& stem,
                                       const std::string& folder) {
  const std::string base =
      (stem.empty() ? std::string("part") : stem) + "-" + RankName(mpi_.rank());
  const std::string prefix = folder.empty() ? std::string() : folder + "/";
  // This rank's n-th part with this name in one folder gets "-n" (n >= 1) after the rank.
  const int sequence = part_sequence_[prefix + base + "." + extension]++;
  return AddPart(folder,
                 base + (sequence == 0 ? "" : "-" + std::to_string(sequence)) + "." + extension);
}

WritableFile* OutputCommitter::NewFile(const std::string& name) { return AddPart("", name); }

WritableFile* OutputCommitter::AddPart(const std::string& folder, const std::string& base) {
  const std::string name = folder.empty() ? base : folder + "/" + base;
  const std::string dir = folder.empty() ? dest_ : FileSystem::Join(dest_, folder);
  std::string path = FileSystem::Join(dir, AttemptFileName(base, attempt_));
  std::unique_ptr<WritableFile> file;
  Status s = status_;
  if (s.ok() &&
      (base.empty() || base.find('/') != std::string::npos || base[0] == '_' || base[0] == '.')) {
    s = Status::InvalidArgument(dest_ + ": not a plain output file name: '" + base + "'");
  }
  if (s.ok() && !folder.empty() && !IsPartitionFolder(folder)) {
    s = Status::InvalidArgument(dest_ + ": not a partition folder (key=value/…): '" + folder + "'");
  }
  for (const auto& p : parts_) {
    if (s.ok() && p->path() == path) s = Status::InvalidArgument(path + ": part created twice");
  }
  if (s.ok()) s = fs_.NewWritableFile(path, &file);
  if (!s.ok()) file.reset();
  parts_.push_back(std::make_unique<Part>(path, name, std::move(file), s));
  return parts_.back().get();
}

void OutputCommitter::SetRecords(WritableFile* part, uint64_t records) {
  for (auto& p : parts_) {
    if (p.get() == part) {
      p->records = records;
      return;
    }
  }
  RF_CHECK_MSG(false, "SetRecords: not a part of this committer: " + part->path());
}

// Collective, after a failed agreement: every rank aborts its unpublished parts and learns which
// rank failed first and why.
Status OutputCommitter::Abandon(const Status& local) {
  for (auto& p : parts_) {
    if (p->file != nullptr && !p->published) p->file->Abort();
  }
  std::vector<std::string> reasons = mpi_.AllGather(local.ok() ? "" : local.message());
  // Every rank's temporaries are gone now: remove the (local) _temporary folder if it is empty.
  // A refused dest is someone else's: leave it alone.
  if (mpi_.is_root() && status_.ok()) RemoveEmptyTemporaryFolder();
  // Every rank: the _temporary folders its parts left in partition folders (local), now empty
  // unless another rank or job still writes there.
  if (status_.ok()) {
    std::vector<std::string> folders;
    for (const auto& p : parts_) {
      if (!FolderOf(p->name).empty()) folders.push_back(FolderOf(p->name));
    }
    RemoveEmptyTemporaryFolders(folders);
  }
  if (!local.ok()) return local;
  for (size_t r = 0; r < reasons.size(); ++r) {
    if (!reasons[r].empty()) {
      return Status::Aborted(dest_ + ": commit abandoned: rank " + std::to_string(r) +
                             " failed: " + reasons[r]);
    }
  }
  return Status::Aborted(dest_ + ": commit abandoned");
}

void OutputCommitter::RemoveEmptyTemporaryFolder() {
  Status d = fs_.RemoveTemporaries(dest_, {});
  if (!d.ok()) LogWarning(dest_ + ": cleanup after a failed commit: " + d.ToString());
}

void OutputCommitter::RemoveEmptyTemporaryFolders(const std::vector<std::string>& folders) {
  std::set<std::string> done;
  for (const std::string& folder : folders) {
    if (folder.empty() || !done.insert(folder).second) continue;
    const std::string dir = FileSystem::Join(dest_, folder);
    Status d = fs_.RemoveTemporaries(dir, {});
    if (!d.ok()) LogWarning(dir + ": cleanup: " + d.ToString());
  }
}

// Rank 0, every part published: the conditional write of _SUCCESS, then the old version's files,
// leftovers and temporaries go. Returns ok iff _SUCCESS now holds this attempt's manifest.
Status OutputCommitter::CommitOnRoot(const std::string& manifest_members,
                                     const std::vector<std::string>& gathered) {
  std::vector<OutputFileInfo> files;
  for (const auto& g : gathered) {
    if (!DecodeFiles(g, &files)) return Status::Internal("commit: malformed file list from a rank");
  }
  std::sort(files.begin(), files.end(), [](const OutputFileInfo& a, const OutputFileInfo& b) {
    return a.name != b.name ? a.name < b.name : a.path < b.path;
  });
  rapidjson::Document members;
  RF_RETURN_IF_ERROR(ParseManifestMembers(manifest_members, &members));
  const std::string json = ManifestJson(members, attempt_, dest_, files);
  const std::string marker = FileSystem::Join(dest_, kManifestName);

  Status s = fs_.WriteSmallFileIf(marker, json, previous_->version);
  if (!s.ok()) {
    RemoveEmptyTemporaryFolder();  // every part is published: nothing of ours is left in it
    std::vector<std::string> folders;
    for (const auto& f : files) folders.push_back(FolderOf(f.name));
    RemoveEmptyTemporaryFolders(folders);
    // Did it land anyway (an answer lost after the write)? Only the marker can tell.
    std::string back, version;
    Status r = fs_.ReadSmallFileVersion(marker, &back, &version);
    if (r.ok() && back == json) {
      s = Status::OK();
    } else if (r.ok() || r.code() == StatusCode::kNotFound) {
      // Certainly not committed: take this attempt's files back.
      std::vector<std::string> mine;
      for (const auto& f : files) mine.push_back(f.path);
      Status d = fs_.Delete(mine);
      if (!d.ok()) LogWarning(dest_ + ": could not remove this attempt's files: " + d.ToString());
      if (s.code() == StatusCode::kAlreadyExists) {
        return Status::AlreadyExists(dest_ + ": another job committed to this folder while this " +
                                     "one ran; this job's output was discarded (" + s.message() +
                                     ")");
      }
      return s;
    } else {
      return Status(s.code(), s.message() + "; whether " + marker + " was written is unknown (" +
                                  r.message() + "); files of attempt " + attempt_ +
                                  " stay until the next commit removes them");
    }
  }
  committed_ = std::move(files);
  // Committed. What follows only tidies up: a failure leaves garbage, never a wrong output.
  std::vector<std::string> stale = previous_->old_files;
  stale.insert(stale.end(), previous_->leftovers.begin(), previous_->leftovers.end());
  Status d = fs_.Delete(stale);
  if (!d.ok())
    LogWarning("committed " + dest_ + " but could not remove old files: " + d.ToString());
  d = fs_.RemoveTemporaries(dest_, previous_->temporaries);
  if (!d.ok()) LogWarning("committed " + dest_ + " but could not clean up: " + d.ToString());
  for (const auto& [folder, ids] : previous_->folder_temporaries) {
    d = fs_.RemoveTemporaries(FileSystem::Join(dest_, folder), ids);
    if (!d.ok()) LogWarning("committed " + dest_ + " but could not clean up: " + d.ToString());
  }
  std::vector<std::string> folders;
  for (const auto& f : committed_) folders.push_back(FolderOf(f.name));
  RemoveEmptyTemporaryFolders(folders);
  return Status::OK();
}

Status OutputCommitter::Commit(bool local_ok, const std::string& manifest_members) {
  RF_CHECK_MSG(!commit_called_, "OutputCommitter::Commit called twice for " + dest_);
  commit_called_ = true;
  // Phase 1: is every part on every rank complete?
  Status local = status_;
  if (local.ok() && !local_ok) {
    local = Status::Aborted(dest_ + ": rank " + std::to_string(mpi_.rank()) + " reported failure");
  }
  for (const auto& p : parts_) {
    if (!local.ok()) break;
    if (!p->error.ok()) {
      local = p->error;
    } else if (!p->finished) {
      local = Status::Internal(p->path() + ": part not finished before commit");
    }
  }
  if (local.ok() && mpi_.is_root()) {
    rapidjson::Document members;
    local = ParseManifestMembers(manifest_members, &members);
  }
  if (!mpi_.AllOk(local.ok())) return Abandon(local);

  // Phase 2: make every part visible under its attempt name; nothing is deleted or replaced. If
  // any rank fails, every rank takes its published parts back.
  for (auto& p : parts_) {
    if (!local.ok()) break;
    local = p->file->Publish();
    p->published = local.ok();
  }
  if (!mpi_.AllOk(local.ok())) {
    std::vector<std::string> published;
    for (auto& p : parts_) {
      if (p->published) published.push_back(p->path());
      p->published = false;
    }
    Status undo = fs_.Delete(published);
    if (!undo.ok()) LogWarning("commit of " + dest_ + " failed; cleanup: " + undo.ToString());
    return Abandon(local);
  }

  // Phase 3: rank 0 writes _SUCCESS (the commit point) and then removes the old version.
  std::vector<OutputFileInfo> mine;
  for (const auto& p : parts_) mine.push_back({p->path(), p->name, p->bytes_written(), p->records});
  std::vector<std::string> gathered = mpi_.GatherToRoot(EncodeFiles(mine));
  std::string wire;
  if (mpi_.is_root()) wire = EncodeStatus(CommitOnRoot(manifest_members, gathered));
  mpi_.Broadcast(&wire);
  Status done = DecodeStatus(wire);
  if (done.ok() || mpi_.is_root()) return done;
  return Status(done.code() == StatusCode::kAlreadyExists ? done.code() : StatusCode::kAborted,
                dest_ + ": commit failed on rank 0: " + done.message());
}

}  // namespace rankflow
