// Reader's methods for everything but the status keys (operators/status_fields.cpp): users,
// entities, places and points, nested and quoted statuses, and the top level of a document.
#include "operators/raw_tweet_reader.h"

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "operators/tweet_assemble.h"

namespace rankflow::internal {

namespace {

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

}  // namespace

std::string_view TrailingId(std::string_view s) {
  const size_t cut = s.find_last_of(":/");
  std::string_view tail = cut == std::string_view::npos ? s : s.substr(cut + 1);
  return IsDecimalId(tail) ? tail : std::string_view();
}

int Reader::CountElements(od::value& v) {
  od::array arr;
  if (!GetArray(v, &arr)) return 0;
  int n = 0;
  ForEachElement(arr, [&](od::value&) { ++n; });
  return n;
}

void Reader::ReadNames(od::value& v, std::string_view name1, std::string_view name2,
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

void Reader::ReadEntities(od::value& v, RawEntities* e) {
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

int Reader::ReadMediaCount(od::value& v) {
  od::object obj;
  if (!GetObject(v, &obj)) return -1;
  int n = 0;
  ForEachField(obj, [&](std::string_view key, od::value& fv) {
    if (key == "media") n = CountElements(fv);
  });
  return n;
}

void Reader::ReadUserObject(od::object& obj, RawUser* u) {
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

void Reader::ReadUser(od::value& v, RawUser* u) {
  od::object obj;
  if (GetObject(v, &obj)) ReadUserObject(obj, u);
}

// [a, b] -> (a, b); false unless two numbers.
bool Reader::ReadPair(od::value& v, double* a, double* b) {
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

void Reader::ReadCoordinates(od::value& v, RawStatus* s) {
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

void Reader::ReadGeo(od::value& v, RawStatus* s) {
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

void Reader::ReadMember(od::value& v, std::string_view name, std::string_view* out) {
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

std::unique_ptr<RawStatus> Reader::ReadNested(od::value& v, int depth) {
  od::object obj;
  if (depth >= kMaxStatusDepth || !GetObject(v, &obj)) return nullptr;
  auto nested = std::make_unique<RawStatus>();
  ReadStatusObject(obj, nested.get(), depth + 1);
  return nested;
}

// A quoted status: only its id is used, so stop at the first id string (v1 puts "id_str"
// third; the rest of the object is skipped structurally).
std::unique_ptr<RawStatus> Reader::ReadIdOnly(od::value& v) {
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

void Reader::ReadReferenced(od::value& v, RawStatus* s) {
  ForEachObjectIn(v, [&](od::object& o) {
    std::string_view type, id;
    ForEachField(o, [&](std::string_view key, od::value& fv) {
      if (key == "type") GetString(fv, &type);
      if (key == "id") GetString(fv, &id);
    });
    s->referenced.emplace_back(type, id);
  });
}

void Reader::ReadAttachments(od::value& v, RawStatus* s) {
  od::object obj;
  if (!GetObject(v, &obj)) return;
  ForEachField(obj, [&](std::string_view key, od::value& fv) {
    if (key == "media_keys") s->v2_media = CountElements(fv);
  });
}

// A v2 page's "data": one tweet (a lookup by id) or an array of them.
void Reader::ReadData(od::value& v, V2Page* page) {
  page->has_data = true;
  od::json_type t;
  if (!Take(v.type(), &t)) return;
  if (t == od::json_type::object) {
    od::object o;
    if (!GetObject(v, &o)) return;
    page->data.emplace_back();
    ReadStatusObject(o, &page->data.back(), 0);
    return;
  }
  ForEachObjectIn(v, [&](od::object& o) {
    page->data.emplace_back();
    ReadStatusObject(o, &page->data.back(), 0);
  });
}

// A v2 page's "includes": the users, tweets and places its tweets refer to.
void Reader::ReadIncludes(od::value& v, V2Page* page) {
  od::object inc;
  if (!GetObject(v, &inc)) return;
  ForEachField(inc, [&](std::string_view key, od::value& fv) {
    if (key == "users") {
      ForEachObjectIn(fv, [&](od::object& o) {
        page->users.emplace_back();
        ReadUserObject(o, &page->users.back());
      });
    } else if (key == "tweets") {
      ForEachObjectIn(fv, [&](od::object& o) {
        page->tweets.emplace_back();
        ReadStatusObject(o, &page->tweets.back(), 0);
      });
    } else if (key == "places") {
      ForEachObjectIn(fv, [&](od::object& o) {
        std::string_view id, name;
        ForEachField(o, [&](std::string_view k2, od::value& v2) {
          if (k2 == "id") GetString(v2, &id);
          if (k2 == "full_name") GetString(v2, &name);
        });
        page->places.emplace_back(id, name);
      });
    }
  });
}

void Reader::ReadTop(od::object& obj, V2Page* page, RawStatus* s, int* notice) {
  ForEachField(obj, [&](std::string_view key, od::value& fv) {
    if (ReadStatusField(key, fv, s, 0)) return;
    if (key == "data") {
      ReadData(fv, page);
    } else if (key == "includes") {
      ReadIncludes(fv, page);
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

}  // namespace rankflow::internal
