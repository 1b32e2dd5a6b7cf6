#include "jobs/tweetgen.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "runtime/sys.h"

namespace rankflow {
namespace {

// splitmix64: fully specified, so the same seed gives the same archive everywhere.
class Rng {
 public:
  explicit Rng(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 0x1234567ull) {}
  uint64_t Next() {
    uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  uint64_t Below(uint64_t n) { return n == 0 ? 0 : Next() % n; }
  double Unit() { return static_cast<double>(Next() >> 11) / 9007199254740992.0; }
  bool Chance(double p) { return Unit() < p; }
  // Skewed index in [0, n): small indexes are much more likely (a Zipf-like popularity curve).
  uint64_t Skewed(uint64_t n) {
    double u = Unit();
    return static_cast<uint64_t>(static_cast<double>(n) * u * u * u) % n;
  }
  template <typename T, size_t N>
  const T& Pick(const T (&items)[N]) {
    return items[Below(N)];
  }

 private:
  uint64_t state_;
};

const char* const kWords[] = {
    "the",     "a",        "to",      "and",     "of",      "in",     "is",      "it",     "you",
    "that",    "for",      "on",      "my",      "this",    "with",   "be",      "are",    "so",
    "just",    "at",       "we",      "not",     "have",    "all",    "but",     "me",     "was",
    "what",    "do",       "can",     "love",    "out",     "today",  "new",     "people", "time",
    "like",    "great",    "day",     "now",     "good",    "they",   "see",     "know",   "more",
    "happy",   "best",     "game",    "world",   "night",   "music",  "news",    "video",  "live",
    "think",   "never",    "really",  "thanks",  "follow",  "please", "watch",   "win",    "team",
    "city",    "morning",  "coffee",  "weekend", "finally", "about",  "friends", "school", "work",
    "life",    "going",    "tonight", "season",  "vote",    "free",   "check",   "right",  "year",
    "Amazing", "Breaking", "Update",  "LOL",     "OMG",     "Don't",  "I'm",     "it's",   "can't"};
const char* const kIntlWords[] = {
    "café",   "niño", "Größe",    "façade",  "über", "déjà",       "Καλημέρα", "κόσμε", "Ελλάδα",
    "Привет", "мир",  "Москва",   "спасибо", "東京", "こんにちは", "사랑",     "😀",     "🎉",
    "❤️", "🔥",    "👍🏽", "🇬🇷",      "…",    "—",          "«ok»",     "naïve", "São"};
// Hashtags with case variants (counted together) and non-ASCII ones.
const char* const kHashtags[] = {"news",
                                 "News",
                                 "NEWS",
                                 "python",
                                 "Python",
                                 "music",
                                 "MusicMonday",
                                 "musicmonday",
                                 "love",
                                 "Love",
                                 "COVID19",
                                 "covid19",
                                 "Covid19",
                                 "football",
                                 "Football",
                                 "NBA",
                                 "nba",
                                 "tbt",
                                 "TBT",
                                 "ThrowbackThursday",
                                 "throwbackthursday",
                                 "AI",
                                 "ai",
                                 "café",
                                 "Café",
                                 "CAFÉ",
                                 "Ελλάδα",
                                 "ΕΛΛΆΔΑ",
                                 "Москва",
                                 "МОСКВА",
                                 "москва",
                                 "東京",
                                 "Zürich",
                                 "ZÜRICH",
                                 "Straße",
                                 "election",
                                 "Election",
                                 "GameOfThrones",
                                 "gameofthrones",
                                 "MondayMotivation",
                                 "mondaymotivation",
                                 "travel",
                                 "Travel",
                                 "food",
                                 "Foodie",
                                 "foodie",
                                 "photography",
                                 "art",
                                 "Art",
                                 "ART"};
const char* const kSyllables[] = {"ka", "lo",  "mi", "ren", "to", "sa",  "vi", "dor", "el", "qu",
                                  "an", "bre", "zo", "ni",  "pa", "ter", "ux", "fa",  "gi", "mo"};
const char* const kSources[] = {
    "<a href=\"http://twitter.com/download/iphone\" rel=\"nofollow\">Twitter for iPhone</a>",
    "<a href=\"http://twitter.com/download/android\" rel=\"nofollow\">Twitter for Android</a>",
    "<a href=\"https://mobile.twitter.com\" rel=\"nofollow\">Twitter Web App</a>",
    "<a href=\"https://about.twitter.com/products/tweetdeck\" rel=\"nofollow\">TweetDeck</a>"};
const char* const kLangs[] = {"en", "en", "en", "en", "es", "de", "fr", "el", "ru", "ja", "und"};
const char* const kLocations[] = {"London, England", "New York, NY", "Αθήνα", "Москва",
                                  "São Paulo",       "東京",         "",      "Earth",
                                  "Zürich"};

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// JSON string literal; escape_non_ascii writes \uXXXX (surrogate pairs above U+FFFF) like the
// Twitter stream does.
void AppendString(std::string* out, std::string_view s, bool escape_non_ascii) {
  static const char kHex[] = "0123456789abcdef";
  auto hex4 = [&](uint32_t v) {
    out->append("\\u");
    for (int shift = 12; shift >= 0; shift -= 4) out->push_back(kHex[(v >> shift) & 15]);
  };
  out->push_back('"');
  for (size_t i = 0; i < s.size();) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      size_t n = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
      if (!escape_non_ascii) {
        out->append(s.substr(i, n));
      } else {
        uint32_t cp = n == 2 ? c & 0x1F : n == 3 ? c & 0x0F : c & 0x07;
        for (size_t k = 1; k < n; ++k)
          cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
        if (cp >= 0x10000) {
          cp -= 0x10000;
          hex4(0xD800 + (cp >> 10));
          hex4(0xDC00 + (cp & 0x3FF));
        } else {
          hex4(cp);
        }
      }
      i += n;
      continue;
    }
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '/') {
      out->append("\\/");  // the v1.1 stream escapes slashes
    } else {
      out->push_back(static_cast<char>(c));
    }
    ++i;
  }
  out->push_back('"');
}

struct Entity {
  enum Type { kHashtag, kMention, kUrl } type;
  std::string text;   // tag text, screen name, or t.co url
  std::string extra;  // mention: name; url: expanded url
  uint64_t id = 0;    // mention: user id
  size_t begin = 0;   // code point indices into the text
  size_t end = 0;
};

struct Text {
  std::string s;
  size_t cps = 0;
  std::vector<Entity> entities;
  void Append(std::string_view token) {
    if (!s.empty()) {
      s.push_back(' ');
      ++cps;
    }
    s.append(token);
    cps += CodePoints(token);
  }
  void AppendEntity(std::string_view token, Entity e) {
    if (!s.empty()) {
      s.push_back(' ');
      ++cps;
    }
    e.begin = cps;
    s.append(token);
    cps += CodePoints(token);
    e.end = cps;
    entities.push_back(std::move(e));
  }
};

struct User {
  uint64_t id = 0;
  std::string screen_name;
  std::string name;
};

}  // namespace

class TweetSource::Impl {
 public:
  Impl(uint64_t seed, double bad, double dup, double notice)
      : rng_(seed), bad_(bad), dup_(dup), notice_(notice) {
    time_ms_ = 1577836800000ull + (seed % 1000) * 86400000ull;  // 2020-01-01 + seed days
  }

  Kind Next(std::string* out) {
    out->clear();
    time_ms_ += 1 + rng_.Below(40);
    double u = rng_.Unit();
    if (u < bad_) {
      WriteBad(out);
      return Kind::kBad;
    }
    u -= bad_;
    if (u < dup_ && !recent_.empty()) {
      *out = recent_[rng_.Below(recent_.size())];
      return Kind::kDuplicate;
    }
    u -= dup_;
    if (u < notice_) {
      WriteNotice(out);
      return Kind::kNotice;
    }
    escape_ = rng_.Chance(0.5);
    WriteTopLevel(out);
    if (recent_.size() < 64) {
      recent_.push_back(*out);
    } else {
      recent_[rng_.Below(64)] = *out;
    }
    return Kind::kTweet;
  }

 private:
  User MakeUser(uint64_t id) {
    Rng r(id);
    User u;
    u.id = id;
    u.screen_name = std::string(r.Pick(kSyllables)) + r.Pick(kSyllables) + r.Pick(kSyllables) +
                    std::to_string(id % 1000);
    u.name = std::string(r.Pick(kSyllables)) + r.Pick(kSyllables) + " " +
             (r.Chance(0.2) ? std::string(r.Pick(kIntlWords)) : std::string(r.Pick(kSyllables)));
    return u;
  }
  User RandomUser() { return MakeUser(1000 + rng_.Skewed(5000000)); }

  std::string Tag() {
    if (rng_.Chance(0.6)) return kHashtags[rng_.Skewed(std::size(kHashtags))];
    uint64_t k = rng_.Skewed(20000);
    Rng r(k + 77);
    return std::string(r.Pick(kSyllables)) + r.Pick(kSyllables) + r.Pick(kSyllables) +
           (k % 3 == 0 ? std::to_string(k % 100) : "");
  }

  std::string TcoUrl() {
    static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    std::string url = "https://t.co/";
    for (int i = 0; i < 10; ++i) url.push_back(kAlnum[rng_.Below(62)]);
    return url;
  }

  Text MakeText(size_t target_cps) {
    Text t;
    int urls = 0;
    while (t.cps < target_cps) {
      double u = rng_.Unit();
      if (u < 0.10) {
        std::string tag = Tag();
        t.AppendEntity("#" + tag, Entity{Entity::kHashtag, tag, "", 0, 0, 0});
      } else if (u < 0.14) {
        User m = RandomUser();
        t.AppendEntity("@" + m.screen_name,
                       Entity{Entity::kMention, m.screen_name, m.name, m.id, 0, 0});
      } else if (u < 0.17 && urls < 2) {
        ++urls;
        std::string path = std::string(rng_.Pick(kWords)) + "-" + std::to_string(rng_.Below(99999));
        std::string url = TcoUrl();
        t.AppendEntity(url, Entity{Entity::kUrl, url, "https://example.com/" + path, 0, 0, 0});
      } else if (u < 0.27) {
        t.Append(rng_.Pick(kIntlWords));
      } else {
        t.Append(rng_.Pick(kWords));
      }
    }
    return t;
  }

  void WriteEntities(std::string* out, const std::vector<Entity>& entities, size_t limit_cps) {
    auto list = [&](Entity::Type type, const char* name) {
      out->append("\"").append(name).append("\":[");
      bool first = true;
      for (const Entity& e : entities) {
        if (e.type != type || e.end > limit_cps) continue;
        if (!first) out->push_back(',');
        first = false;
        out->push_back('{');
        if (type == Entity::kHashtag) {
          out->append("\"text\":");
          AppendString(out, e.text, escape_);
        } else if (type == Entity::kMention) {
          out->append("\"screen_name\":");
          AppendString(out, e.text, escape_);
          out->append(",\"name\":");
          AppendString(out, e.extra, escape_);
          out->append(",\"id\":" + std::to_string(e.id) + ",\"id_str\":\"" + std::to_string(e.id) +
                      "\"");
        } else {
          out->append("\"url\":");
          AppendString(out, e.text.empty() ? "https://t.co/x" : e.text, escape_);
          out->append(",\"expanded_url\":");
          AppendString(out, e.extra, escape_);
          out->append(",\"display_url\":");
          AppendString(out, e.extra.substr(8, 26) + "…", escape_);
        }
        out->append(",\"indices\":[" + std::to_string(e.begin) + "," + std::to_string(e.end) +
                    "]}");
      }
      out->push_back(']');
    };
    out->push_back('{');
    list(Entity::kHashtag, "hashtags");
    out->push_back(',');
    list(Entity::kUrl, "urls");
    out->push_back(',');
    list(Entity::kMention, "user_mentions");
    out->append(",\"symbols\":[]}");
  }

  void WriteUser(std::string* out, const User& u) {
    Rng r(u.id * 31 + 7);
    std::string description;
    while (CodePoints(description) < 30 + r.Below(60)) {
      if (!description.empty()) description.push_back(' ');
      description += r.Chance(0.15) ? r.Pick(kIntlWords) : r.Pick(kWords);
    }
    std::string img = "https://pbs.twimg.com/profile_images/" + std::to_string(u.id * 7919) + "/" +
                      u.screen_name + "_normal.jpg";
    out->append("{\"id\":" + std::to_string(u.id) + ",\"id_str\":\"" + std::to_string(u.id) +
                "\",\"name\":");
    AppendString(out, u.name, escape_);
    out->append(",\"screen_name\":");
    AppendString(out, u.screen_name, escape_);
    out->append(",\"location\":");
    AppendString(out, r.Pick(kLocations), escape_);
    out->append(",\"url\":null,\"description\":");
    AppendString(out, description, escape_);
    out->append(",\"translator_type\":\"none\",\"protected\":false,\"verified\":");
    out->append(r.Chance(0.02) ? "true" : "false");
    out->append(",\"followers_count\":" + std::to_string(r.Skewed(2000000)) +
                ",\"friends_count\":" + std::to_string(r.Below(5000)) +
                ",\"listed_count\":" + std::to_string(r.Below(300)) +
                ",\"favourites_count\":" + std::to_string(r.Below(90000)) +
                ",\"statuses_count\":" + std::to_string(r.Below(200000)) +
                ",\"created_at\":\"Tue Mar 2" + std::to_string(r.Below(10)) + " 1" +
                std::to_string(r.Below(10)) + ":0" + std::to_string(r.Below(10)) +
                ":33 +0000 2011\",\"utc_offset\":null,\"time_zone\":null,\"geo_enabled\":");
    out->append(r.Chance(0.3) ? "true" : "false");
    out->append(
        ",\"lang\":null,\"contributors_enabled\":false,\"is_translator\":false,"
        "\"profile_background_color\":\"C0DEED\",\"profile_background_image_url\":");
    AppendString(out, "http://abs.twimg.com/images/themes/theme1/bg.png", escape_);
    out->append(",\"profile_background_image_url_https\":");
    AppendString(out, "https://abs.twimg.com/images/themes/theme1/bg.png", escape_);
    out->append(
        ",\"profile_background_tile\":false,\"profile_link_color\":\"1DA1F2\","
        "\"profile_sidebar_border_color\":\"C0DEED\",\"profile_sidebar_fill_color\":"
        "\"DDEEF6\",\"profile_text_color\":\"333333\",\"profile_use_background_image\":true,"
        "\"profile_image_url\":");
    AppendString(out, "http" + img.substr(5), escape_);
    out->append(",\"profile_image_url_https\":");
    AppendString(out, img, escape_);
    out->append(",\"profile_banner_url\":");
    AppendString(out,
                 "https://pbs.twimg.com/profile_banners/" + std::to_string(u.id) + "/1585" +
                     std::to_string(r.Below(1000000)),
                 escape_);
    out->append(
        ",\"default_profile\":true,\"default_profile_image\":false,\"following\":null,"
        "\"follow_request_sent\":null,\"notifications\":null}");
  }

  std::string CreatedAt(uint64_t ms) {
    std::time_t t = static_cast<std::time_t>(ms / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S +0000 %Y", &tm);
    return buf;
  }

  uint64_t NewId(uint64_t ms) { return ((ms - 1288834974657ull) << 22) | rng_.Below(1 << 22); }

  struct Status {
    uint64_t id = 0;
    uint64_t ms = 0;
    User user;
    Text text;
  };

  // Common head of a status: created_at, ids, text, source, truncation, reply fields, user.
  void WriteStatusHead(std::string* out, const Status& s, const std::string& text, bool truncated,
                       const User* reply_to, uint64_t reply_id) {
    out->append("{\"created_at\":\"" + CreatedAt(s.ms) + "\",\"id\":" + std::to_string(s.id) +
                ",\"id_str\":\"" + std::to_string(s.id) + "\",\"text\":");
    AppendString(out, text, escape_);
    out->append(",\"source\":");
    AppendString(out, rng_.Pick(kSources), escape_);
    out->append(truncated ? ",\"truncated\":true" : ",\"truncated\":false");
    if (reply_to != nullptr) {
      out->append(",\"in_reply_to_status_id\":" + std::to_string(reply_id) +
                  ",\"in_reply_to_status_id_str\":\"" + std::to_string(reply_id) +
                  "\",\"in_reply_to_user_id\":" + std::to_string(reply_to->id) +
                  ",\"in_reply_to_user_id_str\":\"" + std::to_string(reply_to->id) +
                  "\",\"in_reply_to_screen_name\":");
      AppendString(out, reply_to->screen_name, escape_);
    } else {
      out->append(
          ",\"in_reply_to_status_id\":null,\"in_reply_to_status_id_str\":null,"
          "\"in_reply_to_user_id\":null,\"in_reply_to_user_id_str\":null,"
          "\"in_reply_to_screen_name\":null");
    }
    out->append(",\"user\":");
    WriteUser(out, s.user);
    out->append(",\"geo\":null,\"coordinates\":null,\"place\":null,\"contributors\":null");
  }

  void WriteCounts(std::string* out, const Status& s) {
    out->append(",\"quote_count\":" + std::to_string(rng_.Below(50)) +
                ",\"reply_count\":" + std::to_string(rng_.Below(100)) +
                ",\"retweet_count\":" + std::to_string(rng_.Skewed(10000)) +
                ",\"favorite_count\":" + std::to_string(rng_.Skewed(50000)));
    (void)s;
  }

  // An original status (plain, reply, quote or extended), as a top-level line or nested.
  void WriteOriginal(std::string* out, int depth, Status* made) {
    Status s;
    s.ms = time_ms_ - (depth > 0 ? rng_.Below(86400000) : 0);
    s.id = NewId(s.ms);
    s.user = RandomUser();
    bool reply = rng_.Chance(0.15);
    bool quote = depth == 0 && rng_.Chance(0.12);
    bool extended = rng_.Chance(0.3);
    User reply_to;
    if (reply) {
      reply_to = RandomUser();
      s.text.AppendEntity("@" + reply_to.screen_name, Entity{Entity::kMention, reply_to.screen_name,
                                                             reply_to.name, reply_to.id, 0, 0});
    }
    Text body = MakeText(extended ? 160 + rng_.Below(100) : 40 + rng_.Below(90));
    for (Entity e : body.entities) {
      size_t shift = s.text.cps + (s.text.s.empty() ? 0 : 1);
      e.begin += shift;
      e.end += shift;
      s.text.entities.push_back(e);
    }
    s.text.Append(body.s);
    if (quote) {
      std::string url = TcoUrl();
      s.text.AppendEntity(
          url, Entity{Entity::kUrl, url, "https://twitter.com/" + s.user.screen_name + "/status/1",
                      0, 0, 0});
    }
    // Extended: the classic text is cut at a token boundary and ends with "… <link>".
    bool truncated = s.text.cps > 140;
    std::string text = s.text.s;
    size_t visible_cps = s.text.cps;
    std::vector<Entity> classic;
    if (truncated) {
      size_t cut = 0;
      size_t cps = 0;
      for (size_t i = 0; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++cps;
        if (text[i] == ' ' && cps <= 114) cut = i;
      }
      text = text.substr(0, cut);
      visible_cps = CodePoints(text);
      std::string link = TcoUrl();
      text += "… " + link;
      for (const Entity& e : s.text.entities) {
        if (e.end <= visible_cps) classic.push_back(e);
      }
      classic.push_back(Entity{Entity::kUrl, link,
                               "https://twitter.com/i/web/status/" + std::to_string(s.id), 0,
                               visible_cps + 2, visible_cps + 2 + CodePoints(link)});
    }
    WriteStatusHead(out, s, text, truncated, reply ? &reply_to : nullptr,
                    reply ? NewId(s.ms - 1000) : 0);
    if (quote) {
      Status q;
      out->append(",\"is_quote_status\":true,\"quoted_status\":");
      WriteOriginal(out, depth + 1, &q);
      out->append(",\"quoted_status_id\":" + std::to_string(q.id) + ",\"quoted_status_id_str\":\"" +
                  std::to_string(q.id) + "\"");
    } else {
      out->append(",\"is_quote_status\":false");
    }
    if (truncated) {
      out->append(",\"extended_tweet\":{\"full_text\":");
      AppendString(out, s.text.s, escape_);
      out->append(",\"display_text_range\":[0," + std::to_string(s.text.cps) + "],\"entities\":");
      WriteEntities(out, s.text.entities, ~size_t{0});
      out->push_back('}');
    }
    WriteCounts(out, s);
    out->append(",\"entities\":");
    WriteEntities(out, truncated ? classic : s.text.entities, ~size_t{0});
    out->append(",\"favorited\":false,\"retweeted\":false,\"filter_level\":\"low\",\"lang\":\"");
    out->append(rng_.Pick(kLangs));
    out->append("\"");
    if (depth == 0) out->append(",\"timestamp_ms\":\"" + std::to_string(s.ms) + "\"");
    out->push_back('}');
    *made = std::move(s);
  }

  // A retweet: "RT @user: " + the original's text cut to 140 code points; own entities.
  void WriteRetweet(std::string* out) {
    std::string original;
    Status o;
    WriteOriginal(&original, 1, &o);
    Status s;
    s.ms = time_ms_;
    s.id = NewId(s.ms);
    s.user = RandomUser();
    std::string prefix = "RT @" + o.user.screen_name + ":";
    s.text.s = prefix;
    s.text.cps = CodePoints(prefix);
    s.text.entities.push_back(Entity{Entity::kMention, o.user.screen_name, o.user.name, o.user.id,
                                     3, 3 + 1 + CodePoints(o.user.screen_name)});
    size_t shift = s.text.cps + 1;
    s.text.s += " " + o.text.s;
    s.text.cps += 1 + o.text.cps;
    for (Entity e : o.text.entities) {
      e.begin += shift;
      e.end += shift;
      if (e.end <= 139) s.text.entities.push_back(e);
    }
    std::string text = s.text.s;
    if (s.text.cps > 140) {
      size_t cps = 0;
      size_t i = 0;
      for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++cps > 139) break;
      }
      text = text.substr(0, i) + "…";
    }
    WriteStatusHead(out, s, text, false, nullptr, 0);
    out->append(",\"retweeted_status\":");
    out->append(original);
    out->append(",\"is_quote_status\":false");
    WriteCounts(out, s);
    out->append(",\"entities\":");
    WriteEntities(out, s.text.entities, 139);
    out->append(",\"favorited\":false,\"retweeted\":false,\"filter_level\":\"low\",\"lang\":\"");
    out->append(rng_.Pick(kLangs));
    out->append("\",\"timestamp_ms\":\"" + std::to_string(s.ms) + "\"}");
  }

  void WriteTopLevel(std::string* out) {
    if (rng_.Chance(0.49)) {
      WriteRetweet(out);
      return;
    }
    Status s;
    WriteOriginal(out, 0, &s);
  }

  void WriteNotice(std::string* out) {
    if (rng_.Chance(0.8)) {
      uint64_t id = NewId(time_ms_ - rng_.Below(1000000000));
      uint64_t user = 1000 + rng_.Skewed(5000000);
      out->append("{\"delete\":{\"status\":{\"id\":" + std::to_string(id) + ",\"id_str\":\"" +
                  std::to_string(id) + "\",\"user_id\":" + std::to_string(user) +
                  ",\"user_id_str\":\"" + std::to_string(user) + "\"},\"timestamp_ms\":\"" +
                  std::to_string(time_ms_) + "\"}}");
      return;
    }
    out->append("{\"limit\":{\"track\":" + std::to_string(rng_.Below(5000)) +
                ",\"timestamp_ms\":\"" + std::to_string(time_ms_) + "\"}}");
  }

  void WriteBad(std::string* out) {
    switch (rng_.Below(3)) {
      case 0: {  // a tweet cut off mid-line, as when a stream connection drops
        std::string full;
        Status s;
        escape_ = false;
        WriteOriginal(&full, 0, &s);
        *out = full.substr(0, 1 + rng_.Below(full.size() * 9 / 10));
        return;
      }
      case 1:
        out->append("<html><body><h1>503 Service Unavailable</h1></body></html>");
        return;
      default:
        out->append("{\"id_str\":\"12\",\"text\":\"unterminated string}");
        return;
    }
  }

  Rng rng_;
  double bad_;
  double dup_;
  double notice_;
  uint64_t time_ms_;
  bool escape_ = false;
  std::vector<std::string> recent_;
};

TweetSource::TweetSource(uint64_t seed, double bad_share, double dup_share, double notice_share)
    : impl_(std::make_unique<Impl>(seed, bad_share, dup_share, notice_share)) {}
TweetSource::~TweetSource() = default;
TweetSource::Kind TweetSource::Next(std::string* out) { return impl_->Next(out); }

namespace {

Status WriteOneFile(const TweetgenOptions& o, int index, uint64_t target_bytes,
                    TweetgenFileStats* st) {
  char name[64];
  std::snprintf(name, sizeof name, "tweets-%05d.jsonl.gz", index);
  st->path = o.dest + "/" + name;
  std::string tmp = o.dest + "/." + name + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IOError(tmp + ": cannot create: " + ErrnoText(errno));
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0, so output is reproducible.
  if (deflateInit2(&z, o.gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::fclose(f);
    return Status::Internal("deflateInit2 failed");
  }
  TweetSource source(o.seed * 1000003ull + static_cast<uint64_t>(index), o.bad_share, o.dup_share,
                     o.notice_share);
  std::string line;
  std::string pending;
  std::string zout(1 << 20, '\0');
  bool ok = true;
  auto deflate_some = [&](int flush) {
    z.next_in = reinterpret_cast<Bytef*>(pending.data());
    z.avail_in = static_cast<uInt>(pending.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(zout.data());
      z.avail_out = static_cast<uInt>(zout.size());
      deflate(&z, flush);
      size_t n = zout.size() - z.avail_out;
      if (n > 0 && std::fwrite(zout.data(), 1, n, f) != n) ok = false;
    } while (z.avail_out == 0);
    pending.clear();
  };
  while (st->bytes < target_bytes) {
    switch (source.Next(&line)) {
      case TweetSource::Kind::kTweet:
        ++st->tweets;
        break;
      case TweetSource::Kind::kNotice:
        ++st->notices;
        break;
      case TweetSource::Kind::kBad:
        ++st->bad_lines;
        break;
      case TweetSource::Kind::kDuplicate:
        ++st->duplicates;
        break;
    }
    pending += line;
    pending += '\n';
    ++st->lines;
    st->bytes += line.size() + 1;
    if (pending.size() >= (1 << 20)) deflate_some(Z_NO_FLUSH);
  }
  deflate_some(Z_FINISH);
  deflateEnd(&z);
  if (std::fclose(f) != 0) ok = false;
  if (!ok) {
    std::remove(tmp.c_str());
    return Status::IOError(st->path + ": write failed: " + ErrnoText(errno));
  }
  if (std::rename(tmp.c_str(), st->path.c_str()) != 0) {
    return Status::IOError(st->path + ": rename failed: " + ErrnoText(errno));
  }
  return Status::OK();
}

}  // namespace

Status GenerateArchive(const TweetgenOptions& options, std::vector<TweetgenFileStats>* stats) {
  if (options.files <= 0) return Status::InvalidArgument("--files must be at least 1");
  // Bounded so that the byte count (total_mb * 10^6) fits a uint64 with room to spare.
  if (!(options.total_mb > 0 && options.total_mb <= 1e9)) {
    return Status::InvalidArgument("--mb must be positive and at most 1000000000");
  }
  if (options.bad_share < 0 || options.dup_share < 0 || options.notice_share < 0 ||
      options.bad_share + options.dup_share + options.notice_share > 1) {
    return Status::InvalidArgument("--bad-share, --dup-share and notices must be shares in [0, 1]");
  }
  std::error_code ec;
  std::filesystem::create_directories(options.dest, ec);
  if (ec) return Status::IOError(options.dest + ": cannot create folder: " + ec.message());
  const uint64_t total = static_cast<uint64_t>(options.total_mb * 1e6);
  stats->assign(options.files, TweetgenFileStats{});
  for (int i = 0; i < options.files; ++i) {
    uint64_t target = total / options.files + (static_cast<uint64_t>(i) < total % options.files);
    RF_RETURN_IF_ERROR(WriteOneFile(options, i, target, &(*stats)[i]));
  }
  return Status::OK();
}

}  // namespace rankflow
