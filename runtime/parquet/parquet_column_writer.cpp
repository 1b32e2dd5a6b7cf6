#include "runtime/parquet/parquet_column_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <functional>

#include "runtime/parquet/bits.h"
#include "runtime/parquet/dictionary_hash.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/parquet/rle_encoder.h"
#include "runtime/parquet/thrift_io.h"

namespace rankflow::pq {
namespace {

// String bounds longer than this are left out of the statistics (as parquet-mr and Arrow do).
constexpr size_t kMaxStatisticsBytes = 4096;
// Values of a column chunk after which the writer checks once whether its dictionary pays.
constexpr size_t kProbeValues = 4096;

int PlainWidth(ParquetType type) {
  switch (type) {
    case ParquetType::kInt32:
      return 4;
    case ParquetType::kInt64:
    case ParquetType::kDouble:
    case ParquetType::kTimestampMillis:
      return 8;
    case ParquetType::kBool:
      return 1;
    case ParquetType::kString:
      return 0;
  }
  return 0;
}

parquet::CompressionCodec::type Codec(ParquetCompression c) {
  // Indexed by ParquetCompression: kUncompressed, kSnappy, kGzip, kZstd.
  static constexpr parquet::CompressionCodec::type kCodecs[] = {
      parquet::CompressionCodec::UNCOMPRESSED, parquet::CompressionCodec::SNAPPY,
      parquet::CompressionCodec::GZIP, parquet::CompressionCodec::ZSTD};
  return kCodecs[static_cast<int>(c)];
}

void AppendLe(uint64_t v, int width, std::string* out) {
  char bytes[8];
  std::memcpy(bytes, &v, sizeof bytes);  // little-endian hosts only, as bits.h
  out->append(bytes, static_cast<size_t>(width));
}

uint64_t DoubleBits(double v) {
  uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits;
}

std::string FixedBytes(uint64_t bits, int width) {
  std::string s;
  AppendLe(bits, width, &s);
  return s;
}

}  // namespace

parquet::Type::type ThriftPhysicalType(ParquetType type) {
  switch (type) {
    case ParquetType::kBool:
      return parquet::Type::BOOLEAN;
    case ParquetType::kInt32:
      return parquet::Type::INT32;
    case ParquetType::kInt64:
    case ParquetType::kTimestampMillis:
      return parquet::Type::INT64;
    case ParquetType::kDouble:
      return parquet::Type::DOUBLE;
    case ParquetType::kString:
      return parquet::Type::BYTE_ARRAY;
  }
  return parquet::Type::BYTE_ARRAY;
}

ParquetColumnWriter::ParquetColumnWriter(const ParquetColumn& spec,
                                         const ParquetWriterOptions& options)
    : spec_(spec),
      options_(options),
      width_(PlainWidth(spec.type)),
      max_def_(static_cast<uint8_t>(spec.list ? (spec.nullable ? 1 : 0) + 1 +
                                                    (spec.element_nullable ? 1 : 0)
                                              : (spec.nullable ? 1 : 0))),
      max_rep_(spec.list ? 1 : 0),
      initial_mode_(options.dictionary && spec.type != ParquetType::kBool ? Mode::kDictionary
                                                                          : Mode::kPlain),
      page_limit_(options.page_bytes),
      dict_limit_(options.dictionary_bytes),
      mode_(initial_mode_) {}

void ParquetColumnWriter::Level(uint8_t def) {
  if (max_rep_ != 0) {
    rep_.push_back(in_list_ && list_started_ ? 1 : 0);
    list_started_ = in_list_;
  }
  if (max_def_ != 0) def_.push_back(def);
  if (def < max_def_) ++null_count_;
  ++page_levels_;
  if (!in_list_) ++row_entries_;
}

void ParquetColumnWriter::Int(int64_t v) {
  Level(max_def_);
  if (width_ == 4) {
    Fixed(static_cast<uint32_t>(static_cast<int32_t>(v)), 4);
  } else {
    Fixed(static_cast<uint64_t>(v), 8);
  }
}

void ParquetColumnWriter::Double(double v) {
  Level(max_def_);
  Fixed(DoubleBits(v), 8);
}

void ParquetColumnWriter::Bool(bool v) {
  Level(max_def_);
  plain_.push_back(v ? 1 : 0);
  page_plain_bytes_ += 1;
  UpdateStats(int64_t{v ? 1 : 0});
}

void ParquetColumnWriter::Fixed(uint64_t bits, int width) {
  page_plain_bytes_ += width;
  if (mode_ == Mode::kPlain) {
    AppendLe(bits, width, &plain_);
  } else {
    bool added = false;
    indices_.push_back(DictionaryIndexFixed(bits, width, &added));
    if (!added) return;  // a value already in the dictionary cannot change min or max
  }
  if (spec_.type == ParquetType::kDouble) {
    double d;
    std::memcpy(&d, &bits, sizeof d);
    UpdateStats(d);
  } else if (width == 4) {
    UpdateStats(int64_t{static_cast<int32_t>(static_cast<uint32_t>(bits))});
  } else {
    UpdateStats(static_cast<int64_t>(bits));
  }
}

void ParquetColumnWriter::String(std::string_view v) {
  Level(max_def_);
  page_plain_bytes_ += 4 + v.size();
  if (mode_ == Mode::kPlain) {
    AppendLe(v.size(), 4, &plain_);
    plain_.append(v);
    UpdateStats(v);
    return;
  }
  pending_hashes_.push_back(StringHash(v));
  pending_bytes_.append(v);
  pending_ends_.push_back(pending_bytes_.size());
}

void ParquetColumnWriter::LookUpPending() {
  const size_t n = pending_hashes_.size();
  // Room for every value first, so that the slots prefetched are the ones probed.
  while ((dict_count_ + n) * 2 > slots_.size()) GrowDictionary();
  const size_t mask = slots_.size() - 1;
  for (uint64_t hash : pending_hashes_) __builtin_prefetch(&slots_[hash & mask]);
  for (uint64_t hash : pending_hashes_) {
    // The first slot only: a hint, right for most values at a load factor of at most one half.
    const Slot& slot = slots_[hash & mask];
    if (slot.index_plus_one != 0 && slot.tag == static_cast<uint32_t>(hash >> 32)) {
      __builtin_prefetch(dict_plain_.data() + dict_offsets_[slot.index_plus_one - 1]);
    }
  }
  size_t begin = 0;
  for (size_t i = 0; i < n; ++i) {
    const std::string_view v(pending_bytes_.data() + begin, pending_ends_[i] - begin);
    begin = pending_ends_[i];
    bool added = false;
    indices_.push_back(DictionaryIndexString(v, pending_hashes_[i], &added));
    if (added) UpdateStats(v);
  }
  pending_hashes_.clear();
  pending_ends_.clear();
  pending_bytes_.clear();
}

void ParquetColumnWriter::Null() {
  if (in_list_) {
    Level(max_def_ - 1);  // a null element
    return;
  }
  Level(0);  // a null value or a null list
}

void ParquetColumnWriter::BeginList() {
  in_list_ = true;
  list_started_ = false;
}

void ParquetColumnWriter::EndList() {
  const bool empty = !list_started_;
  in_list_ = false;
  list_started_ = false;
  if (empty) {
    Level(spec_.nullable ? 1 : 0);  // an empty list: defined up to the list, no element
    return;
  }
  ++row_entries_;
}

template <typename Equal, typename Add>
uint32_t ParquetColumnWriter::DictionaryIndex(uint64_t hash, Equal equal, Add add, bool* added) {
  if ((dict_count_ + 1) * 2 > slots_.size()) GrowDictionary();
  const size_t mask = slots_.size() - 1;
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (size_t s = hash & mask;; s = (s + 1) & mask) {
    Slot& slot = slots_[s];
    if (slot.index_plus_one == 0) {
      slot.tag = tag;
      slot.index_plus_one = ++dict_count_;
      dict_hashes_.push_back(hash);
      add();
      *added = true;
      return dict_count_ - 1;
    }
    if (slot.tag == tag && equal(slot.index_plus_one - 1)) return slot.index_plus_one - 1;
  }
}

uint32_t ParquetColumnWriter::DictionaryIndexFixed(uint64_t bits, int width, bool* added) {
  return DictionaryIndex(
      MixBits(bits), [&](uint32_t i) { return dict_keys_[i] == bits; },
      [&] {
        dict_keys_.push_back(bits);
        AppendLe(bits, width, &dict_plain_);
      },
      added);
}

uint32_t ParquetColumnWriter::DictionaryIndexString(std::string_view v, uint64_t hash,
                                                    bool* added) {
  return DictionaryIndex(
      hash, [&](uint32_t i) { return DictionaryString(i) == v; },
      [&] {
        AppendLe(v.size(), 4, &dict_plain_);
        dict_offsets_.push_back(static_cast<uint32_t>(dict_plain_.size()));
        dict_plain_.append(v);
      },
      added);
}

std::string_view ParquetColumnWriter::DictionaryString(uint32_t index) const {
  // Entry i's bytes end where entry i + 1's length prefix starts (the last one's at the end).
  const uint32_t at = dict_offsets_[index];
  const size_t end =
      index + 1 < dict_offsets_.size() ? dict_offsets_[index + 1] - 4 : dict_plain_.size();
  return std::string_view(dict_plain_.data() + at, end - at);
}

void ParquetColumnWriter::GrowDictionary() {
  // Entries are re-placed in index order from their kept hashes: a sequential read, and the same
  // table as inserting them again.
  slots_.assign(std::max<size_t>(64, slots_.size() * 2), Slot{});
  const size_t mask = slots_.size() - 1;
  for (uint32_t i = 0; i < dict_count_; ++i) {
    size_t s = dict_hashes_[i] & mask;
    while (slots_[s].index_plus_one != 0) s = (s + 1) & mask;
    slots_[s] = Slot{static_cast<uint32_t>(dict_hashes_[i] >> 32), i + 1};
  }
}

void ParquetColumnWriter::UpdateStats(int64_t v) {
  if (!has_min_max_) {
    min_int_ = max_int_ = v;
    has_min_max_ = true;
    return;
  }
  min_int_ = std::min(min_int_, v);
  max_int_ = std::max(max_int_, v);
}

void ParquetColumnWriter::UpdateStats(double v) {
  if (std::isnan(v)) return;  // NaN has no place in the order: readers ignore it, so do we
  if (!has_min_max_) {
    min_double_ = max_double_ = v;
    has_min_max_ = true;
    return;
  }
  if (v < min_double_) min_double_ = v;
  if (v > max_double_) max_double_ = v;
}

void ParquetColumnWriter::UpdateStats(std::string_view v) {
  // std::string_view compares with char_traits<char>::compare, i.e. memcmp: unsigned bytes, the
  // order of STRING.
  if (!has_min_max_) {
    min_string_.assign(v);
    max_string_.assign(v);
    has_min_max_ = true;
    return;
  }
  if (v < std::string_view(min_string_)) min_string_.assign(v);
  if (v > std::string_view(max_string_)) max_string_.assign(v);
}

bool ParquetColumnWriter::DictionaryNeedsCheck() const {
  return dict_plain_.size() > options_.dictionary_bytes ||
         (!dictionary_used_ && width_ != 0 && indices_.size() >= kProbeValues && !probed_);
}

Status ParquetColumnWriter::CheckPageAndDictionary(PageCompressor* compressor) {
  if (!pending_hashes_.empty()) LookUpPending();
  if (mode_ == Mode::kDictionary && !dictionary_used_ && width_ != 0 &&
      indices_.size() >= kProbeValues && !probed_) {
    // Mostly distinct numbers (ids, timestamps) would fill a large dictionary before the first
    // page shows it does not pay: judge them on the first values instead. Not strings: free text
    // is often distinct in its first thousands of values and yet repeats over the chunk
    // (retweets), where a dictionary is several times smaller than PLAIN; strings are judged
    // on the first page and bounded by dictionary_bytes.
    probed_ = true;
    if (!DictionaryPays()) {
      ConvertPageToPlain();
      DropDictionary();
      mode_ = Mode::kPlain;
    }
  }
  if (mode_ == Mode::kDictionary && dict_plain_.size() > options_.dictionary_bytes) {
    RF_RETURN_IF_ERROR(CutPage(compressor));
    mode_ = Mode::kPlain;  // for the rest of this row group
  }
  if (page_bytes() >= options_.page_bytes) return CutPage(compressor);
  return Status::OK();
}

bool ParquetColumnWriter::DictionaryPays() const {
  const uint64_t index_bytes =
      indices_.size() * BitWidth(std::max<uint32_t>(dict_count_, 2) - 1) / 8;
  return dict_plain_.size() + index_bytes < page_plain_bytes_;
}

void ParquetColumnWriter::ConvertPageToPlain() {
  plain_.clear();
  for (uint32_t index : indices_) {
    if (width_ == 0) {
      const std::string_view s = DictionaryString(index);
      AppendLe(s.size(), 4, &plain_);
      plain_.append(s);
    } else {
      plain_.append(dict_plain_, size_t{index} * width_, width_);
    }
  }
  indices_.clear();
}

void ParquetColumnWriter::DropDictionary() {
  dict_plain_.clear();
  dict_plain_.shrink_to_fit();
  dict_keys_.clear();
  dict_keys_.shrink_to_fit();
  dict_offsets_.clear();
  dict_offsets_.shrink_to_fit();
  dict_hashes_.clear();
  dict_hashes_.shrink_to_fit();
  slots_.clear();
  slots_.shrink_to_fit();
  dict_count_ = 0;
  dictionary_used_ = false;
}

Status ParquetColumnWriter::CutPage(PageCompressor* compressor) {
  if (!pending_hashes_.empty()) LookUpPending();
  if (page_levels_ == 0) return Status::OK();
  if (mode_ == Mode::kDictionary && !dictionary_used_ && dict_count_ > 0 && !DictionaryPays()) {
    // The first page of the chunk is not smaller with the dictionary: PLAIN from here on.
    ConvertPageToPlain();
    DropDictionary();
    mode_ = Mode::kPlain;
  }
  std::string& body = scratch_;
  body.clear();
  if (max_rep_ != 0) AppendRleHybridWithLength(rep_.data(), rep_.size(), BitWidth(max_rep_), &body);
  if (max_def_ != 0) AppendRleHybridWithLength(def_.data(), def_.size(), BitWidth(max_def_), &body);
  parquet::Encoding::type encoding = parquet::Encoding::PLAIN;
  std::string_view values;
  if (!indices_.empty()) {
    // Indices exist only while the dictionary is used; a page of nulls alone stays PLAIN.
    const int bit_width = std::max(1, BitWidth(dict_count_ - 1));
    body.push_back(static_cast<char>(bit_width));
    AppendRleHybrid(indices_.data(), indices_.size(), bit_width, &body);
    encoding = parquet::Encoding::RLE_DICTIONARY;
    dictionary_used_ = true;
    ++dictionary_data_pages_;
  } else if (spec_.type == ParquetType::kBool) {
    uint8_t acc = 0;
    for (size_t i = 0; i < plain_.size(); ++i) {
      acc |= static_cast<uint8_t>(plain_[i]) << (i % 8);
      if (i % 8 == 7 || i + 1 == plain_.size()) {
        body.push_back(static_cast<char>(acc));
        acc = 0;
      }
    }
    ++plain_data_pages_;
  } else {
    values = plain_;  // PLAIN values follow the levels without being copied behind them
    ++plain_data_pages_;
  }
  RF_RETURN_IF_ERROR(AppendPage(compressor, parquet::PageType::DATA_PAGE, body, values,
                                static_cast<int32_t>(page_levels_), encoding));
  chunk_values_ += page_levels_;
  def_.clear();
  rep_.clear();
  plain_.clear();
  indices_.clear();
  page_levels_ = 0;
  page_plain_bytes_ = 0;
  return Status::OK();
}

Status ParquetColumnWriter::AppendPage(PageCompressor* compressor, parquet::PageType::type type,
                                       std::string_view head, std::string_view tail,
                                       int32_t num_values, parquet::Encoding::type encoding) {
  const size_t body_size = head.size() + tail.size();
  if (body_size > static_cast<size_t>(INT32_MAX)) {
    return Status::InvalidArgument("parquet: column '" + spec_.name +
                                   "': a page over 2 GiB (one value too large)");
  }
  const bool raw = compressor->codec() == ParquetCompression::kUncompressed;
  Result<std::string_view> compressed =
      raw ? Result<std::string_view>(std::string_view()) : compressor->Compress(head, tail);
  RF_RETURN_IF_ERROR(compressed.status());
  parquet::PageHeader header;
  header.__set_type(type);
  header.__set_uncompressed_page_size(static_cast<int32_t>(body_size));
  header.__set_compressed_page_size(static_cast<int32_t>(raw ? body_size : compressed->size()));
  if (type == parquet::PageType::DICTIONARY_PAGE) {
    parquet::DictionaryPageHeader dict;
    dict.__set_num_values(num_values);
    dict.__set_encoding(parquet::Encoding::PLAIN);
    header.__set_dictionary_page_header(dict);
  } else {
    parquet::DataPageHeader data;
    data.__set_num_values(num_values);
    data.__set_encoding(encoding);
    data.__set_definition_level_encoding(parquet::Encoding::RLE);
    data.__set_repetition_level_encoding(parquet::Encoding::RLE);
    header.__set_data_page_header(data);
  }
  const size_t before = chunk_.size();
  AppendThrift(header, &chunk_);
  chunk_uncompressed_ += chunk_.size() - before + body_size;
  if (raw) {
    chunk_.append(head);
    chunk_.append(tail);
  } else {
    chunk_.append(*compressed);
  }
  ++pages_;
  return Status::OK();
}

void ParquetColumnWriter::SetStatistics(parquet::ColumnMetaData* meta) const {
  parquet::Statistics stats;
  stats.__set_null_count(static_cast<int64_t>(null_count_));
  if (has_min_max_) {
    std::string min, max;
    bool deprecated_too = true;  // the deprecated min/max are in signed order: not for strings
    switch (spec_.type) {
      case ParquetType::kString:
        deprecated_too = false;
        min = min_string_;
        max = max_string_;
        break;
      case ParquetType::kDouble:
        // The spec asks for -0.0 as a zero minimum and +0.0 as a zero maximum.
        min = FixedBytes(DoubleBits(min_double_ == 0 ? -0.0 : min_double_), 8);
        max = FixedBytes(DoubleBits(max_double_ == 0 ? 0.0 : max_double_), 8);
        break;
      default:
        min = FixedBytes(static_cast<uint64_t>(min_int_), width_);
        max = FixedBytes(static_cast<uint64_t>(max_int_), width_);
        break;
    }
    if (min.size() <= kMaxStatisticsBytes && max.size() <= kMaxStatisticsBytes) {
      stats.__set_min_value(min);
      stats.__set_max_value(max);
      stats.__set_is_min_value_exact(true);
      stats.__set_is_max_value_exact(true);
      if (deprecated_too) {
        stats.__set_min(min);
        stats.__set_max(max);
      }
    }
  }
  meta->__set_statistics(stats);
}

Status ParquetColumnWriter::FinishChunk(PageCompressor* compressor, uint64_t offset,
                                        const std::function<Status(std::string_view)>& write,
                                        parquet::ColumnChunk* chunk) {
  RF_RETURN_IF_ERROR(CutPage(compressor));
  parquet::ColumnMetaData meta;
  uint64_t uncompressed = chunk_uncompressed_;
  uint64_t written = 0;
  auto emit = [&](std::string_view bytes) {
    written += bytes.size();
    return write(bytes);
  };
  std::vector<parquet::PageEncodingStats> encoding_stats;
  std::vector<parquet::Encoding::type> encodings;
  if (dictionary_used_) {
    // The dictionary page goes first: build it in chunk_, then write the data pages behind it.
    std::string data_pages = std::move(chunk_);
    chunk_.clear();
    chunk_uncompressed_ = 0;
    RF_RETURN_IF_ERROR(AppendPage(compressor, parquet::PageType::DICTIONARY_PAGE, dict_plain_, {},
                                  static_cast<int32_t>(dict_count_), parquet::Encoding::PLAIN));
    uncompressed += chunk_uncompressed_;
    meta.__set_dictionary_page_offset(static_cast<int64_t>(offset));
    meta.__set_data_page_offset(static_cast<int64_t>(offset + chunk_.size()));
    RF_RETURN_IF_ERROR(emit(chunk_));
    RF_RETURN_IF_ERROR(emit(data_pages));
    parquet::PageEncodingStats dict;
    dict.__set_page_type(parquet::PageType::DICTIONARY_PAGE);
    dict.__set_encoding(parquet::Encoding::PLAIN);
    dict.__set_count(1);
    encoding_stats.push_back(dict);
  } else {
    meta.__set_data_page_offset(static_cast<int64_t>(offset));
    RF_RETURN_IF_ERROR(emit(chunk_));
  }
  for (auto [encoding, count] :
       {std::pair{parquet::Encoding::RLE_DICTIONARY, dictionary_data_pages_},
        std::pair{parquet::Encoding::PLAIN, plain_data_pages_}}) {
    if (count == 0) continue;
    parquet::PageEncodingStats s;
    s.__set_page_type(parquet::PageType::DATA_PAGE);
    s.__set_encoding(encoding);
    s.__set_count(count);
    encoding_stats.push_back(s);
  }
  if (dictionary_used_ || plain_data_pages_ > 0) encodings.push_back(parquet::Encoding::PLAIN);
  if (max_def_ != 0 || max_rep_ != 0) encodings.push_back(parquet::Encoding::RLE);
  if (dictionary_used_) encodings.push_back(parquet::Encoding::RLE_DICTIONARY);

  meta.__set_type(ThriftPhysicalType(spec_.type));
  meta.__set_encodings(encodings);
  meta.__set_path_in_schema(spec_.list ? std::vector<std::string>{spec_.name, "list", "element"}
                                       : std::vector<std::string>{spec_.name});
  meta.__set_codec(Codec(compressor->codec()));
  meta.__set_num_values(static_cast<int64_t>(chunk_values_));
  meta.__set_total_uncompressed_size(static_cast<int64_t>(uncompressed));
  meta.__set_total_compressed_size(static_cast<int64_t>(written));
  meta.__set_encoding_stats(encoding_stats);
  SetStatistics(&meta);
  chunk->__set_file_offset(0);  // deprecated; 0 when no ColumnMetaData is written elsewhere
  chunk->__set_meta_data(meta);
  ResetChunk();
  return Status::OK();
}

void ParquetColumnWriter::ResetChunk() {
  chunk_.clear();
  chunk_uncompressed_ = 0;
  chunk_values_ = 0;
  pages_ = 0;
  dictionary_data_pages_ = 0;
  plain_data_pages_ = 0;
  DropDictionary();
  mode_ = initial_mode_;
  probed_ = false;
  null_count_ = 0;
  has_min_max_ = false;
  min_string_.clear();
  max_string_.clear();
}

}  // namespace rankflow::pq
