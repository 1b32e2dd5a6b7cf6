// Text rules of top_terms: lowercasing and word tokens. Pure functions, thread-safe.
//
// Lowercasing (LowercaseTerm): ASCII; Latin-1 letters U+00C0–U+00DE (not U+00D7); Latin
// Extended-A U+0100–U+017F (pairs; U+0130 -> "i", U+0178 -> U+00FF); Greek U+0386–U+03AB
// (including accented capitals); Cyrillic U+0400–U+042F. Everything else is kept as is
// (so ß, CJK and emoji are unchanged). Invalid UTF-8 bytes are kept as they are.
//
// Words (ForEachWord): maximal runs of word code points, lowercased. Word code points are ASCII
// letters, digits and '_', and every code point >= U+00C0 except U+00D7, U+00F7, the general
// punctuation / symbol / arrow / dingbat blocks U+2000–U+2BFF, CJK punctuation U+3000–U+303F,
// variation selectors U+FE00–U+FE0F, specials U+FFF0–U+FFFF, emoji and pictographs
// U+1F000–U+1FAFF and tags U+E0000–U+E007F. So "RT @Ann: Café—naïve #Python 😀" gives
// rt, ann, café, naïve, python.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

namespace rankflow {

// Appends the lowercase form of text to *out.
void AppendLowercaseTerm(std::string_view text, std::string* out);
std::string LowercaseTerm(std::string_view text);

// The lowercase code point for cp under the rules above.
uint32_t LowercaseCodePoint(uint32_t cp);

bool IsWordCodePoint(uint32_t cp);

// Calls fn with each word of text, lowercased; the view is valid only during the call.
void ForEachWord(std::string_view text, const std::function<void(std::string_view)>& fn);

}  // namespace rankflow
