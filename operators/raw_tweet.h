// Internal to operators/: the fields of one input object as read from JSON, before they become a
// normalized Tweet. One struct covers v1.1, Gnip Activity Streams, v2 and the normalized format,
// because the reader sees keys in one forward pass and only knows the shape at the end.
// Not part of the public API: use operators/tweet_parser.h.
//
// Lifetime: the string_views point into the simdjson parser's string buffer (or into the
// document) and are valid only during the TweetParser::Parse call that filled them.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/tweet.h"

namespace rankflow::internal {

struct RawEntities {
  bool present = false;
  std::vector<std::string_view> hashtags;
  std::vector<std::string_view> mentions;
  std::vector<std::string_view> urls;
  int media = 0;
};

struct RawUser {
  bool present = false;
  std::string_view id;   // id_str, or the digits of Gnip "id:twitter.com:<n>", or v2 "id"
  std::string id_owned;  // a numeric id printed (2009-era users); wins over `id` when set
  std::string_view screen_name;
  std::string_view Id() const { return id_owned.empty() ? id : std::string_view(id_owned); }
  int64_t followers = -1;
};

struct RawStatus {
  // Ids: "id_str" (v1), "id" when it is a string (Gnip tag, v2, normalized).
  std::string_view id_str;
  std::string_view id_string;
  int64_t id_number = -1;  // numeric "id" at most 2^53 (exact in any JSON producer), else -1
  // Times.
  std::string_view created_at;   // v1 Twitter date, v2 / normalized ISO
  std::string_view posted_time;  // Gnip ISO
  int64_t timestamp_ms = -1;     // v1 "timestamp_ms" (a string there), normalized (a number)
  // Texts; the *_present flags tell an empty text from a missing one.
  std::string_view text, full_text, body;
  bool text_present = false, full_text_present = false, body_present = false;
  std::string_view lang;
  RawUser user;             // "user" (v1) or "actor" (Gnip)
  RawEntities entities;     // "entities" / "twitter_entities"
  int extended_media = -1;  // media in "extended_entities" / "twitter_extended_entities"
  std::unique_ptr<RawStatus> extended;   // "extended_tweet" / "long_object"
  std::unique_ptr<RawStatus> retweeted;  // "retweeted_status"
  std::unique_ptr<RawStatus> object;     // Gnip "object" (the shared activity for verb "share")
  std::unique_ptr<RawStatus> quoted;     // "quoted_status" / "twitter_quoted_status"
  std::string_view quoted_id_str;        // "quoted_status_id_str"
  std::string_view in_reply_to;          // "in_reply_to_status_id_str" / Gnip inReplyTo link
  bool has_coordinates = false;
  double lon = 0, lat = 0;
  std::string_view place;  // v1 place.full_name, Gnip location.displayName, normalized place
  std::string_view verb;   // Gnip
  // v2
  std::string_view author_id;
  std::vector<std::pair<std::string_view, std::string_view>> referenced;  // (type, id)
  int v2_media = 0;
  std::string_view place_id;
  // Normalized format (the output of load_tweets read back).
  bool normalized = false;
  SourceFormat normalized_format = SourceFormat::kV1;
  bool is_retweet = false, is_quote = false, is_reply = false;
  std::string_view retweeted_id, quoted_id, in_reply_to_id, user_id, screen_name;
  std::string_view retweeted_user_id, retweeted_screen_name;
  int64_t followers = -1;
  int media_count = 0;
  // True once any key that only tweets carry was seen.
  bool tweetish = false;
};

}  // namespace rankflow::internal
