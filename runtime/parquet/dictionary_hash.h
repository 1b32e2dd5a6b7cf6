// The hashes of ParquetColumnWriter's dictionary (parquet_column_writer.cpp): MixBits for
// fixed-width values, StringHash for strings. Internal to the writer: nothing stores or exchanges
// them, so they may change with any build. Header-only, no allocation, thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string_view>

namespace rankflow::pq {

// One round of MurmurHash3's 64-bit finaliser (xor-shift, multiply, xor-shift): the high bits
// (the slot's tag) depend on every input bit, and are folded into the low ones (the slot). The
// hash of a fixed-width value, and the last step of StringHash.
inline uint64_t MixBits(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  return x;
}

// The high and low halves of a * b, folded: one multiply mixes 64 bits of input thoroughly.
inline uint64_t FoldedProduct(uint64_t a, uint64_t b) {
  const unsigned __int128 p = static_cast<unsigned __int128>(a) * b;
  return static_cast<uint64_t>(p) ^ static_cast<uint64_t>(p >> 64);
}

// Unaligned loads of 8 and 4 bytes (little-endian hosts only, as bits.h).
inline uint64_t HashWord64(const uint8_t* p) {
  uint64_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

inline uint64_t HashWord32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

// A string's dictionary hash: 16 bytes per multiply, inlined (std::hash is a call and 8 bytes per
// step). Its low bits pick the slot and its high 32 bits are the slot's tag, so both halves must
// be well mixed: MixBits at the end.
inline uint64_t StringHash(std::string_view v) {
  constexpr uint64_t kA = 0x9e3779b97f4a7c15ULL, kB = 0xc2b2ae3d27d4eb4fULL;
  const auto* p = reinterpret_cast<const uint8_t*>(v.data());
  size_t n = v.size();
  uint64_t h = n * kA;
  for (; n > 16; p += 16, n -= 16)
    h = FoldedProduct(HashWord64(p) ^ kA ^ h, HashWord64(p + 8) ^ kB);
  // The last 0 to 16 bytes, read as two words that may overlap (the length is mixed in already).
  uint64_t lo = 0, hi = 0;
  if (n > 8) {
    lo = HashWord64(p);
    hi = HashWord64(p + n - 8);
  } else if (n >= 4) {
    lo = HashWord32(p) | HashWord32(p + n - 4) << 32;
  } else if (n > 0) {
    lo = uint64_t{p[0]} | uint64_t{p[n / 2]} << 8 | uint64_t{p[n - 1]} << 16;
  }
  return MixBits(FoldedProduct(lo ^ kA ^ h, hi ^ kB));
}

}  // namespace rankflow::pq
