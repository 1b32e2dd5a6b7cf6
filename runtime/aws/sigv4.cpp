#include "runtime/aws/sigv4.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <algorithm>
#include <cctype>
#include <ctime>

namespace rankflow::aws {
namespace {

constexpr char kAlgorithm[] = "AWS4-HMAC-SHA256";

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

// Trims and collapses runs of whitespace (folded multi-line values included) to one space.
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool pending_space = false;
  for (char c : v) {
    if (IsSpace(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

// Removes '.' and empty segments and resolves '..' (RFC 3986 remove_dot_segments, plus collapsing
// repeated '/'). Like botocore, a trailing slash is kept only when the path ends in '/' and
// something is left: "/a/b/.." -> "/a", "/a/b/" -> "/a/b/", "/./" -> "/".
std::string NormalizePath(std::string_view path) {
  std::vector<std::string_view> segments;
  size_t pos = 0;
  while (pos <= path.size()) {
    size_t next = path.find('/', pos);
    if (next == std::string_view::npos) next = path.size();
    std::string_view seg = path.substr(pos, next - pos);
    if (seg == "..") {
      if (!segments.empty()) segments.pop_back();
    } else if (!seg.empty() && seg != ".") {
      segments.push_back(seg);
    }
    pos = next + 1;
  }
  std::string out;
  for (std::string_view seg : segments) {
    out.push_back('/');
    out.append(seg);
  }
  if (out.empty() || path.back() == '/') out.push_back('/');
  return out;
}

struct CanonicalHeaders {
  std::string block;         // "name:value\n" lines
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders BuildCanonicalHeaders(const KeyValues& headers) {
  std::vector<std::pair<std::string, std::string>> lowered;
  lowered.reserve(headers.size());
  for (const auto& [name, value] : headers) {
    lowered.emplace_back(ToLower(name), CanonicalHeaderValue(value));
  }
  // Stable: duplicates keep their order, joined by ','.
  std::stable_sort(lowered.begin(), lowered.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (size_t i = 0; i < lowered.size();) {
    const std::string& name = lowered[i].first;
    std::string value = lowered[i].second;
    size_t j = i + 1;
    for (; j < lowered.size() && lowered[j].first == name; ++j) value += "," + lowered[j].second;
    out.block += name + ":" + value + "\n";
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += name;
    i = j;
  }
  return out;
}

bool HasHeader(const KeyValues& headers, std::string_view lower_name) {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const auto& h) { return ToLower(h.first) == lower_name; });
}

std::string Scope(const SigningParams& p) {
  return AmzDateStamp(p.time) + "/" + p.region + "/" + p.service + "/aws4_request";
}

std::string PayloadHash(const SigningParams& p) {
  return p.payload_sha256.empty() ? std::string(kEmptySha256) : p.payload_sha256;
}

std::string CanonicalRequest(const SignableRequest& req, const KeyValues& query,
                             const CanonicalHeaders& headers, const SigningParams& p) {
  return req.method + "\n" + CanonicalUri(req.path, p.normalize_path, p.double_encode) + "\n" +
         CanonicalQuery(query) + "\n" + headers.block + "\n" + headers.signed_names + "\n" +
         PayloadHash(p);
}

void Finish(const std::string& canonical, const Credentials& creds, const SigningParams& p,
            SignedRequest* out) {
  out->canonical_request = canonical;
  out->string_to_sign = std::string(kAlgorithm) + "\n" + AmzDate(p.time) + "\n" + Scope(p) + "\n" +
                        Sha256Hex(canonical);
  std::string key = HmacSha256("AWS4" + creds.secret_access_key, AmzDateStamp(p.time));
  key = HmacSha256(key, p.region);
  key = HmacSha256(key, p.service);
  key = HmacSha256(key, "aws4_request");
  out->signature = HexEncode(HmacSha256(key, out->string_to_sign));
}

}  // namespace

SigningParams SigningParams::ForS3(std::string region, std::chrono::system_clock::time_point time,
                                   std::string payload_sha256) {
  SigningParams p;
  p.region = std::move(region);
  p.service = "s3";
  p.time = time;
  p.normalize_path = false;
  p.double_encode = false;
  p.payload_sha256 = std::move(payload_sha256);
  p.add_content_sha256_header = true;
  return p;
}

SigningParams SigningParams::ForService(std::string service, std::string region,
                                        std::chrono::system_clock::time_point time) {
  SigningParams p;
  p.region = std::move(region);
  p.service = std::move(service);
  p.time = time;
  return p;
}

SignedRequest SignHeaders(const SignableRequest& req, const Credentials& creds,
                          const SigningParams& p) {
  KeyValues headers = req.headers;
  if (!HasHeader(headers, "host")) headers.emplace_back("Host", req.host);
  headers.emplace_back("X-Amz-Date", AmzDate(p.time));
  if (p.add_content_sha256_header) headers.emplace_back("x-amz-content-sha256", PayloadHash(p));
  const bool token = !creds.session_token.empty();
  if (token && p.sign_session_token)
    headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  CanonicalHeaders canonical = BuildCanonicalHeaders(headers);
  SignedRequest out;
  Finish(CanonicalRequest(req, req.query, canonical, p), creds, p, &out);
  if (token && !p.sign_session_token)
    headers.emplace_back("X-Amz-Security-Token", creds.session_token);
  headers.emplace_back("Authorization", std::string(kAlgorithm) +
                                            " Credential=" + creds.access_key_id + "/" + Scope(p) +
                                            ", SignedHeaders=" + canonical.signed_names +
                                            ", Signature=" + out.signature);
  // Only what the signer added: the caller sends req.headers itself.
  out.headers.assign(headers.begin() + static_cast<std::ptrdiff_t>(req.headers.size()),
                     headers.end());
  return out;
}

SignedRequest Presign(const SignableRequest& req, const Credentials& creds,
                      const SigningParams& p) {
  KeyValues headers = req.headers;
  if (!HasHeader(headers, "host")) headers.emplace_back("Host", req.host);
  CanonicalHeaders canonical = BuildCanonicalHeaders(headers);
  KeyValues query = req.query;
  query.emplace_back("X-Amz-Algorithm", kAlgorithm);
  query.emplace_back("X-Amz-Credential", creds.access_key_id + "/" + Scope(p));
  query.emplace_back("X-Amz-Date", AmzDate(p.time));
  query.emplace_back("X-Amz-Expires", std::to_string(p.expires_s));
  query.emplace_back("X-Amz-SignedHeaders", canonical.signed_names);
  const bool token = !creds.session_token.empty();
  if (token && p.sign_session_token)
    query.emplace_back("X-Amz-Security-Token", creds.session_token);
  SignedRequest out;
  Finish(CanonicalRequest(req, query, canonical, p), creds, p, &out);
  if (token && !p.sign_session_token)
    query.emplace_back("X-Amz-Security-Token", creds.session_token);
  query.emplace_back("X-Amz-Signature", out.signature);
  out.query = std::move(query);
  return out;
}

std::string PresignUrl(const std::string& scheme, const SignableRequest& req,
                       const Credentials& creds, const SigningParams& params) {
  SignedRequest s = Presign(req, creds, params);
  return scheme + "://" + req.host + BuildWirePath(req.path) + "?" + BuildWireQuery(s.query);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size() * 3 / 2);
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out.push_back(ch);
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = HexValue(s[i + 1]);
      int lo = HexValue(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out.push_back(static_cast<char>(hi * 16 + lo));
        i += 2;
        continue;
      }
    }
    out.push_back(s[i]);
  }
  return out;
}

std::string BuildWirePath(std::string_view decoded_path) { return UriEncode(decoded_path, true); }

std::string CanonicalUri(std::string_view decoded_path, bool normalize, bool double_encode) {
  std::string path = normalize ? NormalizePath(decoded_path) : std::string(decoded_path);
  if (path.empty()) path = "/";
  std::string encoded = UriEncode(path, true);
  return double_encode ? UriEncode(encoded, true) : encoded;
}

std::string CanonicalQuery(const KeyValues& decoded_query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(decoded_query.size());
  for (const auto& [k, v] : decoded_query)
    encoded.emplace_back(UriEncode(k, false), UriEncode(v, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k + "=" + v;
  }
  return out;
}

std::string BuildWireQuery(const KeyValues& decoded_query) {
  std::string out;
  for (const auto& [k, v] : decoded_query) {
    if (!out.empty()) out.push_back('&');
    out += UriEncode(k, false) + "=" + UriEncode(v, false);
  }
  return out;
}

std::string FormEncode(const KeyValues& params) { return BuildWireQuery(params); }

KeyValues ParseQuery(std::string_view query) {
  KeyValues out;
  size_t pos = 0;
  while (pos < query.size()) {
    size_t amp = query.find('&', pos);
    if (amp == std::string_view::npos) amp = query.size();
    std::string_view item = query.substr(pos, amp - pos);
    if (!item.empty()) {
      size_t eq = item.find('=');
      if (eq == std::string_view::npos) {
        out.emplace_back(UriDecode(item), "");
      } else {
        out.emplace_back(UriDecode(item.substr(0, eq)), UriDecode(item.substr(eq + 1)));
      }
    }
    pos = amp + 1;
  }
  return out;
}

std::string Sha256Hex(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(md), len));
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), md, &len);
  return std::string(reinterpret_cast<const char*>(md), len);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char ch : bytes) {
    auto c = static_cast<unsigned char>(ch);
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  return out;
}

namespace {
std::string FormatUtc(std::chrono::system_clock::time_point t, const char* format) {
  std::time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  size_t n = std::strftime(buf, sizeof(buf), format, &tm);
  return std::string(buf, n);
}
}  // namespace

std::string AmzDate(std::chrono::system_clock::time_point t) {
  return FormatUtc(t, "%Y%m%dT%H%M%SZ");
}
std::string AmzDateStamp(std::chrono::system_clock::time_point t) { return FormatUtc(t, "%Y%m%d"); }

}  // namespace rankflow::aws
