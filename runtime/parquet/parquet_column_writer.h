// ParquetColumnWriter: one column of a ParquetWriter (parquet_writer.h) — the open data page
// (levels and values), the dictionary, the finished pages of the current row group and the
// column chunk's statistics. The writer checks the schema; this class trusts its caller.
// Internal to runtime/parquet. Not thread-safe.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/parquet/page_compressor.h"
#include "runtime/parquet/parquet_schema.h"
#include "runtime/parquet/parquet_types.h"
#include "runtime/status.h"

namespace rankflow {
struct ParquetWriterOptions;
}  // namespace rankflow

namespace rankflow::pq {

// The physical type a column's values are stored as.
parquet::Type::type ThriftPhysicalType(ParquetType type);

class ParquetColumnWriter {
 public:
  ParquetColumnWriter(const ParquetColumn& spec, const ParquetWriterOptions& options);

  const ParquetColumn& spec() const { return spec_; }

  // Entries of the current row: a value or a null at the top level, or a whole list.
  int row_entries() const { return row_entries_; }
  bool in_list() const { return in_list_; }
  void StartRow() { row_entries_ = 0; }

  // A value (a list element inside BeginList/EndList). Int covers int32, int64 and timestamps.
  void Int(int64_t v);
  void Double(double v);
  void Bool(bool v);
  void String(std::string_view v);
  // A null value, a null list, or (inside a list) a null element.
  void Null();
  void BeginList();
  void EndList();

  // Called after each row: falls back to PLAIN when the dictionary grew past its limit and cuts
  // the open page when it is full.
  //
  // Strings of a dictionary column are looked up in batches (LookUpPending), not one by one:
  // String keeps the value and its hash, and a batch first prefetches every value's hash table
  // slot, then the entries those slots point to, then looks the values up in order, so that their
  // cache misses overlap instead of coming one after another. The result is the same as looking
  // each value up at once: a batch is looked up before anything reads the dictionary or the page's
  // indices (a page cut, the end of the chunk) and before a row after which the dictionary could
  // have passed dictionary_bytes.
  Status AfterRow(PageCompressor* compressor) {
    if (!pending_hashes_.empty() && PendingMustBeLookedUp()) LookUpPending();
    if (page_bytes() < page_limit_ && (mode_ == Mode::kPlain || !DictionaryNeedsCheck())) {
      return Status::OK();
    }
    return CheckPageAndDictionary(compressor);
  }
  // Bytes held for the current row group: finished pages, the open page, the dictionary.
  uint64_t buffered_bytes() const {
    // The dictionary's hash table (a quarter to half full), hashes and offsets count too, per
    // entry, so a large dictionary of short values ends the row group early instead of growing
    // memory past row_group_bytes. Strings not yet looked up count as if each were a new entry.
    return chunk_.size() + page_bytes() + dict_plain_.size() + pending_bytes_.size() +
           pending_hashes_.size() * 4 +
           (uint64_t{dict_count_} + pending_hashes_.size()) * kEntryBytes;
  }

  // Cuts the open page, then hands the column chunk (dictionary page, data pages) to `write` and
  // fills *chunk; `offset` is the file offset where its first byte lands. Resets the column for
  // the next row group (not after a failed write: the writer stays failed then).
  Status FinishChunk(PageCompressor* compressor, uint64_t offset,
                     const std::function<Status(std::string_view)>& write,
                     parquet::ColumnChunk* chunk);

 private:
  enum class Mode { kDictionary, kPlain };
  struct Slot {
    uint32_t tag = 0;             // the high 32 bits of the entry's hash
    uint32_t index_plus_one = 0;  // 0: empty
  };
  // Bytes per dictionary entry besides its PLAIN bytes: 4 slots, its hash, its offset.
  static constexpr uint64_t kEntryBytes = 4 * sizeof(Slot) + sizeof(uint64_t) + sizeof(uint32_t);

  void Level(uint8_t def);
  void Fixed(uint64_t bits, int width);
  // The dictionary index of a value (hash, equal(index), add() appends it as a new entry).
  template <typename Equal, typename Add>
  uint32_t DictionaryIndex(uint64_t hash, Equal equal, Add add, bool* added);
  uint32_t DictionaryIndexFixed(uint64_t bits, int width, bool* added);
  uint32_t DictionaryIndexString(std::string_view v, uint64_t hash, bool* added);
  bool PendingMustBeLookedUp() const {
    return pending_hashes_.size() >= kLookUpBatch ||
           dict_plain_.size() + pending_bytes_.size() + 4 * pending_hashes_.size() > dict_limit_;
  }
  void LookUpPending();
  bool DictionaryNeedsCheck() const;
  Status CheckPageAndDictionary(PageCompressor* compressor);
  void GrowDictionary();
  std::string_view DictionaryString(uint32_t index) const;
  void UpdateStats(int64_t v);
  void UpdateStats(double v);
  void UpdateStats(std::string_view v);
  uint64_t page_bytes() const {
    return plain_.size() + (indices_.size() + pending_hashes_.size()) * sizeof(uint32_t) +
           def_.size() + rep_.size();
  }
  bool DictionaryPays() const;
  void ConvertPageToPlain();
  void DropDictionary();
  Status CutPage(PageCompressor* compressor);
  // Appends a page whose body is head + tail (levels, then values).
  Status AppendPage(PageCompressor* compressor, parquet::PageType::type type, std::string_view head,
                    std::string_view tail, int32_t num_values, parquet::Encoding::type encoding);
  void SetStatistics(parquet::ColumnMetaData* meta) const;
  void ResetChunk();

  ParquetColumn spec_;
  const ParquetWriterOptions& options_;
  int width_;  // bytes per PLAIN value: 4 or 8 (0: string, 1: bool as one byte per value here)
  uint8_t max_def_;
  uint8_t max_rep_;
  Mode initial_mode_;
  uint64_t page_limit_;  // options_.page_bytes
  uint64_t dict_limit_;  // options_.dictionary_bytes

  // The current row.
  int row_entries_ = 0;
  bool in_list_ = false;
  bool list_started_ = false;

  // The open page.
  std::vector<uint8_t> def_;
  std::vector<uint8_t> rep_;
  std::string plain_;              // PLAIN values (bools: one byte each, packed at the cut)
  std::vector<uint32_t> indices_;  // dictionary indices
  // Strings not yet looked up in the dictionary, in order: hashes, and where each one's bytes end
  // in pending_bytes_ (the previous one's end is where they start). At most kLookUpBatch.
  static constexpr size_t kLookUpBatch = 64;
  std::vector<uint64_t> pending_hashes_;
  std::vector<size_t> pending_ends_;
  std::string pending_bytes_;
  uint64_t page_levels_ = 0;       // entries (values and nulls)
  uint64_t page_plain_bytes_ = 0;  // what the page's values would take PLAIN

  // The dictionary of the current column chunk.
  Mode mode_;
  std::string dict_plain_;              // PLAIN entries: the dictionary page's body
  std::vector<uint64_t> dict_keys_;     // fixed width: each entry's bits
  std::vector<uint32_t> dict_offsets_;  // strings: where each entry's bytes start in dict_plain_
  std::vector<uint64_t> dict_hashes_;   // each entry's hash, to re-place it when the table grows
  std::vector<Slot> slots_;
  uint32_t dict_count_ = 0;
  bool dictionary_used_ = false;  // some data page refers to it: the chunk needs its page
  bool probed_ = false;           // the dictionary was judged on the chunk's first values

  // The finished pages of the current column chunk.
  std::string chunk_;
  std::string scratch_;
  uint64_t chunk_uncompressed_ = 0;  // headers + uncompressed bodies
  uint64_t chunk_values_ = 0;
  int32_t pages_ = 0;
  int32_t dictionary_data_pages_ = 0;
  int32_t plain_data_pages_ = 0;

  // Statistics of the current column chunk.
  uint64_t null_count_ = 0;
  bool has_min_max_ = false;
  int64_t min_int_ = 0, max_int_ = 0;
  double min_double_ = 0, max_double_ = 0;
  std::string min_string_, max_string_;
};

}  // namespace rankflow::pq
