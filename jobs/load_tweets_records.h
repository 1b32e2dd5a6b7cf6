// How one load_tweets record is laid out outside the Tweet: the id key that orders and places it,
// its HashShuffle value (the fallback when the records do not fit a TweetTable), and its frame in a
// TweetTable arena. Shared by the table (jobs/load_tweets_dedupe.h) and the exchange
// (jobs/load_tweets_exchange.h). The frame accessors are inline: TweetTable reads them per record.
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "runtime/status.h"

namespace rankflow {

// Ids zero-padded to 20 digits, so that byte order is numeric order (longer ids are kept whole).
constexpr size_t kIdKeyWidth = 20;
std::string IdKey(std::string_view id);
// The shuffle value of a record: 8 bytes big-endian (timestamp_ms + 2^63, so byte order is time
// order), then the normalized JSON.
std::string EncodeTweetValue(int64_t timestamp_ms, std::string_view json);
// The timestamp_ms of a shuffle value made by EncodeTweetValue (its first 8 bytes).
int64_t DecodeTweetTimestamp(std::string_view value);
// Keeps the earliest value (smallest timestamp, then JSON bytes). Associative and commutative.
void KeepEarliest(std::string* acc, std::string_view value);

// A frame: [u32 key bytes][u32 JSON bytes][i64 timestamp_ms][key][JSON], native byte order (it
// never leaves the machine's ranks).
constexpr size_t kFrameHeaderBytes = 4 + 4 + 8;  // key bytes, JSON bytes, timestamp_ms
inline uint32_t FrameU32(const char* frame, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, frame + at, 4);
  return v;
}
inline int64_t FrameTimestamp(const char* frame) {
  int64_t v = 0;
  std::memcpy(&v, frame + 8, 8);
  return v;
}
inline std::string_view FrameKey(const char* frame) {
  return std::string_view(frame + kFrameHeaderBytes, FrameU32(frame, 0));
}
inline std::string_view FrameJson(const char* frame) {
  return std::string_view(frame + kFrameHeaderBytes + FrameU32(frame, 0), FrameU32(frame, 4));
}

// Calls fn(frame) for every framed record in [data, data + size).
template <typename Fn>
void ForEachFrame(const char* data, size_t size, Fn&& fn) {
  const char* p = data;
  const char* end = data + size;
  while (p < end) {
    RF_CHECK_MSG(static_cast<size_t>(end - p) >= kFrameHeaderBytes, "load_tweets: truncated frame");
    const size_t framed = kFrameHeaderBytes + FrameU32(p, 0) + FrameU32(p, 4);
    RF_CHECK_MSG(static_cast<size_t>(end - p) >= framed, "load_tweets: truncated frame");
    fn(p);
    p += framed;
  }
}

}  // namespace rankflow
