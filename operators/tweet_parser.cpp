// The reading half of TweetParser: simdjson On-Demand, one forward pass per document, into the
// raw structs of operators/raw_tweet.h. operators/tweet_assemble.cpp turns them into Tweets.
#include "operators/tweet_parser.h"

#include <simdjson.h>

#include <cstring>
#include <string>
#include <utility>

#include "operators/raw_tweet.h"
#include "operators/tweet_assemble.h"

namespace rankflow {

namespace od = simdjson::ondemand;
using internal::RawEntities;
using internal::RawStatus;
using internal::RawUser;
using internal::V2Page;

namespace {

// Nested statuses (retweet of a quote of …) deeper than this are skipped, not read.
constexpr int kMaxStatusDepth = 6;

[[noreturn]] void Fail(simdjson::error_code e) { throw simdjson::simdjson_error(e); }

// Type and number errors leave the iterator where it was: the value is then skipped.
bool Recoverable(simdjson::error_code e) {
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

bool GetString(od::value& v, std::string* out) {
  std::string_view s;
  if (!Take(v.get_string(), &s)) return false;
  out->assign(s.data(), s.size());
  return true;
}

// The view points into the parser's string buffer: valid until the next document.
bool GetString(od::value& v, std::string_view* out) { return Take(v.get_string(), out); }

bool GetObject(od::value& v, od::object* out) { return Take(v.get_object(), out); }
bool GetArray(od::value& v, od::array* out) { return Take(v.get_array(), out); }

bool GetInt(od::value& v, int64_t* out) {
  od::json_type t;
  if (!Take(v.type(), &t) || t != od::json_type::number) return false;
  return Take(v.get_int64(), out);
}

bool GetDouble(od::value& v, double* out) {
  od::json_type t;
  if (!Take(v.type(), &t) || t != od::json_type::number) return false;
  return Take(v.get_double(), out);
}

bool GetBool(od::value& v, bool* out) { return Take(v.get_bool(), out); }

// Reads a scalar document fully, so that "nope" or "12x" are invalid JSON, not scalars.
void ReadScalar(od::document& doc, od::json_type type) {
  simdjson::error_code e = simdjson::SUCCESS;
  if (type == od::json_type::null) {
    bool is_null = false;
    e = doc.is_null().get(is_null);
    if (!e && !is_null) e = simdjson::N_ATOM_ERROR;
  } else if (type == od::json_type::boolean) {
    bool b = false;
    e = doc.get_bool().get(b);
  } else if (type == od::json_type::number) {
    double d = 0;
    e = doc.get_double().get(d);
  } else {
    std::string_view sv;
    e = doc.get_string().get(sv);
  }
  if (e) Fail(e);
}

// True when the whole document was consumed (simdjson 3.0 has no document::at_end()).
bool AtEnd(od::document& doc) { return doc.current_location().error() != simdjson::SUCCESS; }

bool IsString(od::value& v) {
  od::json_type t;
  return Take(v.type(), &t) && t == od::json_type::string;
}

// The digits after the last ':' or '/' ("tag:search.twitter.com,2005:123", ".../statuses/123").
std::string_view TrailingId(std::string_view s) {
  const size_t cut = s.find_last_of(":/");
  std::string_view tail = cut == std::string_view::npos ? s : s.substr(cut + 1);
  return IsDecimalId(tail) ? tail : std::string_view();
}

class Reader {
 public:
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
  int CountElements(od::value& v) {
    od::array arr;
    if (!GetArray(v, &arr)) return 0;
    int n = 0;
    ForEachElement(arr, [&](od::value&) { ++n; });
    return n;
  }

  // Reads strings of an array, or one string field of its objects (the first name that is a
  // string wins): ["a","b"] or [{"text":"a"},…].
  void ReadNames(od::value& v, std::string_view name1, std::string_view name2,
                 std::vector<std::string_view>* out) {
    od::array arr;
    if (!GetArray(v, &arr)) return;
    ForEachElement(arr, [&](od::value& el) {
      std::string_view s;
      if (IsString(el)) {
        GetString(el, &s);
        out->push_back(s);
        return;
      }
      od::object o;
      if (!GetObject(el, &o)) return;
      std::string_view first, second;
      ForEachField(o, [&](std::string_view key, od::value& fv) {
        if (key == name1) GetString(fv, &first);
        if (!name2.empty() && key == name2) GetString(fv, &second);
      });
      if (!first.empty()) {
        out->push_back(first);
      } else if (!second.empty()) {
        out->push_back(second);
      }
    });
  }

  void ReadEntities(od::value& v, RawEntities* e) {
    od::object obj;
    if (!GetObject(v, &obj)) return;
    e->present = true;
    ForEachField(obj, [&](std::string_view key, od::value& fv) {
      if (key == "hashtags") {
        ReadNames(fv, "text", "tag", &e->hashtags);
      } else if (key == "user_mentions" || key == "mentions") {
        ReadNames(fv, "screen_name", "username", &e->mentions);
      } else if (key == "urls") {
        ReadNames(fv, "expanded_url", "url", &e->urls);
      } else if (key == "media") {
        e->media = CountElements(fv);
      }
    });
  }

  int ReadMediaCount(od::value& v) {
    od::object obj;
    if (!GetObject(v, &obj)) return -1;
    int n = 0;
    ForEachField(obj, [&](std::string_view key, od::value& fv) {
      if (key == "media") n = CountElements(fv);
    });
    return n;
  }

  void ReadUserObject(od::object& obj, RawUser* u) {
    u->present = true;
    // A v1 user has ~40 fields; stop once the three we need are read (an id from a string, the
    // name and the follower count).
    bool final_id = false, name = false, followers = false;
    ForEachFieldWhile(obj, [&](std::string_view key, od::value& fv) {
      std::string_view s;
      if (key == "id_str") {
        if (GetString(fv, &s) && IsDecimalId(s)) {
          u->id = s;
          u->id_owned.clear();
        }
        final_id = true;
      } else if (key == "id") {
        if (IsString(fv)) {
          if (GetString(fv, &s) && u->Id().empty()) u->id = TrailingId(s);
          final_id = true;
          return !(final_id && name && followers);
        }
        int64_t n = -1;  // 2009-era users have no id_str; small numbers cannot have been rounded
        if (GetInt(fv, &n) && n > 0 && n <= (int64_t{1} << 53) && u->Id().empty()) {
          u->id_owned = std::to_string(n);
        }
      } else if (key == "screen_name" || key == "preferredUsername" || key == "username") {
        GetString(fv, &u->screen_name);
        name = true;
      } else if (key == "followers_count" || key == "followersCount") {
        GetInt(fv, &u->followers);
        followers = true;
      } else if (key == "public_metrics") {
        od::object pm;
        if (!GetObject(fv, &pm)) return true;
        ForEachField(pm, [&](std::string_view k2, od::value& v2) {
          if (k2 == "followers_count") GetInt(v2, &u->followers);
        });
        followers = true;
      }
      return !(final_id && name && followers);
    });
  }

  void ReadUser(od::value& v, RawUser* u) {
    od::object obj;
    if (GetObject(v, &obj)) ReadUserObject(obj, u);
  }

  // [a, b] -> (a, b); false unless two numbers.
  bool ReadPair(od::value& v, double* a, double* b) {
    od::array arr;
    if (!GetArray(v, &arr)) return false;
    double xy[2] = {0, 0};
    int n = 0;
    bool ok = true;
    ForEachElement(arr, [&](od::value& el) {
      if (n < 2 && !GetDouble(el, &xy[n])) ok = false;
      ++n;
    });
    if (!ok || n != 2) return false;
    *a = xy[0];
    *b = xy[1];
    return true;
  }

  // v1 "coordinates": {"type":"Point","coordinates":[lon,lat]}; normalized: [lon,lat].
  void ReadCoordinates(od::value& v, RawStatus* s) {
    od::json_type t;
    if (!Take(v.type(), &t)) return;
    if (t == od::json_type::array) {
      s->has_coordinates = ReadPair(v, &s->lon, &s->lat);
      return;
    }
    od::object obj;
    if (!GetObject(v, &obj)) return;
    ForEachField(obj, [&](std::string_view key, od::value& fv) {
      if (key == "coordinates") s->has_coordinates = ReadPair(fv, &s->lon, &s->lat);
    });
  }

  // "geo": v1 / Gnip {"coordinates":[lat,lon]}; v2 {"place_id":…, "coordinates":{"coordinates":
  // [lon,lat]}}. v1 "coordinates" wins when both are present (same point).
  void ReadGeo(od::value& v, RawStatus* s) {
    od::object obj;
    if (!GetObject(v, &obj)) return;
    ForEachField(obj, [&](std::string_view key, od::value& fv) {
      if (key == "place_id") {
        GetString(fv, &s->place_id);
      } else if (key == "coordinates" && !s->has_coordinates) {
        od::json_type t;
        if (!Take(fv.type(), &t)) return;
        if (t == od::json_type::array) {
          s->has_coordinates = ReadPair(fv, &s->lat, &s->lon);
        } else {
          ReadCoordinates(fv, s);
        }
      }
    });
  }

  // One string member of an object value ("place": {"full_name":…}).
  void ReadMember(od::value& v, std::string_view name, std::string_view* out) {
    od::json_type t;
    if (!Take(v.type(), &t)) return;
    if (t == od::json_type::string) {
      GetString(v, out);
      return;
    }
    od::object obj;
    if (!GetObject(v, &obj)) return;
    ForEachField(obj, [&](std::string_view key, od::value& fv) {
      if (key == name) GetString(fv, out);
    });
  }

  std::unique_ptr<RawStatus> ReadNested(od::value& v, int depth) {
    od::object obj;
    if (depth >= kMaxStatusDepth || !GetObject(v, &obj)) return nullptr;
    auto nested = std::make_unique<RawStatus>();
    ReadStatusObject(obj, nested.get(), depth + 1);
    return nested;
  }

  // A quoted status: only its id is used, so stop at the first id string (v1 puts "id_str"
  // third; the rest of the object is skipped structurally).
  std::unique_ptr<RawStatus> ReadIdOnly(od::value& v) {
    od::object obj;
    if (!GetObject(v, &obj)) return nullptr;
    auto quoted = std::make_unique<RawStatus>();
    ForEachFieldWhile(obj, [&](std::string_view key, od::value& fv) {
      if (key == "id_str") return !(GetString(fv, &quoted->id_str) && IsDecimalId(quoted->id_str));
      if (key == "id" && IsString(fv)) return !GetString(fv, &quoted->id_string);
      return true;
    });
    return quoted;
  }

  void ReadReferenced(od::value& v, RawStatus* s) {
    ForEachObjectIn(v, [&](od::object& o) {
      std::string_view type, id;
      ForEachField(o, [&](std::string_view key, od::value& fv) {
        if (key == "type") GetString(fv, &type);
        if (key == "id") GetString(fv, &id);
      });
      s->referenced.emplace_back(type, id);
    });
  }

  void ReadAttachments(od::value& v, RawStatus* s) {
    od::object obj;
    if (!GetObject(v, &obj)) return;
    ForEachField(obj, [&](std::string_view key, od::value& fv) {
      if (key == "media_keys") s->v2_media = CountElements(fv);
    });
  }

  // Returns true if `key` is a field of a status (any format) and reads it.
  bool ReadStatusField(std::string_view key, od::value& v, RawStatus* s, int depth);

  void ReadStatusObject(od::object& obj, RawStatus* s, int depth) {
    ForEachField(obj,
                 [&](std::string_view key, od::value& fv) { ReadStatusField(key, fv, s, depth); });
  }

  // Top level: a status, a v2 page, a wrapper or a notice.
  void ReadTop(od::object& obj, V2Page* page, RawStatus* s, int* notice);

 private:
  const char* end_;
};

bool Reader::ReadStatusField(std::string_view key, od::value& v, RawStatus* s, int depth) {
  std::string str;
  switch (key.size() > 0 ? key[0] : '\0') {
    case 'a':
      if (key == "actor") return ReadUser(v, &s->user), s->tweetish = true;
      if (key == "author_id") return GetString(v, &s->author_id), true;
      if (key == "attachments") return ReadAttachments(v, s), true;
      break;
    case 'b':
      if (key == "body") return s->body_present = GetString(v, &s->body), s->tweetish = true;
      break;
    case 'c':
      if (key == "created_at") return GetString(v, &s->created_at), true;
      if (key == "coordinates") return ReadCoordinates(v, s), true;
      break;
    case 'e':
      if (key == "entities") return ReadEntities(v, &s->entities), true;
      if (key == "extended_entities") return s->extended_media = ReadMediaCount(v), true;
      if (key == "extended_tweet") return s->extended = ReadNested(v, depth), true;
      break;
    case 'f':
      if (key == "full_text") {
        return s->full_text_present = GetString(v, &s->full_text), s->tweetish = true;
      }
      if (key == "followers") return GetInt(v, &s->followers), true;
      break;
    case 'g':
      if (key == "geo") return ReadGeo(v, s), true;
      break;
    case 'h':
      if (key == "hashtags") return ReadNames(v, "text", "tag", &s->entities.hashtags), true;
      break;
    case 'i':
      if (key == "id_str") return GetString(v, &s->id_str), true;
      if (key == "id") {
        if (IsString(v)) return GetString(v, &s->id_string), true;
        int64_t n = -1;
        if (GetInt(v, &n) && n > 0 && n <= (int64_t{1} << 53)) s->id_number = n;
        return true;
      }
      if (key == "in_reply_to_status_id_str") return GetString(v, &s->in_reply_to), true;
      if (key == "inReplyTo") {
        std::string_view link;
        ReadMember(v, "link", &link);
        s->in_reply_to = TrailingId(link);
        return true;
      }
      if (key == "is_retweet") return GetBool(v, &s->is_retweet), true;
      if (key == "is_quote") return GetBool(v, &s->is_quote), true;
      if (key == "is_reply") return GetBool(v, &s->is_reply), true;
      if (key == "in_reply_to_id") return GetString(v, &s->in_reply_to_id), true;
      break;
    case 'l':
      if (key == "lang") return GetString(v, &s->lang), true;
      if (key == "long_object") return s->extended = ReadNested(v, depth), true;
      if (key == "location") return ReadMember(v, "displayName", &s->place), true;
      break;
    case 'm':
      if (key == "mentions")
        return ReadNames(v, "screen_name", "username", &s->entities.mentions), true;
      if (key == "media_count") {
        int64_t n = 0;
        if (GetInt(v, &n) && n >= 0 && n < (1 << 30)) s->media_count = static_cast<int>(n);
        return true;
      }
      break;
    case 'o':
      if (key == "object") return s->object = ReadNested(v, depth), true;
      break;
    case 'p':
      if (key == "postedTime") return GetString(v, &s->posted_time), true;
      if (key == "place") return ReadMember(v, "full_name", &s->place), true;
      break;
    case 'q':
      if (key == "quoted_status") return s->quoted = ReadIdOnly(v), true;
      if (key == "quoted_status_id_str") return GetString(v, &s->quoted_id_str), true;
      if (key == "quoted_id") return GetString(v, &s->quoted_id), true;
      break;
    case 'r':
      if (key == "retweeted_status") return s->retweeted = ReadNested(v, depth), true;
      if (key == "referenced_tweets") return ReadReferenced(v, s), true;
      if (key == "retweeted_id") return GetString(v, &s->retweeted_id), true;
      if (key == "retweeted_user_id") return GetString(v, &s->retweeted_user_id), true;
      if (key == "retweeted_screen_name") return GetString(v, &s->retweeted_screen_name), true;
      break;
    case 's':
      if (key == "screen_name") return GetString(v, &s->screen_name), true;
      if (key == "source_format") {
        if (GetString(v, &str)) {
          s->normalized = true;
          s->normalized_format = str == "gnip" ? SourceFormat::kGnip
                                 : str == "v2" ? SourceFormat::kV2
                                               : SourceFormat::kV1;
        }
        return true;
      }
      break;
    case 't':
      if (key == "text") return s->text_present = GetString(v, &s->text), s->tweetish = true;
      if (key == "timestamp_ms") {
        if (IsString(v)) {
          if (GetString(v, &str) && IsDecimalId(str) && str.size() < 16) {
            s->timestamp_ms = std::stoll(str);
          }
        } else {
          GetInt(v, &s->timestamp_ms);
        }
        return true;
      }
      if (key == "twitter_entities") return ReadEntities(v, &s->entities), true;
      if (key == "twitter_extended_entities") return s->extended_media = ReadMediaCount(v), true;
      if (key == "twitter_quoted_status") return s->quoted = ReadIdOnly(v), true;
      if (key == "twitter_lang") return GetString(v, &s->lang), true;
      break;
    case 'u':
      if (key == "user") return ReadUser(v, &s->user), s->tweetish = true;
      if (key == "urls") return ReadNames(v, "expanded_url", "url", &s->entities.urls), true;
      if (key == "user_id") return GetString(v, &s->user_id), true;
      if (key == "user_mentions") {
        return ReadNames(v, "screen_name", "username", &s->entities.mentions), true;
      }
      break;
    case 'v':
      if (key == "verb") return GetString(v, &s->verb), true;
      break;
    default:
      break;
  }
  return false;
}

int NoticeForKey(std::string_view key) {
  struct Entry {
    std::string_view key;
    NoticeKind kind;
  };
  static constexpr Entry kNotices[] = {
      {"delete", NoticeKind::kDelete},
      {"limit", NoticeKind::kLimit},
      {"scrub_geo", NoticeKind::kScrubGeo},
      {"status_withheld", NoticeKind::kStatusWithheld},
      {"user_withheld", NoticeKind::kUserWithheld},
      {"warning", NoticeKind::kWarning},
      {"disconnect", NoticeKind::kDisconnect},
      {"friends", NoticeKind::kFriends},
      {"friends_str", NoticeKind::kFriends},
      {"event", NoticeKind::kEvent},
      {"direct_message", NoticeKind::kDirectMessage},
      {"control", NoticeKind::kControl},
      {"info", NoticeKind::kGnipInfo},
      {"error", NoticeKind::kGnipError},
      {"action", NoticeKind::kV2Compliance},
  };
  for (const Entry& e : kNotices) {
    if (e.key == key) return static_cast<int>(e.kind);
  }
  return -1;
}

void Reader::ReadTop(od::object& obj, V2Page* page, RawStatus* s, int* notice) {
  ForEachField(obj, [&](std::string_view key, od::value& fv) {
    if (ReadStatusField(key, fv, s, 0)) return;
    if (key == "data") {
      page->has_data = true;
      od::json_type t;
      if (!Take(fv.type(), &t)) return;
      if (t == od::json_type::object) {
        od::object o;
        if (!GetObject(fv, &o)) return;
        page->data.emplace_back();
        ReadStatusObject(o, &page->data.back(), 0);
        return;
      }
      ForEachObjectIn(fv, [&](od::object& o) {
        page->data.emplace_back();
        ReadStatusObject(o, &page->data.back(), 0);
      });
    } else if (key == "includes") {
      od::object inc;
      if (!GetObject(fv, &inc)) return;
      ForEachField(inc, [&](std::string_view k2, od::value& v2) {
        if (k2 == "users") {
          ForEachObjectIn(v2, [&](od::object& o) {
            page->users.emplace_back();
            ReadUserObject(o, &page->users.back());
          });
        } else if (k2 == "tweets") {
          ForEachObjectIn(v2, [&](od::object& o) {
            page->tweets.emplace_back();
            ReadStatusObject(o, &page->tweets.back(), 0);
          });
        } else if (k2 == "places") {
          ForEachObjectIn(v2, [&](od::object& o) {
            std::string_view id, name;
            ForEachField(o, [&](std::string_view k3, od::value& v3) {
              if (k3 == "id") GetString(v3, &id);
              if (k3 == "full_name") GetString(v3, &name);
            });
            page->places.emplace_back(id, name);
          });
        }
      });
    } else if (key == "errors") {
      page->has_errors = true;
    } else if (key == "statuses" || key == "activities") {
      page->has_wrapper = true;
      ForEachObjectIn(fv, [&](od::object& o) {
        page->wrapped.emplace_back();
        ReadStatusObject(o, &page->wrapped.back(), 0);
      });
    } else {
      const int n = NoticeForKey(key);
      if (n >= 0 && *notice < 0) *notice = n;
    }
  });
}

}  // namespace

class TweetParser::Impl {
 public:
  explicit Impl(TweetParserOptions options) : options_(options) {}

  ParseResult Parse(std::string_view json, std::vector<Tweet>* out) {
    ParseResult result;
    const size_t before = out->size();
    try {
      ParseOrThrow(json, out, &result);
    } catch (const simdjson::simdjson_error& e) {
      out->resize(before);
      result = ParseResult();
      result.kind = ParseResult::Kind::kBad;
      result.bad = BadKind::kInvalidJson;
      result.message = std::string("invalid json: ") + simdjson::error_message(e.error());
    }
    return result;
  }

 private:
  void ParseOrThrow(std::string_view json, std::vector<Tweet>* out, ParseResult* result) {
    buffer_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buffer_.assign(json.data(), json.size());
    Reader reader(buffer_.data() + buffer_.size());
    od::document doc;
    if (auto e = parser_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc)) {
      Fail(e);
    }
    od::json_type type;
    if (auto e = doc.type().get(type)) Fail(e);
    V2Page page;
    RawStatus top;
    int notice = -1;
    if (type == od::json_type::object) {
      od::object obj;
      if (auto e = doc.get_object().get(obj)) Fail(e);
      reader.ReadTop(obj, &page, &top, &notice);
    } else if (type == od::json_type::array) {
      od::array arr;
      if (auto e = doc.get_array().get(arr)) Fail(e);
      page.has_wrapper = true;
      bool all_objects = true;
      reader.ForEachElement(arr, [&](od::value& el) {
        od::object o;
        if (!GetObject(el, &o)) {
          all_objects = false;
          return;
        }
        page.wrapped.emplace_back();
        reader.ReadStatusObject(o, &page.wrapped.back(), 0);
      });
      if (!all_objects) {
        if (!AtEnd(doc)) Fail(simdjson::TRAILING_CONTENT);
        *result = internal::BadResult(BadKind::kNotAnObject, "array of non-objects");
        return;
      }
    } else {
      // Scalars: read them so that malformed ones count as invalid JSON.
      ReadScalar(doc, type);
      if (!AtEnd(doc)) Fail(simdjson::TRAILING_CONTENT);
      *result = internal::BadResult(BadKind::kNotAnObject, "json scalar, not an object");
      return;
    }
    if (!AtEnd(doc)) Fail(simdjson::TRAILING_CONTENT);
    *result = internal::Assemble(&page, &top, notice, options_.entities_from_text, out);
  }

  TweetParserOptions options_;
  od::parser parser_;
  std::string buffer_;
};

TweetParser::TweetParser(TweetParserOptions options) : impl_(std::make_unique<Impl>(options)) {}
TweetParser::~TweetParser() = default;

ParseResult TweetParser::Parse(std::string_view json, std::vector<Tweet>* out) {
  return impl_->Parse(json, out);
}

const char* NoticeKindName(NoticeKind kind) {
  static const char* const kNames[kNoticeKindCount] = {
      "delete",     "limit",         "scrub_geo", "status_withheld", "user_withheld", "warning",
      "disconnect", "friends",       "event",     "direct_message",  "control",       "gnip_info",
      "gnip_error", "v2_compliance", "v2_errors", "empty_page"};
  const int i = static_cast<int>(kind);
  return i >= 0 && i < kNoticeKindCount ? kNames[i] : "unknown";
}

const char* BadKindName(BadKind kind) {
  static const char* const kNames[kBadKindCount] = {
      "invalid_json", "not_an_object", "unknown_shape", "missing_id",
      "missing_time", "missing_text",  "missing_user"};
  const int i = static_cast<int>(kind);
  return i >= 0 && i < kBadKindCount ? kNames[i] : "unknown";
}

bool SnowflakeTimeMs(std::string_view id, int64_t* epoch_ms) {
  if (!IsDecimalId(id) || id.size() > 19) return false;
  const uint64_t v = std::stoull(std::string(id));
  // Snowflake ids began in November 2010; older sequential ids are below 2^32 * 8 or so.
  constexpr uint64_t kFirstSnowflake = 29700859247ull;
  if (v < kFirstSnowflake) return false;
  *epoch_ms = static_cast<int64_t>(v >> 22) + 1288834974657ll;
  return true;
}

}  // namespace rankflow
