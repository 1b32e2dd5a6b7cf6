#include "runtime/parquet/column_chunk_reader.h"

#include <algorithm>
#include <cstring>

#include "runtime/parquet/decompress.h"
#include "runtime/parquet/metadata_scan.h"

namespace rankflow::pq {
namespace {

constexpr uint64_t kMaxPageHeaderElements = 4096;  // page headers hold no real lists

}  // namespace

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
  page_counted_ = counts_ != nullptr && have_dict_ && pq::IsDictionaryEncoding(encoding);
  if (page_counted_) {
    counts_->resize(dict_.size(leaf_.type));
    Status s = pq::CountDictionaryIndices(data, size, non_null, counts_);
    if (!s.ok()) return WithWhere(s);
    return Status::OK();
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

void ColumnChunkReader::AppendValues(size_t from, size_t to, pq::Values* out) const {
  if (from == to) return;
  pq::Values& v = *out;
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
    AppendValues(value_from, value_pos_, &batch->values);
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

Status ColumnChunkReader::CountValues(std::vector<uint64_t>* dict_counts, pq::Values* others,
                                      std::vector<std::shared_ptr<const std::string>>* buffers) {
  counts_ = dict_counts;
  Status s;
  for (;;) {
    bool got = false;
    s = NextPage(&got);
    if (!s.ok() || !got) break;
    if (!page_counted_) {
      AppendValues(0, page_values_.size(leaf_.type), others);
      buffers->push_back(page_buf_);
      if (page_scratch_) buffers->push_back(page_scratch_);
    }
    entry_pos_ = page_entries_;
  }
  counts_ = nullptr;
  if (have_dict_) buffers->push_back(dict_buf_);
  return s;
}

}  // namespace rankflow::pq
