#include "operators/tokenizer.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>

namespace rankflow {
namespace {

// UTF-8 -> code points (invalid sequences become U+FFFD, as ICU's fromUTF8 does).
std::vector<UChar32> Decode(std::string_view s) {
  std::vector<UChar32> out;
  out.reserve(s.size());
  int32_t i = 0;
  const int32_t n = static_cast<int32_t>(std::min<size_t>(s.size(), INT32_MAX));
  const auto* p = reinterpret_cast<const uint8_t*>(s.data());
  while (i < n) {
    UChar32 c;
    U8_NEXT(p, i, n, c);
    out.push_back(c < 0 ? 0xfffd : c);
  }
  return out;
}

void Encode(UChar32 c, std::string* out) {
  char buf[4];
  int32_t len = 0;
  UBool error = false;
  U8_APPEND(reinterpret_cast<uint8_t*>(buf), len, 4, c, error);
  if (!error) out->append(buf, static_cast<size_t>(len));
}

bool IsWordChar(UChar32 c) {
  const int8_t t = u_charType(c);
  return u_isalnum(c) || t == U_NON_SPACING_MARK || t == U_COMBINING_SPACING_MARK ||
         t == U_ENCLOSING_MARK;
}

bool IsApostrophe(UChar32 c) { return c == '\'' || c == 0x2019; }
bool IsRegionalIndicator(UChar32 c) { return c >= 0x1f1e6 && c <= 0x1f1ff; }
bool IsPictographic(UChar32 c) {
  return c > 0x7f && u_hasBinaryProperty(c, UCHAR_EXTENDED_PICTOGRAPHIC);
}
bool IsEmojiTail(UChar32 c) {
  return c == 0xfe0f || c == 0xfe0e || c == 0x20e3 || (c >= 0x1f3fb && c <= 0x1f3ff) ||
         (c >= 0xe0020 && c <= 0xe007f);
}

// Emoji cluster starting at cps[i]; returns its end.
size_t EmojiEnd(const std::vector<UChar32>& cps, size_t i) {
  if (IsRegionalIndicator(cps[i])) {
    return i + 1 < cps.size() && IsRegionalIndicator(cps[i + 1]) ? i + 2 : i + 1;
  }
  size_t j = i + 1;
  while (j < cps.size()) {
    if (IsEmojiTail(cps[j])) {
      ++j;
    } else if (cps[j] == 0x200d && j + 1 < cps.size() && IsPictographic(cps[j + 1])) {
      j += 2;
    } else {
      break;
    }
  }
  return j;
}

std::string Lower(const std::string& s) { return LowercaseUtf8(s); }

}  // namespace

std::string LowercaseUtf8(std::string_view text) {
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(
      text.data(), static_cast<int32_t>(std::min<size_t>(text.size(), INT32_MAX))));
  u.toLower(icu::Locale::getRoot());
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::vector<Token> Tokenizer::Tokenize(std::string_view text) {
  std::vector<Token> tokens;
  const std::vector<UChar32> cps = Decode(text);
  std::vector<Entity> entities = extractor_.All(text);
  size_t next_entity = 0;
  std::string word;
  auto flush_word = [&]() {
    if (word.empty()) return;
    tokens.push_back({TokenKind::kWord, Lower(word)});
    word.clear();
  };
  size_t i = 0;
  while (i < cps.size()) {
    while (next_entity < entities.size() && static_cast<size_t>(entities[next_entity].end) <= i) {
      ++next_entity;
    }
    if (next_entity < entities.size() && static_cast<size_t>(entities[next_entity].start) == i) {
      flush_word();
      const Entity& e = entities[next_entity];
      switch (e.type) {
        case EntityType::kHashtag:
          tokens.push_back({TokenKind::kHashtag, "#" + Lower(e.value)});
          break;
        case EntityType::kMention:
          tokens.push_back({TokenKind::kMention, "@" + Lower(e.value)});
          break;
        case EntityType::kCashtag:
          tokens.push_back({TokenKind::kCashtag, "$" + Lower(e.value)});
          break;
        case EntityType::kUrl:
          break;
      }
      i = std::max(static_cast<size_t>(e.end), i + 1);
      continue;
    }
    const UChar32 c = cps[i];
    if (IsWordChar(c)) {
      Encode(c, &word);
      ++i;
      continue;
    }
    if (IsApostrophe(c) && !word.empty() && i + 1 < cps.size() && IsWordChar(cps[i + 1])) {
      word.push_back('\'');
      ++i;
      continue;
    }
    flush_word();
    if (IsPictographic(c) || IsRegionalIndicator(c)) {
      const size_t end = EmojiEnd(cps, i);
      std::string emoji;
      for (size_t k = i; k < end; ++k) Encode(cps[k], &emoji);
      tokens.push_back({TokenKind::kEmoji, std::move(emoji)});
      i = end;
      continue;
    }
    ++i;
  }
  flush_word();
  return tokens;
}

std::vector<std::string> Tokenizer::TokenTexts(std::string_view text) {
  std::vector<std::string> out;
  for (Token& t : Tokenize(text)) out.push_back(std::move(t.text));
  return out;
}

std::vector<std::string> NGrams(const std::vector<std::string>& tokens, int n) {
  std::vector<std::string> out;
  if (n < 1 || tokens.size() < static_cast<size_t>(n)) return out;
  for (size_t i = 0; i + static_cast<size_t>(n) <= tokens.size(); ++i) {
    std::string g = tokens[i];
    for (int k = 1; k < n; ++k) {
      g.push_back(' ');
      g += tokens[i + static_cast<size_t>(k)];
    }
    out.push_back(std::move(g));
  }
  return out;
}

uint64_t Fnv1a64(std::string_view bytes) {
  uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::vector<float> HashedNGramCounts(const std::vector<std::string>& tokens, int min_n, int max_n,
                                     int dimension) {
  std::vector<float> v(static_cast<size_t>(std::max(dimension, 1)), 0.0f);
  for (int n = std::max(min_n, 1); n <= max_n; ++n) {
    for (const std::string& g : NGrams(tokens, n)) v[Fnv1a64(g) % v.size()] += 1.0f;
  }
  return v;
}

}  // namespace rankflow
