// Internal to operators/: the reading half of TweetParser. simdjson On-Demand, one forward pass
// per document, into the raw structs of operators/raw_tweet.h (operators/tweet_assemble.h then
// turns them into Tweets). The status keys and what each one fills, per input format, are the
// tables of operators/status_fields.cpp; the other objects (users, entities, geo, a v2 page's
// includes) are read by the methods here. Not part of the public API: use
// operators/tweet_parser.h.
//
// Errors: a value of the wrong type or an unreadable number is skipped (the field stays unset);
// anything else simdjson reports is thrown as simdjson::simdjson_error, which TweetParser turns
// into an invalid_json bad record. Not thread-safe: one Reader per document.
#pragma once

#include <simdjson.h>

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/raw_tweet.h"

namespace rankflow::internal {

namespace od = simdjson::ondemand;

struct V2Page;  // operators/tweet_assemble.h

// Nested statuses (retweet of a quote of …) deeper than this are skipped, not read.
inline constexpr int kMaxStatusDepth = 6;

[[noreturn]] inline void Fail(simdjson::error_code e) { throw simdjson::simdjson_error(e); }

// Type and number errors leave the iterator where it was: the value is then skipped.
inline bool Recoverable(simdjson::error_code e) {
  return e == simdjson::INCORRECT_TYPE || e == simdjson::NUMBER_ERROR ||
         e == simdjson::NUMBER_OUT_OF_RANGE;
}

template <typename T>
bool Take(simdjson::simdjson_result<T>&& r, T* out) {
  const simdjson::error_code e = std::move(r).get(*out);
  if (!e) return true;
  if (Recoverable(e)) return false;
  Fail(e);
}

inline bool GetString(od::value& v, std::string* out) {
  std::string_view s;
  if (!Take(v.get_string(), &s)) return false;
  out->assign(s.data(), s.size());
  return true;
}

// The view points into the parser's string buffer: valid until the next document.
inline bool GetString(od::value& v, std::string_view* out) { return Take(v.get_string(), out); }

inline bool GetObject(od::value& v, od::object* out) { return Take(v.get_object(), out); }
inline bool GetArray(od::value& v, od::array* out) { return Take(v.get_array(), out); }

inline bool GetInt(od::value& v, int64_t* out) {
  od::json_type t;
  if (!Take(v.type(), &t) || t != od::json_type::number) return false;
  return Take(v.get_int64(), out);
}

inline bool GetDouble(od::value& v, double* out) {
  od::json_type t;
  if (!Take(v.type(), &t) || t != od::json_type::number) return false;
  return Take(v.get_double(), out);
}

inline bool GetBool(od::value& v, bool* out) { return Take(v.get_bool(), out); }

inline bool IsString(od::value& v) {
  od::json_type t;
  return Take(v.type(), &t) && t == od::json_type::string;
}

// The digits after the last ':' or '/' ("tag:search.twitter.com,2005:123", ".../statuses/123").
std::string_view TrailingId(std::string_view s);

class Reader {
 public:
  // `end`: one past the last byte of the document (keys are read as written, up to it).
  explicit Reader(const char* end) : end_(end) {}

  // The key of a field as written (no unescaping). Keys holding escapes never match ours.
  std::string_view Key(od::field& f) const {
    const char* k = f.key().raw();
    if (k >= end_) return {};
    const void* q = std::memchr(k, '"', static_cast<size_t>(end_ - k));
    if (q == nullptr) return {};
    std::string_view key(k, static_cast<size_t>(static_cast<const char*>(q) - k));
    if (key.find('\\') != std::string_view::npos) return {};
    return key;
  }

  // Calls fn(key, value) for each field of an object.
  template <typename Fn>
  void ForEachField(od::object& obj, Fn&& fn) {
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) Fail(e);
      fn(Key(field), field.value());
    }
  }

  // Like ForEachField, but stops (the rest of the object is skipped structurally) as soon as fn
  // returns false.
  template <typename Fn>
  void ForEachFieldWhile(od::object& obj, Fn&& fn) {
    for (auto field_result : obj) {
      od::field field;
      if (auto e = std::move(field_result).get(field)) Fail(e);
      if (!fn(Key(field), field.value())) break;
    }
  }

  // Calls fn(value) for each element of an array.
  template <typename Fn>
  void ForEachElement(od::array& arr, Fn&& fn) {
    for (auto element_result : arr) {
      od::value element;
      if (auto e = std::move(element_result).get(element)) Fail(e);
      fn(element);
    }
  }

  // Calls fn(object) for each element of an array value that is an object.
  template <typename Fn>
  void ForEachObjectIn(od::value& v, Fn&& fn) {
    od::array arr;
    if (!GetArray(v, &arr)) return;
    ForEachElement(arr, [&](od::value& el) {
      od::object o;
      if (GetObject(el, &o)) fn(o);
    });
  }

  // Counts the elements of an array value (0 if it is not an array).
  int CountElements(od::value& v);

  // Reads strings of an array, or one string field of its objects (the first name that is a
  // string wins): ["a","b"] or [{"text":"a"},…].
  void ReadNames(od::value& v, std::string_view name1, std::string_view name2,
                 std::vector<std::string_view>* out);

  // "entities" (v1, v2) / "twitter_entities" (Gnip): hashtags, mentions, urls, media.
  void ReadEntities(od::value& v, RawEntities* e);
  // The media count of "extended_entities"; -1 when the value is not an object.
  int ReadMediaCount(od::value& v);

  // A user (v1 "user", Gnip "actor", v2 includes.users[]).
  void ReadUserObject(od::object& obj, RawUser* u);
  void ReadUser(od::value& v, RawUser* u);

  // v1 "coordinates": {"type":"Point","coordinates":[lon,lat]}; normalized: [lon,lat].
  void ReadCoordinates(od::value& v, RawStatus* s);
  // "geo": v1 / Gnip {"coordinates":[lat,lon]}; v2 {"place_id":…, "coordinates":{"coordinates":
  // [lon,lat]}}. v1 "coordinates" wins when both are present (same point).
  void ReadGeo(od::value& v, RawStatus* s);
  // One string member of an object value ("place": {"full_name":…}), or the value itself when it
  // is a string.
  void ReadMember(od::value& v, std::string_view name, std::string_view* out);

  // A nested status (retweeted, extended, Gnip object) read by the status tables; nullptr past
  // kMaxStatusDepth or when the value is not an object.
  std::unique_ptr<RawStatus> ReadNested(od::value& v, int depth);
  // A quoted status: only its id.
  std::unique_ptr<RawStatus> ReadIdOnly(od::value& v);
  // v2 "referenced_tweets": (type, id) pairs.
  void ReadReferenced(od::value& v, RawStatus* s);
  // v2 "attachments": the media key count.
  void ReadAttachments(od::value& v, RawStatus* s);

  // Returns true if `key` is a field of a status (any format) and reads it into *s
  // (operators/status_fields.cpp).
  bool ReadStatusField(std::string_view key, od::value& v, RawStatus* s, int depth);
  void ReadStatusObject(od::object& obj, RawStatus* s, int depth);

  // Top level: a status, a v2 page, a wrapper or a notice.
  void ReadTop(od::object& obj, V2Page* page, RawStatus* s, int* notice);

 private:
  // [a, b] -> (a, b); false unless two numbers.
  bool ReadPair(od::value& v, double* a, double* b);
  void ReadData(od::value& v, V2Page* page);
  void ReadIncludes(od::value& v, V2Page* page);

  const char* end_;
};

// True if `key` is a field ReadStatusField reads in a status of any format (the merged key table of
// operators/status_fields.cpp).
bool IsStatusKey(std::string_view key);

}  // namespace rankflow::internal
