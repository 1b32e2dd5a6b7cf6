// tweetgen's pieces of a tweet: the random source, the vocabulary, a text with its entities (code
// point indices), users, and TextMaker, which writes a tweet's text. Internal to tweetgen
// (jobs/tweetgen.h is the job's interface); every function is deterministic given its Rng.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace rankflow::tweetgen {

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

// Code points of UTF-8 text (continuation bytes not counted).
size_t CodePoints(std::string_view s);

// JSON string literal; escape_non_ascii writes \uXXXX (surrogate pairs above U+FFFF) like the
// Twitter stream does, and slashes are escaped as the v1.1 stream does.
void AppendJsonString(std::string* out, std::string_view s, bool escape_non_ascii);

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

// Picks from the vocabulary (each draws from r once).
const char* PickWord(Rng& r);
const char* PickIntlWord(Rng& r);
const char* PickSource(Rng& r);
const char* PickLang(Rng& r);
const char* PickLocation(Rng& r);

// The user with this id (the same id gives the same user).
User MakeUser(uint64_t id);

// What the tweets talk about besides everything else: a few brands, each named in a tweet by its
// name (any case), its account (@handle) or its hashtag. A profanity_index targets file for them
// (labels as here, terms lowercased):  Netflix: netflix, @netflix, #netflix  and so on.
struct Topic {
  const char* label;    // "Netflix": the name as written
  const char* handle;   // its account's screen name
  uint64_t user_id;     // its account's id
  const char* hashtag;  // without '#'
};
std::span<const Topic> Topics();

// What a tweet's text holds besides its words.
struct Mood {
  int topic = -1;        // an index into Topics(): the text names that topic; -1: none
  bool profane = false;  // the text has a word of the LDNOOBW list (operators' lexicon)
};

// Writes tweet texts from words, hashtags, mentions and links, drawing from *rng (not owned).
class TextMaker {
 public:
  explicit TextMaker(Rng* rng) : rng_(rng) {}
  // A user, popular ones more often.
  User RandomUser();
  // "https://t.co/" + 10 random characters.
  std::string TcoUrl();
  // About target_cps code points of text (it stops at the first token past it), holding what
  // mood asks for at random places.
  Text MakeText(size_t target_cps, const Mood& mood = {});
  // A topic, the popular ones more often.
  int RandomTopic();

 private:
  std::string Tag();
  // The expanded URL of a link: YouTube, Instagram, news sites, URL shorteners, … and a long
  // tail of small sites, popular ones more often.
  std::string Link();
  void AppendTopic(Text* t, int topic);
  const std::string& ProfaneWord();
  Rng* rng_;
};

}  // namespace rankflow::tweetgen
