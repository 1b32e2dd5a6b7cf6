#include "operators/lexicons.h"

#include <unicode/uchar.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "operators/embedded_data.h"

namespace rankflow {
namespace {

// Calls fn(line, 1-based number) for each non-empty line (CR stripped).
template <typename Fn>
void ForEachLine(std::string_view text, Fn&& fn) {
  int number = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++number;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty()) fn(line, number);
  }
}

}  // namespace

void PhraseLexicon::Add(Tokenizer& tokenizer, std::string_view phrase, double value) {
  std::vector<Token> tokens = tokenizer.Tokenize(phrase);
  if (tokens.empty()) return;
  std::string first =
      tokens[0].kind == TokenKind::kHashtag ? tokens[0].text.substr(1) : tokens[0].text;
  Entry e{{}, value};
  for (size_t i = 1; i < tokens.size(); ++i) {
    e.rest.push_back(tokens[i].kind == TokenKind::kHashtag ? tokens[i].text.substr(1)
                                                           : tokens[i].text);
  }
  auto& list = by_first_[first];
  for (const Entry& existing : list) {
    if (existing.rest == e.rest) return;  // same phrase twice (e.g. "G-spot" and "g spot")
  }
  list.push_back(std::move(e));
  std::stable_sort(list.begin(), list.end(),
                   [](const Entry& a, const Entry& b) { return a.rest.size() > b.rest.size(); });
  ++size_;
}

ProfanityLexicon ProfanityLexicon::FromText(std::string_view text) {
  ProfanityLexicon lex;
  Tokenizer tokenizer;
  ForEachLine(text, [&](std::string_view line, int) { lex.phrases_.Add(tokenizer, line, 1.0); });
  return lex;
}

ProfanityLexicon ProfanityLexicon::Embedded() { return FromText(EmbeddedProfanityEn()); }

int ProfanityLexicon::Count(const std::vector<Token>& tokens) const {
  int n = 0;
  phrases_.ForEachMatch(tokens, [&](double) { ++n; });
  return n;
}

Result<AfinnLexicon> AfinnLexicon::FromText(std::string_view words, std::string_view emoticons) {
  AfinnLexicon lex;
  Tokenizer tokenizer;
  Status status;
  auto parse = [&](std::string_view line, int number, const char* which, bool emoticon) {
    const size_t tab = line.rfind('\t');
    char* end = nullptr;
    const std::string score_text(tab == std::string_view::npos ? "" : line.substr(tab + 1));
    const long score = std::strtol(score_text.c_str(), &end, 10);
    if (tab == std::string_view::npos || tab == 0 || score_text.empty() || *end != '\0') {
      if (status.ok()) {
        status = Status::InvalidArgument(std::string(which) + " line " + std::to_string(number) +
                                         ": expected \"term<TAB>score\"");
      }
      return;
    }
    if (emoticon) {
      lex.emoticons_[std::string(line.substr(0, tab))] = static_cast<int>(score);
    } else {
      lex.phrases_.Add(tokenizer, line.substr(0, tab), static_cast<double>(score));
    }
  };
  ForEachLine(words, [&](std::string_view l, int n) { parse(l, n, "afinn words", false); });
  ForEachLine(emoticons, [&](std::string_view l, int n) { parse(l, n, "afinn emoticons", true); });
  if (!status.ok()) return status;
  return lex;
}

AfinnLexicon AfinnLexicon::Embedded() {
  Result<AfinnLexicon> r = FromText(EmbeddedAfinn165(), EmbeddedAfinnEmoticon());
  RF_CHECK_MSG(r.ok(), "embedded afinn lexicon: " + r.status().message());
  return std::move(r).value();
}

int AfinnLexicon::Score(std::string_view text, const std::vector<Token>& tokens) const {
  double sum = 0;
  phrases_.ForEachMatch(tokens, [&](double v) { sum += v; });
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j > i) {
      auto it = emoticons_.find(std::string(text.substr(i, j - i)));
      if (it != emoticons_.end()) sum += it->second;
    }
    i = j;
  }
  return static_cast<int>(sum);
}

// ---- VADER ----

namespace {

constexpr double kBoosterIncrement = 0.293;
constexpr double kCapsIncrement = 0.733;
constexpr double kNegationScalar = -0.74;

const std::unordered_map<std::string, double>& Boosters() {
  static const std::unordered_map<std::string, double> kBoosters = [] {
    std::unordered_map<std::string, double> m;
    for (const char* w :
         {"absolutely",   "amazingly",  "awfully",      "completely",    "considerable",
          "considerably", "decidedly",  "deeply",       "effing",        "enormous",
          "enormously",   "entirely",   "especially",   "exceptional",   "exceptionally",
          "extreme",      "extremely",  "fabulously",   "flipping",      "flippin",
          "frackin",      "fracking",   "fricking",     "frickin",       "frigging",
          "friggin",      "fully",      "fuckin",       "fucking",       "fuggin",
          "fugging",      "greatly",    "hella",        "highly",        "hugely",
          "incredible",   "incredibly", "intensely",    "major",         "majorly",
          "more",         "most",       "particularly", "purely",        "quite",
          "really",       "remarkably", "so",           "substantially", "thoroughly",
          "total",        "totally",    "tremendous",   "tremendously",  "uber",
          "unbelievably", "unusually",  "utter",        "utterly",       "very"}) {
      m[w] = kBoosterIncrement;
    }
    for (const char* w :
         {"almost",     "barely",       "hardly",  "just enough", "kind of",  "kinda",
          "kindof",     "kind-of",      "less",    "little",      "marginal", "marginally",
          "occasional", "occasionally", "partly",  "scarce",      "scarcely", "slight",
          "slightly",   "somewhat",     "sort of", "sorta",       "sortof",   "sort-of"}) {
      m[w] = -kBoosterIncrement;
    }
    return m;
  }();
  return kBoosters;
}

const std::unordered_set<std::string>& NegationWords() {
  static const std::unordered_set<std::string> kWords{
      "aint",   "arent",    "cannot",  "cant",     "couldnt",  "darent",   "didnt",   "doesnt",
      "ain't",  "aren't",   "can't",   "couldn't", "daren't",  "didn't",   "doesn't", "dont",
      "hadnt",  "hasnt",    "havent",  "isnt",     "mightnt",  "mustnt",   "neither", "don't",
      "hadn't", "hasn't",   "haven't", "isn't",    "mightn't", "mustn't",  "neednt",  "needn't",
      "never",  "none",     "nope",    "nor",      "not",      "nothing",  "nowhere", "oughtnt",
      "shant",  "shouldnt", "uhuh",    "wasnt",    "werent",   "oughtn't", "shan't",  "shouldn't",
      "uh-uh",  "wasn't",   "weren't", "without",  "wont",     "wouldnt",  "won't",   "wouldn't",
      "rarely", "seldom",   "despite"};
  return kWords;
}

const std::unordered_map<std::string, double>& SpecialCases() {
  static const std::unordered_map<std::string, double> kCases{
      {"the shit", 3},        {"the bomb", 3},       {"bad ass", 1.5},        {"badass", 1.5},
      {"bus stop", 0.0},      {"yeah right", -2},    {"kiss of death", -1.5}, {"to die for", 3},
      {"beating heart", 3.1}, {"broken heart", -2.9}};
  return kCases;
}

bool Negated(const std::string& lower) {
  return NegationWords().count(lower) > 0 || lower.find("n't") != std::string::npos;
}

// Python's str.isupper(): at least one cased character and no lowercase one.
bool IsUpper(const std::string& s) {
  bool cased = false;
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(s.size());
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    if (c < 0) continue;
    if (u_islower(c)) return false;
    if (u_isupper(c) || u_istitle(c)) cased = true;
  }
  return cased;
}

bool IsAsciiPunct(char c) {
  return c > 0x20 && c < 0x7f && !std::isalnum(static_cast<unsigned char>(c));
}

size_t CodePoints(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xc0) != 0x80 ? 1 : 0;
  return n;
}

// VADER's words: whitespace split; ASCII punctuation stripped from both ends unless that leaves
// two characters or fewer (then the piece is kept whole: emoticons).
std::vector<std::string> VaderWords(std::string_view text) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    size_t j = i;
    while (j < text.size() && !std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j == i) break;
    std::string_view w = text.substr(i, j - i);
    size_t a = 0, b = w.size();
    while (a < b && IsAsciiPunct(w[a])) ++a;
    while (b > a && IsAsciiPunct(w[b - 1])) --b;
    std::string_view stripped = w.substr(a, b - a);
    words.emplace_back(CodePoints(stripped) <= 2 ? w : stripped);
    i = j;
  }
  return words;
}

double ScalarIncDec(const std::string& word, const std::string& lower, double valence,
                    bool cap_diff) {
  auto it = Boosters().find(lower);
  if (it == Boosters().end()) return 0.0;
  double scalar = valence < 0 ? -it->second : it->second;
  if (IsUpper(word) && cap_diff) scalar += valence > 0 ? kCapsIncrement : -kCapsIncrement;
  return scalar;
}

double NegationCheck(double valence, const std::vector<std::string>& lw, int start_i, size_t i) {
  auto at = [&](size_t back) -> const std::string& { return lw[i - back]; };
  if (start_i == 0) {
    if (Negated(at(1))) valence *= kNegationScalar;
  } else if (start_i == 1) {
    if (at(2) == "never" && (at(1) == "so" || at(1) == "this")) {
      valence *= 1.25;
    } else if (at(2) == "without" && at(1) == "doubt") {
      // unchanged
    } else if (Negated(at(2))) {
      valence *= kNegationScalar;
    }
  } else {
    if ((at(3) == "never" && (at(2) == "so" || at(2) == "this")) ||
        (at(1) == "so" || at(1) == "this")) {
      valence *= 1.25;
    } else if (at(3) == "without" && (at(2) == "doubt" || at(1) == "doubt")) {
      // unchanged
    } else if (Negated(at(3))) {
      valence *= kNegationScalar;
    }
  }
  return valence;
}

double SpecialIdioms(double valence, const std::vector<std::string>& lw, size_t i) {
  const std::string one_zero = lw[i - 1] + " " + lw[i];
  const std::string two_one_zero = lw[i - 2] + " " + lw[i - 1] + " " + lw[i];
  const std::string two_one = lw[i - 2] + " " + lw[i - 1];
  const std::string three_two_one = lw[i - 3] + " " + lw[i - 2] + " " + lw[i - 1];
  const std::string three_two = lw[i - 3] + " " + lw[i - 2];
  for (const std::string* seq : {&one_zero, &two_one_zero, &two_one, &three_two_one, &three_two}) {
    auto it = SpecialCases().find(*seq);
    if (it != SpecialCases().end()) {
      valence = it->second;
      break;
    }
  }
  if (lw.size() - 1 > i) {
    auto it = SpecialCases().find(lw[i] + " " + lw[i + 1]);
    if (it != SpecialCases().end()) valence = it->second;
  }
  if (lw.size() - 1 > i + 1) {
    auto it = SpecialCases().find(lw[i] + " " + lw[i + 1] + " " + lw[i + 2]);
    if (it != SpecialCases().end()) valence = it->second;
  }
  for (const std::string* gram : {&three_two_one, &three_two, &two_one}) {
    auto it = Boosters().find(*gram);
    if (it != Boosters().end()) valence += it->second;
  }
  return valence;
}

}  // namespace

Result<VaderScorer> VaderScorer::FromText(std::string_view lexicon) {
  VaderScorer v;
  Status status;
  ForEachLine(lexicon, [&](std::string_view line, int number) {
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    const std::string mean(t1 == std::string_view::npos ? "" : line.substr(t1 + 1, t2 - t1 - 1));
    char* end = nullptr;
    const double value = std::strtod(mean.c_str(), &end);
    if (t1 == 0 || mean.empty() || *end != '\0') {
      if (status.ok()) {
        status = Status::InvalidArgument("vader lexicon line " + std::to_string(number) +
                                         ": expected \"token<TAB>mean<TAB>…\"");
      }
      return;
    }
    v.lexicon_[std::string(line.substr(0, t1))] = value;
  });
  if (!status.ok()) return status;
  return v;
}

VaderScorer VaderScorer::Embedded() {
  Result<VaderScorer> r = FromText(EmbeddedVader());
  RF_CHECK_MSG(r.ok(), "embedded vader lexicon: " + r.status().message());
  return std::move(r).value();
}

const double* VaderScorer::Find(const std::string& lower) const {
  auto it = lexicon_.find(lower);
  return it == lexicon_.end() ? nullptr : &it->second;
}

double VaderScorer::Valence(const std::vector<std::string>& words,
                            const std::vector<std::string>& lw, size_t i, bool cap_diff) const {
  const double* base = Find(lw[i]);
  if (base == nullptr) return 0.0;
  double valence = *base;
  if (lw[i] == "no" && i + 1 < words.size() && Find(lw[i + 1]) != nullptr) valence = 0.0;
  if ((i > 0 && lw[i - 1] == "no") || (i > 1 && lw[i - 2] == "no") ||
      (i > 2 && lw[i - 3] == "no" && (lw[i - 1] == "or" || lw[i - 1] == "nor"))) {
    valence = *base * kNegationScalar;
  }
  if (IsUpper(words[i]) && cap_diff) valence += valence > 0 ? kCapsIncrement : -kCapsIncrement;
  for (int start_i = 0; start_i < 3; ++start_i) {
    const size_t back = static_cast<size_t>(start_i) + 1;
    if (i <= static_cast<size_t>(start_i) || Find(lw[i - back]) != nullptr) continue;
    double s = ScalarIncDec(words[i - back], lw[i - back], valence, cap_diff);
    if (start_i == 1) s *= 0.95;
    if (start_i == 2) s *= 0.9;
    valence += s;
    valence = NegationCheck(valence, lw, start_i, i);
    if (start_i == 2) valence = SpecialIdioms(valence, lw, i);
  }
  if (i > 1 && Find(lw[i - 1]) == nullptr && lw[i - 1] == "least") {
    if (lw[i - 2] != "at" && lw[i - 2] != "very") valence *= kNegationScalar;
  } else if (i > 0 && Find(lw[i - 1]) == nullptr && lw[i - 1] == "least") {
    valence *= kNegationScalar;
  }
  return valence;
}

double VaderScorer::Compound(std::string_view text) const {
  const std::vector<std::string> words = VaderWords(text);
  if (words.empty()) return 0.0;
  std::vector<std::string> lw;
  size_t caps = 0;
  for (const std::string& w : words) {
    lw.push_back(LowercaseUtf8(w));
    caps += IsUpper(w) ? 1 : 0;
  }
  const bool cap_diff = caps > 0 && caps < words.size();
  std::vector<double> sentiments;
  for (size_t i = 0; i < words.size(); ++i) {
    if (Boosters().count(lw[i]) > 0 ||
        (i + 1 < words.size() && lw[i] == "kind" && lw[i + 1] == "of")) {
      sentiments.push_back(0.0);
      continue;
    }
    sentiments.push_back(Valence(words, lw, i, cap_diff));
  }
  auto but = std::find(lw.begin(), lw.end(), "but");
  if (but != lw.end()) {
    const size_t bi = static_cast<size_t>(but - lw.begin());
    for (size_t si = 0; si < sentiments.size(); ++si) {
      if (si < bi) sentiments[si] *= 0.5;
      if (si > bi) sentiments[si] *= 1.5;
    }
  }
  double sum = 0;
  for (double s : sentiments) sum += s;
  const size_t bangs = static_cast<size_t>(std::count(text.begin(), text.end(), '!'));
  const size_t questions = static_cast<size_t>(std::count(text.begin(), text.end(), '?'));
  double emphasis = static_cast<double>(std::min<size_t>(bangs, 4)) * 0.292;
  if (questions > 1) emphasis += questions <= 3 ? static_cast<double>(questions) * 0.18 : 0.96;
  if (sum > 0) sum += emphasis;
  if (sum < 0) sum -= emphasis;
  const double compound = sum / std::sqrt(sum * sum + 15.0);
  return std::clamp(compound, -1.0, 1.0);
}

}  // namespace rankflow
