#include "jobs/load_tweets_records.h"

#include <algorithm>

namespace rankflow {

std::string IdKey(std::string_view id) {
  std::string key(kIdKeyWidth - std::min(id.size(), kIdKeyWidth), '0');
  key.append(id);
  return key;
}

std::string EncodeTweetValue(int64_t timestamp_ms, std::string_view json) {
  uint64_t biased = static_cast<uint64_t>(timestamp_ms) ^ (uint64_t{1} << 63);
  std::string v(8, '\0');
  for (int i = 7; i >= 0; --i) {
    v[static_cast<size_t>(i)] = static_cast<char>(biased & 0xff);
    biased >>= 8;
  }
  v.append(json);
  return v;
}

int64_t DecodeTweetTimestamp(std::string_view value) {
  uint64_t biased = 0;
  for (size_t i = 0; i < 8 && i < value.size(); ++i) {
    biased = (biased << 8) | static_cast<unsigned char>(value[i]);
  }
  return static_cast<int64_t>(biased ^ (uint64_t{1} << 63));
}

void KeepEarliest(std::string* acc, std::string_view value) {
  if (value < std::string_view(*acc)) acc->assign(value);
}

}  // namespace rankflow
