#include "runtime/line_reader.h"

#include <algorithm>
#include <cstring>

#include "runtime/gzip_stream.h"

namespace rankflow {
namespace {

constexpr size_t kBufferBytes = 4 << 20;
constexpr char kBom[] = "\xEF\xBB\xBF";
constexpr size_t kBomBytes = 3;

// Counts the stored bytes that pass through, for progress.
class CountingStream : public InputStream {
 public:
  CountingStream(std::unique_ptr<InputStream> raw, uint64_t* count)
      : raw_(std::move(raw)), count_(count) {}
  Status Read(char* buf, size_t n, size_t* got) override {
    Status s = raw_->Read(buf, n, got);
    *count_ += *got;
    return s;
  }

 private:
  std::unique_ptr<InputStream> raw_;
  uint64_t* count_;
};

// Bytes [begin, end) of a file, then, only if the reader asks for more (its last line runs past
// `end`), the rest of the file. So a range costs one bounded read plus a short continuation.
class RangeStream : public InputStream {
 public:
  RangeStream(FileSystem& fs, std::string path, std::unique_ptr<InputStream> first, uint64_t end)
      : fs_(fs), path_(std::move(path)), current_(std::move(first)), end_(end) {}

  Status Read(char* buf, size_t n, size_t* got) override {
    RF_RETURN_IF_ERROR(current_->Read(buf, n, got));
    if (*got > 0 || in_rest_ || end_ == FileSystem::kToEnd) return Status::OK();
    in_rest_ = true;
    RF_RETURN_IF_ERROR(fs_.OpenRead(path_, end_, FileSystem::kToEnd, &current_));
    return current_->Read(buf, n, got);
  }

 private:
  FileSystem& fs_;
  std::string path_;
  std::unique_ptr<InputStream> current_;
  uint64_t end_;
  bool in_rest_ = false;
};

Status OpenRange(FileSystem& fs, const std::string& path, uint64_t begin, uint64_t end,
                 std::unique_ptr<InputStream>* out) {
  uint64_t length = end == FileSystem::kToEnd ? FileSystem::kToEnd : end - begin;
  std::unique_ptr<InputStream> first;
  RF_RETURN_IF_ERROR(fs.OpenRead(path, begin, length, &first));
  *out = std::make_unique<RangeStream>(fs, path, std::move(first), end);
  return Status::OK();
}

// Where the first read of a unit stops: the unit's end, or the file's end for the last unit (so
// the last unit needs no continuation read).
uint64_t StreamEnd(const FileInfo& file, const InputUnit& unit) {
  return unit.end >= file.size ? FileSystem::kToEnd : unit.end;
}

Result<bool> FileStartsWithGzipMagic(FileSystem& fs, const std::string& path) {
  std::unique_ptr<InputStream> in;
  RF_RETURN_IF_ERROR(fs.OpenRead(path, 0, 2, &in));
  char head[2];
  size_t have = 0;
  RF_RETURN_IF_ERROR(ReadUpTo(*in, head, sizeof head, &have));
  return HasGzipMagic(std::string_view(head, have));
}

// Lines are found with memchr in one buffer and returned as views into it; only the partial line
// at the end of the buffer is moved (to the front) before the next read.
class LineReaderImpl : public LineReader {
 public:
  LineReaderImpl(std::string path, const LineReaderOptions& options, uint64_t limit,
                 bool skip_partial_first_line)
      : path_(std::move(path)),
        max_line_bytes_(options.max_line_bytes),
        // Room for a line at the limit plus its "\r\n" and the partial read that follows it.
        max_buffer_bytes_(options.max_line_bytes + kBufferBytes),
        skip_long_lines_(options.skip_long_lines),
        limit_(limit),
        skipping_(skip_partial_first_line) {}

  // An empty reader (a unit that holds no line start).
  static std::unique_ptr<LineReaderImpl> Empty(const std::string& path) {
    auto r = std::make_unique<LineReaderImpl>(path, LineReaderOptions(), 0, false);
    r->done_ = true;
    return r;
  }

  void SetStream(std::unique_ptr<InputStream> stream) {
    stream_ = std::move(stream);
    buf_.reset(new char[kBufferBytes]);
    cap_ = kBufferBytes;
  }
  uint64_t* stored_counter() { return &stored_bytes_read_; }
  void set_limit(uint64_t limit) { limit_ = limit; }

  bool Next(std::string_view* line) override {
    long_line_ = false;
    while (!done_) {
      if (dropping_) return DropRestOfLongLine(line);
      if (skipping_ && !SkipPartialLine()) return false;
      if (base_ + pos_ >= limit_) return Finish();
      const char* start = buf_.get() + pos_;
      const void* nl = std::memchr(start + scanned_, '\n', end_ - pos_ - scanned_);
      if (nl != nullptr) {
        size_t len = static_cast<const char*>(nl) - start;
        pos_ += len + 1;
        scanned_ = 0;
        if (Emit(start, len, line)) return true;
        continue;
      }
      scanned_ = end_ - pos_;
      if (eof_) {
        if (scanned_ == 0) return Finish();
        pos_ = end_;
        scanned_ = 0;
        if (Emit(start, end_ - (start - buf_.get()), line)) return true;
        continue;
      }
      if (scanned_ > max_line_bytes_) {
        if (!skip_long_lines_) return TooLong(line_number_ + 1);
        StartDropping(start);
        continue;
      }
      if (!Fill()) return false;
    }
    return false;
  }

  const Status& status() const override { return status_; }
  uint64_t line_number() const override { return line_number_; }
  uint64_t stored_bytes_read() const override { return stored_bytes_read_; }
  uint64_t bytes_read() const override { return bytes_read_; }
  bool long_line() const override { return long_line_; }
  uint64_t line_bytes() const override { return line_bytes_; }

 private:
  // Counts the line and hands it out unless it is empty. False for an empty or failed line.
  bool Emit(const char* start, size_t len, std::string_view* line) {
    ++line_number_;
    if (len > 0 && start[len - 1] == '\r') --len;
    if (len >= kBomBytes && std::memcmp(start, kBom, kBomBytes) == 0) {
      start += kBomBytes;
      len -= kBomBytes;
    }
    if (len == 0) return false;
    line_bytes_ = len;
    if (len > max_line_bytes_) {
      if (!skip_long_lines_) return TooLong(line_number_);
      long_line_ = true;
      len = std::min(len, kLongLinePrefixBytes);
    }
    *line = std::string_view(start, len);
    return true;
  }

  // The line at `start` has no newline within the limit: keep its first bytes, drop the rest of
  // what is buffered, and read on to its end without buffering it (DropRestOfLongLine).
  void StartDropping(const char* start) {
    long_prefix_.assign(start, kLongLinePrefixBytes);
    dropped_bytes_ = scanned_;
    last_dropped_ = start[scanned_ - 1];
    pos_ = end_;
    scanned_ = 0;
    dropping_ = true;
  }

  // Reads to the newline (or the end of the stream) of the long line being dropped, then hands
  // out its prefix. Memory stays at the current buffer size.
  bool DropRestOfLongLine(std::string_view* line) {
    for (;;) {
      const char* start = buf_.get() + pos_;
      const void* nl = std::memchr(start, '\n', end_ - pos_);
      size_t n = nl != nullptr ? static_cast<const char*>(nl) - start : end_ - pos_;
      if (n > 0) last_dropped_ = start[n - 1];
      dropped_bytes_ += n;
      pos_ += n;
      if (nl != nullptr || eof_) break;
      if (!Fill()) return false;
    }
    if (pos_ < end_) ++pos_;  // the newline
    dropping_ = false;
    ++line_number_;
    line_bytes_ = dropped_bytes_ - (last_dropped_ == '\r' ? 1 : 0);
    std::string_view prefix = long_prefix_;
    if (prefix.substr(0, kBomBytes) == std::string_view(kBom, kBomBytes)) {
      prefix.remove_prefix(kBomBytes);
      line_bytes_ -= kBomBytes;
    }
    long_line_ = true;
    *line = prefix.substr(0, kLongLinePrefixBytes);
    return true;
  }

  bool Finish() {
    done_ = true;
    return false;
  }

  bool Fail(Status s) {
    // Errors from the file system already name the path; decoder errors do not.
    if (s.message().rfind(path_, 0) != 0) s = s.WithPrefix(path_);
    status_ = std::move(s);
    done_ = true;
    return false;
  }

  bool TooLong(uint64_t line_number) {
    return Fail(Status::Corruption(path_ + ": line " + std::to_string(line_number) +
                                   " is longer than the limit of " +
                                   std::to_string(max_line_bytes_) + " bytes"));
  }

  // Drops bytes up to and including the first newline: the tail of a line that started before
  // this unit. False if no line of this unit is left.
  bool SkipPartialLine() {
    for (;;) {
      if (base_ + pos_ >= limit_) return Finish();
      const void* nl = std::memchr(buf_.get() + pos_, '\n', end_ - pos_);
      if (nl != nullptr) {
        pos_ = static_cast<const char*>(nl) - buf_.get() + 1;
        skipping_ = false;
        return true;
      }
      pos_ = end_;
      if (eof_) return Finish();
      if (!Fill()) return false;
    }
  }

  // Moves the unread tail to the front, grows the buffer if one line fills it, reads more.
  bool Fill() {
    if (pos_ > 0) {
      std::memmove(buf_.get(), buf_.get() + pos_, end_ - pos_);
      base_ += pos_;
      end_ -= pos_;
      pos_ = 0;
    }
    if (end_ == cap_) {
      size_t cap = std::min(cap_ * 2, max_buffer_bytes_);
      RF_CHECK(cap > cap_);
      std::unique_ptr<char[]> bigger(new char[cap]);
      std::memcpy(bigger.get(), buf_.get(), end_);
      buf_ = std::move(bigger);
      cap_ = cap;
    }
    size_t got = 0;
    Status s = stream_->Read(buf_.get() + end_, cap_ - end_, &got);
    if (!s.ok()) return Fail(std::move(s));
    if (got == 0) eof_ = true;
    end_ += got;
    bytes_read_ += got;
    return true;
  }

  std::string path_;
  const size_t max_line_bytes_;
  const size_t max_buffer_bytes_;
  const bool skip_long_lines_;
  std::unique_ptr<InputStream> stream_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t pos_ = 0;      // next unread byte in buf_
  size_t end_ = 0;      // end of valid bytes in buf_
  size_t scanned_ = 0;  // bytes after pos_ known to hold no newline
  uint64_t base_ = 0;   // stream offset of buf_[0]
  uint64_t limit_;      // lines starting at this stream offset or later belong to the next unit
  bool skipping_;
  bool eof_ = false;
  bool done_ = false;
  uint64_t line_number_ = 0;
  uint64_t line_bytes_ = 0;
  bool long_line_ = false;   // the line last handed out was cut
  bool dropping_ = false;    // inside a long line: reading to its end without keeping it
  std::string long_prefix_;  // its first bytes
  uint64_t dropped_bytes_ = 0;
  char last_dropped_ = 0;  // its last byte so far (a '\r' before the newline is not counted)
  uint64_t stored_bytes_read_ = 0;
  uint64_t bytes_read_ = 0;
  Status status_;
};

}  // namespace

Status LineReader::Open(FileSystem& fs, const FileInfo& file, const InputUnit& unit,
                        std::unique_ptr<LineReader>* out) {
  return Open(fs, file, unit, LineReaderOptions(), out);
}

Status LineReader::Open(FileSystem& fs, const FileInfo& file, const InputUnit& unit,
                        const LineReaderOptions& options, std::unique_ptr<LineReader>* out) {
  if (options.max_line_bytes < kLongLinePrefixBytes) {
    return Status::InvalidArgument(file.path + ": max_line_bytes must be at least " +
                                   std::to_string(kLongLinePrefixBytes));
  }
  if (unit.end < unit.begin) {
    return Status::InvalidArgument(file.path + ": bad unit [" + std::to_string(unit.begin) + ", " +
                                   std::to_string(unit.end) + ")");
  }
  if (unit.begin == 0) {
    std::unique_ptr<InputStream> raw;
    RF_RETURN_IF_ERROR(OpenRange(fs, file.path, 0, StreamEnd(file, unit), &raw));
    auto reader = std::make_unique<LineReaderImpl>(file.path, options, unit.end, false);
    raw = std::make_unique<CountingStream>(std::move(raw), reader->stored_counter());
    std::unique_ptr<InputStream> decoded;
    bool is_gzip = false;
    Status s = OpenDecodingStream(std::move(raw), &decoded, &is_gzip);
    if (!s.ok()) return s.message().rfind(file.path, 0) == 0 ? s : s.WithPrefix(file.path);
    // A gzip file is one unit whatever its range says (a misnamed .gz split by size): the unit
    // that starts at 0 reads all of it, the others nothing.
    if (is_gzip) reader->set_limit(FileSystem::kToEnd);
    reader->SetStream(std::move(decoded));
    *out = std::move(reader);
    return Status::OK();
  }
  Result<bool> gzip = FileStartsWithGzipMagic(fs, file.path);
  if (!gzip.ok()) return gzip.status();
  if (gzip.value()) {
    *out = LineReaderImpl::Empty(file.path);
    return Status::OK();
  }
  // Open one byte early: a line starts inside the range iff the byte before it is a newline.
  uint64_t open_at = unit.begin - 1;
  std::unique_ptr<InputStream> raw;
  RF_RETURN_IF_ERROR(OpenRange(fs, file.path, open_at, StreamEnd(file, unit), &raw));
  auto reader = std::make_unique<LineReaderImpl>(file.path, options, unit.end - open_at, true);
  raw = std::make_unique<CountingStream>(std::move(raw), reader->stored_counter());
  reader->SetStream(std::move(raw));
  *out = std::move(reader);
  return Status::OK();
}

Status LineReader::Open(FileSystem& fs, const FileInfo& file, std::unique_ptr<LineReader>* out) {
  InputUnit whole;
  whole.begin = 0;
  whole.end = FileSystem::kToEnd;
  return Open(fs, file, whole, out);
}

}  // namespace rankflow
