#include "runtime/commit.h"

#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "runtime/log.h"

namespace rankflow {

namespace {

constexpr const char* kSuccessName = "_SUCCESS";

// Statuses and file lists cross ranks as strings: "<code>:<message>" and
// "<len>:<path><bytes> <records>\n" per file.
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

std::string EncodeFiles(const std::vector<OutputFileInfo>& files) {
  std::string out;
  for (const auto& f : files) {
    out += std::to_string(f.path.size()) + ":" + f.path + std::to_string(f.bytes) + " " +
           std::to_string(f.records) + "\n";
  }
  return out;
}

bool DecodeFiles(const std::string& wire, std::vector<OutputFileInfo>* out) {
  size_t pos = 0;
  while (pos < wire.size()) {
    size_t colon = wire.find(':', pos);
    if (colon == std::string::npos) return false;
    size_t len = std::stoul(wire.substr(pos, colon - pos));
    OutputFileInfo f;
    f.path = wire.substr(colon + 1, len);
    size_t end = wire.find('\n', colon + 1 + len);
    if (end == std::string::npos) return false;
    char* next = nullptr;
    f.bytes = std::strtoull(wire.c_str() + colon + 1 + len, &next, 10);
    f.records = std::strtoull(next, &next, 10);
    if (next != wire.c_str() + end) return false;
    out->push_back(std::move(f));
    pos = end + 1;
  }
  return true;
}

// Checks the caller's manifest members: a JSON object's members without braces, no "files".
Status ParseManifestMembers(const std::string& members, rapidjson::Document* doc) {
  std::string object = "{" + members + "}";
  doc->Parse(object.c_str(), object.size());
  if (doc->HasParseError()) {
    return Status::InvalidArgument(std::string("manifest members are not valid json: ") +
                                   rapidjson::GetParseError_En(doc->GetParseError()) +
                                   " at offset " + std::to_string(doc->GetErrorOffset()));
  }
  if (doc->HasMember("files")) {
    return Status::InvalidArgument("manifest member \"files\" is reserved for the committer");
  }
  return Status::OK();
}

std::string ManifestJson(const rapidjson::Document& members,
                         const std::vector<OutputFileInfo>& files) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  for (const auto& m : members.GetObject()) {
    w.Key(m.name.GetString(), m.name.GetStringLength());
    m.value.Accept(w);
  }
  w.Key("files");
  w.StartArray();
  for (const auto& f : files) {
    w.StartObject();
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

// Rank 0, overwrite mode, once every part is complete: note the old visible files and delete the
// old _SUCCESS, so that from here on the folder is not mistaken for a finished output.
Status PrepareOverwrite(FileSystem& fs, const std::string& dest, std::vector<FileInfo>* old_files) {
  Status s = fs.List(dest, nullptr, old_files);
  if (s.code() == StatusCode::kNotFound) s = Status::OK();
  if (!s.ok()) return s;
  return fs.Delete({FileSystem::Join(dest, kSuccessName)});
}

// Rank 0, after every part was published: delete the old files not in the new set, write
// _SUCCESS, clean up. If that fails, delete the new parts so nothing half-made stays visible.
Status FinishOnRoot(FileSystem& fs, const std::string& dest, const rapidjson::Document& members,
                    const std::vector<std::string>& gathered,
                    const std::vector<FileInfo>& old_files,
                    std::vector<OutputFileInfo>* committed) {
  std::vector<OutputFileInfo> files;
  Status s;
  for (const auto& g : gathered) {
    if (!DecodeFiles(g, &files)) s = Status::Internal("commit: malformed file list from a rank");
  }
  std::sort(files.begin(), files.end(),
            [](const OutputFileInfo& a, const OutputFileInfo& b) { return a.path < b.path; });
  std::set<std::string> fresh;
  for (const auto& f : files) fresh.insert(f.path);
  std::vector<std::string> stale;
  for (const auto& f : old_files) {
    if (fresh.count(f.path) == 0) stale.push_back(f.path);
  }
  if (s.ok()) s = fs.Delete(stale);
  if (s.ok()) {
    s = fs.WriteSmallFile(FileSystem::Join(dest, kSuccessName), ManifestJson(members, files));
  }
  if (!s.ok()) {
    std::vector<std::string> undo;
    for (const auto& f : files) undo.push_back(f.path);
    Status d = fs.Delete(undo);
    if (!d.ok()) LogWarning("commit of " + dest + " failed; cleanup: " + d.ToString());
    return s;
  }
  *committed = std::move(files);
  Status c = fs.CleanupTemporaries(dest);
  if (!c.ok()) LogWarning("committed " + dest + " but could not clean up: " + c.ToString());
  return Status::OK();
}

std::string RankName(int rank) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", rank);
  return buf;
}

}  // namespace

Result<WriteMode> ParseWriteMode(const std::string& name) {
  if (name == "error") return WriteMode::kError;
  if (name == "overwrite") return WriteMode::kOverwrite;
  return Status::InvalidArgument("unknown write mode '" + name + "' (expected error or overwrite)");
}

// A part as the caller sees it: forwards to the real file and remembers whether it is complete.
struct OutputCommitter::Part : public WritableFile {
  Part(std::string final_path, std::unique_ptr<WritableFile> f, Status creation)
      : path_(std::move(final_path)), file(std::move(f)), error(std::move(creation)) {}

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
  std::unique_ptr<WritableFile> file;  // null if it could not be created
  Status error;                        // why this part cannot be committed
  bool finished = false;
  bool published = false;
  uint64_t records = 0;
};

OutputCommitter::OutputCommitter(const MpiContext& mpi, FileSystem& fs, std::string dest,
                                 WriteMode mode)
    : mpi_(mpi), fs_(fs), dest_(std::move(dest)), mode_(mode) {
  if (mode_ != WriteMode::kError) return;
  std::string wire;
  if (mpi_.is_root()) {
    Status s;
    Result<bool> marker = fs_.Exists(FileSystem::Join(dest_, kSuccessName));
    std::vector<FileInfo> visible;
    if (!marker.ok()) {
      s = marker.status();
    } else if (marker.value()) {
      s = Status::AlreadyExists(dest_ + ": output exists (" + kSuccessName +
                                " present); use --mode overwrite to replace it");
    } else if (Status l = fs_.List(dest_, nullptr, &visible); !l.ok()) {
      if (l.code() != StatusCode::kNotFound) s = l;
    } else if (!visible.empty()) {
      s = Status::AlreadyExists(dest_ + ": not empty (" + std::to_string(visible.size()) +
                                " files, e.g. " + visible.front().path +
                                "); use --mode overwrite to replace it");
    }
    wire = EncodeStatus(s);
  }
  mpi_.Broadcast(&wire);
  status_ = DecodeStatus(wire);
}

OutputCommitter::~OutputCommitter() {
  for (auto& part : parts_) {
    if (part->file != nullptr && !part->published) part->file->Abort();
  }
}

WritableFile* OutputCommitter::NewPart(const std::string& extension, const std::string& stem) {
  std::string name =
      (stem.empty() ? std::string("part") : stem) + "-" + RankName(mpi_.rank()) + "." + extension;
  std::string path = FileSystem::Join(dest_, name);
  std::unique_ptr<WritableFile> file;
  Status s = status_;
  for (const auto& p : parts_) {
    if (s.ok() && p->path() == path) s = Status::InvalidArgument(path + ": part created twice");
  }
  if (s.ok()) s = fs_.NewWritableFile(path, &file);
  if (!s.ok()) file.reset();
  parts_.push_back(std::make_unique<Part>(path, std::move(file), s));
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

// Collective, after a failed agreement: every rank aborts its parts and learns which rank failed
// first and why.
Status OutputCommitter::Abandon(const Status& local) {
  for (auto& p : parts_) {
    if (p->file != nullptr && !p->published) p->file->Abort();
  }
  std::vector<std::string> reasons = mpi_.AllGather(local.ok() ? "" : local.message());
  // A refused dest (--mode error) is someone else's: leave even its temporaries alone.
  if (mpi_.is_root() && status_.ok()) {
    Status c = fs_.CleanupTemporaries(dest_);
    if (!c.ok()) LogWarning("commit of " + dest_ + " failed; cleanup: " + c.ToString());
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
  rapidjson::Document members;
  if (local.ok() && mpi_.is_root()) local = ParseManifestMembers(manifest_members, &members);
  if (!mpi_.AllOk(local.ok())) return Abandon(local);

  // Phase 2: rank 0 notes the old output and removes its _SUCCESS, so that from here on the
  // folder is not mistaken for a finished output.
  std::vector<FileInfo> old_files;
  std::string wire;
  if (mpi_.is_root()) {
    wire = EncodeStatus(mode_ == WriteMode::kOverwrite ? PrepareOverwrite(fs_, dest_, &old_files)
                                                       : Status::OK());
  }
  mpi_.Broadcast(&wire);
  Status prepared = DecodeStatus(wire);
  if (!prepared.ok()) return Abandon(mpi_.is_root() ? prepared : Status::OK());

  // Phase 3: publish; if any rank fails, every rank takes its published parts back.
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

  // Phase 4: rank 0 gathers the file list, removes stale old files, writes _SUCCESS last.
  std::vector<OutputFileInfo> mine;
  for (const auto& p : parts_) mine.push_back({p->path(), p->bytes_written(), p->records});
  std::vector<std::string> gathered = mpi_.GatherToRoot(EncodeFiles(mine));
  wire.clear();
  if (mpi_.is_root()) {
    wire = EncodeStatus(FinishOnRoot(fs_, dest_, members, gathered, old_files, &committed_));
  }
  mpi_.Broadcast(&wire);
  Status done = DecodeStatus(wire);
  if (done.ok()) return done;
  return mpi_.is_root() ? done
                        : Status::Aborted(dest_ + ": commit failed on rank 0: " + done.message());
}

}  // namespace rankflow
