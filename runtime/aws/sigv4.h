// AWS Signature Version 4 (HMAC-SHA256 on OpenSSL): the Authorization-header flow and presigned
// URLs (X-Amz-* query). Pure functions, thread-safe, no I/O.
//
// A request is described with its *decoded* path and query; the signer encodes them:
//   S3 (SigningParams::ForS3): the path is not normalized and each segment is URI-encoded once,
//     which is also what goes on the wire (BuildWirePath), so canonical URI == wire path.
//   Other services (ec2, sts, …: ForService): '.'/'..' and repeated '/' are normalized, and the
//     canonical URI is the wire path encoded a second time ("double encoding").
// EC2's Query API is just a POST with an application/x-www-form-urlencoded body (FormEncode) and
// service "ec2".
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/aws/credentials.h"

namespace rankflow::aws {

using KeyValues = std::vector<std::pair<std::string, std::string>>;

// "UNSIGNED-PAYLOAD": the payload hash S3 accepts for presigned URLs and streamed bodies.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// SHA-256 of the empty string, hex.
inline constexpr std::string_view kEmptySha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct SignableRequest {
  std::string method;  // "GET", "PUT", "POST", …
  std::string host;  // the Host header exactly as sent: "bucket.s3.amazonaws.com", "127.0.0.1:5000"
  std::string path;  // decoded: "/bucket/a b/c+d" (must start with '/')
  KeyValues query;   // decoded names and values, any order, duplicates allowed
  KeyValues headers;  // extra headers to sign and send (any case); Host is added by the signer
};

struct SigningParams {
  std::string region;   // "us-east-1"
  std::string service;  // "s3", "ec2"
  std::chrono::system_clock::time_point time;
  bool normalize_path = true;  // S3: false
  bool double_encode = true;   // S3: false
  // Hex SHA-256 of the body, or kUnsignedPayload. Empty means "hash of the empty body".
  std::string payload_sha256;
  // Adds (and signs) x-amz-content-sha256: <payload_sha256>. S3 requires it on every header-signed
  // request. Not used by Presign (the hash goes into the canonical request only).
  bool add_content_sha256_header = false;
  // False: X-Amz-Security-Token is added after signing and left out of the signature (rare
  // services want that); true signs it like AWS SDKs do.
  bool sign_session_token = true;
  int64_t expires_s = 3600;  // presigned URLs only (1 … 604800)

  // S3 rules: no normalization, single encoding, x-amz-content-sha256 header.
  static SigningParams ForS3(std::string region, std::chrono::system_clock::time_point time,
                             std::string payload_sha256);
  // Rules of every other service (normalize, double-encode).
  static SigningParams ForService(std::string service, std::string region,
                                  std::chrono::system_clock::time_point time);
};

// What signing produced. The intermediate strings are exposed for tests; they hold no secret
// (the secret key only enters the HMAC chain).
struct SignedRequest {
  std::string canonical_request;
  std::string string_to_sign;
  std::string signature;  // 64 hex digits
  // Header flow: the headers to send in addition to SignableRequest::headers (Host, X-Amz-Date,
  // X-Amz-Security-Token, x-amz-content-sha256, Authorization).
  KeyValues headers;
  // Presign flow: the full query to send (the request's own parameters plus X-Amz-*, signature
  // last).
  KeyValues query;
  // Presign flow: "scheme://host/path?query" when built with PresignUrl; otherwise empty.
  std::string url;
};

// Signs with an Authorization header.
SignedRequest SignHeaders(const SignableRequest& req, const Credentials& creds,
                          const SigningParams& params);
// Signs into the query string (presigned URL). Headers in req.headers are signed too (the client
// must then send them); usually only Host is.
SignedRequest Presign(const SignableRequest& req, const Credentials& creds,
                      const SigningParams& params);
// A presigned URL, e.g. for `curl` on a cluster node: "http(s)://host/path?X-Amz-…".
std::string PresignUrl(const std::string& scheme, const SignableRequest& req,
                       const Credentials& creds, const SigningParams& params);

// --- building blocks (exposed for tests and for other clients) ---

// RFC 3986 encoding as SigV4 wants it: unreserved A-Z a-z 0-9 - _ . ~ kept, everything else %XX
// (upper-case hex); '/' kept only if keep_slash.
std::string UriEncode(std::string_view s, bool keep_slash);
// Decodes %XX (and nothing else: '+' stays '+'). Malformed escapes are kept literally.
std::string UriDecode(std::string_view s);
// The path as sent on the wire: each segment UriEncode'd, '/' kept, nothing normalized.
std::string BuildWirePath(std::string_view decoded_path);
// The canonical URI of a decoded path under the given rules.
std::string CanonicalUri(std::string_view decoded_path, bool normalize, bool double_encode);
// "a=1&b=2": encoded names and values, sorted by encoded name then value.
std::string CanonicalQuery(const KeyValues& decoded_query);
// The query as sent on the wire (same encoding as CanonicalQuery, in the given order).
std::string BuildWireQuery(const KeyValues& decoded_query);
// application/x-www-form-urlencoded body with SigV4's encoding ("Action=RunInstances&…").
std::string FormEncode(const KeyValues& params);
// Parses "a=1&b=%20" into decoded pairs (for tests and for parsing URLs).
KeyValues ParseQuery(std::string_view query);

std::string Sha256Hex(std::string_view data);
// Raw 32-byte HMAC-SHA256.
std::string HmacSha256(std::string_view key, std::string_view data);
std::string HexEncode(std::string_view bytes);
// "20150830T123600Z" and "20150830".
std::string AmzDate(std::chrono::system_clock::time_point t);
std::string AmzDateStamp(std::chrono::system_clock::time_point t);

}  // namespace rankflow::aws
