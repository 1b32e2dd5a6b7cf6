#include "runtime/parquet/parquet_schema.h"

#include <set>

namespace rankflow {

const char* ParquetTypeName(ParquetType type) {
  switch (type) {
    case ParquetType::kBool:
      return "bool";
    case ParquetType::kInt32:
      return "int32";
    case ParquetType::kInt64:
      return "int64";
    case ParquetType::kDouble:
      return "double";
    case ParquetType::kString:
      return "string";
    case ParquetType::kTimestampMillis:
      return "timestamp_ms";
  }
  return "?";
}

Status ValidateParquetSchema(const std::vector<ParquetColumn>& columns) {
  if (columns.empty()) return Status::InvalidArgument("parquet schema: no columns");
  std::set<std::string> names;
  for (size_t i = 0; i < columns.size(); ++i) {
    const ParquetColumn& c = columns[i];
    if (c.name.empty()) {
      return Status::InvalidArgument("parquet schema: column " + std::to_string(i) +
                                     " has an empty name");
    }
    if (!names.insert(c.name).second) {
      return Status::InvalidArgument("parquet schema: duplicate column name '" + c.name + "'");
    }
    if (!c.list && c.element_nullable) {
      return Status::InvalidArgument("parquet schema: column '" + c.name +
                                     "' is not a list but has element_nullable");
    }
  }
  return Status::OK();
}

Result<ParquetCompression> ParseParquetCompression(const std::string& name) {
  std::string lower;
  for (char c : name) lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  if (lower == "uncompressed" || lower == "none") return ParquetCompression::kUncompressed;
  if (lower == "snappy") return ParquetCompression::kSnappy;
  if (lower == "gzip") return ParquetCompression::kGzip;
  if (lower == "zstd") return ParquetCompression::kZstd;
  return Status::InvalidArgument("unknown parquet compression '" + name +
                                 "' (expected snappy, zstd, gzip or uncompressed)");
}

const char* ParquetCompressionName(ParquetCompression codec) {
  switch (codec) {
    case ParquetCompression::kUncompressed:
      return "uncompressed";
    case ParquetCompression::kSnappy:
      return "snappy";
    case ParquetCompression::kGzip:
      return "gzip";
    case ParquetCompression::kZstd:
      return "zstd";
  }
  return "?";
}

}  // namespace rankflow
