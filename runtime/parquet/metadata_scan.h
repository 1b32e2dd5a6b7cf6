// Internal to runtime/parquet/: reading the file's thrift metadata (footer, page headers) safely.
// CompactScan walks a compact-protocol struct without allocating before thrift reads it, so a
// corrupt or hostile length never becomes an allocation; Wire reads a generated enum field as the
// i32 the file holds. Used by parquet_reader.cpp and column_chunk_reader.cpp. Local, pure.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>

#include "runtime/parquet/bits.h"
#include "runtime/parquet/thrift_io.h"
#include "runtime/status.h"

namespace rankflow::pq {

// Nesting bound of the schema tree, and of thrift structs in the metadata.
inline constexpr int kMaxSchemaDepth = 64;

inline uint32_t LoadU32(const char* p) {
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

}  // namespace rankflow::pq
