// LineReader: the lines of one input unit, streamed with bounded memory whatever the file size.
// Gzip is detected by its magic bytes (so misnamed files work), inflated with ISA-L (zlib as the
// fallback), multi-member files are read to the last member. Lines end at "\n"; a trailing "\r" is
// dropped (CRLF streams); the last line needs no newline. Empty lines are skipped.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "runtime/fs.h"
#include "runtime/input.h"
#include "runtime/status.h"

namespace rankflow {

class LineReader {
 public:
  virtual ~LineReader() = default;

  // Opens the unit's byte range. For a range that does not start at 0 the partial first line is
  // skipped; the last line is read past `end` to its newline.
  static Status Open(FileSystem& fs, const FileInfo& file, const InputUnit& unit,
                     std::unique_ptr<LineReader>* out);
  // Opens a whole file.
  static Status Open(FileSystem& fs, const FileInfo& file, std::unique_ptr<LineReader>* out);

  // The next line, without its line ending; valid until the next call. False at the end of the
  // unit or on error: then status() says which. A line longer than the limit (64 MiB) is an error.
  virtual bool Next(std::string_view* line) = 0;
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
