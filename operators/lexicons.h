// Lexicon operators over tweet text: profanity (LDNOOBW en), AFINN-165 sentiment and VADER
// sentiment. The lexicon files ship compiled in (operators/data/lexicons, with their licenses);
// FromText() builds one from other text of the same format.
//
// All three are immutable after construction and thread-safe for concurrent reads. Matching works
// on Tokenizer tokens (operators/tokenizer.h), so the caller tokenizes once and reuses the tokens.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "operators/tokenizer.h"
#include "runtime/status.h"

namespace rankflow {

// Multi-token phrases matched on token boundaries. Hashtags match by their body ("#damn" counts as
// "damn"); mentions, cashtags and emoji match only as themselves.
class PhraseLexicon {
 public:
  // Adds a phrase (tokenized with `tokenizer`) with a value; empty phrases are ignored.
  void Add(Tokenizer& tokenizer, std::string_view phrase, double value);
  // Calls fn(value) for each match, scanning left to right and taking the longest phrase at each
  // position; matches do not overlap.
  template <typename Fn>
  void ForEachMatch(const std::vector<Token>& tokens, Fn&& fn) const;
  size_t size() const { return size_; }

 private:
  struct Entry {
    std::vector<std::string> rest;  // the tokens after the first
    double value;
  };
  // First token -> phrases starting with it, longest first.
  std::unordered_map<std::string, std::vector<Entry>> by_first_;
  size_t size_ = 0;
};

class ProfanityLexicon {
 public:
  // LDNOOBW en.txt format: one term per line.
  static ProfanityLexicon FromText(std::string_view text);
  static ProfanityLexicon Embedded();  // operators/data/lexicons/ldnoobw/en.txt
  // Number of profane terms in the tokens (non-overlapping, longest match).
  int Count(const std::vector<Token>& tokens) const;
  size_t size() const { return phrases_.size(); }

 private:
  PhraseLexicon phrases_;
};

class AfinnLexicon {
 public:
  // AFINN format: "term<TAB>integer" per line. Malformed lines: InvalidArgument naming the line.
  static Result<AfinnLexicon> FromText(std::string_view words, std::string_view emoticons);
  static AfinnLexicon Embedded();  // AFINN-en-165 + AFINN-emoticon-8
  // Sum of the scores of matched terms; emoticons (":)") are matched on the whitespace-separated
  // pieces of `text`, words and phrases on the tokens.
  int Score(std::string_view text, const std::vector<Token>& tokens) const;
  size_t size() const { return phrases_.size() + emoticons_.size(); }

 private:
  PhraseLexicon phrases_;
  std::unordered_map<std::string, int> emoticons_;
};

// VADER (Hutto & Gilbert 2014) compound score in [-1, 1], reimplemented from the published rules:
// lexicon valence, booster/dampener words (±0.293), ALL-CAPS emphasis (±0.733 when the text mixes
// case), negation within three words (×−0.74), "never so/this" (×1.25), "least", "no", "kind of",
// "but" (before ×0.5, after ×1.5), '!' (+0.292 each, at most 4) and '?' emphasis, normalized as
// x/sqrt(x²+15). Not implemented: the idiom table and emoji descriptions of vaderSentiment, so
// scores differ from it on texts with those.
class VaderScorer {
 public:
  // vader_lexicon.txt format: token<TAB>mean<TAB>sd<TAB>ratings.
  static Result<VaderScorer> FromText(std::string_view lexicon);
  static VaderScorer Embedded();
  // Tokenizes like VADER (whitespace split, punctuation stripped from words longer than 2).
  double Compound(std::string_view text) const;
  size_t size() const { return lexicon_.size(); }

 private:
  double Valence(const std::vector<std::string>& words, const std::vector<std::string>& lower,
                 size_t i, bool cap_diff) const;
  const double* Find(const std::string& lower) const;
  std::unordered_map<std::string, double> lexicon_;
};

template <typename Fn>
void PhraseLexicon::ForEachMatch(const std::vector<Token>& tokens, Fn&& fn) const {
  auto key = [](const Token& t) -> std::string_view {
    if (t.kind == TokenKind::kHashtag) return std::string_view(t.text).substr(1);
    return t.text;
  };
  size_t i = 0;
  while (i < tokens.size()) {
    auto it = by_first_.find(std::string(key(tokens[i])));
    size_t matched = 0;
    if (it != by_first_.end()) {
      for (const Entry& e : it->second) {
        if (i + 1 + e.rest.size() > tokens.size()) continue;
        bool ok = true;
        for (size_t k = 0; ok && k < e.rest.size(); ++k) ok = key(tokens[i + 1 + k]) == e.rest[k];
        if (!ok) continue;
        fn(e.value);
        matched = 1 + e.rest.size();
        break;
      }
    }
    i += matched > 0 ? matched : 1;
  }
}

}  // namespace rankflow
