// Tweet: the normalized tweet of the design (docs/DESIGN.md, "Formats"), one per output line,
// and the small helpers around it (time conversion, HTML entity decoding, JSON output).
// Field meanings are documented in operators/README.md; keep them stable.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace rankflow {

enum class SourceFormat { kV1 = 0, kGnip = 1, kV2 = 2 };
// "v1" | "gnip" | "v2".
const char* SourceFormatName(SourceFormat f);

struct Tweet {
  std::string id;          // decimal digits, from a string in the input (never from a JSON number)
  std::string created_at;  // ISO-8601 UTC, "2017-05-24T20:19:05Z"
  int64_t timestamp_ms = 0;
  std::string user_id;      // decimal digits or "" when unknown
  std::string screen_name;  // without '@', or "" when unknown
  int64_t followers = -1;   // -1: unknown (written as null)
  std::string lang;         // as given ("en", "und") or ""
  std::string text;         // full text, HTML entities decoded; retweets: "RT @user: " + full text
  bool is_retweet = false;
  bool is_quote = false;
  bool is_reply = false;
  std::string retweeted_id;           // "" unless is_retweet
  std::string quoted_id;              // "" unless is_quote
  std::string in_reply_to_id;         // "" unless is_reply
  std::vector<std::string> hashtags;  // without '#', as written in the text (case kept)
  std::vector<std::string> mentions;  // screen names without '@'
  std::vector<std::string> urls;      // expanded URLs (the t.co URL when no expansion is known)
  int media_count = 0;
  bool has_coordinates = false;
  double lon = 0;
  double lat = 0;
  std::string place;  // place full name ("Boulder, CO") or ""
  SourceFormat source_format = SourceFormat::kV1;
  // The retweeted tweet's author ("" unless is_retweet, or when the input does not say: a v2
  // retweet without includes, a retweeted status without a user).
  std::string retweeted_user_id;      // decimal digits
  std::string retweeted_screen_name;  // without '@'

  bool operator==(const Tweet&) const = default;
};

// Appends the normalized JSON object (one line, no newline) to *out. Keys in the documented order.
void AppendTweetJson(const Tweet& t, std::string* out);
std::string TweetToJson(const Tweet& t);

// Decodes the three entities Twitter escapes in tweet text: &amp; &lt; &gt; (also &quot; and
// &#39;/&apos;, which appear in some archives). Anything else is kept as written.
std::string DecodeHtmlEntities(std::string_view s);

// Milliseconds since the Unix epoch from a v1.1 date "Tue Jul 18 23:25:04 +0000 2017" (any
// +hhmm/-hhmm offset). False if the text is not in that form.
bool ParseTwitterDate(std::string_view s, int64_t* epoch_ms);
// Milliseconds since the epoch from ISO-8601: "2017-05-24T20:19:05.000Z", "…+00:00", "…Z" with
// or without fractions. False if malformed.
bool ParseIsoDate(std::string_view s, int64_t* epoch_ms);
// "2017-05-24T20:19:05Z" (seconds; the milliseconds live in timestamp_ms).
std::string FormatIsoUtc(int64_t epoch_ms);

// True if s is 1–20 ASCII digits (a tweet or user id).
bool IsDecimalId(std::string_view s);

// True if a tweet's `lang` names a language: two lowercase ASCII letters ("en"; "und", "qst",
// "zxx" and "" do not).
bool IsLanguageCode(std::string_view lang);

}  // namespace rankflow
