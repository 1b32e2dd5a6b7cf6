// Bit-level helpers of the Parquet encodings, shared by the reader and the writer: ULEB128 varints,
// zigzag, bit widths, and the LSB-first bit packing of the RLE/bit-packed hybrid and of
// DELTA_BINARY_PACKED miniblocks (Encodings.md). Header-only, no allocation, thread-safe.
// Readers never read a byte outside [p, end): every function that reads takes the end.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

// rankflow::pq holds the Parquet codec internals (not `parquet`: that is the namespace of the
// types thrift generates from parquet.thrift).
namespace rankflow::pq {

// Decodes one ULEB128 varint at *p (at most 10 bytes, value < 2^64) and advances *p past it.
// False, with *p unchanged, if it runs past `end` or is longer than 10 bytes.
inline bool ReadUleb128(const uint8_t** p, const uint8_t* end, uint64_t* value) {
  uint64_t v = 0;
  const uint8_t* q = *p;
  for (int shift = 0; shift < 70; shift += 7) {
    if (q == end) return false;
    uint8_t byte = *q++;
    if (shift == 63 && (byte & 0x7e) != 0) return false;  // bits past 64
    v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) {
      *p = q;
      *value = v;
      return true;
    }
  }
  return false;
}

inline void AppendUleb128(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

inline uint64_t ZigZagEncode(int64_t v) {
  return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63);
}
inline int64_t ZigZagDecode(uint64_t v) { return static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1)); }

// Bits needed to store v (0 for 0).
inline int BitWidth(uint64_t v) { return v == 0 ? 0 : 64 - __builtin_clzll(v); }

// Little-endian load of up to 8 bytes at p, never reading at or past end (missing bytes are 0).
inline uint64_t LoadLe64(const uint8_t* p, const uint8_t* end) {
  uint64_t v = 0;
  if (end - p >= 8) {
    std::memcpy(&v, p, 8);
  } else if (end > p) {
    std::memcpy(&v, p, static_cast<size_t>(end - p));
  }
  return v;  // the project builds for little-endian hosts only (x86-64, aarch64)
}

// Value i of an LSB-first bit-packed array of `width`-bit values (0 <= width <= 64) starting at
// `data`; bytes at or past `end` read as 0.
inline uint64_t UnpackOne(const uint8_t* data, const uint8_t* end, int width, uint64_t i) {
  if (width == 0) return 0;
  const uint64_t bit = i * static_cast<uint64_t>(width);
  const uint8_t* p = data + (bit >> 3);
  const int shift = static_cast<int>(bit & 7);
  uint64_t v = LoadLe64(p, end) >> shift;
  if (shift + width > 64) v |= LoadLe64(p + 8, end) << (64 - shift);
  return width == 64 ? v : v & ((uint64_t{1} << width) - 1);
}

// Unpacks n values of `width` bits (0..64) into out[0..n), LSB-first, from `data`; reads only
// [data, end) (the caller checks that n * width bits fit there; bytes past end read as 0).
template <typename T>
inline void UnpackBits(const uint8_t* data, const uint8_t* end, int width, size_t n, T* out) {
  if (width == 0) {
    for (size_t i = 0; i < n; ++i) out[i] = 0;
    return;
  }
  if (width <= 32) {
    // One 8-byte load covers any value of <= 32 bits at any bit offset (7 + 32 < 64).
    const uint64_t mask = (uint64_t{1} << width) - 1;
    uint64_t bit = 0;
    for (size_t i = 0; i < n; ++i, bit += static_cast<uint64_t>(width)) {
      const uint8_t* p = data + (bit >> 3);
      out[i] = static_cast<T>((LoadLe64(p, end) >> (bit & 7)) & mask);
    }
    return;
  }
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<T>(UnpackOne(data, end, width, i));
}

// Bytes taken by n values of `width` bits.
inline uint64_t PackedBytes(uint64_t n, int width) {
  return (n * static_cast<uint64_t>(width) + 7) / 8;
}

}  // namespace rankflow::pq
