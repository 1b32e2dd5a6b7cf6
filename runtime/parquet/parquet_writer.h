// ParquetWriter: the "parquet" output format. Writes one Parquet file (format version 1, data
// pages v1 — what every reader takes: DuckDB, Spark, Athena/Trino, pandas/pyarrow, Polars) through
// a WritableFile such as an OutputCommitter part, so the part stays invisible until the commit
// (on S3: a multipart upload completed by the commit).
//
//   ParquetWriter w(committer.NewPart("parquet"),
//                   {ParquetColumn::Required("id", ParquetType::kInt64),
//                    ParquetColumn::Optional("created_at", ParquetType::kTimestampMillis),
//                    ParquetColumn::Optional("text", ParquetType::kString),
//                    ParquetColumn::List("hashtags", ParquetType::kString)});
//   RF_RETURN_IF_ERROR(w.status());            // schema / option errors
//   for (each record) {
//     w.AppendInt64(0, id);
//     w.AppendTimestampMillis(1, ms);          // or w.AppendNull(1)
//     w.AppendString(2, text);
//     w.BeginList(3);
//     for (tag : tags) w.AppendString(3, tag);
//     w.EndList(3);                            // no elements between: an empty list
//     RF_RETURN_IF_ERROR(w.EndRow());
//   }
//   RF_RETURN_IF_ERROR(w.Finish());            // then committer.SetRecords(part, w.records())
//
// What the file holds (runtime/README.md, "I/O: writers", has the details):
// - Row groups of about `row_group_bytes` of encoded, compressed data; data pages of about
//   `page_bytes` (cut at row boundaries). Columns are dictionary encoded (RLE_DICTIONARY: a PLAIN
//   dictionary page first, then RLE/bit-packed indices) while that pays: a column chunk whose
//   first page (numbers: first 4096 values) is not smaller that way is written PLAIN from the
//   start, and one whose dictionary grows past `dictionary_bytes` falls back to PLAIN for the rest
//   of the row group. Booleans are PLAIN.
// - Definition levels for nullable columns and lists, repetition levels for lists (RLE).
// - Column chunk statistics: null_count, min_value/max_value in the column's order (signed for
//   numbers and timestamps, unsigned bytes for strings, false < true; NaN ignored, a zero min is
//   -0.0 and a zero max +0.0), and the deprecated min/max where the order is signed (not strings);
//   string bounds are left out when a bound is longer than 4 KiB. For list columns the statistics
//   are over the elements, and null_count counts the entries without a value (a null list, an
//   empty list, a null element).
// - FileMetaData with the schema (logical and converted types), column orders,
//   created_by "rankflow version 0.1.0", and the optional key/value metadata.
//
// Memory: the current row group is buffered, encoded and compressed, per column; it is written
// out, column after column, at the EndRow where the buffered bytes (finished pages, open pages,
// dictionaries with their hash tables; buffered_bytes()) reach `row_group_bytes`. At any time the
// writer holds at most about
//   row_group_bytes + one row
// plus one compression buffer of about page_bytes and, while a chunk is written out, its
// dictionary page. Defaults: ~130 MiB. Jobs with a small --memory-mb should pass a smaller
// row_group_bytes.
//
// Errors: a call that does not fit the schema (a string into an int64 column, a null into a
// required one, a column left out of a row or given twice, EndList without BeginList, …) is
// InvalidArgument naming the column and the row, returned by the next EndRow/Finish; it is a
// caller's bug, so the writer stays failed: every later call returns that error. A write error of
// the file is the same. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/fs.h"
#include "runtime/parquet/parquet_schema.h"
#include "runtime/status.h"

namespace rankflow {

namespace pq {
class ParquetColumnWriter;  // parquet_column_writer.h
class PageCompressor;       // page_compressor.h
}  // namespace pq

struct ParquetWriterOptions {
  ParquetCompression compression = ParquetCompression::kSnappy;
  // 0: the codec's default (zstd 3, gzip 6); ignored by snappy and uncompressed.
  int compression_level = 0;
  // Buffered (encoded, compressed) bytes at which a row group is written out. At least 1.
  uint64_t row_group_bytes = uint64_t{128} << 20;
  // Bytes of an open data page (PLAIN values or 4 per dictionary index, plus 1 per level) at which
  // it is cut, at the end of a row. 1 to 1 GiB.
  uint64_t page_bytes = uint64_t{1} << 20;
  bool dictionary = true;
  // PLAIN-encoded size of a column chunk's dictionary past which the column falls back to PLAIN.
  uint64_t dictionary_bytes = uint64_t{1} << 20;
  // FileMetaData.key_value_metadata, in this order (none when empty).
  std::vector<std::pair<std::string, std::string>> key_value_metadata;
};

class ParquetWriter {
 public:
  // Writes the magic "PAR1" at once. `file` is borrowed and must outlive the writer. A bad schema
  // or option is InvalidArgument, in status() and returned by every later call.
  ParquetWriter(WritableFile* file, std::vector<ParquetColumn> schema,
                ParquetWriterOptions options = {});
  // The same, owning the file (tests, single files).
  ParquetWriter(std::unique_ptr<WritableFile> file, std::vector<ParquetColumn> schema,
                ParquetWriterOptions options = {});
  ~ParquetWriter();
  ParquetWriter(const ParquetWriter&) = delete;
  ParquetWriter& operator=(const ParquetWriter&) = delete;

  const Status& status() const { return status_; }
  const std::vector<ParquetColumn>& schema() const { return schema_; }
  // The index of the column named `name`, or -1.
  int ColumnIndex(std::string_view name) const;

  // One row = for every column (in any order) exactly one of:
  //   - a value: the Append call of the column's type (kTimestampMillis: AppendTimestampMillis,
  //     milliseconds since the Unix epoch, UTC);
  //   - AppendNull: a null value or a null list (nullable columns only);
  //   - a list (list columns): BeginList, then per element its value call or AppendNull (if
  //     element_nullable), then EndList.
  // then EndRow. `column` is the index in the schema. Each call costs a few nanoseconds: a type
  // check, and an append to the column's page buffer or a dictionary lookup.
  void AppendBool(size_t column, bool value);
  void AppendInt32(size_t column, int32_t value);
  void AppendInt64(size_t column, int64_t value);
  void AppendDouble(size_t column, double value);
  void AppendString(size_t column, std::string_view value);
  void AppendTimestampMillis(size_t column, int64_t millis);
  void AppendNull(size_t column);
  void BeginList(size_t column);
  void EndList(size_t column);
  // Ends the row: checks that every column got exactly one entry, cuts pages that are full and
  // writes the row group out once it reached row_group_bytes (IOError from the file then).
  Status EndRow();

  // Writes the last row group and the footer, then calls WritableFile::Finish(). A row left
  // unfinished (values appended without EndRow) is InvalidArgument. Idempotent once it succeeded.
  Status Finish();

  WritableFile& file() { return *file_; }
  uint64_t records() const { return rows_; }  // rows ended with EndRow
  uint64_t bytes() const { return file_->bytes_written(); }
  uint64_t row_groups_written() const { return row_groups_written_; }
  // Bytes the writer holds for the current row group (pages, dictionaries, open pages).
  uint64_t buffered_bytes() const;

 private:
  void Init();
  void Fail(size_t column, const char* call, const char* why);
  pq::ParquetColumnWriter* Expect(size_t column, const char* call, ParquetType type);
  Status FlushRowGroup();
  Status WriteFooter();
  Status Write(std::string_view data);

  std::unique_ptr<WritableFile> owned_;
  WritableFile* file_;
  std::vector<ParquetColumn> schema_;
  ParquetWriterOptions options_;
  std::vector<std::unique_ptr<pq::ParquetColumnWriter>> columns_;
  struct Footer;
  std::unique_ptr<Footer> footer_;  // row groups written so far
  Status status_;
  uint64_t rows_ = 0;
  uint64_t rows_in_group_ = 0;
  uint64_t offset_ = 0;  // bytes appended to the file
  uint64_t row_groups_written_ = 0;
  bool finished_ = false;
};

}  // namespace rankflow
