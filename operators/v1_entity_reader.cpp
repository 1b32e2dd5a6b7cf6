#include "operators/v1_entity_reader.h"

#include <simdjson.h>

#include <algorithm>
#include <iterator>
#include <string>

#include "operators/raw_tweet_reader.h"
#include "operators/retweet_rule.h"
#include "operators/tweet.h"

namespace rankflow {

namespace dom = simdjson::dom;

namespace {

// The keys of one object that the reader uses, each at most once: TweetParser reads every
// occurrence of a repeated key (the last one wins, or the first where it stops early), which this
// reader does not try to mirror, so a repeated key makes it decline.
class KeyOnce {
 public:
  // False if `bit` was seen before in this object.
  bool First(unsigned bit) {
    const uint32_t mask = uint32_t{1} << bit;
    if (seen_ & mask) return false;
    seen_ |= mask;
    return true;
  }

 private:
  uint32_t seen_ = 0;
};

// True if the line may hold a key written with a \u escape of an ASCII letter or '_'
// (\u0041-\u007F), which could spell one of the keys read here. TweetParser matches keys as written
// (an escaped key matches nothing) while the DOM gives keys unescaped, so such lines are declined.
// Conservative: it looks at every escape, in keys and values alike; real archives escape only
// non-ASCII and '/' this way.
bool MayHaveEscapedAsciiKey(std::string_view line) {
  for (size_t i = line.find('\\'); i != std::string_view::npos; i = line.find('\\', i + 2)) {
    if (i + 4 < line.size() && line[i + 1] == 'u' && line[i + 2] == '0' && line[i + 3] == '0' &&
        line[i + 4] >= '4' && line[i + 4] <= '7') {
      return true;
    }
  }
  return false;
}

}  // namespace

// The line is parsed once with simdjson's DOM parser, which validates all of it (grammar, strings,
// escapes, UTF-8, numbers, depth), then the fields are read from the tree.
class V1EntityReader::Impl {
 public:
  explicit Impl(TweetTermKind kind) : kind_(kind) {}

  bool Read(std::string_view line, int64_t* epoch_ms) {
    terms_.clear();
    if (kind_ != TweetTermKind::kHashtags && kind_ != TweetTermKind::kMentions &&
        kind_ != TweetTermKind::kUrls) {
      return false;
    }
    if (MayHaveEscapedAsciiKey(line)) return false;
    if (padded_.size() < line.size() + simdjson::SIMDJSON_PADDING) {
      padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
    }
    std::copy(line.begin(), line.end(), padded_.begin());
    dom::element root;
    if (parser_.parse(padded_.data(), line.size(), false).get(root)) return false;
    dom::object obj;
    if (root.get_object().get(obj)) return false;
    V1Status& top = top_;
    if (!ReadStatus(obj, &top, true)) return false;
    if (!top.Usable()) return false;
    int64_t ms = 0;
    if (!ParseTwitterDate(top.created_at, &ms)) return false;
    if (top.has_timestamp_ms) ms = top.timestamp_ms;
    const V1Status* src = &top;
    if (top.has_retweet) {
      // A retweet that does not read as the retweeted tweet is left to the parser.
      if (!internal::ReadsAsRetweeted(retweeted_.has_text, retweeted_.screen_name)) return false;
      src = &retweeted_;
    }
    const Entities& e = src->FullEntities();
    if (!e.Has()) return false;  // entities would come from the text: the parser's business
    const std::vector<std::string_view>& list = kind_ == TweetTermKind::kHashtags   ? e.hashtags
                                                : kind_ == TweetTermKind::kMentions ? e.mentions
                                                                                    : e.urls;
    terms_.assign(list.begin(), list.end());
    if (top.has_retweet && kind_ == TweetTermKind::kMentions) {
      internal::LeadWithRetweetedAuthor(retweeted_.screen_name, e.Has(), &terms_);
    }
    *epoch_ms = ms;
    return true;
  }
  const std::vector<std::string_view>& terms() const { return terms_; }

 private:
  struct Entities {
    bool present = false;
    std::vector<std::string_view> hashtags, mentions, urls;
    void Clear() {
      present = false;
      hashtags.clear();
      mentions.clear();
      urls.clear();
    }
    bool Has() const { return present || !hashtags.empty() || !mentions.empty() || !urls.empty(); }
  };
  struct V1Status {
    std::string_view id_str, created_at, screen_name, user_id;
    bool has_text = false, has_user = false, has_retweet = false, has_extended = false;
    bool has_timestamp_ms = false;
    int64_t timestamp_ms = 0;
    Entities entities, extended;
    void Clear() {
      id_str = created_at = screen_name = user_id = {};
      has_text = has_user = has_retweet = has_extended = has_timestamp_ms = false;
      timestamp_ms = 0;
      entities.Clear();
      extended.Clear();
    }
    bool Usable() const {
      return IsDecimalId(id_str) && has_text && has_user &&
             (!screen_name.empty() || IsDecimalId(user_id)) && !created_at.empty();
    }
    const Entities& FullEntities() const {
      return internal::PreferredEntities(has_extended, extended.Has(), extended, entities);
    }
  };

  // Keys of other shapes (Gnip, v2, wrappers, notices, the normalized format): decline.
  static bool OtherShapeKey(std::string_view key) {
    if (key.empty()) return false;
    switch (key[0]) {
      case 'a':
        return key == "actor" || key == "activities";
      case 'b':
        return key == "body";
      case 'c':
        return key == "control";
      case 'd':
        return key == "data" || key == "direct_message" || key == "delete" || key == "disconnect";
      case 'e':
        return key == "error" || key == "errors" || key == "event";
      case 'f':
        return key == "friends" || key == "friends_str";
      case 'h':
        return key == "hashtags";
      case 'i':
        return key == "includes" || key == "info";
      case 'l':
        return key == "long_object" || key == "limit";
      case 'o':
        return key == "object";
      case 'p':
        return key == "postedTime";
      case 's':
        return key == "statuses" || key == "screen_name" || key == "source_format" ||
               key == "scrub_geo" || key == "status_withheld";
      case 't':
        return key == "twitter_entities";
      case 'u':
        return key == "user_withheld";
      case 'v':
        return key == "verb";
      case 'w':
        return key == "warning";
      default:
        return false;
    }
  }

  // The parser reads every status key of every format at every level (operators/status_fields.cpp:
  // "urls" inside extended_tweet, "body" inside retweeted_status, …). A key it reads that this
  // reader does not is declined, except these v1.1 keys, which change none of the terms, time or
  // validity it answers (a fuzz finding: an extended_tweet with a "urls" list of its own).
  static bool UnreadStatusKey(std::string_view key) {
    static constexpr std::string_view kHarmless[] = {"id",
                                                     "lang",
                                                     "extended_entities",
                                                     "quoted_status",
                                                     "quoted_status_id_str",
                                                     "coordinates",
                                                     "geo",
                                                     "place",
                                                     "in_reply_to_status_id_str"};
    return internal::IsStatusKey(key) &&
           std::find(std::begin(kHarmless), std::end(kHarmless), key) == std::end(kHarmless);
  }

  static bool IsString(dom::element v) { return v.type() == dom::element_type::STRING; }

  // Reads [{name1: "...", name2: "..."} | "..."] as the parser does.
  static bool ReadNames(dom::element v, std::string_view name1, std::string_view name2,
                        std::vector<std::string_view>* out) {
    dom::array arr;
    if (v.get_array().get(arr)) return false;
    for (dom::element el : arr) {
      std::string_view str;
      if (IsString(el)) {
        if (el.get_string().get(str)) return false;
        out->push_back(str);
        continue;
      }
      dom::object o;
      if (el.get_object().get(o)) return false;
      std::string_view first, second;
      KeyOnce once;
      for (dom::key_value_pair f : o) {
        if (f.key != name1 && f.key != name2) continue;
        if (!once.First(f.key == name1 ? 0 : 1)) return false;
        if (!IsString(f.value)) continue;  // null expanded_url: the t.co url wins
        if (f.value.get_string().get(str)) return false;
        (f.key == name1 ? first : second) = str;
      }
      if (!first.empty()) {
        out->push_back(first);
      } else if (!second.empty()) {
        out->push_back(second);
      }
    }
    return true;
  }

  static bool ReadEntities(dom::element v, Entities* e) {
    dom::object obj;
    if (v.get_object().get(obj)) return false;
    e->present = true;
    KeyOnce once;
    for (dom::key_value_pair f : obj) {
      if (f.key == "hashtags") {
        if (!once.First(0) || !ReadNames(f.value, "text", "tag", &e->hashtags)) return false;
      } else if (f.key == "user_mentions" || f.key == "mentions") {
        if (!once.First(1) || !ReadNames(f.value, "screen_name", "username", &e->mentions)) {
          return false;
        }
      } else if (f.key == "urls") {
        if (!once.First(2) || !ReadNames(f.value, "expanded_url", "url", &e->urls)) return false;
      }
    }
    return true;
  }

  static bool IsText(std::string_view key) { return key == "text" || key == "full_text"; }

  // The status keys read, numbered for KeyOnce; -1 for the others.
  static int StatusKeyBit(std::string_view key) {
    static constexpr std::string_view kKeys[] = {"id_str",   "created_at",     "timestamp_ms",
                                                 "text",     "full_text",      "user",
                                                 "entities", "extended_tweet", "retweeted_status"};
    for (size_t i = 0; i < std::size(kKeys); ++i) {
      if (key == kKeys[i]) return static_cast<int>(i);
    }
    return -1;
  }

  // The author's screen name and id. The parser also takes a screen name from "username" or
  // "preferredUsername" (Gnip, v2): decline those.
  static bool ReadUser(dom::element v, V1Status* s) {
    dom::object user;
    if (v.get_object().get(user)) return false;
    s->has_user = true;
    KeyOnce once;
    for (dom::key_value_pair f : user) {
      if (f.key == "username" || f.key == "preferredUsername") return false;
      if (f.key != "screen_name" && f.key != "id_str") continue;
      if (!once.First(f.key == "screen_name" ? 0 : 1)) return false;
      if (f.value.get_string().get(f.key == "screen_name" ? s->screen_name : s->user_id)) {
        return false;
      }
    }
    return true;
  }

  // extended_tweet: its entities and full text.
  static bool ReadExtended(dom::element v, V1Status* s) {
    dom::object ext;
    if (v.get_object().get(ext)) return false;
    s->has_extended = true;
    KeyOnce once;
    for (dom::key_value_pair f : ext) {
      const int bit = f.key == "entities" ? 0 : f.key == "text" ? 1 : f.key == "full_text" ? 2 : -1;
      if (bit < 0) {
        if (UnreadStatusKey(f.key)) return false;
        continue;
      }
      if (!once.First(static_cast<unsigned>(bit))) return false;
      if (bit == 0) {
        if (!ReadEntities(f.value, &s->extended)) return false;
        continue;
      }
      std::string_view text;
      if (f.value.get_string().get(text)) return false;
      s->has_text = s->has_text || !text.empty();
    }
    return true;
  }

  // Reads one status object; false to decline. top: the line's own status (may hold a retweet).
  bool ReadStatus(dom::object obj, V1Status* s, bool top) {
    s->Clear();
    if (top) retweeted_.Clear();
    KeyOnce once;
    for (dom::key_value_pair field : obj) {
      const std::string_view key = field.key;
      const dom::element v = field.value;
      if (top && OtherShapeKey(key)) return false;
      const int bit = StatusKeyBit(key);
      if (bit < 0) {
        if (UnreadStatusKey(key)) return false;
        continue;
      }
      if (!once.First(static_cast<unsigned>(bit))) return false;
      if (key == "id_str") {
        if (v.get_string().get(s->id_str)) return false;
      } else if (key == "created_at") {
        if (v.get_string().get(s->created_at)) return false;
      } else if (key == "timestamp_ms") {
        std::string_view str;
        if (v.get_string().get(str) || !IsDecimalId(str) || str.size() >= 16) return false;
        s->timestamp_ms = std::stoll(std::string(str));
        s->has_timestamp_ms = true;
      } else if (IsText(key)) {
        std::string_view text;
        if (v.get_string().get(text)) return false;
        s->has_text = s->has_text || !text.empty();
      } else if (key == "user") {
        if (!ReadUser(v, s)) return false;
      } else if (key == "entities") {
        if (!ReadEntities(v, &s->entities)) return false;
      } else if (key == "extended_tweet") {
        if (!ReadExtended(v, s)) return false;
      } else if (key == "retweeted_status") {
        if (!top) return false;
        dom::object rt;
        if (v.get_object().get(rt)) return false;
        s->has_retweet = true;
        if (!ReadStatus(rt, &retweeted_, false)) return false;
      }
    }
    return true;
  }

  TweetTermKind kind_;
  dom::parser parser_;
  std::string padded_;
  V1Status top_, retweeted_;
  std::vector<std::string_view> terms_;
};

V1EntityReader::V1EntityReader(TweetTermKind kind) : impl_(std::make_unique<Impl>(kind)) {}
V1EntityReader::~V1EntityReader() = default;

bool V1EntityReader::Read(std::string_view line, int64_t* epoch_ms) {
  return impl_->Read(line, epoch_ms);
}

const std::vector<std::string_view>& V1EntityReader::terms() const { return impl_->terms(); }

}  // namespace rankflow
