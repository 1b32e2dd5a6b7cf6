#include "jobs/tweetgen_text.h"

#include <algorithm>
#include <cctype>

#include "operators/embedded_data.h"

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

constexpr Topic kTopics[] = {{"Netflix", "netflix", 916500001, "Netflix"},
                             {"Spotify", "Spotify", 916500002, "Spotify"},
                             {"Tesla", "Tesla", 916500003, "Tesla"},
                             {"Starbucks", "Starbucks", 916500004, "Starbucks"},
                             {"Uber", "Uber", 916500005, "Uber"}};
constexpr uint64_t kTopicWeights[] = {30, 25, 20, 15, 10};  // sums to 100

// Link targets: a URL head, what follows it, and a weight (per 100 links).
enum class Tail { kId11, kId7, kId22, kArticle, kHandle, kPath };
struct Site {
  const char* head;
  Tail tail;
  uint64_t weight;
};
constexpr Site kSites[] = {
    {"https://www.youtube.com/watch?v=", Tail::kId11, 13},
    {"https://youtu.be/", Tail::kId11, 5},
    {"https://www.instagram.com/p/", Tail::kId11, 9},
    {"https://bit.ly/", Tail::kId7, 8},
    {"https://www.nytimes.com/", Tail::kArticle, 5},
    {"https://www.bbc.co.uk/news/", Tail::kArticle, 5},
    {"https://www.theguardian.com/", Tail::kArticle, 4},
    {"https://edition.cnn.com/", Tail::kArticle, 3},
    {"https://www.reuters.com/", Tail::kArticle, 3},
    {"https://www.washingtonpost.com/", Tail::kArticle, 2},
    {"https://open.spotify.com/track/", Tail::kId22, 4},
    {"https://www.tiktok.com/@", Tail::kHandle, 4},
    {"https://www.facebook.com/", Tail::kPath, 4},
    {"https://www.twitch.tv/", Tail::kHandle, 2},
    {"https://github.com/", Tail::kPath, 2},
    {"https://medium.com/@", Tail::kPath, 2},
    {"https://amzn.to/", Tail::kId7, 2},
    {"https://www.linkedin.com/posts/", Tail::kPath, 2},
    {"https://buff.ly/", Tail::kId7, 2},
    {"https://ow.ly/", Tail::kId7, 1},
    {"https://", Tail::kPath, 18}};  // the long tail: small sites of made-up names
constexpr const char* kTlds[] = {".com", ".com", ".com", ".net", ".org", ".co.uk", ".de", ".io"};
constexpr const char* kSections[] = {"world",   "politics", "business", "technology",   "sport",
                                     "culture", "science",  "us-news",  "entertainment"};

// The most used profane words, most used first; each is used only if the lexicon holds it.
constexpr const char* kCommonProfanity[] = {
    "fuck",   "shit", "fucking", "bitch",   "ass",  "bullshit", "sucks",       "asshole",
    "shitty", "damn", "dick",    "bastard", "suck", "crap",     "motherfucker"};

struct ProfaneWords {
  std::vector<std::string> common;  // kCommonProfanity that the lexicon holds
  std::vector<std::string> all;     // every one-word, a-z entry of the lexicon
};

// Read once from operators' embedded LDNOOBW list (what profanity_index counts).
const ProfaneWords& Profanity() {
  static const ProfaneWords words = [] {
    ProfaneWords w;
    std::string_view text = EmbeddedProfanityEn();
    while (!text.empty()) {
      const size_t end = std::min(text.find('\n'), text.size());
      std::string_view line = text.substr(0, end);
      text.remove_prefix(std::min(end + 1, text.size()));
      if (!line.empty() && line.find_first_not_of("abcdefghijklmnopqrstuvwxyz") == line.npos) {
        w.all.emplace_back(line);
      }
    }
    for (const char* c : kCommonProfanity) {
      if (std::find(w.all.begin(), w.all.end(), c) != w.all.end()) w.common.emplace_back(c);
    }
    return w;
  }();
  return words;
}

// An index by weight: weights(i) summing to total.
template <typename WeightOf>
size_t PickWeighted(Rng& r, size_t n, uint64_t total, WeightOf weight_of) {
  uint64_t x = r.Below(total);
  for (size_t i = 0; i < n; ++i) {
    if (x < weight_of(i)) return i;
    x -= weight_of(i);
  }
  return n - 1;
}

std::string RandomChars(Rng& r, int n) {
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kAlnum[r.Below(62)]);
  return s;
}

std::string Syllables(Rng& r, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s += r.Pick(kSyllables);
  return s;
}

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

std::span<const Topic> Topics() { return kTopics; }

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

std::string TextMaker::TcoUrl() { return "https://t.co/" + RandomChars(*rng_, 10); }

int TextMaker::RandomTopic() {
  return static_cast<int>(
      PickWeighted(*rng_, std::size(kTopics), 100, [](size_t i) { return kTopicWeights[i]; }));
}

std::string TextMaker::Link() {
  static const uint64_t kTotal = [] {
    uint64_t t = 0;
    for (const Site& site : kSites) t += site.weight;
    return t;
  }();
  const Site& site = kSites[PickWeighted(*rng_, std::size(kSites), kTotal,
                                         [](size_t i) { return kSites[i].weight; })];
  std::string url = site.head;
  switch (site.tail) {
    case Tail::kId11:
      return url + RandomChars(*rng_, 11);
    case Tail::kId7:
      return url + RandomChars(*rng_, 7);
    case Tail::kId22:
      return url + RandomChars(*rng_, 22);
    case Tail::kHandle:
      return url + Syllables(*rng_, 3) + std::to_string(rng_->Below(100));
    case Tail::kArticle:
      return url + rng_->Pick(kSections) + "/" + PickWord(*rng_) + "-" + PickWord(*rng_) + "-" +
             std::to_string(10'000'000 + rng_->Below(90'000'000));
    case Tail::kPath:
      break;
  }
  if (url == "https://") {  // the long tail: a small site, some much more linked than others
    Rng r(rng_->Skewed(5000) + 991);
    url += (r.Chance(0.3) ? "www." : "") + Syllables(r, 2 + static_cast<int>(r.Below(2))) +
           r.Pick(kTlds) + "/";
  }
  return url + PickWord(*rng_) + "-" + std::to_string(rng_->Below(99999));
}

void TextMaker::AppendTopic(Text* t, int topic) {
  const Topic& k = kTopics[topic];
  const double u = rng_->Unit();
  if (u < 0.3) {
    t->AppendEntity(std::string("@") + k.handle,
                    Entity{Entity::kMention, k.handle, k.label, k.user_id, 0, 0});
  } else if (u < 0.5) {
    t->AppendEntity(std::string("#") + k.hashtag, Entity{Entity::kHashtag, k.hashtag, "", 0, 0, 0});
  } else {
    std::string name = k.label;  // lowercase (30%), uppercase (10%) or as written
    const double v = rng_->Unit();
    if (v < 0.4) {
      for (char& c : name) c = static_cast<char>(v < 0.3 ? std::tolower(c) : std::toupper(c));
    }
    t->Append(name);
  }
}

const std::string& TextMaker::ProfaneWord() {
  const ProfaneWords& w = Profanity();
  if (!w.common.empty() && rng_->Chance(0.85)) return w.common[rng_->Skewed(w.common.size())];
  return w.all[rng_->Below(w.all.size())];
}

Text TextMaker::MakeText(size_t target_cps, const Mood& mood) {
  Text t;
  int urls = 0;
  // Where the topic and the profane word go: after that many code points of text.
  bool topic_due = mood.topic >= 0;
  bool profane_due = mood.profane;
  const size_t topic_at = topic_due ? rng_->Below(target_cps / 2 + 1) : 0;
  const size_t profane_at = profane_due ? rng_->Below(target_cps + 1) : 0;
  while (t.cps < target_cps || topic_due || profane_due) {
    if (topic_due && t.cps >= topic_at) {
      AppendTopic(&t, mood.topic);
      topic_due = false;
      continue;
    }
    if (profane_due && t.cps >= profane_at) {
      t.Append(ProfaneWord());
      profane_due = false;
      continue;
    }
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
      std::string url = TcoUrl();
      t.AppendEntity(url, Entity{Entity::kUrl, url, Link(), 0, 0, 0});
    } else if (u < 0.27) {
      t.Append(PickIntlWord(*rng_));
    } else {
      t.Append(PickWord(*rng_));
    }
  }
  return t;
}

}  // namespace rankflow::tweetgen
