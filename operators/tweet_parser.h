// TweetParser: one input JSON document (usually one line of an archive) -> 0..N normalized tweets,
// or a recognised stream notice, or a bad record with its kind. Every shape of the design is
// accepted on every line, mixed freely: v1.1 statuses (classic, extended_tweet, full_text,
// retweets, quotes), REST wrappers ({"statuses":[…]} and top-level arrays), Gnip Activity Streams
// (post/share, long_object, {"activities":[…]}), API v2 ({"data":{…}} or a page {"data":[…],
// "includes":{…}}), and the normalized format itself (so jobs can read load_tweets output).
//
// Never throws and never crashes on any input (a libFuzzer target checks this). The hot path is
// simdjson On-Demand: one forward pass per document, values of keys we do not use are skipped
// structurally (so a malformed value under an unused key may go unnoticed).
//
// Not thread-safe: use one parser per thread. The parser reuses its buffers; memory stays bounded
// by the largest document seen.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "operators/tweet.h"

namespace rankflow {

// Stream messages that are not tweets. Counted by kind, never emitted as tweets.
enum class NoticeKind {
  kDelete = 0,      // {"delete":…}
  kLimit,           // {"limit":…}
  kScrubGeo,        // {"scrub_geo":…}
  kStatusWithheld,  // {"status_withheld":…}
  kUserWithheld,    // {"user_withheld":…}
  kWarning,         // {"warning":…} (stall warnings)
  kDisconnect,      // {"disconnect":…}
  kFriends,         // {"friends":…} / {"friends_str":…} (user streams)
  kEvent,           // {"event":…} (user streams)
  kDirectMessage,   // {"direct_message":…}
  kControl,         // {"control":…} (site streams)
  kGnipInfo,        // Gnip / PowerTrack system message {"info":…}
  kGnipError,       // Gnip system message {"error":…}
  kV2Compliance,    // v2 compliance line {"id":…,"action":"delete",…}
  kV2Errors,        // v2 line with "errors" and no "data"
  kEmptyPage,       // {"data":[]} / {"statuses":[]} / {"activities":[]} / []
};
inline constexpr int kNoticeKindCount = 16;
// "delete", "limit", "scrub_geo", …, "v2_compliance", "v2_errors", "empty_page".
const char* NoticeKindName(NoticeKind kind);

// Why a document (or one entry of a page) gave no tweet.
enum class BadKind {
  kInvalidJson = 0,  // not parseable JSON (truncated line, bad UTF-8, trailing bytes …)
  kNotAnObject,      // a JSON scalar or an array of non-objects
  kUnknownShape,     // an object that is neither a tweet nor a known notice
  kMissingId,        // no id string with decimal digits
  kMissingTime,      // no parseable time and an id too old to be a snowflake
  kMissingText,
  kMissingUser,  // v1 / Gnip tweet without user / actor
};
inline constexpr int kBadKindCount = 7;
// "invalid_json", "not_an_object", "unknown_shape", "missing_id", "missing_time", "missing_text",
// "missing_user".
const char* BadKindName(BadKind kind);

struct ParseResult {
  enum class Kind { kTweets, kNotice, kBad };
  Kind kind = Kind::kBad;
  int tweets = 0;       // tweets appended to the output vector
  int bad_entries = 0;  // entries of a page/wrapper dropped as bad (kind kTweets lines included)
  NoticeKind notice = NoticeKind::kDelete;  // valid when kind == kNotice
  BadKind bad = BadKind::kInvalidJson;      // kind == kBad, or the first bad entry of a page
  std::string message;                      // for kBad: a short lowercase reason
};

struct TweetParserOptions {
  // When a tweet carries no entities object, extract hashtags, mentions and URLs from its text
  // by the twitter-text rules (operators/entities.h).
  bool entities_from_text = true;
};

class TweetParser {
 public:
  explicit TweetParser(TweetParserOptions options = {});
  ~TweetParser();
  TweetParser(const TweetParser&) = delete;
  TweetParser& operator=(const TweetParser&) = delete;

  // Parses one JSON document and appends the tweets it holds to *out (in document order).
  // Cost: linear in the document; copies it once into a padded buffer.
  ParseResult Parse(std::string_view json, std::vector<Tweet>* out);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// Tweet time from a snowflake id (ids from late 2010 on): (id >> 22) + 1288834974657.
// False for ids below the first snowflake or not decimal.
bool SnowflakeTimeMs(std::string_view id, int64_t* epoch_ms);

}  // namespace rankflow
