// How one load_tweets record is laid out outside the Tweet: its bytes (the record encoding), the id
// key that orders and places it, its HashShuffle value (the fallback when the records do not fit
// a TweetTable), and its frame in a TweetTable arena. Shared by the map (jobs/load_tweets.cpp), the
// table (jobs/load_tweets_dedupe.h), the exchange (jobs/load_tweets_exchange.h) and the parts
// (jobs/load_tweets_output.h). The frame accessors are inline: TweetTable reads them per record.
//
// Record encoding (decision, for speed): the jsonl formats carry each record as the normalized
// JSON they write (AppendTweetJson); csv, hdf5 and parquet need the parsed Tweet, so they carry
// the Tweet's flow codec bytes (operators/tweet_source.h) instead, and skip writing JSON in the
// map and parsing it back in the parts. Either way the dedupe keeps the same record: among records
// of one id with one timestamp_ms, the one whose normalized JSON is the smallest (RecordLess
// renders two different codec records as JSON to compare them; identical records need no JSON).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "operators/tweet.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

enum class RecordEncoding { kJson, kTweetCodec };

// Appends the record of t in encoding e to *out.
void AppendRecord(RecordEncoding e, const Tweet& t, std::string* out);
// The Tweet of a kTweetCodec record; false if the bytes are not one (not expected: our own).
bool DecodeTweetRecord(std::string_view record, Tweet* t);
// The order of two records of one id and timestamp_ms: that of their normalized JSON bytes. Cost:
// a byte comparison, plus for two different kTweetCodec records a decode and AppendTweetJson of
// both (only duplicates of an id with equal times get here).
bool RecordLess(RecordEncoding e, std::string_view a, std::string_view b);

// Ids zero-padded to 20 digits, so that byte order is numeric order (longer ids are kept whole).
constexpr size_t kIdKeyWidth = 20;
std::string IdKey(std::string_view id);
// The shuffle value of a record: 8 bytes big-endian (timestamp_ms + 2^63, so byte order is time
// order), then the record.
std::string EncodeTweetValue(int64_t timestamp_ms, std::string_view record);
// The timestamp_ms of a shuffle value made by EncodeTweetValue (its first 8 bytes).
int64_t DecodeTweetTimestamp(std::string_view value);
// The HashShuffle combiner of records in encoding e: keeps the earliest value (smallest
// timestamp, then RecordLess). Associative and commutative.
HashShuffle::Combine KeepEarliest(RecordEncoding e);

// A frame: [u32 key bytes][u32 record bytes][i64 timestamp_ms][key][record], native byte order
// (it never leaves the machine's ranks).
constexpr size_t kFrameHeaderBytes = 4 + 4 + 8;  // key bytes, record bytes, timestamp_ms
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
inline std::string_view FrameRecord(const char* frame) {
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
