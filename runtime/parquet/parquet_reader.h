// ParquetFileReader: reads Parquet files — ours and anyone's (DuckDB, Spark, pandas/Arrow) — a row
// group at a time, only the columns asked for, as column batches whose strings are views into the
// decoded pages (no allocation per row).
//
//   std::unique_ptr<ParquetFileReader> r;
//   RF_RETURN_IF_ERROR(ParquetFileReader::Open(fs, file, {}, &r));   // one ranged read (footer)
//   std::vector<int> cols;
//   RF_RETURN_IF_ERROR(r->ResolveColumns({"id", "hashtags"}, &cols));
//   for (int rg = 0; rg < r->num_row_groups(); ++rg)
//     RF_RETURN_IF_ERROR(r->ReadRowGroup(rg, cols, 65536, [&](const ParquetRowBatch& b) {
//       const ParquetColumnBatch& tags = b.columns[1];
//       for (size_t row = 0; row < b.num_rows; ++row)
//         for (size_t v = tags.ValueBegin(row); v < tags.ValueEnd(row); ++v) Count(tags.String(v));
//       return Status::OK();
//     }));
//
// What is read: Open reads the footer (the last 64 KiB of the file in one ranged read, a second
// read only for a larger footer). ReadRowGroup reads each requested column chunk's byte range in
// one ranged read (on S3 one GET per chunk; other columns' bytes are never fetched) and decodes
// its pages one at a time.
//
// Supported: physical types all; encodings PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY, RLE (booleans),
// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY, BYTE_STREAM_SPLIT; data pages v1
// and v2 and dictionary pages; compression UNCOMPRESSED, SNAPPY, GZIP, ZSTD. Columns: flat
// (required or optional, also inside structs) and lists of primitives (max repetition level 1: the
// 3-level LIST, the legacy 2-level forms and bare repeated fields). Not supported (InvalidArgument
// naming the file and column, only when such a column is requested): nested lists/maps (max
// repetition level > 1), other codecs, encrypted files.
//
// Errors: every error names the file ("/d/x.parquet: …"). A file that is not Parquet, truncated,
// or corrupt anywhere (footer, page header, page data, levels, dictionary) is Corruption; no input
// crashes the reader or makes it allocate more than the limits below allow.
// Not thread-safe; one reader per thread. The FileSystem is borrowed and must outlive the reader.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/fs.h"
#include "runtime/parquet/decoders.h"
#include "runtime/status.h"

namespace parquet {
class FileMetaData;  // generated from parquet.thrift
}

namespace rankflow {

namespace pq {
class ColumnChunkReader;
}

// Hard limits against corrupt or hostile files; each is checked before the allocation it bounds.
struct ParquetReadLimits {
  uint64_t max_footer_bytes = 64u << 20;  // the serialized FileMetaData
  // List and map elements in the footer, all lists together (thrift allocates each list whole,
  // up to ~800 bytes per element: ColumnChunk). Real footers hold ~10 per column chunk.
  uint64_t max_footer_elements = 1u << 20;
  uint64_t max_page_bytes = 256u << 20;   // a page's compressed and uncompressed size
  uint64_t max_page_values = 16u << 20;   // values (level entries) in one page
  uint64_t max_chunk_bytes = 2ull << 30;  // one column chunk's bytes as stored
};

enum class ParquetTimeUnit { kNone, kMillis, kMicros, kNanos };

// One leaf column of the file's schema, with what a caller needs to interpret its values.
struct ParquetLeaf {
  std::string path;      // dotted path from the root: "hashtags.list.element", "user.id"
  std::string top_name;  // the top-level field it belongs to: "hashtags"
  int index = 0;         // position among the file's leaves (= its column chunk index)
  pq::PhysicalType type = pq::PhysicalType::kInt64;
  int type_length = 0;  // FIXED_LEN_BYTE_ARRAY
  int max_def = 0;
  int max_rep = 0;
  // A row is null when its (first) definition level is below row_def: max_def for flat columns,
  // the level at which the list exists for list columns (an empty list has exactly row_def).
  int row_def = 0;
  bool is_list = false;    // max_rep == 1
  bool is_string = false;  // STRING/UTF8, ENUM, JSON annotations (BYTE_ARRAY)
  ParquetTimeUnit time_unit = ParquetTimeUnit::kNone;  // TIMESTAMP(unit) / TIMESTAMP_MILLIS|MICROS
  bool is_date = false;                                // DATE (days since the epoch, INT32)
};

// Decoded rows of one column. Values are dense: only non-null values, in row order. For row r,
// its values are [ValueBegin(r), ValueEnd(r)): one for a non-null flat value, the non-null
// elements of a list (null elements are left out; the levels show them). Strings are views into
// page buffers that the batch keeps alive; they are valid until the callback returns.
struct ParquetColumnBatch {
  const ParquetLeaf* leaf = nullptr;
  pq::Values values;
  std::vector<uint32_t> value_offsets;  // num_rows + 1 entries
  std::vector<uint8_t> row_null;        // 1 when the row's value (flat) or list is null
  // Raw levels, one per entry (empty when the column's max level is 0), and for columns with
  // levels the entries of row r: [entry_offsets[r], entry_offsets[r + 1]) (num_rows + 1 entries).
  // An entry is a value iff its level is max_def; a list element that is null has
  // row_def < level < max_def.
  std::vector<int16_t> def_levels;
  std::vector<int16_t> rep_levels;
  std::vector<uint32_t> entry_offsets;

  bool IsNull(size_t row) const { return row_null[row] != 0; }
  size_t ValueBegin(size_t row) const { return value_offsets[row]; }
  size_t ValueEnd(size_t row) const { return value_offsets[row + 1]; }
  std::string_view String(size_t i) const { return values.strings[i]; }
  int64_t Int(size_t i) const { return values.ints[i]; }
  double Double(size_t i) const { return values.doubles[i]; }

  // Buffers the string views point into (pages, dictionary); internal.
  std::vector<std::shared_ptr<const std::string>> buffers;
};

// A run of rows of one row group: columns[i] is the i-th requested column.
struct ParquetRowBatch {
  const std::string* path = nullptr;
  int row_group = 0;
  uint64_t first_row = 0;  // index of the batch's first row within its row group
  size_t num_rows = 0;
  std::vector<ParquetColumnBatch> columns;
};

using ParquetBatchFn = std::function<Status(const ParquetRowBatch&)>;

// One column of one row group counted instead of read as rows (CountRowGroupValues): value v
// occurs dictionary_counts[i] times for each i with dictionary->strings[i] (ints, doubles) == v,
// plus once for each time it is in `others` (the values of the chunk's pages that are not
// dictionary-encoded, in order). Null values are not counted. Views stay valid until the callback
// returns.
struct ParquetValueCounts {
  const std::string* path = nullptr;
  int row_group = 0;
  uint64_t num_rows = 0;  // the row group's
  const ParquetLeaf* leaf = nullptr;
  const pq::Values* dictionary = nullptr;   // empty when the chunk has no dictionary
  std::vector<uint64_t> dictionary_counts;  // one per dictionary value (empty: none counted)
  pq::Values others;
  std::vector<std::shared_ptr<const std::string>> buffers;  // internal
};

using ParquetValueCountFn = std::function<Status(const ParquetValueCounts&)>;

class ParquetFileReader {
 public:
  // Reads and checks the footer of `file` (file.size must be its size). NotFound/IOError from the
  // file system; Corruption "PATH: not a parquet file (…)" and the like for bad bytes.
  static Status Open(FileSystem& fs, const FileInfo& file, const ParquetReadLimits& limits,
                     std::unique_ptr<ParquetFileReader>* out);
  // The same over a whole file held in memory (tests, fuzzing); `path` is only for messages.
  static Status OpenBytes(std::string path, std::shared_ptr<const std::string> bytes,
                          const ParquetReadLimits& limits, std::unique_ptr<ParquetFileReader>* out);
  ~ParquetFileReader();

  const std::string& path() const { return path_; }
  const std::vector<ParquetLeaf>& leaves() const { return leaves_; }
  int num_row_groups() const;
  int64_t num_rows() const;
  int64_t row_group_rows(int row_group) const;
  // Bytes [begin, end) of the file holding the row group's column chunks; the unit a job claims.
  void RowGroupRange(int row_group, uint64_t* begin, uint64_t* end) const;
  // Bytes of the row group's chunks of `leaves` (compressed, as stored) and uncompressed.
  uint64_t ChunkBytes(int row_group, const std::vector<int>& leaves, bool uncompressed) const;

  // Leaf indexes for names: a leaf's full dotted path, or a top-level field with exactly one leaf
  // (a flat column or a list of primitives: "hashtags"). Empty `names` = every leaf.
  // InvalidArgument "PATH: no column named X (columns: …)", or naming an unsupported column.
  Status ResolveColumns(const std::vector<std::string>& names, std::vector<int>* leaves) const;

  // Decodes row group `row_group` for `leaves` (from ResolveColumns) and calls fn with batches of
  // up to batch_rows rows, in order. fn's error stops the read and is returned as is. With no
  // leaves, fn still gets the row group's row count (batches without columns).
  Status ReadRowGroup(int row_group, const std::vector<int>& leaves, size_t batch_rows,
                      const ParquetBatchFn& fn);
  // For a count of values (a term count): fn once per leaf with the row group's values of that
  // column counted (ParquetValueCounts), no row assembled. A dictionary-encoded page costs its
  // levels and indices only — no value is looked up per occurrence, so a dictionary column is
  // counted at a fraction of ReadRowGroup's cost. Reads the same bytes; errors as ReadRowGroup's,
  // except that a chunk's row count is not checked against the row group's.
  Status CountRowGroupValues(int row_group, const std::vector<int>& leaves,
                             const ParquetValueCountFn& fn);

 private:
  ParquetFileReader() = default;
  Status ReadRange(uint64_t offset, uint64_t length, std::string* out);
  Status ParseFooter(std::string_view tail, uint64_t file_size);
  Status BuildLeaves();
  // A reader over leaf's column chunk of row_group (its bytes read); *leaf_out: the leaf.
  Status OpenChunk(int row_group, int leaf, std::unique_ptr<pq::ColumnChunkReader>* out,
                   const ParquetLeaf** leaf_out);

  std::string path_;
  FileSystem* fs_ = nullptr;
  std::shared_ptr<const std::string> bytes_;  // OpenBytes
  uint64_t size_ = 0;
  ParquetReadLimits limits_;
  std::unique_ptr<::parquet::FileMetaData> meta_;
  std::vector<ParquetLeaf> leaves_;
};

}  // namespace rankflow
