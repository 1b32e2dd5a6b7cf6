// Unique keys (see unique_key.h).
#include "runtime/unique_key.h"

#include "runtime/status.h"

namespace rankflow {

void AppendEscapedKey(std::string* out, std::string_view key, bool descending) {
  const char flip = descending ? static_cast<char>(0xff) : 0;
  out->reserve(out->size() + key.size() + 2);
  for (char c : key) {
    out->push_back(static_cast<char>(c ^ flip));
    if (c == 0) out->push_back(static_cast<char>(0xff ^ flip));
  }
  out->push_back(flip);
  out->push_back(static_cast<char>(0x01 ^ flip));
}

size_t ParseEscapedKey(std::string_view in, bool descending, std::string* key) {
  const unsigned char flip = descending ? 0xff : 0;
  key->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    const auto c = static_cast<unsigned char>(in[i] ^ flip);
    if (c != 0) {
      key->push_back(static_cast<char>(c));
      continue;
    }
    if (i + 1 == in.size()) return 0;
    const auto next = static_cast<unsigned char>(in[++i] ^ flip);
    if (next == 0x01) return i + 1;
    if (next != 0xff) return 0;
    key->push_back('\0');
  }
  return 0;
}

void AppendTieBreak(std::string* out, uint32_t rank, uint64_t seq) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((rank >> (8 * i)) & 0xff));
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((seq >> (8 * i)) & 0xff));
}

void CombineNever(std::string*, std::string_view) {
  RF_CHECK_MSG(false, "two records with one unique key (a tie-break was reused)");
}

}  // namespace rankflow
