// Encoders of the Parquet RLE / bit-packing hybrid (Encodings.md, "RLE = 3"), used by the writer
// for definition and repetition levels and for dictionary indices. Pure functions, thread-safe.
//
// Runs of 8 or more equal values become RLE runs (ULEB128 header `count << 1`, then the value in
// ceil(bit_width / 8) little-endian bytes); everything else becomes bit-packed runs of groups of
// 8 values (header `groups << 1 | 1`, values packed from the least significant bit of each byte).
// Only the very last group may be padded with zeros (readers know the value count). Cost: one
// pass over the values; output at most n * bit_width / 8 + n / 8 + 10 bytes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

// Varints and bit widths: runtime/parquet/bits.h.
namespace rankflow::pq {

// Appends the hybrid encoding of values[0, n) (each < 2^bit_width, bit_width 0..32) to *out,
// without a length prefix (dictionary indices; their page starts with the bit width byte).
void AppendRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out);
void AppendRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out);

// The same, prefixed by its length in 4 little-endian bytes (levels in data pages v1).
void AppendRleHybridWithLength(const uint8_t* values, size_t n, int bit_width, std::string* out);

}  // namespace rankflow::pq
