// Unique keys: how the collective pieces (GlobalSort, GroupingShuffle, ShuffleJoin, GroupTopK)
// keep every record of a key through HashShuffle, which combines equal keys, while still sorting
// and placing records by their key alone.
//
// A unique key is EscapedKey(key) + [tag bytes] + TieBreak(rank, seq):
//   - EscapedKey is order-preserving and prefix-free: every 0x00 byte of the key becomes
//     00 FF and the key ends with 00 01. So comparing two unique keys as bytes compares the keys
//     first (as bytes), whatever follows them, and no key's encoding is a prefix of another's.
//     With `descending`, every byte of the encoding is complemented: the order of keys reverses
//     (still prefix-free) while whatever follows keeps its own order.
//   - TieBreak is the adding rank (4 bytes) and the rank's add sequence number (8 bytes), both
//     big-endian: records of equal keys order by (rank, add order), and no two records collide.
// Cost: 2 bytes + one per 0x00 in the key + 12 (+ tag) per record. Local, pure functions.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace rankflow {

constexpr size_t kTieBreakBytes = 12;

// Appends the escaped key (see above) to *out.
void AppendEscapedKey(std::string* out, std::string_view key, bool descending = false);
// Parses the escaped key at the start of `in`: the key into *key, and returns the bytes the
// encoding took (0 if `in` does not start with a complete encoding).
size_t ParseEscapedKey(std::string_view in, bool descending, std::string* key);
// Appends rank (u32) and seq (u64), big-endian.
void AppendTieBreak(std::string* out, uint32_t rank, uint64_t seq);
// The HashShuffle combine for unique keys: never called, since no two records share a key; a call
// is a bug (RF_CHECK).
void CombineNever(std::string* acc, std::string_view value);

}  // namespace rankflow
