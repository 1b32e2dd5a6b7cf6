// The table schemas rankflow writes as Parquet (runtime/parquet/parquet_writer.h): a flat list of
// columns, each a value type, nullable or not, or a LIST of that type. How each maps onto the
// format (parquet.thrift, LogicalTypes.md):
//
//   ParquetType        physical      logical type (and the deprecated converted type)
//   kBool              BOOLEAN       —
//   kInt32             INT32         INT(32, signed)   (INT_32)
//   kInt64             INT64         INT(64, signed)   (INT_64)
//   kDouble            DOUBLE        —
//   kString            BYTE_ARRAY    STRING            (UTF8)   bytes as given; UTF-8 is the
//   caller's kTimestampMillis   INT64         TIMESTAMP(isAdjustedToUTC=true, MILLIS)
//   (TIMESTAMP_MILLIS)
//
// A plain column is one leaf: `optional` when nullable, else `required`. A list column is the
// spec's 3-level LIST:
//   <optional|required> group NAME (LIST) {
//     repeated group list { <optional|required> T element; }
//   }
// where the outer repetition is `nullable` (a null list vs an empty one) and the element's is
// `element_nullable`. Levels: max repetition 1; max definition = nullable + 1 + element_nullable.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow {

enum class ParquetType { kBool, kInt32, kInt64, kDouble, kString, kTimestampMillis };

// "bool" | "int32" | "int64" | "double" | "string" | "timestamp_ms": for messages and tests.
const char* ParquetTypeName(ParquetType type);

struct ParquetColumn {
  std::string name;  // non-empty, unique in the schema
  ParquetType type = ParquetType::kString;
  bool nullable = true;           // plain column: optional value; list column: the list may be null
  bool list = false;              // LIST<type>
  bool element_nullable = false;  // list columns only: elements may be null

  static ParquetColumn Required(std::string name, ParquetType type) {
    return {std::move(name), type, false, false, false};
  }
  static ParquetColumn Optional(std::string name, ParquetType type) {
    return {std::move(name), type, true, false, false};
  }
  // A list that may be null, of elements that may not (what JSON arrays of strings become).
  static ParquetColumn List(std::string name, ParquetType element, bool nullable = true,
                            bool element_nullable = false) {
    return {std::move(name), element, nullable, true, element_nullable};
  }
};

// InvalidArgument naming the first problem: no columns, an empty or duplicate name,
// element_nullable on a plain column.
Status ValidateParquetSchema(const std::vector<ParquetColumn>& columns);

// Page compression. Snappy is the default, as in Spark; gzip is RFC 1952 (one member per page).
enum class ParquetCompression { kUncompressed, kSnappy, kGzip, kZstd };

// "uncompressed" | "none" | "snappy" | "gzip" | "zstd" (case-insensitive); InvalidArgument
// naming the value otherwise.
Result<ParquetCompression> ParseParquetCompression(const std::string& name);
const char* ParquetCompressionName(ParquetCompression codec);  // "snappy", …

}  // namespace rankflow
