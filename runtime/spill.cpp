// Spill runs (see spill.h): the framing and the file that HashShuffle, GlobalSort and ShuffleJoin
// share.
#include "runtime/spill.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include "runtime/sys.h"

namespace rankflow {
namespace {

constexpr size_t kReaderBufferBytes = 64 << 10;
constexpr size_t kWriterBufferBytes = 1 << 20;

void AppendVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Parses a varint at *p; false if [p, end) ends first or it is longer than 10 bytes.
bool ParseVarint(const char** p, const char* end, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift < 64 && *p < end; shift += 7) {
    auto byte = static_cast<unsigned char>(*(*p)++);
    result |= uint64_t{byte & 0x7fu} << shift;
    if ((byte & 0x80) == 0) {
      *v = result;
      return true;
    }
  }
  return false;
}

}  // namespace

void AppendFramedRecord(std::string* out, std::string_view key, std::string_view value) {
  AppendVarint(out, key.size());
  AppendVarint(out, value.size());
  out->append(key);
  out->append(value);
}

const char* ParseFramedRecord(const char* p, const char* end, std::string_view* key,
                              std::string_view* value) {
  uint64_t klen = 0;
  uint64_t vlen = 0;
  if (!ParseVarint(&p, end, &klen) || !ParseVarint(&p, end, &vlen)) return nullptr;
  if (static_cast<uint64_t>(end - p) < klen || static_cast<uint64_t>(end - p) - klen < vlen) {
    return nullptr;
  }
  *key = std::string_view(p, klen);
  *value = std::string_view(p + klen, vlen);
  return p + klen + vlen;
}

Result<std::unique_ptr<SpillFile>> SpillFile::Open(const std::string& dir, std::string owner) {
  Result<ScratchFile> file = ScratchFile::Create(dir);
  if (!file.ok()) {
    // ScratchFile says "<dir>: cannot create a scratch file: <reason>"; keep the reason.
    std::string reason = file.status().message();
    if (size_t colon = reason.rfind(": "); colon != std::string::npos) reason.erase(0, colon + 2);
    return Status::IOError(owner + ": cannot create spill file in " + dir + ": " + reason);
  }
  RF_RETURN_IF_ERROR(file->Unlink());
  return std::unique_ptr<SpillFile>(new SpillFile(std::move(*file), dir, std::move(owner)));
}

Status SpillFile::Append(std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::pwrite(file_.fd(), data.data(), data.size(), static_cast<off_t>(size_));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      return Status::IOError(owner_ + ": writing spill file in " + dir_ + ": " + ErrnoText(errno));
    }
    size_ += static_cast<uint64_t>(n);
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status SpillFile::ReadAt(uint64_t offset, char* buf, size_t n) const {
  while (n > 0) {
    ssize_t got = ::pread(file_.fd(), buf, n, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) {
      return Status::IOError(owner_ + ": reading spill file in " + dir_ + ": " +
                             (got == 0 ? std::string("unexpected end") : ErrnoText(errno)));
    }
    buf += got;
    n -= static_cast<size_t>(got);
    offset += static_cast<uint64_t>(got);
  }
  return Status::OK();
}

Status SpillFile::Truncate() {
  if (::ftruncate(file_.fd(), 0) != 0) {
    return Status::IOError(owner_ + ": truncating spill file in " + dir_ + ": " + ErrnoText(errno));
  }
  size_ = 0;
  return Status::OK();
}

RunWriter::RunWriter(SpillFile* file) : file_(file), start_(file->size()) {}

Status RunWriter::Add(std::string_view key, std::string_view value) {
  AppendFramedRecord(&buf_, key, value);
  if (buf_.size() >= kWriterBufferBytes) return Flush();
  return Status::OK();
}

Status RunWriter::Finish(SpillRange* range) {
  RF_RETURN_IF_ERROR(Flush());
  *range = SpillRange{start_, file_->size() - start_};
  return Status::OK();
}

Status RunWriter::Flush() {
  Status s = file_->Append(buf_);
  buf_.clear();
  return s;
}

RunReader::RunReader(const SpillFile* file, SpillRange range)
    : file_(file), next_(range.offset), end_(range.offset + range.length) {}

RunReader::RunReader(std::string_view memory) : memory_(memory) {}

Status RunReader::Advance(bool* has) {
  for (;;) {
    const char* data = file_ ? buf_.data() : memory_.data();
    const char* end = file_ ? buf_.data() + buf_.size() : memory_.data() + memory_.size();
    const char* next = ParseFramedRecord(data + pos_, end, &key_, &value_);
    if (next != nullptr) {
      pos_ = static_cast<size_t>(next - data);
      *has = true;
      return Status::OK();
    }
    bool exhausted = file_ ? next_ >= end_ : true;
    if (exhausted) {
      if (data + pos_ != end) return Status::Corruption("spill: truncated record in spill run");
      *has = false;
      return Status::OK();
    }
    RF_RETURN_IF_ERROR(Refill());
  }
}

// Keeps the unparsed tail, reads more of the range behind it (growing for a huge record).
Status RunReader::Refill() {
  buf_.erase(0, pos_);
  pos_ = 0;
  size_t want = std::max(kReaderBufferBytes, buf_.size() * 2);
  size_t n = static_cast<size_t>(std::min<uint64_t>(want - buf_.size(), end_ - next_));
  size_t old = buf_.size();
  buf_.resize(old + n);
  RF_RETURN_IF_ERROR(file_->ReadAt(next_, buf_.data() + old, n));
  next_ += n;
  return Status::OK();
}

RecordBuffer::RecordBuffer(uint64_t memory_limit, std::string spill_dir, std::string owner)
    : memory_limit_(memory_limit), spill_dir_(std::move(spill_dir)), owner_(std::move(owner)) {}

Status RecordBuffer::Add(std::string_view key, std::string_view value) {
  ++records_;
  if (writer_ != nullptr) return writer_->Add(key, value);
  AppendFramedRecord(&memory_, key, value);
  if (memory_.size() > memory_limit_) return Spill();
  return Status::OK();
}

// Moves what is in memory to the file; later records go straight to the file's writer.
Status RecordBuffer::Spill() {
  if (file_ == nullptr) {
    Result<std::unique_ptr<SpillFile>> file = SpillFile::Open(spill_dir_, owner_);
    RF_RETURN_IF_ERROR(file.status());
    file_ = std::move(*file);
  }
  RF_RETURN_IF_ERROR(file_->Append(memory_));
  std::string().swap(memory_);
  writer_ = std::make_unique<RunWriter>(file_.get());
  return Status::OK();
}

Status RecordBuffer::Clear() {
  std::string().swap(memory_);
  writer_.reset();
  records_ = 0;
  if (file_ != nullptr) return file_->Truncate();
  return Status::OK();
}

Result<RunReader> RecordBuffer::Read() {
  if (file_ == nullptr || (writer_ == nullptr && file_->size() == 0)) return RunReader(memory_);
  if (writer_ != nullptr) {
    SpillRange ignored;
    RF_RETURN_IF_ERROR(writer_->Finish(&ignored));
  }
  return RunReader(file_.get(), SpillRange{0, file_->size()});
}

}  // namespace rankflow
