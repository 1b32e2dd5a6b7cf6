#include "runtime/parquet/parquet_reader.h"

#include <algorithm>
#include <cstring>

#include "runtime/parquet/bits.h"
#include "runtime/parquet/decompress.h"
#include "runtime/parquet/parquet_types.h"
#include "runtime/parquet/thrift_io.h"

namespace rankflow {
namespace {

constexpr uint64_t kTailBytes = 64 << 10;          // one read usually holds the whole footer
constexpr int kMaxSchemaDepth = 64;                // also the nesting bound of thrift structs
constexpr uint64_t kMaxPageHeaderElements = 4096;  // page headers hold no real lists

uint32_t LoadU32(const char* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

// Walks one thrift compact-protocol struct without allocating, before thrift itself reads it:
// every declared length must be backed by bytes, nesting is bounded, and the container elements
// (which thrift allocates up front, up to ~800 bytes each for FileMetaData's structs) are counted.
class CompactScan {
 public:
  CompactScan(const uint8_t* p, const uint8_t* end, uint64_t max_elements)
      : p_(p), end_(end), max_elements_(max_elements) {}
  bool Struct(int depth) {
    if (depth > kMaxSchemaDepth) return false;
    for (;;) {
      if (p_ == end_) return false;
      const uint8_t b = *p_++;
      if (b == 0) return true;  // stop
      uint64_t id = 0;
      if ((b >> 4) == 0 && !pq::ReadUleb128(&p_, end_, &id)) return false;
      if (!Value(b & 0x0f, depth, /*in_container=*/false)) return false;
    }
  }
  bool too_many() const { return elements_ > max_elements_; }

 private:
  bool Skip(uint64_t n) {
    if (static_cast<uint64_t>(end_ - p_) < n) return false;
    p_ += n;
    return true;
  }
  // Every element takes at least one byte, so more elements than bytes left is malformed.
  bool Count(uint64_t n) {
    if (n > static_cast<uint64_t>(end_ - p_)) return false;
    elements_ += n;
    return elements_ <= max_elements_;
  }
  bool Value(int type, int depth, bool in_container) {
    uint64_t v = 0;
    switch (type) {
      case 1:  // booleans: in a field header, or one byte in a container
      case 2:
        return in_container ? Skip(1) : true;
      case 3:
        return Skip(1);
      case 4:
      case 5:
      case 6:
        return pq::ReadUleb128(&p_, end_, &v);
      case 7:
        return Skip(8);
      case 8:
        return pq::ReadUleb128(&p_, end_, &v) && Skip(v);
      case 9:  // list, set
      case 10: {
        if (p_ == end_) return false;
        const uint8_t b = *p_++;
        uint64_t n = b >> 4;
        if (n == 15 && !pq::ReadUleb128(&p_, end_, &n)) return false;
        if (!Count(n)) return false;
        for (uint64_t i = 0; i < n; ++i) {
          if (!Value(b & 0x0f, depth + 1, true)) return false;
        }
        return true;
      }
      case 11: {  // map
        uint64_t n = 0;
        if (!pq::ReadUleb128(&p_, end_, &n)) return false;
        if (n == 0) return true;
        if (p_ == end_) return false;
        const uint8_t kv = *p_++;
        if (!Count(n)) return false;
        for (uint64_t i = 0; i < n; ++i) {
          if (!Value(kv >> 4, depth + 1, true) || !Value(kv & 0x0f, depth + 1, true)) return false;
        }
        return true;
      }
      case 12:
        return Struct(depth + 1);
      default:
        return false;
    }
  }

  const uint8_t* p_;
  const uint8_t* end_;
  uint64_t max_elements_;
  uint64_t elements_ = 0;
};

// ReadThrift after CompactScan: Corruption for malformed or oversized metadata, before thrift
// allocates anything.
template <typename T>
Status ReadCheckedThrift(const uint8_t* data, size_t size, uint64_t max_elements, T* value,
                         size_t* consumed) {
  CompactScan scan(data, data + size, max_elements);
  if (!scan.Struct(0)) {
    if (scan.too_many()) {
      return Status::Corruption("metadata holds more than " + std::to_string(max_elements) +
                                " list elements (the limit)");
    }
    return Status::Corruption("bad thrift metadata: truncated or malformed");
  }
  return ReadThrift(data, size, value, consumed);
}

// The value of a thrift-generated enum field as the i32 the file holds. Those enums have no fixed
// underlying type, so a value outside their names (a newer format's, or a corrupt file's) must
// never be loaded as the enum itself (undefined behaviour; UBSan's enum check reports it).
template <typename E>
int Wire(const E& e) {
  static_assert(sizeof(E) == sizeof(int32_t));
  int32_t v;
  std::memcpy(&v, &e, sizeof v);
  return v;
}

bool IsStringAnnotated(const ::parquet::SchemaElement& e) {
  if (e.__isset.logicalType) {
    const auto& l = e.logicalType;
    if (l.__isset.STRING || l.__isset.ENUM || l.__isset.JSON) return true;
  }
  if (e.__isset.converted_type) {
    return Wire(e.converted_type) == ::parquet::ConvertedType::UTF8 ||
           Wire(e.converted_type) == ::parquet::ConvertedType::ENUM ||
           Wire(e.converted_type) == ::parquet::ConvertedType::JSON;
  }
  return false;
}

ParquetTimeUnit TimeUnitOf(const ::parquet::SchemaElement& e) {
  if (e.__isset.type && Wire(e.type) == ::parquet::Type::INT96) return ParquetTimeUnit::kNanos;
  if (e.__isset.logicalType && e.logicalType.__isset.TIMESTAMP) {
    const auto& u = e.logicalType.TIMESTAMP.unit;
    if (u.__isset.MILLIS) return ParquetTimeUnit::kMillis;
    if (u.__isset.MICROS) return ParquetTimeUnit::kMicros;
    if (u.__isset.NANOS) return ParquetTimeUnit::kNanos;
  }
  if (e.__isset.converted_type) {
    if (Wire(e.converted_type) == ::parquet::ConvertedType::TIMESTAMP_MILLIS) {
      return ParquetTimeUnit::kMillis;
    }
    if (Wire(e.converted_type) == ::parquet::ConvertedType::TIMESTAMP_MICROS) {
      return ParquetTimeUnit::kMicros;
    }
  }
  return ParquetTimeUnit::kNone;
}

bool IsDate(const ::parquet::SchemaElement& e) {
  return (e.__isset.logicalType && e.logicalType.__isset.DATE) ||
         (e.__isset.converted_type && Wire(e.converted_type) == ::parquet::ConvertedType::DATE);
}

// Walks the depth-first schema list, producing one ParquetLeaf per primitive.
class SchemaWalker {
 public:
  SchemaWalker(const std::vector<::parquet::SchemaElement>& schema, std::vector<ParquetLeaf>* out)
      : schema_(schema), out_(out) {}

  Status Walk() {
    if (schema_.empty()) return Status::Corruption("empty schema");
    const auto& root = schema_[0];
    next_ = 1;
    const int64_t children = root.__isset.num_children ? root.num_children : 0;
    for (int64_t i = 0; i < children; ++i) {
      RF_RETURN_IF_ERROR(Node("", "", 0, 0, -1, 1));
    }
    if (next_ != schema_.size()) {
      return Status::Corruption("schema has " + std::to_string(schema_.size() - next_) +
                                " elements outside the tree");
    }
    return Status::OK();
  }

 private:
  Status Node(const std::string& parent, const std::string& top, int def, int rep, int row_def,
              int depth) {
    if (depth > kMaxSchemaDepth) return Status::Corruption("schema nested too deep");
    if (next_ >= schema_.size()) return Status::Corruption("schema ends inside a group");
    const ::parquet::SchemaElement& e = schema_[next_++];
    const std::string path = parent.empty() ? e.name : parent + "." + e.name;
    const std::string& top_name = top.empty() ? e.name : top;
    const int repetition = e.__isset.repetition_type ? Wire(e.repetition_type) : 0;
    if (repetition == ::parquet::FieldRepetitionType::REPEATED) {
      if (rep == 0) row_def = def;  // the list exists at the levels above its repeated node
      ++rep;
      ++def;
    } else if (repetition == ::parquet::FieldRepetitionType::OPTIONAL) {
      ++def;
    }
    const int64_t children = e.__isset.num_children ? e.num_children : 0;
    if (children < 0) return Status::Corruption("negative num_children in the schema");
    if (children > 0 || !e.__isset.type) {
      for (int64_t i = 0; i < children; ++i) {
        RF_RETURN_IF_ERROR(Node(path, top_name, def, rep, row_def, depth + 1));
      }
      return Status::OK();
    }
    const int type = Wire(e.type);
    if (type < 0 || type > static_cast<int>(pq::PhysicalType::kFixedLenByteArray)) {
      return Status::Corruption("column " + path + " has unknown physical type " +
                                std::to_string(type));
    }
    ParquetLeaf leaf;
    leaf.path = path;
    leaf.top_name = top_name;
    leaf.index = static_cast<int>(out_->size());
    leaf.type = static_cast<pq::PhysicalType>(type);
    leaf.type_length = e.__isset.type_length ? e.type_length : 0;
    if (leaf.type == pq::PhysicalType::kFixedLenByteArray && leaf.type_length <= 0) {
      return Status::Corruption("column " + path + " is fixed_len_byte_array without a length");
    }
    leaf.max_def = def;
    leaf.max_rep = rep;
    leaf.is_list = rep == 1;
    leaf.row_def = rep == 0 ? def : row_def;
    leaf.is_string = leaf.type == pq::PhysicalType::kByteArray && IsStringAnnotated(e);
    leaf.time_unit = TimeUnitOf(e);
    leaf.is_date = IsDate(e);
    out_->push_back(std::move(leaf));
    return Status::OK();
  }

  const std::vector<::parquet::SchemaElement>& schema_;
  std::vector<ParquetLeaf>* out_;
  size_t next_ = 0;
};

// Decodes the pages of one column chunk and hands out whole rows.
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
  void AppendValues(size_t from, size_t to, ParquetColumnBatch* batch) const;

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
};

Status ColumnChunkReader::LoadPageBytes(const uint8_t* data, size_t size, size_t uncompressed,
                                        bool compressed, std::shared_ptr<const std::string>* buf,
                                        const uint8_t** out) {
  if (!compressed || codec_ == 0) {
    if (size != uncompressed) {
      return Bad("page of " + std::to_string(size) + " bytes says it holds " +
                 std::to_string(uncompressed) + " uncompressed");
    }
    *buf = chunk_;  // views point into the chunk itself
    *out = data;
    return Status::OK();
  }
  auto s = std::make_shared<std::string>();
  Status st = pq::Decompress(codec_, data, size, uncompressed, s.get());
  if (!st.ok()) return WithWhere(st);
  *out = reinterpret_cast<const uint8_t*>(s->data());
  *buf = std::move(s);
  return Status::OK();
}

Status ColumnChunkReader::NextPage(bool* got) {
  *got = false;
  while (pos_ < chunk_->size()) {
    if (entries_seen_ >= num_values_) break;  // trailing bytes (an index page) after the values
    const uint8_t* base = reinterpret_cast<const uint8_t*>(chunk_->data());
    const size_t left = chunk_->size() - pos_;
    ::parquet::PageHeader h;
    size_t header_bytes = 0;
    Status s = ReadCheckedThrift(base + pos_, left, kMaxPageHeaderElements, &h, &header_bytes);
    if (!s.ok())
      return Bad("page header at chunk offset " + std::to_string(pos_) + ": " + s.message());
    if (h.compressed_page_size < 0 || h.uncompressed_page_size < 0) {
      return Bad("page with a negative size");
    }
    const uint64_t csize = static_cast<uint64_t>(h.compressed_page_size);
    const uint64_t usize = static_cast<uint64_t>(h.uncompressed_page_size);
    if (csize > left - header_bytes) return Bad("page runs past the column chunk");
    if (csize > limits_.max_page_bytes || usize > limits_.max_page_bytes) {
      return Bad("page of " + std::to_string(std::max(csize, usize)) +
                 " bytes exceeds the limit of " + std::to_string(limits_.max_page_bytes));
    }
    const uint8_t* data = base + pos_ + header_bytes;
    pos_ += header_bytes + csize;
    if (Wire(h.type) == ::parquet::PageType::DICTIONARY_PAGE) {
      RF_RETURN_IF_ERROR(DecodeDictionary(h, data, csize));
      continue;
    }
    if (Wire(h.type) == ::parquet::PageType::DATA_PAGE ||
        Wire(h.type) == ::parquet::PageType::DATA_PAGE_V2) {
      RF_RETURN_IF_ERROR(DecodeDataPage(h, data, csize));
      if (page_entries_ == 0) continue;
      *got = true;
      return Status::OK();
    }
    // Index pages and unknown page types carry no values: skipped.
  }
  if (entries_seen_ != num_values_) {
    return Bad("column chunk holds " + std::to_string(entries_seen_) +
               " values, its metadata says " + std::to_string(num_values_));
  }
  return Status::OK();
}

Status ColumnChunkReader::DecodeDictionary(const ::parquet::PageHeader& h, const uint8_t* data,
                                           size_t size) {
  if (!h.__isset.dictionary_page_header) return Bad("dictionary page without its header");
  if (have_dict_) return Bad("second dictionary page in a column chunk");
  const auto& d = h.dictionary_page_header;
  if (d.num_values < 0 || static_cast<uint64_t>(d.num_values) > limits_.max_page_values) {
    return Bad("dictionary of " + std::to_string(d.num_values) + " values");
  }
  if (Wire(d.encoding) != ::parquet::Encoding::PLAIN &&
      Wire(d.encoding) != ::parquet::Encoding::PLAIN_DICTIONARY) {
    return Bad(std::string("dictionary page encoded ") + pq::EncodingName(Wire(d.encoding)));
  }
  const uint8_t* bytes = nullptr;
  RF_RETURN_IF_ERROR(LoadPageBytes(data, size, static_cast<size_t>(h.uncompressed_page_size), true,
                                   &dict_buf_, &bytes));
  pq::DecodeArgs args;
  args.type = leaf_.type;
  args.type_length = leaf_.type_length;
  Status s = pq::DecodeValues(static_cast<int>(::parquet::Encoding::PLAIN), args, bytes,
                              static_cast<size_t>(h.uncompressed_page_size),
                              static_cast<size_t>(d.num_values), &dict_);
  if (!s.ok()) return WithWhere(s.WithPrefix("dictionary page"));
  have_dict_ = true;
  return Status::OK();
}

Status ColumnChunkReader::DecodeLevelsV1(int max_level, int encoding, const uint8_t** p,
                                         const uint8_t* end, size_t n, std::vector<int16_t>* out) {
  if (max_level == 0) return Status::OK();
  if (encoding != ::parquet::Encoding::RLE) {
    return Status::InvalidArgument(path_ + ": column " + leaf_.path + ": levels encoded " +
                                   pq::EncodingName(encoding) + " are not supported");
  }
  if (end - *p < 4) return Bad("levels without their length");
  const uint32_t len = LoadU32(reinterpret_cast<const char*>(*p));
  *p += 4;
  if (len > static_cast<uint64_t>(end - *p)) return Bad("levels run past the page");
  out->resize(n);
  Status s = pq::DecodeLevels(*p, len, max_level, n, out->data());
  if (!s.ok()) return WithWhere(s);
  *p += len;
  return Status::OK();
}

Status ColumnChunkReader::DecodeDataPage(const ::parquet::PageHeader& h, const uint8_t* data,
                                         size_t size) {
  const bool v2 = Wire(h.type) == ::parquet::PageType::DATA_PAGE_V2;
  if (v2 ? !h.__isset.data_page_header_v2 : !h.__isset.data_page_header) {
    return Bad("data page without its header");
  }
  const int64_t n = v2 ? h.data_page_header_v2.num_values : h.data_page_header.num_values;
  if (n < 0 || static_cast<uint64_t>(n) > limits_.max_page_values) {
    return Bad("data page of " + std::to_string(n) + " values (limit " +
               std::to_string(limits_.max_page_values) + ")");
  }
  if (n > num_values_ - entries_seen_) {
    return Bad("pages hold more values than the column chunk's " + std::to_string(num_values_));
  }
  const size_t entries = static_cast<size_t>(n);
  page_def_.clear();
  page_rep_.clear();
  page_values_.clear();
  const uint8_t* values = nullptr;
  size_t values_size = 0;
  int encoding = 0;
  const size_t usize = static_cast<size_t>(h.uncompressed_page_size);
  if (!v2) {
    const auto& d = h.data_page_header;
    encoding = Wire(d.encoding);
    const uint8_t* bytes = nullptr;
    RF_RETURN_IF_ERROR(LoadPageBytes(data, size, usize, true, &page_buf_, &bytes));
    const uint8_t* p = bytes;
    const uint8_t* end = bytes + usize;
    RF_RETURN_IF_ERROR(DecodeLevelsV1(leaf_.max_rep, Wire(d.repetition_level_encoding), &p, end,
                                      entries, &page_rep_));
    RF_RETURN_IF_ERROR(DecodeLevelsV1(leaf_.max_def, Wire(d.definition_level_encoding), &p, end,
                                      entries, &page_def_));
    values = p;
    values_size = static_cast<size_t>(end - p);
  } else {
    const auto& d = h.data_page_header_v2;
    encoding = Wire(d.encoding);
    const int64_t rep_len = d.repetition_levels_byte_length;
    const int64_t def_len = d.definition_levels_byte_length;
    if (rep_len < 0 || def_len < 0 || static_cast<uint64_t>(rep_len + def_len) > size ||
        static_cast<uint64_t>(rep_len + def_len) > usize) {
      return Bad("v2 page levels run past the page");
    }
    if (leaf_.max_rep > 0) {
      page_rep_.resize(entries);
      Status s = pq::DecodeLevels(data, static_cast<size_t>(rep_len), leaf_.max_rep, entries,
                                  page_rep_.data());
      if (!s.ok()) return WithWhere(s.WithPrefix("repetition levels"));
    }
    if (leaf_.max_def > 0) {
      page_def_.resize(entries);
      Status s = pq::DecodeLevels(data + rep_len, static_cast<size_t>(def_len), leaf_.max_def,
                                  entries, page_def_.data());
      if (!s.ok()) return WithWhere(s.WithPrefix("definition levels"));
    }
    const size_t skip = static_cast<size_t>(rep_len + def_len);
    const bool compressed = !d.__isset.is_compressed || d.is_compressed;
    RF_RETURN_IF_ERROR(
        LoadPageBytes(data + skip, size - skip, usize - skip, compressed, &page_buf_, &values));
    values_size = usize - skip;
  }
  entries_seen_ += n;
  page_entries_ = entries;
  entry_pos_ = 0;
  value_pos_ = 0;
  page_is_new_ = true;
  return DecodePageValues(encoding, values, values_size);
}

Status ColumnChunkReader::DecodePageValues(int encoding, const uint8_t* data, size_t size) {
  size_t non_null = page_entries_;
  if (leaf_.max_def > 0) {
    non_null = 0;
    const int16_t max_def = static_cast<int16_t>(leaf_.max_def);
    for (int16_t d : page_def_) non_null += d == max_def;
  }
  pq::DecodeArgs args;
  args.type = leaf_.type;
  args.type_length = leaf_.type_length;
  args.dictionary = have_dict_ ? &dict_ : nullptr;
  if (encoding == ::parquet::Encoding::DELTA_BYTE_ARRAY) {
    page_scratch_ = std::make_shared<std::string>();
    args.scratch = page_scratch_.get();
    args.max_scratch_bytes = limits_.max_page_bytes;
  }
  Status s = pq::DecodeValues(encoding, args, data, size, non_null, &page_values_);
  if (!s.ok()) return WithWhere(s);
  return Status::OK();
}

void ColumnChunkReader::AppendValues(size_t from, size_t to, ParquetColumnBatch* batch) const {
  if (from == to) return;
  pq::Values& v = batch->values;
  switch (leaf_.type) {
    case pq::PhysicalType::kByteArray:
    case pq::PhysicalType::kFixedLenByteArray:
      v.strings.insert(v.strings.end(), page_values_.strings.begin() + from,
                       page_values_.strings.begin() + to);
      break;
    case pq::PhysicalType::kFloat:
    case pq::PhysicalType::kDouble:
      v.doubles.insert(v.doubles.end(), page_values_.doubles.begin() + from,
                       page_values_.doubles.begin() + to);
      break;
    default:
      v.ints.insert(v.ints.end(), page_values_.ints.begin() + from, page_values_.ints.begin() + to);
  }
}

Status ColumnChunkReader::ReadRows(size_t max_rows, ParquetColumnBatch* batch, size_t* rows) {
  size_t done = 0;
  size_t nvalues = batch->values.size(leaf_.type);
  const bool has_rep = leaf_.max_rep > 0;
  const bool has_def = leaf_.max_def > 0;
  const int16_t max_def = static_cast<int16_t>(leaf_.max_def);
  const int16_t row_def = static_cast<int16_t>(leaf_.row_def);
  if (have_dict_) batch->buffers.push_back(dict_buf_);
  if (page_buf_) batch->buffers.push_back(page_buf_);
  if (page_scratch_) batch->buffers.push_back(page_scratch_);
  bool full = false;
  while (!full) {
    if (entry_pos_ == page_entries_) {
      bool got = false;
      RF_RETURN_IF_ERROR(NextPage(&got));
      if (!got) break;
      batch->buffers.push_back(page_buf_);
      if (page_scratch_) batch->buffers.push_back(page_scratch_);
    }
    const size_t value_from = value_pos_;
    // Entries in the batch before this page's: level entries already appended.
    const size_t nentries =
        batch->def_levels.size() + (has_def ? 0 : batch->rep_levels.size()) - entry_pos_;
    size_t e = entry_pos_;
    for (; e < page_entries_; ++e) {
      const int16_t rep = has_rep ? page_rep_[e] : 0;
      const int16_t def = has_def ? page_def_[e] : max_def;
      if (rep == 0) {
        if (done == max_rows) {
          full = true;
          break;
        }
        batch->value_offsets.push_back(static_cast<uint32_t>(nvalues));
        batch->row_null.push_back(def < row_def);
        if (has_def || has_rep) batch->entry_offsets.push_back(static_cast<uint32_t>(nentries + e));
        ++done;
      } else if (done == 0) {
        return Bad("a page continues a row that no earlier value started");
      }
      if (def == max_def) {
        ++value_pos_;
        ++nvalues;
      }
    }
    if (has_def)
      batch->def_levels.insert(batch->def_levels.end(), page_def_.begin() + entry_pos_,
                               page_def_.begin() + e);
    if (has_rep)
      batch->rep_levels.insert(batch->rep_levels.end(), page_rep_.begin() + entry_pos_,
                               page_rep_.begin() + e);
    if (value_pos_ > page_values_.size(leaf_.type)) return Bad("fewer values than levels say");
    AppendValues(value_from, value_pos_, batch);
    entry_pos_ = e;
  }
  if (nvalues > UINT32_MAX) return Bad("more than 2^32 values in one batch");
  batch->value_offsets.push_back(static_cast<uint32_t>(nvalues));
  if (has_def || has_rep) {
    batch->entry_offsets.push_back(
        static_cast<uint32_t>(has_def ? batch->def_levels.size() : batch->rep_levels.size()));
  }
  *rows = done;
  return Status::OK();
}

}  // namespace

ParquetFileReader::~ParquetFileReader() = default;

Status ParquetFileReader::ReadRange(uint64_t offset, uint64_t length, std::string* out) {
  if (offset > size_ || length > size_ - offset) {
    return Status::Corruption(path_ + ": byte range " + std::to_string(offset) + "+" +
                              std::to_string(length) + " runs past the end of the file (" +
                              std::to_string(size_) + " bytes)");
  }
  if (bytes_) {
    out->assign(*bytes_, offset, length);
    return Status::OK();
  }
  out->resize(length);
  std::unique_ptr<InputStream> in;
  RF_RETURN_IF_ERROR(fs_->OpenRead(path_, offset, length, &in));
  size_t have = 0;
  RF_RETURN_IF_ERROR(ReadUpTo(*in, out->data(), length, &have));
  if (have != length) {
    return Status::Corruption(path_ + ": file ends at " + std::to_string(offset + have) +
                              ", expected " + std::to_string(offset + length) + " bytes");
  }
  return Status::OK();
}

Status ParquetFileReader::Open(FileSystem& fs, const FileInfo& file,
                               const ParquetReadLimits& limits,
                               std::unique_ptr<ParquetFileReader>* out) {
  std::unique_ptr<ParquetFileReader> r(new ParquetFileReader());
  r->path_ = file.path;
  r->fs_ = &fs;
  r->size_ = file.size;
  r->limits_ = limits;
  if (file.size < 12) {
    return Status::Corruption(file.path + ": not a parquet file (" + std::to_string(file.size) +
                              " bytes, too short)");
  }
  std::string tail;
  const uint64_t tail_len = std::min<uint64_t>(file.size, kTailBytes);
  RF_RETURN_IF_ERROR(r->ReadRange(file.size - tail_len, tail_len, &tail));
  RF_RETURN_IF_ERROR(r->ParseFooter(tail, file.size));
  *out = std::move(r);
  return Status::OK();
}

Status ParquetFileReader::OpenBytes(std::string path, std::shared_ptr<const std::string> bytes,
                                    const ParquetReadLimits& limits,
                                    std::unique_ptr<ParquetFileReader>* out) {
  std::unique_ptr<ParquetFileReader> r(new ParquetFileReader());
  r->path_ = std::move(path);
  r->bytes_ = std::move(bytes);
  r->size_ = r->bytes_->size();
  r->limits_ = limits;
  if (r->size_ < 12) {
    return Status::Corruption(r->path_ + ": not a parquet file (" + std::to_string(r->size_) +
                              " bytes, too short)");
  }
  RF_RETURN_IF_ERROR(r->ParseFooter(*r->bytes_, r->size_));
  *out = std::move(r);
  return Status::OK();
}

Status ParquetFileReader::ParseFooter(std::string_view tail, uint64_t file_size) {
  const std::string_view magic = tail.substr(tail.size() - 4);
  if (magic == "PARE") {
    return Status::InvalidArgument(path_ + ": encrypted parquet files are not supported");
  }
  if (magic != "PAR1") {
    return Status::Corruption(path_ + ": not a parquet file (no PAR1 magic at its end)");
  }
  if (tail.size() == file_size && tail.substr(0, 4) != "PAR1") {
    return Status::Corruption(path_ + ": not a parquet file (no PAR1 magic at its start)");
  }
  const uint64_t footer_len = LoadU32(tail.data() + tail.size() - 8);
  if (footer_len > file_size - 12) {
    return Status::Corruption(path_ + ": footer length " + std::to_string(footer_len) +
                              " does not fit in a file of " + std::to_string(file_size) + " bytes");
  }
  if (footer_len > limits_.max_footer_bytes) {
    return Status::Corruption(path_ + ": footer of " + std::to_string(footer_len) +
                              " bytes exceeds the limit of " +
                              std::to_string(limits_.max_footer_bytes));
  }
  std::string bigger;
  std::string_view footer;
  if (footer_len + 8 <= tail.size()) {
    footer = tail.substr(tail.size() - 8 - footer_len, footer_len);
  } else {
    RF_RETURN_IF_ERROR(ReadRange(file_size - 8 - footer_len, footer_len, &bigger));
    footer = bigger;
  }
  meta_ = std::make_unique<::parquet::FileMetaData>();
  size_t used = 0;
  Status s = ReadCheckedThrift(reinterpret_cast<const uint8_t*>(footer.data()), footer.size(),
                               limits_.max_footer_elements, meta_.get(), &used);
  if (!s.ok()) return Status::Corruption(path_ + ": footer: " + s.message());
  return BuildLeaves();
}

Status ParquetFileReader::BuildLeaves() {
  Status s = SchemaWalker(meta_->schema, &leaves_).Walk();
  if (!s.ok()) return Status::Corruption(path_ + ": footer: " + s.message());
  if (meta_->num_rows < 0) return Status::Corruption(path_ + ": footer: negative row count");
  int64_t rows = 0;
  for (size_t g = 0; g < meta_->row_groups.size(); ++g) {
    const ::parquet::RowGroup& rg = meta_->row_groups[g];
    if (rg.columns.size() != leaves_.size()) {
      return Status::Corruption(path_ + ": footer: row group " + std::to_string(g) + " has " +
                                std::to_string(rg.columns.size()) + " column chunks, the schema " +
                                std::to_string(leaves_.size()) + " columns");
    }
    if (rg.num_rows < 0 || rg.num_rows > INT64_MAX - rows) {
      return Status::Corruption(path_ + ": footer: row group " + std::to_string(g) +
                                " has a bad row count");
    }
    rows += rg.num_rows;
  }
  if (rows != meta_->num_rows) {
    return Status::Corruption(path_ + ": footer: row groups hold " + std::to_string(rows) +
                              " rows, the file says " + std::to_string(meta_->num_rows));
  }
  return Status::OK();
}

int ParquetFileReader::num_row_groups() const { return static_cast<int>(meta_->row_groups.size()); }
int64_t ParquetFileReader::num_rows() const { return meta_->num_rows; }
int64_t ParquetFileReader::row_group_rows(int row_group) const {
  return meta_->row_groups[static_cast<size_t>(row_group)].num_rows;
}

namespace {

// The chunk's bytes as stored: from its dictionary page (if any) or first data page.
void ChunkRange(const ::parquet::ColumnMetaData& m, uint64_t* begin, uint64_t* length) {
  int64_t start = m.data_page_offset;
  if (m.__isset.dictionary_page_offset && m.dictionary_page_offset > 0 &&
      m.dictionary_page_offset < start) {
    start = m.dictionary_page_offset;
  }
  *begin = start < 0 ? 0 : static_cast<uint64_t>(start);
  *length = m.total_compressed_size < 0 ? 0 : static_cast<uint64_t>(m.total_compressed_size);
}

}  // namespace

void ParquetFileReader::RowGroupRange(int row_group, uint64_t* begin, uint64_t* end) const {
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  uint64_t lo = UINT64_MAX, hi = 0;
  for (const ::parquet::ColumnChunk& c : rg.columns) {
    uint64_t b = 0, len = 0;
    ChunkRange(c.meta_data, &b, &len);
    lo = std::min(lo, b);
    hi = std::max(hi, std::min(size_, b + std::min(len, size_)));
  }
  if (lo > hi) lo = hi;
  *begin = lo;
  *end = hi;
}

uint64_t ParquetFileReader::ChunkBytes(int row_group, const std::vector<int>& leaves,
                                       bool uncompressed) const {
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  uint64_t total = 0;
  for (int leaf : leaves) {
    const auto& m = rg.columns[static_cast<size_t>(leaf)].meta_data;
    const int64_t v = uncompressed ? m.total_uncompressed_size : m.total_compressed_size;
    if (v > 0) total += static_cast<uint64_t>(v);
  }
  return total;
}

Status ParquetFileReader::ResolveColumns(const std::vector<std::string>& names,
                                         std::vector<int>* leaves) const {
  leaves->clear();
  if (names.empty()) {
    for (const ParquetLeaf& l : leaves_) {
      if (l.max_rep > 1) continue;
      leaves->push_back(l.index);
    }
    return Status::OK();
  }
  for (const std::string& name : names) {
    int found = -1;
    int by_top = -1;
    int top_count = 0;
    for (const ParquetLeaf& l : leaves_) {
      if (l.path == name) found = l.index;
      if (l.top_name == name) {
        by_top = l.index;
        ++top_count;
      }
    }
    if (found < 0 && top_count == 1) found = by_top;
    if (found < 0) {
      std::string all;
      for (size_t i = 0; i < leaves_.size() && i < 30; ++i) {
        all += (i ? ", " : "") + leaves_[i].path;
      }
      if (leaves_.size() > 30) all += ", …";
      return Status::InvalidArgument(path_ + ": no column named " + name +
                                     (top_count > 1 ? " (it is a group of several columns)" : "") +
                                     " (columns: " + all + ")");
    }
    const ParquetLeaf& l = leaves_[static_cast<size_t>(found)];
    if (l.max_rep > 1) {
      return Status::InvalidArgument(path_ + ": column " + l.path +
                                     ": nested lists are not supported");
    }
    leaves->push_back(found);
  }
  return Status::OK();
}

Status ParquetFileReader::ReadRowGroup(int row_group, const std::vector<int>& leaves,
                                       size_t batch_rows, const ParquetBatchFn& fn) {
  if (row_group < 0 || row_group >= num_row_groups()) {
    return Status::InvalidArgument(path_ + ": no row group " + std::to_string(row_group));
  }
  if (batch_rows == 0) batch_rows = 1;
  const ::parquet::RowGroup& rg = meta_->row_groups[static_cast<size_t>(row_group)];
  const std::string where = path_ + ": row group " + std::to_string(row_group);
  std::vector<std::unique_ptr<ColumnChunkReader>> readers;
  ParquetRowBatch batch;
  batch.path = &path_;
  batch.row_group = row_group;
  batch.columns.resize(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    if (leaves[i] < 0 || static_cast<size_t>(leaves[i]) >= leaves_.size()) {
      return Status::InvalidArgument(path_ + ": no column " + std::to_string(leaves[i]));
    }
    const ParquetLeaf& leaf = leaves_[static_cast<size_t>(leaves[i])];
    const ::parquet::ColumnChunk& c = rg.columns[static_cast<size_t>(leaf.index)];
    if (!c.file_path.empty()) {
      return Status::InvalidArgument(where + ": column " + leaf.path +
                                     " is stored in another file (" + c.file_path +
                                     "), which is not supported");
    }
    if (!c.__isset.meta_data) {
      return Status::InvalidArgument(where + ": column " + leaf.path +
                                     " has no plain metadata (encrypted?)");
    }
    const ::parquet::ColumnMetaData& m = c.meta_data;
    if (Wire(m.type) != static_cast<int>(leaf.type)) {
      return Status::Corruption(where + ": column " + leaf.path +
                                ": chunk type differs from the schema's");
    }
    if (m.num_values < 0) return Status::Corruption(where + ": negative value count");
    uint64_t begin = 0, length = 0;
    ChunkRange(m, &begin, &length);
    if (length > limits_.max_chunk_bytes) {
      return Status::Corruption(where + ": column " + leaf.path + " chunk of " +
                                std::to_string(length) + " bytes exceeds the limit of " +
                                std::to_string(limits_.max_chunk_bytes));
    }
    auto chunk = std::make_shared<std::string>();
    RF_RETURN_IF_ERROR(ReadRange(begin, length, chunk.get()));
    readers.push_back(std::make_unique<ColumnChunkReader>(path_, leaf, limits_));
    readers.back()->Init(std::move(chunk), Wire(m.codec), m.num_values);
    batch.columns[i].leaf = &leaf;
  }
  const uint64_t total_rows = static_cast<uint64_t>(rg.num_rows);
  uint64_t first = 0;
  while (first < total_rows) {
    const size_t n = static_cast<size_t>(std::min<uint64_t>(batch_rows, total_rows - first));
    for (size_t i = 0; i < readers.size(); ++i) {
      ParquetColumnBatch& col = batch.columns[i];
      col.values.clear();
      col.value_offsets.clear();
      col.row_null.clear();
      col.def_levels.clear();
      col.rep_levels.clear();
      col.entry_offsets.clear();
      col.buffers.clear();
      size_t got = 0;
      RF_RETURN_IF_ERROR(readers[i]->ReadRows(n, &col, &got));
      if (got != n) {
        return Status::Corruption(where + ": column " + col.leaf->path + " ends after " +
                                  std::to_string(first + got) + " rows, the row group has " +
                                  std::to_string(total_rows));
      }
    }
    batch.first_row = first;
    batch.num_rows = n;
    RF_RETURN_IF_ERROR(fn(batch));
    first += n;
  }
  for (size_t i = 0; i < readers.size(); ++i) {
    bool at_end = false;
    RF_RETURN_IF_ERROR(readers[i]->AtEnd(&at_end));
    if (!at_end) {
      return Status::Corruption(where + ": column " + batch.columns[i].leaf->path +
                                " holds more rows than the row group's " +
                                std::to_string(total_rows));
    }
  }
  return Status::OK();
}

}  // namespace rankflow
