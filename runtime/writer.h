// Record writers: one part file per rank in jsonl, jsonl.gz or csv, written through a WritableFile
// (so invisible until the commit publishes it). Not thread-safe. Numeric outputs in HDF5 have
// their own writer with the same shape: Hdf5PartWriter (hdf5_part_writer.h).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/fs.h"
#include "runtime/gzip_encoder.h"
#include "runtime/status.h"

namespace rankflow {

enum class OutputFormat { kJsonl, kJsonlGz, kCsv };

// "jsonl" | "jsonl.gz" | "csv" -> format; InvalidArgument naming the value otherwise.
Result<OutputFormat> ParseOutputFormat(const std::string& name);
// The file extension without the dot: "jsonl", "jsonl.gz", "csv".
const char* OutputFormatExtension(OutputFormat format);

// Writes records to one WritableFile, compressing for kJsonlGz with `codec` (gzip_encoder.h:
// zlib level 6 by default, ISA-L level 1 for speed).
class RecordWriter {
 public:
  // For kCsv, `csv_header` is written first (column names joined with ',', quoted as needed).
  RecordWriter(std::unique_ptr<WritableFile> file, OutputFormat format,
               const std::vector<std::string>& csv_header = {}, GzipCodec codec = GzipCodec::kZlib);
  // Writes through a file the writer does not own, such as an OutputCommitter part
  // (committer.NewPart(...)); the file must outlive the writer.
  RecordWriter(WritableFile* file, OutputFormat format,
               const std::vector<std::string>& csv_header = {}, GzipCodec codec = GzipCodec::kZlib);
  ~RecordWriter();
  RecordWriter(const RecordWriter&) = delete;
  RecordWriter& operator=(const RecordWriter&) = delete;

  // Records are gathered in a 1 MiB buffer (kJsonlGz: the codec's input size, 1 MiB for zlib and
  // 256 KiB for ISA-L; output in 256 KiB steps) and appended to the file when it fills: memory
  // stays bounded whatever the output size. After a failed append every call returns that error.
  //
  // kJsonl/kJsonlGz: one JSON document (without newline); the writer adds '\n'. A document that
  // holds a raw newline would break the framing: InvalidArgument (not written, writer still
  // usable).
  Status WriteJson(std::string_view json);
  // kCsv: one row of fields, quoted per RFC 4180 as needed (CsvQuote: NUL becomes U+FFFD); the
  // writer adds "\n".
  Status WriteCsvRow(const std::vector<std::string>& fields);
  // Flushes compressed data and calls WritableFile::Finish().
  Status Finish();

  WritableFile& file() { return *file_; }
  uint64_t records() const { return records_; }
  uint64_t bytes() const { return file_->bytes_written(); }

 private:
  Status Emit(std::string_view data, bool last = false);
  Status Flush();
  std::unique_ptr<WritableFile> owned_;
  WritableFile* file_;
  OutputFormat format_;
  std::unique_ptr<GzipEncoder> gz_;
  size_t flush_bytes_;
  std::string buffer_;
  uint64_t records_ = 0;
  Status status_;
  bool finished_ = false;
};

// Quotes one CSV field per RFC 4180 when it holds ',', '"', '\r' or '\n'; a NUL byte becomes
// U+FFFD (EF BF BD), so no CSV file ever holds a NUL.
std::string CsvQuote(std::string_view field);

}  // namespace rankflow
