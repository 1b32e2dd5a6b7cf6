#include "runtime/parquet/decoders.h"

#include <algorithm>
#include <cstring>

#include "runtime/parquet/bits.h"

namespace rankflow::pq {
namespace {

Status Bad(const std::string& what) { return Status::Corruption(what); }

template <typename T>
T LoadLe(const uint8_t* p) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  return v;
}

bool IsStringType(PhysicalType t) {
  return t == PhysicalType::kByteArray || t == PhysicalType::kFixedLenByteArray;
}
bool IsFloatType(PhysicalType t) { return t == PhysicalType::kFloat || t == PhysicalType::kDouble; }

// Bytes of one PLAIN value of a fixed-width type (0 for BOOLEAN and BYTE_ARRAY).
size_t FixedWidth(const DecodeArgs& a) {
  switch (a.type) {
    case PhysicalType::kInt32:
    case PhysicalType::kFloat:
      return 4;
    case PhysicalType::kInt64:
    case PhysicalType::kDouble:
      return 8;
    case PhysicalType::kInt96:
      return 12;
    case PhysicalType::kFixedLenByteArray:
      return static_cast<size_t>(a.type_length);
    default:
      return 0;
  }
}

int64_t Int96ToNanos(const uint8_t* p) {
  constexpr int64_t kJulianEpochDay = 2440588;  // 1970-01-01
  constexpr int64_t kNanosPerDay = 86400LL * 1000 * 1000 * 1000;
  const uint64_t nanos = LoadLe<uint64_t>(p);
  const int64_t day = LoadLe<int32_t>(p + 8);
  return static_cast<int64_t>(
      static_cast<uint64_t>(day - kJulianEpochDay) * static_cast<uint64_t>(kNanosPerDay) + nanos);
}

Status DecodePlain(const DecodeArgs& a, const uint8_t* data, size_t size, size_t n, Values* out) {
  if (n == 0) return Status::OK();  // (memcpy into an empty vector's null data() is undefined)
  const uint8_t* end = data + size;
  if (a.type == PhysicalType::kBoolean) {
    if (PackedBytes(n, 1) > size) return Bad("plain booleans run past the page");
    const size_t base = out->ints.size();
    out->ints.resize(base + n);
    UnpackBits(data, end, 1, n, out->ints.data() + base);
    return Status::OK();
  }
  if (a.type == PhysicalType::kByteArray) {
    const uint8_t* p = data;
    out->strings.reserve(out->strings.size() + n);
    for (size_t i = 0; i < n; ++i) {
      if (end - p < 4) return Bad("plain byte array length runs past the page");
      const uint32_t len = LoadLe<uint32_t>(p);
      p += 4;
      if (static_cast<uint64_t>(end - p) < len) return Bad("plain byte array runs past the page");
      out->strings.emplace_back(reinterpret_cast<const char*>(p), len);
      p += len;
    }
    return Status::OK();
  }
  const size_t width = FixedWidth(a);
  if (width == 0) return Bad("fixed_len_byte_array with type_length 0");
  if (n > size / width) return Bad("plain values run past the page");
  switch (a.type) {
    case PhysicalType::kInt32:
      for (size_t i = 0; i < n; ++i) out->ints.push_back(LoadLe<int32_t>(data + 4 * i));
      break;
    case PhysicalType::kInt64: {
      const size_t base = out->ints.size();
      out->ints.resize(base + n);
      std::memcpy(out->ints.data() + base, data, n * 8);
      break;
    }
    case PhysicalType::kInt96:
      for (size_t i = 0; i < n; ++i) out->ints.push_back(Int96ToNanos(data + 12 * i));
      break;
    case PhysicalType::kFloat:
      for (size_t i = 0; i < n; ++i) out->doubles.push_back(LoadLe<float>(data + 4 * i));
      break;
    case PhysicalType::kDouble: {
      const size_t base = out->doubles.size();
      out->doubles.resize(base + n);
      std::memcpy(out->doubles.data() + base, data, n * 8);
      break;
    }
    default:  // FIXED_LEN_BYTE_ARRAY
      for (size_t i = 0; i < n; ++i) {
        out->strings.emplace_back(reinterpret_cast<const char*>(data + width * i), width);
      }
  }
  return Status::OK();
}

Status DecodeByteStreamSplit(const DecodeArgs& a, const uint8_t* data, size_t size, size_t n,
                             Values* out) {
  const size_t width = FixedWidth(a);
  if (a.type == PhysicalType::kInt96 || a.type == PhysicalType::kBoolean ||
      a.type == PhysicalType::kByteArray || a.type == PhysicalType::kFixedLenByteArray) {
    return Status::InvalidArgument("encoding BYTE_STREAM_SPLIT is not supported for this type");
  }
  if (n > size / width) return Bad("byte_stream_split values run past the page");
  const size_t stride = size / width;  // the streams' length: the page holds exactly width streams
  uint8_t bytes[8];
  for (size_t i = 0; i < n; ++i) {
    for (size_t b = 0; b < width; ++b) bytes[b] = data[b * stride + i];
    switch (a.type) {
      case PhysicalType::kInt32:
        out->ints.push_back(LoadLe<int32_t>(bytes));
        break;
      case PhysicalType::kInt64:
        out->ints.push_back(LoadLe<int64_t>(bytes));
        break;
      case PhysicalType::kFloat:
        out->doubles.push_back(LoadLe<float>(bytes));
        break;
      default:
        out->doubles.push_back(LoadLe<double>(bytes));
    }
  }
  return Status::OK();
}

// The dictionary indices of a page's values, checked against dict_size, to sink(idx, got) in
// runs of up to 1024.
template <typename Sink>
Status ForEachDictionaryIndex(const uint8_t* data, size_t size, size_t n, size_t dict_size,
                              Sink sink) {
  if (size < 1) return Bad("dictionary page data without its bit width");
  const int width = data[0];
  if (width > 32) return Bad("dictionary index bit width " + std::to_string(width) + " > 32");
  RleDecoder rle(data + 1, size - 1, width);
  uint32_t idx[1024];
  size_t done = 0;
  while (done < n) {
    const size_t want = std::min<size_t>(n - done, 1024);
    const size_t got = rle.GetBatch(idx, want);
    for (size_t i = 0; i < got; ++i) {
      if (idx[i] >= dict_size) {
        return Bad("dictionary index " + std::to_string(idx[i]) + " >= dictionary size " +
                   std::to_string(dict_size));
      }
    }
    sink(idx, got);
    done += got;
    if (got < want) return Bad("dictionary indices end before the page's values");
  }
  return Status::OK();
}

Status DecodeDictionaryIndices(const DecodeArgs& a, const uint8_t* data, size_t size, size_t n,
                               Values* out) {
  if (a.dictionary == nullptr) return Bad("dictionary-encoded page without a dictionary page");
  const Values& dict = *a.dictionary;
  return ForEachDictionaryIndex(data, size, n, dict.size(a.type),
                                [&](const uint32_t* idx, size_t got) {
                                  if (IsStringType(a.type)) {
                                    for (size_t i = 0; i < got; ++i)
                                      out->strings.push_back(dict.strings[idx[i]]);
                                  } else if (IsFloatType(a.type)) {
                                    for (size_t i = 0; i < got; ++i)
                                      out->doubles.push_back(dict.doubles[idx[i]]);
                                  } else {
                                    for (size_t i = 0; i < got; ++i)
                                      out->ints.push_back(dict.ints[idx[i]]);
                                  }
                                });
}

Status DecodeRleBooleans(const uint8_t* data, size_t size, size_t n, Values* out) {
  if (size < 4) return Bad("rle booleans without their length");
  const uint32_t len = LoadLe<uint32_t>(data);
  if (len > size - 4) return Bad("rle booleans length runs past the page");
  RleDecoder rle(data + 4, len, 1);
  uint32_t v[1024];
  size_t done = 0;
  while (done < n) {
    const size_t want = std::min<size_t>(n - done, 1024);
    const size_t got = rle.GetBatch(v, want);
    for (size_t i = 0; i < got; ++i) out->ints.push_back(v[i]);
    done += got;
    if (got < want) return Bad("rle booleans end before the page's values");
  }
  return Status::OK();
}

// The lengths and bytes of DELTA_LENGTH_BYTE_ARRAY as string_views into the page.
Status DecodeDeltaLength(const uint8_t* data, size_t size, size_t n,
                         std::vector<std::string_view>* out, size_t* consumed) {
  std::vector<int64_t> lengths;
  size_t used = 0;
  RF_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, size, n, &lengths, &used));
  if (lengths.size() != n) return Bad("delta_length_byte_array holds a wrong number of lengths");
  const uint8_t* p = data + used;
  const uint8_t* end = data + size;
  for (int64_t len : lengths) {
    if (len < 0 || len > end - p) return Bad("delta_length_byte_array value runs past the page");
    out->emplace_back(reinterpret_cast<const char*>(p), static_cast<size_t>(len));
    p += len;
  }
  *consumed = static_cast<size_t>(p - data);
  return Status::OK();
}

Status DecodeDeltaByteArray(const DecodeArgs& a, const uint8_t* data, size_t size, size_t n,
                            Values* out) {
  if (a.scratch == nullptr) return Status::Internal("delta_byte_array decoding without scratch");
  std::vector<int64_t> prefixes;
  size_t used = 0;
  RF_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, size, n, &prefixes, &used));
  if (prefixes.size() != n) return Bad("delta_byte_array holds a wrong number of prefixes");
  std::vector<std::string_view> suffixes;
  size_t used2 = 0;
  RF_RETURN_IF_ERROR(DecodeDeltaLength(data + used, size - used, n, &suffixes, &used2));
  // First the total, so the scratch is allocated once and views into it stay valid.
  uint64_t total = 0;
  uint64_t prev_len = 0;
  for (size_t i = 0; i < n; ++i) {
    if (prefixes[i] < 0 || static_cast<uint64_t>(prefixes[i]) > prev_len) {
      return Bad("delta_byte_array prefix longer than the previous value");
    }
    prev_len = static_cast<uint64_t>(prefixes[i]) + suffixes[i].size();
    total += prev_len;
    if (total > a.max_scratch_bytes) {
      return Bad("delta_byte_array values exceed the limit of " +
                 std::to_string(a.max_scratch_bytes) + " bytes");
    }
  }
  std::string& s = *a.scratch;
  s.clear();
  s.reserve(total);
  size_t prev_begin = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t begin = s.size();
    s.append(s, prev_begin, static_cast<size_t>(prefixes[i]));
    s.append(suffixes[i]);
    prev_begin = begin;
  }
  size_t pos = 0;
  for (size_t i = 0; i < n; ++i) {
    const size_t len = static_cast<size_t>(prefixes[i]) + suffixes[i].size();
    out->strings.emplace_back(s.data() + pos, len);
    pos += len;
  }
  return Status::OK();
}

}  // namespace

const char* EncodingName(int encoding) {
  switch (static_cast<Encoding>(encoding)) {
    case Encoding::kPlain:
      return "PLAIN";
    case Encoding::kPlainDictionary:
      return "PLAIN_DICTIONARY";
    case Encoding::kRle:
      return "RLE";
    case Encoding::kBitPacked:
      return "BIT_PACKED";
    case Encoding::kDeltaBinaryPacked:
      return "DELTA_BINARY_PACKED";
    case Encoding::kDeltaLengthByteArray:
      return "DELTA_LENGTH_BYTE_ARRAY";
    case Encoding::kDeltaByteArray:
      return "DELTA_BYTE_ARRAY";
    case Encoding::kRleDictionary:
      return "RLE_DICTIONARY";
    case Encoding::kByteStreamSplit:
      return "BYTE_STREAM_SPLIT";
  }
  return "unknown";
}

size_t Values::size(PhysicalType type) const {
  if (IsStringType(type)) return strings.size();
  if (IsFloatType(type)) return doubles.size();
  return ints.size();
}

RleDecoder::RleDecoder(const uint8_t* data, size_t size, int bit_width)
    : p_(data), end_(data + size), width_(bit_width) {
  if (bit_width < 0 || bit_width > 32) error_ = true;
}

bool RleDecoder::NextRun() {
  if (error_ || p_ == end_) return false;
  uint64_t header = 0;
  if (!ReadUleb128(&p_, end_, &header)) {
    error_ = true;
    return false;
  }
  const uint64_t count = header >> 1;
  if (header & 1) {
    // Bit-packed: count groups of 8 values. A truncated last run keeps what is present.
    if (count > (uint64_t{1} << 31)) {
      error_ = true;
      return false;
    }
    const uint64_t want_bytes = count * static_cast<uint64_t>(width_);
    const uint64_t have_bytes = std::min<uint64_t>(want_bytes, static_cast<uint64_t>(end_ - p_));
    packed_ = p_;
    packed_index_ = 0;
    packed_left_ = width_ == 0 ? count * 8 : have_bytes * 8 / static_cast<uint64_t>(width_);
    p_ += have_bytes;
    return true;
  }
  const int value_bytes = (width_ + 7) / 8;
  if (end_ - p_ < value_bytes) {
    error_ = true;
    return false;
  }
  uint32_t v = 0;
  for (int i = 0; i < value_bytes; ++i) v |= static_cast<uint32_t>(p_[i]) << (8 * i);
  p_ += value_bytes;
  rle_value_ = v;
  rle_left_ = count;
  return true;
}

size_t RleDecoder::GetBatch(uint32_t* out, size_t n) {
  size_t done = 0;
  while (done < n) {
    if (rle_left_ > 0) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(rle_left_, n - done));
      std::fill(out + done, out + done + k, rle_value_);
      rle_left_ -= k;
      done += k;
      continue;
    }
    if (packed_left_ > 0) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(packed_left_, n - done));
      // Values start on a byte boundary every 8 values; unpack from the nearest one.
      const uint64_t first_group = packed_index_ / 8 * 8;
      const uint8_t* base = packed_ + first_group * static_cast<uint64_t>(width_) / 8;
      const size_t skip = static_cast<size_t>(packed_index_ - first_group);
      if (skip == 0) {
        UnpackBits(base, p_, width_, k, out + done);
      } else {
        for (size_t i = 0; i < k; ++i) {
          out[done + i] = static_cast<uint32_t>(UnpackOne(base, p_, width_, skip + i));
        }
      }
      packed_index_ += k;
      packed_left_ -= k;
      done += k;
      continue;
    }
    if (!NextRun()) break;
  }
  return done;
}

Status DecodeLevels(const uint8_t* data, size_t size, int max_level, size_t n, int16_t* out) {
  RleDecoder rle(data, size, BitWidth(static_cast<uint64_t>(max_level)));
  uint32_t v[1024];
  size_t done = 0;
  while (done < n) {
    const size_t want = std::min<size_t>(n - done, 1024);
    const size_t got = rle.GetBatch(v, want);
    for (size_t i = 0; i < got; ++i) {
      if (v[i] > static_cast<uint32_t>(max_level)) {
        return Bad("level " + std::to_string(v[i]) + " > max level " + std::to_string(max_level));
      }
      out[done + i] = static_cast<int16_t>(v[i]);
    }
    done += got;
    if (got < want) return Bad("levels end before the page's values");
  }
  return Status::OK();
}

Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, uint64_t max_values,
                               std::vector<int64_t>* out, size_t* consumed) {
  const uint8_t* p = data;
  const uint8_t* end = data + size;
  uint64_t block_size = 0, mini_count = 0, total = 0, first_zz = 0;
  if (!ReadUleb128(&p, end, &block_size) || !ReadUleb128(&p, end, &mini_count) ||
      !ReadUleb128(&p, end, &total) || !ReadUleb128(&p, end, &first_zz)) {
    return Bad("delta_binary_packed header runs past the page");
  }
  if (block_size == 0 || block_size % 128 != 0 || mini_count == 0 || mini_count > block_size ||
      block_size % mini_count != 0 || (block_size / mini_count) % 32 != 0) {
    return Bad("delta_binary_packed header has block size " + std::to_string(block_size) + " and " +
               std::to_string(mini_count) + " miniblocks");
  }
  if (total > max_values) {
    return Bad("delta_binary_packed holds " + std::to_string(total) + " values, more than the " +
               std::to_string(max_values) + " expected");
  }
  const uint64_t per_mini = block_size / mini_count;
  const size_t base = out->size();
  out->resize(base + total);
  int64_t* v = out->data() + base;
  if (total == 0) {
    *consumed = static_cast<size_t>(p - data);
    return Status::OK();
  }
  uint64_t last = static_cast<uint64_t>(ZigZagDecode(first_zz));
  v[0] = static_cast<int64_t>(last);
  uint64_t done = 1;
  uint64_t deltas[32];
  while (done < total) {
    uint64_t min_zz = 0;
    if (!ReadUleb128(&p, end, &min_zz)) return Bad("delta_binary_packed block runs past the page");
    const uint64_t min_delta = static_cast<uint64_t>(ZigZagDecode(min_zz));
    if (static_cast<uint64_t>(end - p) < mini_count) {
      return Bad("delta_binary_packed bit widths run past the page");
    }
    const uint8_t* widths = p;
    p += mini_count;
    for (uint64_t m = 0; m < mini_count && done < total; ++m) {
      const int w = widths[m];
      if (w > 64) return Bad("delta_binary_packed bit width " + std::to_string(w) + " > 64");
      const uint64_t count = std::min<uint64_t>(per_mini, total - done);
      const uint64_t full_bytes = per_mini * static_cast<uint64_t>(w) / 8;
      if (static_cast<uint64_t>(end - p) < PackedBytes(count, w)) {
        return Bad("delta_binary_packed miniblock runs past the page");
      }
      const uint8_t* mini_end = p + std::min<uint64_t>(full_bytes, static_cast<uint64_t>(end - p));
      // 32 values at a time (per_mini is a multiple of 32, so each chunk starts on a byte).
      for (uint64_t i = 0; i < count; i += 32) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(32, count - i));
        UnpackBits(p + i * static_cast<uint64_t>(w) / 8, mini_end, w, k, deltas);
        for (size_t j = 0; j < k; ++j) {
          last += min_delta + deltas[j];
          v[done++] = static_cast<int64_t>(last);
        }
      }
      p = mini_end;
    }
  }
  *consumed = static_cast<size_t>(p - data);
  return Status::OK();
}

bool IsDictionaryEncoding(int encoding) {
  return encoding == static_cast<int>(Encoding::kPlainDictionary) ||
         encoding == static_cast<int>(Encoding::kRleDictionary);
}

Status CountDictionaryIndices(const uint8_t* data, size_t size, size_t n,
                              std::vector<uint64_t>* counts) {
  return ForEachDictionaryIndex(data, size, n, counts->size(),
                                [&](const uint32_t* idx, size_t got) {
                                  for (size_t i = 0; i < got; ++i) ++(*counts)[idx[i]];
                                });
}

Status DecodeValues(int encoding, const DecodeArgs& args, const uint8_t* data, size_t size,
                    size_t n, Values* out) {
  switch (static_cast<Encoding>(encoding)) {
    case Encoding::kPlain:
      return DecodePlain(args, data, size, n, out);
    case Encoding::kPlainDictionary:
    case Encoding::kRleDictionary:
      return DecodeDictionaryIndices(args, data, size, n, out);
    case Encoding::kRle:
      if (args.type != PhysicalType::kBoolean) break;
      return DecodeRleBooleans(data, size, n, out);
    case Encoding::kDeltaBinaryPacked: {
      if (args.type != PhysicalType::kInt32 && args.type != PhysicalType::kInt64) break;
      size_t used = 0;
      const size_t base = out->ints.size();
      RF_RETURN_IF_ERROR(DecodeDeltaBinaryPacked(data, size, n, &out->ints, &used));
      if (out->ints.size() - base != n) {
        return Bad("delta_binary_packed holds " + std::to_string(out->ints.size() - base) +
                   " values, the page " + std::to_string(n));
      }
      if (args.type == PhysicalType::kInt32) {
        for (size_t i = base; i < out->ints.size(); ++i) {
          out->ints[i] = static_cast<int32_t>(static_cast<uint32_t>(out->ints[i]));
        }
      }
      return Status::OK();
    }
    case Encoding::kDeltaLengthByteArray: {
      if (args.type != PhysicalType::kByteArray) break;
      size_t used = 0;
      return DecodeDeltaLength(data, size, n, &out->strings, &used);
    }
    case Encoding::kDeltaByteArray:
      if (!IsStringType(args.type)) break;
      return DecodeDeltaByteArray(args, data, size, n, out);
    case Encoding::kByteStreamSplit:
      return DecodeByteStreamSplit(args, data, size, n, out);
    default:
      break;
  }
  return Status::InvalidArgument(std::string("encoding ") + EncodingName(encoding) + " (" +
                                 std::to_string(encoding) + ") is not supported for this column");
}

}  // namespace rankflow::pq
