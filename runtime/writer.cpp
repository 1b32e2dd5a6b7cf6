#include "runtime/writer.h"

#include <zlib.h>

#include <cstring>

namespace rankflow {
namespace {

constexpr size_t kFlushBytes = 1 << 20;
constexpr size_t kDeflateChunkBytes = 256 << 10;
constexpr int kGzipLevel = 6;

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

std::string CsvQuote(std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(field);
  std::string out;
  out.reserve(field.size() + 2);
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
  return out;
}

// Streaming gzip (one member) into the file, in fixed-size output steps.
class RecordWriter::Compressor {
 public:
  Compressor() : out_(new unsigned char[kDeflateChunkBytes]) {
    std::memset(&zs_, 0, sizeof zs_);
    ok_ = deflateInit2(&zs_, kGzipLevel, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK;
  }
  ~Compressor() {
    if (ok_) deflateEnd(&zs_);
  }

  Status Compress(std::string_view data, bool finish, WritableFile& file) {
    if (!ok_) return Status::Internal(file.path() + ": zlib deflateInit2 failed");
    zs_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs_.avail_in = static_cast<uInt>(data.size());
    int flush = finish ? Z_FINISH : Z_NO_FLUSH;
    for (;;) {
      zs_.next_out = out_.get();
      zs_.avail_out = kDeflateChunkBytes;
      int rc = deflate(&zs_, flush);
      if (rc == Z_STREAM_ERROR) return Status::Internal(file.path() + ": zlib deflate failed");
      size_t have = kDeflateChunkBytes - zs_.avail_out;
      if (have > 0) {
        RF_RETURN_IF_ERROR(
            file.Append(std::string_view(reinterpret_cast<char*>(out_.get()), have)));
      }
      if (finish ? rc == Z_STREAM_END : (zs_.avail_in == 0 && zs_.avail_out != 0)) break;
    }
    return Status::OK();
  }

 private:
  z_stream zs_;
  bool ok_ = false;
  std::unique_ptr<unsigned char[]> out_;
};

RecordWriter::RecordWriter(std::unique_ptr<WritableFile> file, OutputFormat format,
                           const std::vector<std::string>& csv_header)
    : RecordWriter(file.get(), format, csv_header) {
  owned_ = std::move(file);
}

RecordWriter::RecordWriter(WritableFile* file, OutputFormat format,
                           const std::vector<std::string>& csv_header)
    : file_(file), format_(format) {
  RF_CHECK(file_ != nullptr);
  buffer_.reserve(kFlushBytes + 4096);
  if (format_ == OutputFormat::kJsonlGz) gz_ = std::make_unique<Compressor>();
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
  return buffer_.size() >= kFlushBytes ? Flush() : Status::OK();
}

Status RecordWriter::WriteCsvRow(const std::vector<std::string>& fields) {
  if (!status_.ok()) return status_;
  if (finished_) return Status::Internal(file_->path() + ": write after Finish");
  if (format_ != OutputFormat::kCsv) {
    return Status::InvalidArgument(file_->path() + ": WriteCsvRow on a jsonl writer");
  }
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) buffer_.push_back(',');
    if (fields[i].find_first_of(",\"\r\n") == std::string::npos) {
      buffer_ += fields[i];
    } else {
      buffer_ += CsvQuote(fields[i]);
    }
  }
  buffer_.push_back('\n');
  ++records_;
  return buffer_.size() >= kFlushBytes ? Flush() : Status::OK();
}

Status RecordWriter::Finish() {
  if (!status_.ok()) return status_;
  if (finished_) return Status::OK();
  status_ = Flush();
  if (status_.ok() && gz_ != nullptr) status_ = gz_->Compress({}, true, *file_);
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

Status RecordWriter::Emit(std::string_view data) {
  if (gz_ != nullptr) return gz_->Compress(data, false, *file_);
  return file_->Append(data);
}

}  // namespace rankflow
