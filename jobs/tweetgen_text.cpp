#include "jobs/tweetgen_text.h"

namespace rankflow::tweetgen {
namespace {

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

}  // namespace

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

void AppendJsonString(std::string* out, std::string_view s, bool escape_non_ascii) {
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

const char* PickWord(Rng& r) { return r.Pick(kWords); }
const char* PickIntlWord(Rng& r) { return r.Pick(kIntlWords); }
const char* PickSource(Rng& r) { return r.Pick(kSources); }
const char* PickLang(Rng& r) { return r.Pick(kLangs); }
const char* PickLocation(Rng& r) { return r.Pick(kLocations); }

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

User TextMaker::RandomUser() { return MakeUser(1000 + rng_->Skewed(5000000)); }

std::string TextMaker::Tag() {
  if (rng_->Chance(0.6)) return kHashtags[rng_->Skewed(std::size(kHashtags))];
  uint64_t k = rng_->Skewed(20000);
  Rng r(k + 77);
  return std::string(r.Pick(kSyllables)) + r.Pick(kSyllables) + r.Pick(kSyllables) +
         (k % 3 == 0 ? std::to_string(k % 100) : "");
}

std::string TextMaker::TcoUrl() {
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string url = "https://t.co/";
  for (int i = 0; i < 10; ++i) url.push_back(kAlnum[rng_->Below(62)]);
  return url;
}

Text TextMaker::MakeText(size_t target_cps) {
  Text t;
  int urls = 0;
  while (t.cps < target_cps) {
    double u = rng_->Unit();
    if (u < 0.10) {
      std::string tag = Tag();
      t.AppendEntity("#" + tag, Entity{Entity::kHashtag, tag, "", 0, 0, 0});
    } else if (u < 0.14) {
      User m = RandomUser();
      t.AppendEntity("@" + m.screen_name,
                     Entity{Entity::kMention, m.screen_name, m.name, m.id, 0, 0});
    } else if (u < 0.17 && urls < 2) {
      ++urls;
      std::string path = std::string(PickWord(*rng_)) + "-" + std::to_string(rng_->Below(99999));
      std::string url = TcoUrl();
      t.AppendEntity(url, Entity{Entity::kUrl, url, "https://example.com/" + path, 0, 0, 0});
    } else if (u < 0.27) {
      t.Append(PickIntlWord(*rng_));
    } else {
      t.Append(PickWord(*rng_));
    }
  }
  return t;
}

}  // namespace rankflow::tweetgen
