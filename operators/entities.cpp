// twitter-text extraction rules written as ICU regular expressions (Java-compatible syntax, so the
// rules read as in the reference implementation's documentation). ICU works in UTF-16; indices
// are converted to code points at the end.
#include "operators/entities.h"

#include <unicode/idna.h>
#include <unicode/regex.h>
#include <unicode/unistr.h>

#include <algorithm>
#include <string>
#include <utility>

#include "operators/embedded_data.h"
#include "runtime/status.h"

namespace rankflow {
namespace {

// Character classes (bodies of [...]).
constexpr const char* kSpaces =
    "\\u0009-\\u000d\\u0020\\u0085\\u00a0\\u1680\\u180e\\u2000-\\u200a\\u2028\\u2029\\u202f"
    "\\u205f\\u3000";
constexpr const char* kDirectional = "\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069";
constexpr const char* kInvalidChars = "\\ufffe\\ufeff\\uffff";
constexpr const char* kLatinAccents =
    "\\u00c0-\\u00d6\\u00d8-\\u00f6\\u00f8-\\u00ff\\u0100-\\u024f\\u0253\\u0254\\u0256\\u0257"
    "\\u0259\\u025b\\u0263\\u0268\\u026f\\u0272\\u0289\\u028b\\u02bb\\u0300-\\u036f"
    "\\u1e00-\\u1eff";
constexpr const char* kCyrillic = "\\u0400-\\u04ff";
constexpr const char* kAtSigns = "@\\uff20";
constexpr const char* kHashtagLetters = "\\p{L}\\p{M}";
constexpr const char* kHashtagNumerals = "\\p{Nd}";
constexpr const char* kHashtagSpecial =
    "_\\u200c\\u200d\\ua67e\\u05be\\u05f3\\u05f4\\uff5e\\u301c\\u309b\\u309c\\u30a0\\u30fb"
    "\\u3003\\u0f0b\\u0f0c\\u00b7";
// ASCII punctuation (Java's \p{Punct}) and ASCII white space (Java's \s).
constexpr const char* kAsciiPunct = "!-/:-@\\[-`{-~";
constexpr const char* kAsciiSpace = " \\t\\n\\u000b\\f\\r";

constexpr int kMaxTcoSlug = 40;
constexpr int kMaxUrlLength = 4096;
constexpr int kDefaultProtocolLength = 8;  // "https://" assumed when a URL has none

std::string S(const char* s) { return std::string(s); }

// The TLD alternation from tld_lib.yml: "country:" and "generic:" lists of "- name" lines,
// longest first so that the alternation prefers the longest TLD.
void LoadTlds(std::vector<std::string>* country, std::vector<std::string>* generic) {
  std::string_view data = EmbeddedTldLib();
  std::vector<std::string>* current = nullptr;
  while (!data.empty()) {
    const size_t nl = data.find('\n');
    std::string_view line = data.substr(0, nl);
    data = nl == std::string_view::npos ? std::string_view() : data.substr(nl + 1);
    if (line == "country:") current = country;
    if (line == "generic:") current = generic;
    if (current != nullptr && line.size() > 2 && line.substr(0, 2) == "- ") {
      current->emplace_back(line.substr(2));
    }
  }
  for (auto* list : {country, generic}) {
    std::stable_sort(list->begin(), list->end(), [](const std::string& a, const std::string& b) {
      return a.size() > b.size();
    });
  }
}

std::string Alternation(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& item : items) {
    if (!out.empty()) out.push_back('|');
    for (char c : item) {
      // TLDs are letters, digits, '-' and non-ASCII letters; escape anything else defensively.
      const unsigned char u = static_cast<unsigned char>(c);
      if (u < 0x80 && !std::isalnum(u) && c != '-') out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

std::string UrlPattern() {
  std::vector<std::string> country, generic;
  LoadTlds(&country, &generic);
  const std::string tld_end = "(?=[^a-z0-9@+\\-]|$)";
  const std::string gtld = "(?:(?:" + Alternation(generic) + ")" + tld_end + ")";
  const std::string cctld = "(?:(?:" + Alternation(country) + ")" + tld_end + ")";
  const std::string punycode = "(?:xn--[\\-0-9a-z]+)";
  const std::string preceding =
      "(?:[^a-z0-9@\\uff20$#\\uff03" + S(kInvalidChars) + "]|[" + S(kDirectional) + "]|^)";
  const std::string valid_chars = "[a-z0-9" + S(kLatinAccents) + "]";
  const std::string valid_chars_body = "a-z0-9" + S(kLatinAccents);
  const std::string subdomain =
      "(?>(?:" + valid_chars + "[" + valid_chars_body + "\\-_]{0,255})?" + valid_chars + "\\.)";
  const std::string domain_name =
      "(?:(?:" + valid_chars + "[" + valid_chars_body + "\\-]{0,255})?" + valid_chars + "\\.)";
  const std::string punct = "\\-_!\"#$%&'()*+,./:;<=>?@\\[\\]^`{|}~";
  const std::string unicode_char = "[^" + punct + "\\s\\p{Z}\\u2000-\\u206f]";
  const std::string unicode_domain_name =
      "(?:(?:" + unicode_char + "(?:" + unicode_char + "|\\-){0,255})?" + unicode_char + "\\.)";
  const std::string domain = "(?:" + subdomain + "*" + domain_name + "(?:" + gtld + "|" + cctld +
                             "|" + punycode + "))" + "|(?:(?<=https?://)(?:(?:" + domain_name +
                             cctld + ")|(?:" + unicode_domain_name + "(?:" + gtld + "|" + cctld +
                             "))))" + "|(?:" + domain_name + cctld + "(?=/))";
  const std::string path_chars =
      "[a-z0-9!\\*';:=\\+,.\\$/%#\\[\\]\\-\\u2013_~\\|&@" + S(kLatinAccents) + S(kCyrillic) + "]";
  const std::string balanced_parens = "\\((?:" + path_chars + "+|(?:" + path_chars + "*\\(" +
                                      path_chars + "+\\)" + path_chars + "*))\\)";
  const std::string path_ending =
      "[a-z0-9=_#/\\-\\+" + S(kLatinAccents) + S(kCyrillic) + "]|(?:" + balanced_parens + ")";
  const std::string path = "(?:(?:" + path_chars + "*(?:" + balanced_parens + path_chars + "*)*" +
                           path_ending + ")|(?:@" + path_chars + "+/))";
  const std::string query_chars = "[a-z0-9!?\\*'\\(\\);:&=\\+\\$/%#\\[\\]\\-_\\.,~\\|@]";
  const std::string query_ending = "[a-z0-9\\-_&=#/]";
  // Groups: 1 preceding character, 2 URL, 3 protocol, 4 domain, 5 port, 6 path, 7 query.
  return "(" + preceding + ")((https?://)?(" + domain + ")(?::([0-9]++))?(/" + path + "*+)?(\\?" +
         query_chars + "*" + query_ending + ")?)";
}

std::string HashtagPattern() {
  const std::string letters = S(kHashtagLetters);
  const std::string all = letters + kHashtagNumerals + kHashtagSpecial;
  return "(^|\\ufe0e|\\ufe0f|[^&" + all + "])([#\\uff03])(?!\\ufe0f|\\u20e3)([" + all + "]*[" +
         letters + "][" + all + "]*)";
}

std::string MentionPattern() {
  return "([^a-z0-9_!#$%&*" + S(kAtSigns) + "]|^|(?:^|[^a-z0-9_+~.\\-])rt:?)([" + S(kAtSigns) +
         "]+)([a-z0-9_]{1,20})(/[a-z][a-z0-9_\\-]{0,24})?";
}

std::string CashtagPattern() {
  return "(^|[" + S(kSpaces) + "]|[" + S(kDirectional) + "])(\\$)([a-z]{1,6}(?:[._][a-z]{1,2})?)" +
         "(?=$|[" + kAsciiSpace + "]|[" + kAsciiPunct + "])";
}

std::string ReplyPattern() {
  return "^(?:[" + S(kSpaces) + "]|[" + S(kDirectional) + "])*[" + S(kAtSigns) +
         "]([a-z0-9_]{1,20})";
}

std::unique_ptr<icu::RegexPattern> Compile(const std::string& pattern) {
  UErrorCode status = U_ZERO_ERROR;
  UParseError parse_error;
  std::unique_ptr<icu::RegexPattern> p(
      icu::RegexPattern::compile(icu::UnicodeString::fromUTF8(pattern), 0, parse_error, status));
  RF_CHECK_MSG(U_SUCCESS(status) && p != nullptr,
               std::string("twitter-text pattern does not compile: ") + u_errorName(status) +
                   " at offset " + std::to_string(parse_error.offset));
  return p;
}

bool IsAt(UChar32 c) { return c == '@' || c == 0xff20; }
bool IsHash(UChar32 c) { return c == '#' || c == 0xff03; }
bool IsLatinAccent(UChar32 c) {
  return (c >= 0xc0 && c <= 0xd6) || (c >= 0xd8 && c <= 0xf6) || (c >= 0xf8 && c <= 0x24f) ||
         c == 0x253 || c == 0x254 || c == 0x256 || c == 0x257 || c == 0x259 || c == 0x25b ||
         c == 0x263 || c == 0x268 || c == 0x26f || c == 0x272 || c == 0x289 || c == 0x28b ||
         c == 0x2bb || (c >= 0x300 && c <= 0x36f) || (c >= 0x1e00 && c <= 0x1eff);
}

// The text twice: as given, and with ASCII letters lowercased for matching. Patterns are written in
// lowercase and matched against `lower`, which gives Java's CASE_INSENSITIVE (ASCII only) without
// ICU's much slower full case folding; lengths are equal, so offsets apply to both and values are
// cut from `orig`.
struct Text {
  icu::UnicodeString orig;
  icu::UnicodeString lower;
};

Text ToText(std::string_view utf8) {
  Text t;
  t.orig = icu::UnicodeString::fromUTF8(
      icu::StringPiece(utf8.data(), static_cast<int32_t>(std::min<size_t>(utf8.size(), 1u << 30))));
  t.lower = t.orig;
  const int32_t n = t.lower.length();
  UChar* buf = t.lower.getBuffer(n);
  for (int32_t i = 0; i < n; ++i) {
    if (buf[i] >= u'A' && buf[i] <= u'Z') buf[i] = static_cast<UChar>(buf[i] + 32);
  }
  t.lower.releaseBuffer(n);
  return t;
}

// Group n of a match on t.lower, cut from t.orig.
icu::UnicodeString Group(icu::RegexMatcher& m, int32_t n, const Text& t, UErrorCode& status) {
  const int32_t start = m.start(n, status);
  const int32_t end = m.end(n, status);
  if (U_FAILURE(status) || start < 0) return icu::UnicodeString();
  return icu::UnicodeString(t.orig, start, end - start);
}

bool FollowedByScheme(const icu::UnicodeString& text, int32_t pos) {
  return text.length() >= pos + 3 && text[pos] == ':' && text[pos + 1] == '/' &&
         text[pos + 2] == '/';
}

std::string Utf8(const icu::UnicodeString& s) {
  std::string out;
  s.toUTF8String(out);
  return out;
}

void RemoveOverlaps(std::vector<Entity>* entities) {
  std::stable_sort(entities->begin(), entities->end(),
                   [](const Entity& a, const Entity& b) { return a.start < b.start; });
  std::vector<Entity> kept;
  for (Entity& e : *entities) {
    if (!kept.empty() && e.start < kept.back().end) continue;
    kept.push_back(std::move(e));
  }
  *entities = std::move(kept);
}

// Calls on_match(matcher, status) for each match of `pattern` in t.lower, in order; nothing when
// ICU cannot make the matcher. The loop every entity kind runs.
template <typename OnMatch>
void ForEachMatch(const icu::RegexPattern& pattern, const Text& t, OnMatch on_match) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::RegexMatcher> m(pattern.matcher(t.lower, status));
  if (U_FAILURE(status)) return;
  while (m->find(status) && U_SUCCESS(status)) on_match(*m, status);
}

}  // namespace

class EntityExtractor::Impl {
 public:
  Impl()
      : url_(Compile(UrlPattern())),
        hashtag_(Compile(HashtagPattern())),
        mention_(Compile(MentionPattern())),
        cashtag_(Compile(CashtagPattern())),
        reply_(Compile(ReplyPattern())),
        tco_(Compile("^https?://t\\.co/([a-z0-9]+)(?:\\?[a-z0-9!?\\*'\\(\\);:&=\\+\\$/%#\\[\\]\\-_"
                     "\\.,~\\|@]*[a-z0-9\\-_&=#/])?")) {
    UErrorCode status = U_ZERO_ERROR;
    idna_.reset(icu::IDNA::createUTS46Instance(UIDNA_DEFAULT, status));
    RF_CHECK_MSG(U_SUCCESS(status), "icu idna does not start");
  }

  std::vector<Entity> Urls(const Text& t) {
    const icu::UnicodeString& text = t.orig;
    std::vector<Entity> out;
    if (text.indexOf(u'.') < 0) return out;
    ForEachMatch(*url_, t, [&](icu::RegexMatcher& m, UErrorCode& status) {
      const int32_t proto_start = m.start(3, status);
      const bool has_protocol = proto_start >= 0;
      if (!has_protocol) {
        icu::UnicodeString before = Group(m, 1, t, status);
        if (before.length() > 0) {
          const UChar c = before[before.length() - 1];
          if (c == '-' || c == '_' || c == '.' || c == '/') return;
        }
      }
      icu::UnicodeString url = Group(m, 2, t, status);
      const int32_t start = m.start(2, status);
      int32_t end = m.end(2, status);
      const icu::UnicodeString url_lower(t.lower, start, end - start);
      std::unique_ptr<icu::RegexMatcher> tco(tco_->matcher(url_lower, status));
      if (U_SUCCESS(status) && tco->find(status)) {
        if (tco->group(1, status).countChar32() > kMaxTcoSlug) return;
        end = start + tco->end(status);
        url = icu::UnicodeString(text, start, end - start);
      }
      const icu::UnicodeString host = Group(m, 4, t, status);
      if (U_FAILURE(status) || !ValidHostAndLength(url.length(), has_protocol, host)) return;
      out.push_back(MakeEntity(text, EntityType::kUrl, Utf8(url), start, end));
    });
    return out;
  }

  std::vector<Entity> Hashtags(const Text& t, bool check_url_overlap) {
    const icu::UnicodeString& text = t.orig;
    std::vector<Entity> out;
    if (text.indexOf(u'#') < 0 && text.indexOf(u'\uff03') < 0) return out;
    ForEachMatch(*hashtag_, t, [&](icu::RegexMatcher& m, UErrorCode& status) {
      const int32_t end = m.end(3, status);
      if (end < text.length() && (IsHash(text.char32At(end)) || FollowedByScheme(text, end))) {
        return;
      }
      const int32_t start = m.start(3, status) - 1;
      out.push_back(
          MakeEntity(text, EntityType::kHashtag, Utf8(Group(m, 3, t, status)), start, end));
    });
    if (check_url_overlap && !out.empty()) {
      std::vector<Entity> urls = Urls(t);
      if (!urls.empty()) {
        std::vector<Entity> all = out;
        all.insert(all.end(), urls.begin(), urls.end());
        RemoveOverlaps(&all);
        out.clear();
        for (Entity& e : all) {
          if (e.type == EntityType::kHashtag) out.push_back(std::move(e));
        }
      }
    }
    return out;
  }

  std::vector<Entity> Cashtags(const Text& t) {
    const icu::UnicodeString& text = t.orig;
    std::vector<Entity> out;
    if (text.indexOf(u'$') < 0) return out;
    ForEachMatch(*cashtag_, t, [&](icu::RegexMatcher& m, UErrorCode& status) {
      const int32_t start = m.start(3, status) - 1;
      const int32_t end = m.end(3, status);
      out.push_back(
          MakeEntity(text, EntityType::kCashtag, Utf8(Group(m, 3, t, status)), start, end));
    });
    return out;
  }

  std::vector<Entity> MentionsOrLists(const Text& t) {
    const icu::UnicodeString& text = t.orig;
    std::vector<Entity> out;
    if (text.indexOf(u'@') < 0 && text.indexOf(u'\uff20') < 0) return out;
    ForEachMatch(*mention_, t, [&](icu::RegexMatcher& m, UErrorCode& status) {
      const int32_t end = m.end(status);
      if (end < text.length()) {
        const UChar32 next = text.char32At(end);
        if (IsAt(next) || IsLatinAccent(next) || FollowedByScheme(text, end)) return;
      }
      const int32_t start = m.start(3, status) - 1;
      Entity e = MakeEntity(text, EntityType::kMention, Utf8(Group(m, 3, t, status)), start, end);
      if (m.start(4, status) >= 0) e.list_slug = Utf8(Group(m, 4, t, status));
      out.push_back(std::move(e));
    });
    return out;
  }

  std::string Reply(const Text& t) {
    const icu::UnicodeString& text = t.orig;
    UErrorCode status = U_ZERO_ERROR;
    std::unique_ptr<icu::RegexMatcher> m(reply_->matcher(t.lower, status));
    if (U_FAILURE(status) || !m->find(status) || U_FAILURE(status)) return "";
    const int32_t end = m->end(status);
    if (end < text.length()) {
      const UChar32 next = text.char32At(end);
      if (IsAt(next) || IsLatinAccent(next) || FollowedByScheme(text, end)) return "";
    }
    return Utf8(Group(*m, 1, t, status));
  }

 private:
  // The host must convert to ASCII (punycode) with labels of at most 63 characters, and the URL
  // (with the host in ASCII and a protocol) must fit kMaxUrlLength.
  bool ValidHostAndLength(int32_t url_length, bool has_protocol, const icu::UnicodeString& host) {
    if (host.isEmpty()) return false;
    UErrorCode status = U_ZERO_ERROR;
    icu::IDNAInfo info;
    icu::UnicodeString ascii;
    idna_->nameToASCII(host, ascii, info, status);
    constexpr uint32_t kFatal = UIDNA_ERROR_LABEL_TOO_LONG | UIDNA_ERROR_DOMAIN_NAME_TOO_LONG |
                                UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_PUNYCODE;
    if (U_FAILURE(status) || (info.getErrors() & kFatal) != 0 || ascii.isEmpty()) return false;
    const int32_t length =
        url_length + ascii.length() - host.length() + (has_protocol ? 0 : kDefaultProtocolLength);
    return length <= kMaxUrlLength;
  }

  static Entity MakeEntity(const icu::UnicodeString& text, EntityType type, std::string value,
                           int32_t start16, int32_t end16) {
    Entity e;
    e.type = type;
    e.value = std::move(value);
    e.start = text.countChar32(0, start16);
    e.end = e.start + text.countChar32(start16, end16 - start16);
    return e;
  }

  std::unique_ptr<icu::RegexPattern> url_, hashtag_, mention_, cashtag_, reply_, tco_;
  std::unique_ptr<icu::IDNA> idna_;
};

EntityExtractor::EntityExtractor() : impl_(std::make_unique<Impl>()) {}
EntityExtractor::~EntityExtractor() = default;

std::vector<Entity> EntityExtractor::Urls(std::string_view text) {
  return impl_->Urls(ToText(text));
}
std::vector<Entity> EntityExtractor::Hashtags(std::string_view text) {
  return impl_->Hashtags(ToText(text), true);
}
std::vector<Entity> EntityExtractor::Cashtags(std::string_view text) {
  return impl_->Cashtags(ToText(text));
}
std::vector<Entity> EntityExtractor::MentionsOrLists(std::string_view text) {
  return impl_->MentionsOrLists(ToText(text));
}
std::vector<Entity> EntityExtractor::Mentions(std::string_view text) {
  std::vector<Entity> out;
  for (Entity& e : impl_->MentionsOrLists(ToText(text))) {
    if (e.list_slug.empty()) out.push_back(std::move(e));
  }
  return out;
}
std::string EntityExtractor::ReplyScreenName(std::string_view text) {
  return impl_->Reply(ToText(text));
}
std::vector<Entity> EntityExtractor::All(std::string_view text) {
  const Text u = ToText(text);
  std::vector<Entity> all = impl_->Urls(u);
  for (auto&& part : {impl_->Hashtags(u, false), impl_->MentionsOrLists(u), impl_->Cashtags(u)}) {
    all.insert(all.end(), part.begin(), part.end());
  }
  RemoveOverlaps(&all);
  return all;
}

std::vector<Entity> ExtractEntities(std::string_view text) {
  thread_local EntityExtractor extractor;
  return extractor.All(text);
}

}  // namespace rankflow
