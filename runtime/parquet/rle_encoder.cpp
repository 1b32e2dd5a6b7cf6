#include "runtime/parquet/rle_encoder.h"

#include <algorithm>

#include "runtime/parquet/bits.h"

namespace rankflow::pq {
namespace {

constexpr size_t kMinRleRun = 8;

// Length of the run of values equal to values[i], looking no further than `limit`.
template <typename T>
size_t RunLength(const T* values, size_t i, size_t limit) {
  size_t j = i + 1;
  while (j < limit && values[j] == values[i]) ++j;
  return j - i;
}

template <typename T>
void AppendRleRun(T value, size_t count, int bit_width, std::string* out) {
  AppendUleb128(out, uint64_t{count} << 1);
  uint64_t v = value;
  for (int b = 0; b < (bit_width + 7) / 8; ++b) {
    out->push_back(static_cast<char>(v & 0xff));
    v >>= 8;
  }
}

// Packs values[begin, end) (groups of 8; positions at or past n are zeros) LSB first.
template <typename T>
void AppendBitPacked(const T* values, size_t n, size_t begin, size_t end, int bit_width,
                     std::string* out) {
  AppendUleb128(out, uint64_t{(end - begin) / 8} << 1 | 1);
  uint64_t acc = 0;
  int bits = 0;
  for (size_t k = begin; k < end; ++k) {
    const uint64_t v = k < n ? uint64_t{values[k]} : 0;
    acc |= v << bits;
    bits += bit_width;
    while (bits >= 8) {
      out->push_back(static_cast<char>(acc & 0xff));
      acc >>= 8;
      bits -= 8;
    }
  }
}

template <typename T>
void Encode(const T* values, size_t n, int bit_width, std::string* out) {
  size_t i = 0;
  while (i < n) {
    const size_t run = RunLength(values, i, n);
    if (run >= kMinRleRun) {
      AppendRleRun(values[i], run, bit_width, out);
      i += run;
      continue;
    }
    // Bit-pack whole groups of 8 until one starts with a run worth an RLE run (or the end).
    size_t end = i + 8;
    while (end < n && RunLength(values, end, std::min(n, end + kMinRleRun)) < kMinRleRun) end += 8;
    AppendBitPacked(values, n, i, end, bit_width, out);
    i = end;
  }
}

}  // namespace

void AppendRleHybrid(const uint8_t* values, size_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}

void AppendRleHybrid(const uint32_t* values, size_t n, int bit_width, std::string* out) {
  Encode(values, n, bit_width, out);
}

void AppendRleHybridWithLength(const uint8_t* values, size_t n, int bit_width, std::string* out) {
  const size_t at = out->size();
  out->append(4, '\0');
  Encode(values, n, bit_width, out);
  const uint32_t len = static_cast<uint32_t>(out->size() - at - 4);
  for (int b = 0; b < 4; ++b) (*out)[at + b] = static_cast<char>((len >> (8 * b)) & 0xff);
}

}  // namespace rankflow::pq
