// Value and level decoders of the Parquet reader (Encodings.md): the RLE/bit-packed hybrid
// (levels, dictionary indices, booleans), PLAIN for every physical type, DELTA_BINARY_PACKED,
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY, and dictionary lookups.
//
// Contract for every decoder: it reads only the bytes it is given, never allocates more than a
// bound the caller set (a count of values the page header declared and the caller checked, or a
// byte limit), and reports malformed input as Corruption with a short reason (the caller prefixes
// file, column and page). Decoded strings are string_views into the page buffer (or into the
// caller's scratch for DELTA_BYTE_ARRAY): they live as long as that buffer. Not thread-safe per
// object; no shared state.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/status.h"

namespace rankflow::pq {

// The physical types of parquet.thrift (same numbers as its enum Type).
enum class PhysicalType : int {
  kBoolean = 0,
  kInt32 = 1,
  kInt64 = 2,
  kInt96 = 3,
  kFloat = 4,
  kDouble = 5,
  kByteArray = 6,
  kFixedLenByteArray = 7,
};

// The encodings the reader decodes (same numbers as parquet.thrift's enum Encoding).
enum class Encoding : int {
  kPlain = 0,
  kPlainDictionary = 2,
  kRle = 3,
  kBitPacked = 4,
  kDeltaBinaryPacked = 5,
  kDeltaLengthByteArray = 6,
  kDeltaByteArray = 7,
  kRleDictionary = 8,
  kByteStreamSplit = 9,
};

const char* EncodingName(int encoding);

// Dense decoded values of one column. Which vector is used depends on the physical type:
// ints for BOOLEAN (0/1), INT32, INT64 and INT96 (converted to nanoseconds since the epoch, the
// only use of INT96: legacy Impala/Spark timestamps); doubles for FLOAT and DOUBLE; strings for
// BYTE_ARRAY and FIXED_LEN_BYTE_ARRAY.
struct Values {
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string_view> strings;
  size_t size(PhysicalType type) const;
  void clear() {
    ints.clear();
    doubles.clear();
    strings.clear();
  }
};

// The RLE/bit-packed hybrid over [data, data + size) with a bit width of 0..32 (no length prefix:
// the caller strips the 4-byte one where a page has it). A truncated last bit-packed run yields
// the values whose bits are present.
class RleDecoder {
 public:
  RleDecoder() = default;
  RleDecoder(const uint8_t* data, size_t size, int bit_width);
  // Decodes up to n values into out; returns how many (fewer only at the end of the data or on
  // malformed data: then error() is true).
  size_t GetBatch(uint32_t* out, size_t n);
  bool error() const { return error_; }

 private:
  bool NextRun();

  const uint8_t* p_ = nullptr;
  const uint8_t* end_ = nullptr;
  int width_ = 0;
  uint64_t rle_left_ = 0;
  uint32_t rle_value_ = 0;
  uint64_t packed_left_ = 0;
  uint64_t packed_index_ = 0;
  const uint8_t* packed_ = nullptr;
  bool error_ = false;
};

// Decodes exactly n levels (each checked to be <= max_level) of the hybrid encoding at bit width
// BitWidth(max_level) from [data, data + size) into out[0..n).
Status DecodeLevels(const uint8_t* data, size_t size, int max_level, size_t n, int16_t* out);

// DELTA_BINARY_PACKED: appends every value of the stream at [data, data + size) to *out (INT32
// columns: the caller truncates; arithmetic wraps as the spec says). The stream's value count must
// be <= max_values. *consumed = bytes the stream took (the data of DELTA_LENGTH_BYTE_ARRAY
// follows).
Status DecodeDeltaBinaryPacked(const uint8_t* data, size_t size, uint64_t max_values,
                               std::vector<int64_t>* out, size_t* consumed);

// Where the values of a page come from besides its own bytes.
struct DecodeArgs {
  PhysicalType type = PhysicalType::kInt64;
  int type_length = 0;                 // FIXED_LEN_BYTE_ARRAY only
  const Values* dictionary = nullptr;  // for PLAIN_DICTIONARY / RLE_DICTIONARY
  std::string* scratch = nullptr;      // DELTA_BYTE_ARRAY writes its strings here (reset by it)
  uint64_t max_scratch_bytes = 256u << 20;
};

// Appends exactly n values of `encoding` decoded from [data, data + size) to *out. Unsupported
// encodings are InvalidArgument ("encoding BYTE_STREAM_SPLIT is not supported"), malformed data
// Corruption. Dictionary indices are checked against the dictionary's size.
Status DecodeValues(int encoding, const DecodeArgs& args, const uint8_t* data, size_t size,
                    size_t n, Values* out);

// True for PLAIN_DICTIONARY and RLE_DICTIONARY (a data page of dictionary indices).
bool IsDictionaryEncoding(int encoding);

// A dictionary-encoded page's n indices at [data, data + size) (bit width byte, then the hybrid),
// counted: ++(*counts)[index] for each, no value looked up. counts->size() is the dictionary's
// size; an index past it is Corruption, as for DecodeValues.
Status CountDictionaryIndices(const uint8_t* data, size_t size, size_t n,
                              std::vector<uint64_t>* counts);

}  // namespace rankflow::pq
