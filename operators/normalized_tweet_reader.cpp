#include "operators/normalized_tweet_reader.h"

#include <simdjson.h>

#include <string>
#include <vector>

namespace rankflow {
const std::vector<std::string_view>& NormalizedTweetKeys() {
  static const std::vector<std::string_view> kKeys = {"id",
                                                      "created_at",
                                                      "timestamp_ms",
                                                      "user_id",
                                                      "screen_name",
                                                      "followers",
                                                      "lang",
                                                      "text",
                                                      "is_retweet",
                                                      "is_quote",
                                                      "is_reply",
                                                      "retweeted_id",
                                                      "quoted_id",
                                                      "in_reply_to_id",
                                                      "hashtags",
                                                      "mentions",
                                                      "urls",
                                                      "media_count",
                                                      "coordinates",
                                                      "place",
                                                      "source_format",
                                                      "retweeted_user_id",
                                                      "retweeted_screen_name"};
  return kKeys;
}

namespace {

namespace dom = simdjson::dom;

bool String(dom::element e, std::string* out) {
  std::string_view s;
  if (e.get_string().get(s) != simdjson::SUCCESS) return false;
  out->assign(s);
  return true;
}

// A string, or null read as "".
bool StringOrNull(dom::element e, std::string* out) {
  if (e.is_null()) {
    out->clear();
    return true;
  }
  return String(e, out);
}

bool Bool(dom::element e, bool* out) { return e.get_bool().get(*out) == simdjson::SUCCESS; }

bool Int(dom::element e, int64_t* out) { return e.get_int64().get(*out) == simdjson::SUCCESS; }

bool Strings(dom::element e, std::vector<std::string>* out) {
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS) return false;
  out->clear();
  for (dom::element item : a) {
    std::string_view s;
    if (item.get_string().get(s) != simdjson::SUCCESS) return false;
    out->emplace_back(s);
  }
  return true;
}

bool Coordinates(dom::element e, Tweet* t) {
  t->has_coordinates = false;
  t->lon = t->lat = 0;
  if (e.is_null()) return true;
  dom::array a;
  if (e.get_array().get(a) != simdjson::SUCCESS || a.size() != 2) return false;
  double lon = 0, lat = 0;
  if (a.at(0).get_double().get(lon) != simdjson::SUCCESS ||
      a.at(1).get_double().get(lat) != simdjson::SUCCESS) {
    return false;
  }
  t->has_coordinates = true;
  t->lon = lon;
  t->lat = lat;
  return true;
}

bool Field(size_t index, dom::element v, Tweet* t) {
  int64_t n = 0;
  switch (index) {
    case 0:
      return String(v, &t->id) && IsDecimalId(t->id);
    case 1:
      return String(v, &t->created_at);
    case 2:
      return Int(v, &t->timestamp_ms);
    case 3:
      return StringOrNull(v, &t->user_id);
    case 4:
      return StringOrNull(v, &t->screen_name);
    case 5:
      if (v.is_null()) {
        t->followers = -1;
        return true;
      }
      return Int(v, &t->followers) && t->followers >= 0;
    case 6:
      return StringOrNull(v, &t->lang);
    case 7:
      return String(v, &t->text);
    case 8:
      return Bool(v, &t->is_retweet);
    case 9:
      return Bool(v, &t->is_quote);
    case 10:
      return Bool(v, &t->is_reply);
    case 11:
      return StringOrNull(v, &t->retweeted_id);
    case 12:
      return StringOrNull(v, &t->quoted_id);
    case 13:
      return StringOrNull(v, &t->in_reply_to_id);
    case 14:
      return Strings(v, &t->hashtags);
    case 15:
      return Strings(v, &t->mentions);
    case 16:
      return Strings(v, &t->urls);
    case 17:
      if (!Int(v, &n) || n < 0 || n > INT32_MAX) return false;
      t->media_count = static_cast<int>(n);
      return true;
    case 18:
      return Coordinates(v, t);
    case 19:
      return StringOrNull(v, &t->place);
    case 20: {
      std::string_view f;
      if (v.get_string().get(f) != simdjson::SUCCESS) return false;
      if (f == "v1") {
        t->source_format = SourceFormat::kV1;
      } else if (f == "gnip") {
        t->source_format = SourceFormat::kGnip;
      } else if (f == "v2") {
        t->source_format = SourceFormat::kV2;
      } else {
        return false;
      }
      return true;
    }
    case 21:
      return StringOrNull(v, &t->retweeted_user_id);
    case 22:
      return StringOrNull(v, &t->retweeted_screen_name);
    default:
      return false;
  }
}

}  // namespace

struct NormalizedTweetReader::Impl {
  dom::parser parser;
};

NormalizedTweetReader::NormalizedTweetReader() : impl_(std::make_unique<Impl>()) {}
NormalizedTweetReader::~NormalizedTweetReader() = default;

bool NormalizedTweetReader::Read(std::string_view json, Tweet* t) {
  dom::element root;
  if (impl_->parser.parse(json.data(), json.size(), true).get(root) != simdjson::SUCCESS) {
    return false;
  }
  dom::object obj;
  const std::vector<std::string_view>& keys = NormalizedTweetKeys();
  if (root.get_object().get(obj) != simdjson::SUCCESS || obj.size() != keys.size()) return false;
  size_t index = 0;
  for (dom::key_value_pair kv : obj) {
    // Exactly the keys AppendTweetJson writes, in its order: anything else is not ours.
    if (kv.key != keys[index] || !Field(index, kv.value, t)) return false;
    ++index;
  }
  // TweetParser derives created_at from the time; ours is that text unless it was edited.
  return t->created_at == FormatIsoUtc(t->timestamp_ms);
}

}  // namespace rankflow
