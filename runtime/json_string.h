// JSON string literals: the one escaper for every JSON rankflow writes (normalized tweets,
// feature rows, manifests, bad-line samples, top_terms' jsonl).
#pragma once

#include <string>
#include <string_view>

namespace rankflow {

// Appends `text` to `out` as a JSON string literal, quotes included: '"' and '\' are escaped, \n
// \r \t by name, other bytes below 0x20 as \u00XX; everything else is copied. Bytes that are not
// valid UTF-8 become U+FFFD, so the result is always valid JSON whatever `text` holds.
void AppendJsonString(std::string* out, std::string_view text);

// The same for text known to be valid UTF-8 (simdjson validated it): no UTF-8 check, and runs of
// plain bytes are skipped 8 at a time — the hot path of load_tweets and tweet_features. For valid
// UTF-8 the two give the same bytes.
void AppendValidUtf8JsonString(std::string* out, std::string_view text);

}  // namespace rankflow
