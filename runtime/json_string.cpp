#include "runtime/json_string.h"

#include <cstdint>
#include <cstring>

namespace rankflow {
namespace {

// Length of the valid UTF-8 sequence at the start of s (s[0] >= 0x80), or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s) {
  auto c = static_cast<unsigned char>(s[0]);
  size_t n = 0;
  if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
    n = 2;
  } else if ((c & 0xF0) == 0xE0) {
    n = 3;
  } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
    n = 4;
  } else {
    return 0;
  }
  if (s.size() < n) return 0;
  for (size_t i = 1; i < n; ++i) {
    if ((static_cast<unsigned char>(s[i]) & 0xC0) != 0x80) return 0;
  }
  return n;
}

// kValidate: bytes >= 0x80 are checked as UTF-8 (and stop the 8-byte skip); otherwise copied.
template <bool kValidate>
void AppendEscaped(std::string* out, std::string_view s) {
  static const char kHex[] = "0123456789abcdef";
  out->push_back('"');
  size_t run = 0;  // start of the current run of bytes copied as they are
  for (size_t i = 0; i < s.size(); ++i) {
    // Skip 8 plain bytes at a time: no byte < 0x20, no '"', no '\\' (and, validating, no byte
    // >= 0x80). Each term is the exact "has a byte less than" / "has a zero byte" test.
    while (i + 8 <= s.size()) {
      uint64_t w;
      std::memcpy(&w, s.data() + i, 8);
      constexpr uint64_t kOnes = 0x0101010101010101ull, kHigh = 0x8080808080808080ull;
      const uint64_t quote = w ^ (kOnes * '"'), slash = w ^ (kOnes * '\\');
      uint64_t special =
          (((w - kOnes * 0x20) & ~w) | ((quote - kOnes) & ~quote) | ((slash - kOnes) & ~slash)) &
          kHigh;
      if (kValidate) special |= w & kHigh;
      if (special != 0) break;
      i += 8;
    }
    if (i >= s.size()) break;
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      if (!kValidate) continue;
      const size_t n = Utf8SequenceLength(s.substr(i));
      if (n != 0) {
        i += n - 1;  // a whole valid sequence stays in the run
        continue;
      }
      out->append(s.data() + run, i - run);
      out->append("\xEF\xBF\xBD");
      run = i + 1;
      continue;
    }
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default: {
        const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, sizeof(esc));
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

}  // namespace

void AppendJsonString(std::string* out, std::string_view text) { AppendEscaped<true>(out, text); }

void AppendValidUtf8JsonString(std::string* out, std::string_view text) {
  AppendEscaped<false>(out, text);
}

}  // namespace rankflow
