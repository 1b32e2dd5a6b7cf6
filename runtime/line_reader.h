// LineReader: the lines of one input unit, streamed with bounded memory whatever the file size.
// Gzip is detected by its magic bytes (so misnamed files work), inflated with ISA-L (zlib as the
// fallback), multi-member files are read to the last member. Lines end at "\n"; a trailing "\r" is
// dropped (CRLF streams); the last line needs no newline. Empty lines are skipped. A UTF-8 byte
// order mark (EF BB BF) at the start of any line is dropped (one 3-byte compare per line; a BOM
// also appears mid-file when BOM-prefixed files are concatenated).
//
// Memory per reader: a 1 MiB compressed-input buffer, the decoder state and a 4 MiB line buffer
// that grows only while one line is longer than it, up to max_line_bytes + 4 MiB. A longer line is
// never held whole: either the reader fails (the default, Corruption naming the file and line) or,
// with skip_long_lines, it reads through the line to its newline, dropping the bytes, and hands out
// only the line's first bytes with long_line() set, so the caller can count it as a bad record.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/fs.h"
#include "runtime/input.h"
#include "runtime/status.h"

namespace rankflow {

struct LineReaderOptions {
  static constexpr uint64_t kDefaultMaxLineBytes = 64 << 20;
  // Longest line handed out whole (bytes, without its line ending).
  uint64_t max_line_bytes = kDefaultMaxLineBytes;
  // false: a longer line is `Corruption: PATH: line N is longer than the limit of M bytes` and ends
  // the reader. true: it is skipped (see Next and long_line) and reading goes on.
  bool skip_long_lines = false;
};

class LineReader {
 public:
  virtual ~LineReader() = default;

  // Opens the unit's byte range. For a range that does not start at 0 the partial first line is
  // skipped; the last line is read past `end` to its newline.
  static Status Open(FileSystem& fs, const FileInfo& file, const InputUnit& unit,
                     std::unique_ptr<LineReader>* out);
  static Status Open(FileSystem& fs, const FileInfo& file, const InputUnit& unit,
                     const LineReaderOptions& options, std::unique_ptr<LineReader>* out);
  // Opens a whole file.
  static Status Open(FileSystem& fs, const FileInfo& file, std::unique_ptr<LineReader>* out);

  // The next line, without its line ending (and without a leading BOM); valid until the next
  // call. False at the end of the unit or on error: then status() says which. A line longer than
  // max_line_bytes is an error, or with skip_long_lines a true return whose *line holds only the
  // line's first kLongLinePrefixBytes bytes and long_line() is true.
  virtual bool Next(std::string_view* line) = 0;
  // True if the line last returned was longer than max_line_bytes and was cut (skip_long_lines).
  virtual bool long_line() const = 0;
  // Length in bytes of the line last returned as it was in the input (without its line ending and
  // BOM): line.size(), or the full length of a cut long line.
  virtual uint64_t line_bytes() const = 0;
  static constexpr size_t kLongLinePrefixBytes = 256;
  virtual const Status& status() const = 0;
  // 1-based number of the line last returned, counted from the unit's start.
  virtual uint64_t line_number() const = 0;
  // Stored (compressed) bytes consumed so far, for progress.
  virtual uint64_t stored_bytes_read() const = 0;
  // Uncompressed bytes consumed so far.
  virtual uint64_t bytes_read() const = 0;
};

// A decompressing stream over another stream: gzip (multi-member) if it starts with the gzip
// magic, else a pass-through. Exposed for tests and for small files read whole.
Status NewDecodingStream(std::unique_ptr<InputStream> raw, std::unique_ptr<InputStream>* out);

}  // namespace rankflow
