// Internal to runtime/parquet/: reads one column chunk of a row group (its bytes in memory) page by
// page into ParquetColumnBatch rows: page headers checked before thrift reads them, pages
// decompressed, levels and values decoded (decoders.h), dictionary pages kept for the chunk.
// ParquetFileReader::ReadRowGroup runs one per requested column. Errors are Corruption (or the
// decompressor's) naming file and column. Not thread-safe; the reader keeps references to the
// path, leaf and limits it is given, which must outlive it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "runtime/parquet/decoders.h"
#include "runtime/parquet/parquet_reader.h"
#include "runtime/parquet/parquet_types.h"
#include "runtime/status.h"

namespace rankflow::pq {

class ColumnChunkReader {
 public:
  ColumnChunkReader(const std::string& path, const ParquetLeaf& leaf,
                    const ParquetReadLimits& limits)
      : path_(path), leaf_(leaf), limits_(limits) {}

  void Init(std::shared_ptr<const std::string> chunk, int codec, int64_t num_values) {
    chunk_ = std::move(chunk);
    codec_ = codec;
    num_values_ = num_values;
  }

  // Appends up to max_rows whole rows to *batch; *rows = how many (fewer only at the chunk's end).
  Status ReadRows(size_t max_rows, ParquetColumnBatch* batch, size_t* rows);
  // Instead of rows, the whole chunk counted: the occurrences of each dictionary value
  // (dictionary()) added into *dict_counts (resized to the dictionary's size), and every value of
  // the pages that are not dictionary-encoded appended to *others, kept alive by *buffers (with
  // the dictionary's). Null values are not counted. A dictionary-encoded page costs its levels
  // and its indices (no value is looked up). Errors as ReadRows'.
  Status CountValues(std::vector<uint64_t>* dict_counts, pq::Values* others,
                     std::vector<std::shared_ptr<const std::string>>* buffers);
  const pq::Values& dictionary() const { return dict_; }
  // True if entries remain after the rows read so far.
  Status AtEnd(bool* at_end) {
    if (entry_pos_ < page_entries_) {
      *at_end = false;
      return Status::OK();
    }
    bool got = false;
    RF_RETURN_IF_ERROR(NextPage(&got));
    *at_end = !got;
    return Status::OK();
  }

 private:
  Status Bad(const std::string& what) const {
    return Status::Corruption(path_ + ": column " + leaf_.path + ": " + what);
  }
  Status WithWhere(const Status& s) const {
    return Status(s.code(), path_ + ": column " + leaf_.path + ": " + s.message());
  }
  Status NextPage(bool* got);
  Status LoadPageBytes(const uint8_t* data, size_t size, size_t uncompressed, bool compressed,
                       std::shared_ptr<const std::string>* buf, const uint8_t** out);
  Status DecodeDictionary(const ::parquet::PageHeader& h, const uint8_t* data, size_t size);
  Status DecodeDataPage(const ::parquet::PageHeader& h, const uint8_t* data, size_t size);
  Status DecodeLevelsV1(int max_level, int encoding, const uint8_t** p, const uint8_t* end,
                        size_t n, std::vector<int16_t>* out);
  Status DecodePageValues(int encoding, const uint8_t* data, size_t size);
  void AppendValues(size_t from, size_t to, pq::Values* out) const;

  const std::string& path_;
  const ParquetLeaf& leaf_;
  const ParquetReadLimits& limits_;
  std::shared_ptr<const std::string> chunk_;
  int codec_ = 0;
  int64_t num_values_ = 0;
  uint64_t pos_ = 0;          // next page header in chunk_
  int64_t entries_seen_ = 0;  // level entries of the pages loaded so far
  pq::Values dict_;
  bool have_dict_ = false;
  std::shared_ptr<const std::string> dict_buf_;
  // The current data page.
  std::shared_ptr<const std::string> page_buf_;
  std::shared_ptr<std::string> page_scratch_;  // DELTA_BYTE_ARRAY strings of the page
  std::vector<int16_t> page_def_;
  std::vector<int16_t> page_rep_;
  pq::Values page_values_;
  size_t page_entries_ = 0;
  size_t entry_pos_ = 0;
  size_t value_pos_ = 0;
  bool page_is_new_ = false;  // its buffers are not yet in the current batch
  // CountValues: where dictionary-encoded pages are counted; page_counted_: the current page was.
  std::vector<uint64_t>* counts_ = nullptr;
  bool page_counted_ = false;
};

}  // namespace rankflow::pq
