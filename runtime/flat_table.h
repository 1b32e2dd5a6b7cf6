// Internal to runtime/: HashShuffle's hash table of byte-string pairs (runtime/shuffle.cpp), and
// the key hash every rank agrees on (KeyHash64 / HashOwner in shuffle.h are this one).
// Not thread-safe; one table per side of a shuffle.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/log.h"
#include "runtime/shuffle.h"

namespace rankflow::internal {

inline uint64_t KeyHash(std::string_view key) {
  // FNV-1a over the bytes, then a final avalanche (splitmix64) so low bits are usable for modulo.
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : key) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 30;
  h *= 0xbf58476d1ce4e5b9ull;
  h ^= h >> 27;
  h *= 0x94d049bb133111ebull;
  h ^= h >> 31;
  return h;
}

// Open-addressing hash table of byte-string pairs. Entries live in one arena as
// [u32 key length][u32 value length][key][value]; slots hold (hash, arena offset + 1) and are
// probed linearly (load factor <= 3/4). A combine that changes a value's size appends a new copy
// of the entry (the old bytes stay as garbage until Release). bytes() is what it holds: the
// arena's capacity plus the slots.
class FlatTable {
 public:
  // Combines `value` into the entry for `key`, or inserts it. combine_buf is scratch.
  void Upsert(std::string_view key, std::string_view value, const HashShuffle::Combine& combine,
              std::string* combine_buf) {
    if (slots_.empty() || (size_ + 1) * 4 > slots_.size() * 3) Grow();
    const uint64_t h = KeyHash(key);
    const size_t mask = slots_.size() - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
      Slot& slot = slots_[i];
      if (slot.offset == 0) {
        slot.hash = h;
        slot.offset = Append(key, value) + 1;
        ++size_;
        return;
      }
      if (slot.hash != h || Key(slot.offset - 1) != key) continue;
      combine_buf->assign(Value(slot.offset - 1));
      combine(combine_buf, value);
      if (combine_buf->size() == Value(slot.offset - 1).size()) {
        std::copy(combine_buf->begin(), combine_buf->end(), ValuePtr(slot.offset - 1));
      } else {
        std::string owned_key(key);
        slot.offset = Append(owned_key, *combine_buf) + 1;
      }
      return;
    }
  }

  size_t size() const { return size_; }
  uint64_t bytes() const { return arena_.capacity() + slots_.size() * sizeof(Slot); }

  // Arena offsets of every live entry, in slot order.
  std::vector<uint64_t> Offsets() const {
    std::vector<uint64_t> out;
    out.reserve(size_);
    for (const Slot& slot : slots_) {
      if (slot.offset != 0) out.push_back(slot.offset - 1);
    }
    return out;
  }
  // The same, sorted by key bytes.
  std::vector<uint64_t> SortedOffsets() const {
    std::vector<uint64_t> out = Offsets();
    std::sort(out.begin(), out.end(), [this](uint64_t a, uint64_t b) { return Key(a) < Key(b); });
    return out;
  }

  std::string_view Key(uint64_t off) const {
    return std::string_view(arena_.data() + off + 8, Length(off));
  }
  std::string_view Value(uint64_t off) const {
    return std::string_view(arena_.data() + off + 8 + Length(off), Length(off + 4));
  }

  // Empties the table and frees its memory.
  void Release() {
    std::vector<char>().swap(arena_);
    std::vector<Slot>().swap(slots_);
    size_ = 0;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint64_t offset = 0;  // arena offset + 1; 0 = empty
  };

  uint32_t Length(uint64_t off) const {
    uint32_t n = 0;
    std::memcpy(&n, arena_.data() + off, 4);
    return n;
  }
  char* ValuePtr(uint64_t off) { return arena_.data() + off + 8 + Length(off); }

  uint64_t Append(std::string_view key, std::string_view value) {
    RF_CHECK_MSG(key.size() < (1ull << 32) && value.size() < (1ull << 32),
                 "shuffle key or value of 4 GiB or more");
    const uint64_t off = arena_.size();
    const auto klen = static_cast<uint32_t>(key.size());
    const auto vlen = static_cast<uint32_t>(value.size());
    if (arena_.capacity() < off + 8 + key.size() + value.size()) {
      arena_.reserve(std::max<size_t>(arena_.capacity() * 2, 1 << 16));
    }
    arena_.resize(off + 8 + key.size() + value.size());
    std::memcpy(arena_.data() + off, &klen, 4);
    std::memcpy(arena_.data() + off + 4, &vlen, 4);
    // An empty view may have a null data(): memcpy's arguments must not be null even for 0.
    if (!key.empty()) std::memcpy(arena_.data() + off + 8, key.data(), key.size());
    if (!value.empty()) {
      std::memcpy(arena_.data() + off + 8 + key.size(), value.data(), value.size());
    }
    return off;
  }

  void Grow() {
    std::vector<Slot> old;
    old.swap(slots_);
    slots_.resize(old.empty() ? 256 : old.size() * 2);
    const size_t mask = slots_.size() - 1;
    for (const Slot& slot : old) {
      if (slot.offset == 0) continue;
      size_t i = slot.hash & mask;
      while (slots_[i].offset != 0) i = (i + 1) & mask;
      slots_[i] = slot;
    }
  }

  std::vector<char> arena_;
  std::vector<Slot> slots_;
  size_t size_ = 0;
};

}  // namespace rankflow::internal
