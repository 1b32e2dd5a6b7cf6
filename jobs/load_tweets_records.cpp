#include "jobs/load_tweets_records.h"

#include <algorithm>

#include "operators/tweet_source.h"

namespace rankflow {

void AppendRecord(RecordEncoding e, const Tweet& t, std::string* out) {
  if (e == RecordEncoding::kJson) {
    AppendTweetJson(t, out);
    return;
  }
  flow::Encode(t, out);
}

bool DecodeTweetRecord(std::string_view record, Tweet* t) { return flow::DecodeAll(record, t); }

bool RecordLess(RecordEncoding e, std::string_view a, std::string_view b) {
  if (e == RecordEncoding::kJson) return a < b;
  // Equal codec bytes are equal tweets, so equal JSON; only different records are rendered.
  if (a == b) return false;
  Tweet ta, tb;
  RF_CHECK_MSG(DecodeTweetRecord(a, &ta) && DecodeTweetRecord(b, &tb),
               "load_tweets: a record is not a Tweet's codec bytes");
  return TweetToJson(ta) < TweetToJson(tb);
}

std::string IdKey(std::string_view id) {
  std::string key(kIdKeyWidth - std::min(id.size(), kIdKeyWidth), '0');
  key.append(id);
  return key;
}

std::string EncodeTweetValue(int64_t timestamp_ms, std::string_view record) {
  uint64_t biased = static_cast<uint64_t>(timestamp_ms) ^ (uint64_t{1} << 63);
  std::string v(8, '\0');
  for (int i = 7; i >= 0; --i) {
    v[static_cast<size_t>(i)] = static_cast<char>(biased & 0xff);
    biased >>= 8;
  }
  v.append(record);
  return v;
}

int64_t DecodeTweetTimestamp(std::string_view value) {
  uint64_t biased = 0;
  for (size_t i = 0; i < 8 && i < value.size(); ++i) {
    biased = (biased << 8) | static_cast<unsigned char>(value[i]);
  }
  return static_cast<int64_t>(biased ^ (uint64_t{1} << 63));
}

HashShuffle::Combine KeepEarliest(RecordEncoding e) {
  return [e](std::string* acc, std::string_view value) {
    // The first 8 bytes order by time (EncodeTweetValue); the records only on equal times.
    const std::string_view held(*acc);
    const int time = value.substr(0, 8).compare(held.substr(0, 8));
    if (time < 0 || (time == 0 && RecordLess(e, value.substr(8), held.substr(8)))) {
      acc->assign(value);
    }
  };
}

}  // namespace rankflow
