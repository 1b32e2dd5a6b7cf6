// Tokenizer for tweet text, n-grams and feature hashing.
//
// Rules (stable: features and lexicon matches depend on them):
// - URLs (twitter-text rules) are dropped.
// - Hashtags, mentions and cashtags (twitter-text rules) are single tokens with their sigil,
//   lowercased: "#maga", "@jack", "$aapl".
// - Words are maximal runs of letters, marks and digits (Unicode), joined across an apostrophe
//   (' or U+2019, normalized to ') between two such characters ("don't"); lowercased with the
//   Unicode root locale (ICU full case mapping: "İ" -> "i̇", "ß" stays "ß").
// - Each emoji is one token: a pictographic character (Extended_Pictographic) with its variation
//   selectors, skin-tone modifiers, keycap and tag characters, and ZWJ-joined continuations; a
//   pair of regional indicators (a flag) is one token.
// - Everything else (spaces, punctuation, symbols) separates tokens and is dropped.
//
// Not thread-safe (holds an EntityExtractor); use one per thread. Invalid UTF-8 reads as U+FFFD.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "operators/entities.h"

namespace rankflow {

enum class TokenKind { kWord, kHashtag, kMention, kCashtag, kEmoji };

struct Token {
  TokenKind kind = TokenKind::kWord;
  std::string text;  // lowercased; with '#', '@' or '$' for those kinds
};

class Tokenizer {
 public:
  std::vector<Token> Tokenize(std::string_view text);
  // Just the token texts.
  std::vector<std::string> TokenTexts(std::string_view text);

 private:
  EntityExtractor extractor_;
};

// Lowercases UTF-8 text with the Unicode root locale (ICU full case mapping).
std::string LowercaseUtf8(std::string_view text);

// The n-grams of a token sequence, tokens joined by one space, in order. n >= 1.
std::vector<std::string> NGrams(const std::vector<std::string>& tokens, int n);

// 64-bit FNV-1a of the bytes; the hash of the feature-hashing vectors.
uint64_t Fnv1a64(std::string_view bytes);

// Feature hashing: for every n-gram with min_n <= n <= max_n (tokens joined by one space), adds 1
// to slot Fnv1a64(ngram) % dimension. Returns `dimension` counts. dimension >= 1.
std::vector<float> HashedNGramCounts(const std::vector<std::string>& tokens, int min_n, int max_n,
                                     int dimension);

}  // namespace rankflow
