#include "runtime/writer.h"

#include <cstring>

namespace rankflow {
namespace {

constexpr size_t kFlushBytes = 1 << 20;

}  // namespace

Result<OutputFormat> ParseOutputFormat(const std::string& name) {
  if (name == "jsonl") return OutputFormat::kJsonl;
  if (name == "jsonl.gz") return OutputFormat::kJsonlGz;
  if (name == "csv") return OutputFormat::kCsv;
  return Status::InvalidArgument("unknown output format '" + name +
                                 "' (expected jsonl, jsonl.gz or csv)");
}

const char* OutputFormatExtension(OutputFormat format) {
  switch (format) {
    case OutputFormat::kJsonl:
      return "jsonl";
    case OutputFormat::kJsonlGz:
      return "jsonl.gz";
    case OutputFormat::kCsv:
      return "csv";
  }
  return "jsonl";
}

namespace {

// NUL ends strings in C tools and is not text: it becomes U+FFFD (a visible "something was here";
// the JSON decoder gave it to us from "\u0000").
constexpr std::string_view kCsvSpecial(",\"\r\n\0", 5);
constexpr std::string_view kNulReplacement = "\xEF\xBF\xBD";

void AppendCsvField(std::string_view field, std::string* out) {
  if (field.find_first_of(kCsvSpecial) == std::string_view::npos) {
    out->append(field);
    return;
  }
  const bool quote = field.find_first_of(kCsvSpecial.substr(0, 4)) != std::string_view::npos;
  if (quote) out->push_back('"');
  for (char c : field) {
    if (c == '\0') {
      out->append(kNulReplacement);
      continue;
    }
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  if (quote) out->push_back('"');
}

}  // namespace

std::string CsvQuote(std::string_view field) {
  std::string out;
  out.reserve(field.size() + 2);
  AppendCsvField(field, &out);
  return out;
}

RecordWriter::RecordWriter(std::unique_ptr<WritableFile> file, OutputFormat format,
                           const std::vector<std::string>& csv_header, GzipCodec codec)
    : RecordWriter(file.get(), format, csv_header, codec) {
  owned_ = std::move(file);
}

RecordWriter::RecordWriter(WritableFile* file, OutputFormat format,
                           const std::vector<std::string>& csv_header, GzipCodec codec)
    : file_(file), format_(format), flush_bytes_(kFlushBytes) {
  RF_CHECK(file_ != nullptr);
  if (format_ == OutputFormat::kJsonlGz) {
    gz_ = NewGzipEncoder(codec);
    flush_bytes_ = gz_->input_bytes();
  }
  buffer_.reserve(flush_bytes_ + 4096);
  if (format_ == OutputFormat::kCsv && !csv_header.empty()) {
    for (size_t i = 0; i < csv_header.size(); ++i) {
      if (i > 0) buffer_.push_back(',');
      buffer_ += CsvQuote(csv_header[i]);
    }
    buffer_.push_back('\n');
  }
}

RecordWriter::~RecordWriter() = default;

Status RecordWriter::WriteJson(std::string_view json) {
  if (!status_.ok()) return status_;
  if (finished_) return Status::Internal(file_->path() + ": write after Finish");
  if (format_ == OutputFormat::kCsv) {
    return Status::InvalidArgument(file_->path() + ": WriteJson on a csv writer");
  }
  if (std::memchr(json.data(), '\n', json.size()) != nullptr) {
    return Status::InvalidArgument(file_->path() + ": record " + std::to_string(records_ + 1) +
                                   " holds a raw newline; it would break the jsonl framing");
  }
  buffer_.append(json);
  buffer_.push_back('\n');
  ++records_;
  return buffer_.size() >= flush_bytes_ ? Flush() : Status::OK();
}

Status RecordWriter::WriteCsvRow(const std::vector<std::string>& fields) {
  if (!status_.ok()) return status_;
  if (finished_) return Status::Internal(file_->path() + ": write after Finish");
  if (format_ != OutputFormat::kCsv) {
    return Status::InvalidArgument(file_->path() + ": WriteCsvRow on a jsonl writer");
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) buffer_.push_back(',');
    AppendCsvField(fields[i], &buffer_);
  }
  buffer_.push_back('\n');
  ++records_;
  return buffer_.size() >= flush_bytes_ ? Flush() : Status::OK();
}

Status RecordWriter::Finish() {
  if (!status_.ok()) return status_;
  if (finished_) return Status::OK();
  // The last buffer ends the gzip member in the same call.
  status_ = Emit(buffer_, true);
  buffer_.clear();
  if (status_.ok()) status_ = file_->Finish();
  finished_ = status_.ok();
  return status_;
}

Status RecordWriter::Flush() {
  if (buffer_.empty()) return Status::OK();
  status_ = Emit(buffer_);
  buffer_.clear();
  return status_;
}

Status RecordWriter::Emit(std::string_view data, bool last) {
  if (gz_ != nullptr) return gz_->Compress(data, last, *file_);
  return data.empty() ? Status::OK() : file_->Append(data);
}

}  // namespace rankflow
