// Runs every case of AWS's SigV4 test suite (tests/data/aws-sigv4, both layouts) through the
// signer, comparing canonical request, string to sign and signature, for the Authorization-header
// flow and (v4 layout) the presigned-URL flow; plus AWS's documented S3 GetObject example.
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <algorithm>
#include <filesystem>

#include "runtime/aws/credentials.h"
#include "runtime/aws/sigv4.h"
#include "tests/util/test_util.h"

namespace rankflow::aws {
namespace {

namespace fs = std::filesystem;
using rankflow::testing::ReadFile;
using rankflow::testing::SourcePath;

constexpr char kKeyId[] = "AKIDEXAMPLE";
constexpr char kSecret[] = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";

struct ParsedRequest {
  std::string method;
  std::string path;  // as written in the vector: not percent-encoded
  KeyValues query;
  KeyValues headers;
  std::string body;
};

// Parses a vector's HTTP request. The two suites fold continuation lines differently: v4 treats
// them as part of the value (canonicalized to single spaces), classic as further values (',').
ParsedRequest ParseRequest(const std::string& text, bool continuation_is_new_value) {
  ParsedRequest r;
  size_t eol = text.find('\n');
  std::string line = text.substr(0, eol);
  size_t sp = line.find(' ');
  size_t http = line.rfind(" HTTP/");
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, http - sp - 1);
  size_t q = target.find('?');
  r.path = target.substr(0, q);
  if (q != std::string::npos) r.query = ParseQuery(target.substr(q + 1));
  size_t pos = eol == std::string::npos ? text.size() : eol + 1;
  while (pos < text.size()) {
    eol = text.find('\n', pos);
    if (eol == std::string::npos) eol = text.size();
    line = text.substr(pos, eol - pos);
    pos = eol + 1;
    if (line.empty()) {
      r.body = pos < text.size() ? text.substr(pos) : "";
      break;
    }
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      if (continuation_is_new_value) {
        r.headers.emplace_back(r.headers.back().first, line);
      } else {
        r.headers.back().second += "\n" + line;
      }
      continue;
    }
    size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  return r;
}

// "2015-08-30T12:36:00Z" as a time point (the parser credentials use for Expiration).
std::chrono::system_clock::time_point Time(const char* iso8601) {
  return ParseIso8601(iso8601).value();
}

std::string HostOf(const KeyValues& headers) {
  for (const auto& [k, v] : headers) {
    std::string lower = k;
    std::transform(lower.begin(), lower.end(), lower.begin(), ::tolower);
    if (lower == "host") return v;
  }
  return "";
}

SignableRequest ToSignable(const ParsedRequest& p) {
  SignableRequest s;
  s.method = p.method;
  s.host = HostOf(p.headers);
  s.path = p.path;
  s.query = p.query;
  s.headers = p.headers;
  return s;
}

TEST(SigV4Vectors, AwsCAuthSuiteHeaderAndQueryFlows) {
  const fs::path root = SourcePath("tests/data/aws-sigv4/v4");
  int cases = 0;
  int header_passed = 0;
  int query_passed = 0;
  for (const auto& entry : fs::directory_iterator(root)) {
    const fs::path dir = entry.path();
    const std::string name = dir.filename().string();
    SCOPED_TRACE(name);
    ++cases;
    rapidjson::Document ctx;
    std::string ctx_text = ReadFile((dir / "context.json").string());
    ctx.Parse(ctx_text.c_str());
    ASSERT_TRUE(ctx.IsObject());
    Credentials creds;
    creds.access_key_id = ctx["credentials"]["access_key_id"].GetString();
    creds.secret_access_key = ctx["credentials"]["secret_access_key"].GetString();
    if (ctx["credentials"].HasMember("token")) {
      creds.session_token = ctx["credentials"]["token"].GetString();
    }
    ASSERT_EQ(std::string(ctx["timestamp"].GetString()), "2015-08-30T12:36:00Z");
    ParsedRequest req = ParseRequest(ReadFile((dir / "request.txt").string()), false);
    SigningParams params = SigningParams::ForService(
        ctx["service"].GetString(), ctx["region"].GetString(), Time("2015-08-30T12:36:00Z"));
    params.normalize_path = ctx["normalize"].GetBool();
    // The vectors write paths unencoded on the request line and expect one encoding.
    params.double_encode = false;
    params.payload_sha256 = Sha256Hex(req.body);
    params.add_content_sha256_header = ctx["sign_body"].GetBool();
    params.sign_session_token =
        !(ctx.HasMember("omit_session_token") && ctx["omit_session_token"].GetBool());
    params.expires_s = ctx["expiration_in_seconds"].GetInt64();

    SignedRequest h = SignHeaders(ToSignable(req), creds, params);
    EXPECT_EQ(h.canonical_request, ReadFile((dir / "header-canonical-request.txt").string()));
    EXPECT_EQ(h.string_to_sign, ReadFile((dir / "header-string-to-sign.txt").string()));
    EXPECT_EQ(h.signature, ReadFile((dir / "header-signature.txt").string()));
    std::string authz;
    for (const auto& [k, v] : h.headers) {
      if (k == "Authorization") authz = v;
    }
    const std::string signed_req = ReadFile((dir / "header-signed-request.txt").string());
    EXPECT_NE(signed_req.find("Authorization:" + authz + "\n"), std::string::npos);
    if (h.signature == ReadFile((dir / "header-signature.txt").string()) &&
        h.canonical_request == ReadFile((dir / "header-canonical-request.txt").string())) {
      ++header_passed;
    }

    params.add_content_sha256_header = false;
    SignedRequest p = Presign(ToSignable(req), creds, params);
    EXPECT_EQ(p.canonical_request, ReadFile((dir / "query-canonical-request.txt").string()));
    EXPECT_EQ(p.string_to_sign, ReadFile((dir / "query-string-to-sign.txt").string()));
    EXPECT_EQ(p.signature, ReadFile((dir / "query-signature.txt").string()));
    // The signed request's query carries exactly our parameters (in its own order).
    const std::string q_signed = ReadFile((dir / "query-signed-request.txt").string());
    size_t qs = q_signed.find('?');
    size_t qe = q_signed.find(" HTTP/1.1");
    ASSERT_NE(qs, std::string::npos);
    KeyValues expected_query = ParseQuery(q_signed.substr(qs + 1, qe - qs - 1));
    KeyValues got_query = p.query;
    std::sort(expected_query.begin(), expected_query.end());
    std::sort(got_query.begin(), got_query.end());
    EXPECT_EQ(got_query, expected_query);
    if (p.signature == ReadFile((dir / "query-signature.txt").string()) &&
        got_query == expected_query) {
      ++query_passed;
    }
  }
  std::printf("aws-c-auth v4 suite: %d cases, header flow %d passed, query flow %d passed\n", cases,
              header_passed, query_passed);
  EXPECT_EQ(cases, 38);
  EXPECT_EQ(header_passed, cases);
  EXPECT_EQ(query_passed, cases);
}

TEST(SigV4Vectors, ClassicSuite) {
  const fs::path root = SourcePath("tests/data/aws-sigv4/classic");
  int cases = 0;
  int passed = 0;
  for (const auto& entry : fs::recursive_directory_iterator(root)) {
    if (entry.path().extension() != ".req") continue;
    const fs::path dir = entry.path().parent_path();
    const std::string name = entry.path().stem().string();
    const std::string base = (dir / name).string();
    SCOPED_TRACE(name);
    ++cases;
    ParsedRequest req = ParseRequest(ReadFile(base + ".req"), true);
    // The .req files carry X-Amz-Date already; the signer adds its own from the time.
    std::string amz_date;
    std::erase_if(req.headers, [&](const auto& h) {
      if (h.first != "X-Amz-Date") return false;
      amz_date = h.second;
      return true;
    });
    ASSERT_EQ(amz_date, "20150830T123600Z");
    Credentials creds{kKeyId, kSecret, "", std::nullopt, "test"};
    SigningParams params =
        SigningParams::ForService("service", "us-east-1", Time("2015-08-30T12:36:00Z"));
    params.double_encode = false;
    params.payload_sha256 = Sha256Hex(req.body);
    SignedRequest h = SignHeaders(ToSignable(req), creds, params);
    EXPECT_EQ(h.canonical_request, ReadFile(base + ".creq"));
    EXPECT_EQ(h.string_to_sign, ReadFile(base + ".sts"));
    std::string authz;
    for (const auto& [k, v] : h.headers) {
      if (k == "Authorization") authz = v;
    }
    EXPECT_EQ(authz, ReadFile(base + ".authz"));
    if (authz == ReadFile(base + ".authz") && h.canonical_request == ReadFile(base + ".creq")) {
      ++passed;
    }
  }
  std::printf("classic suite: %d cases, %d passed\n", cases, passed);
  EXPECT_EQ(cases, 31);
  EXPECT_EQ(passed, cases);
}

// AWS's S3 documentation example ("GET Object", Range bytes=0-9); values listed in the vectors'
// README (not stored upstream as a file).
TEST(SigV4S3, DocumentedGetObjectExample) {
  Credentials creds{"AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "",
                    std::nullopt, "test"};
  SignableRequest req;
  req.method = "GET";
  req.host = "examplebucket.s3.amazonaws.com";
  req.path = "/test.txt";
  req.headers = {{"Range", "bytes=0-9"}};
  SigningParams params =
      SigningParams::ForS3("us-east-1", Time("2013-05-24T00:00:00Z"), std::string(kEmptySha256));
  SignedRequest s = SignHeaders(req, creds, params);
  EXPECT_EQ(Sha256Hex(s.canonical_request),
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  EXPECT_EQ(s.signature, "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4Encoding, S3EncodesOnceAndKeepsSlashes) {
  EXPECT_EQ(CanonicalUri("/b/a b//c+d=e&f%g:h,i~j", false, false),
            "/b/a%20b//c%2Bd%3De%26f%25g%3Ah%2Ci~j");
  EXPECT_EQ(BuildWirePath("/b/\xc3\xa9"), "/b/%C3%A9");
  // Other services normalize and encode the wire path a second time.
  EXPECT_EQ(CanonicalUri("/a b/./c/../d//e", true, true), "/a%2520b/d/e");
  EXPECT_EQ(UriDecode("%E1%88%B4+x%zz"), "\xe1\x88\xb4+x%zz");
  EXPECT_EQ(CanonicalQuery({{"b", "2"}, {"a", "x y"}, {"a", "1"}, {"uploads", ""}}),
            "a=1&a=x%20y&b=2&uploads=");
  EXPECT_EQ(FormEncode({{"Action", "RunInstances"}, {"TagSpecification.1.Tag.1.Value", "a b/c"}}),
            "Action=RunInstances&TagSpecification.1.Tag.1.Value=a%20b%2Fc");
}

TEST(SigV4Presign, S3UnsignedPayloadUrlCarriesTokenAndSignature) {
  Credentials creds{"AKIDEXAMPLE", kSecret, "tok/en+1", std::nullopt, "test"};
  SignableRequest req;
  req.method = "GET";
  req.host = "127.0.0.1:9000";
  req.path = "/bucket/bin/a b";
  SigningParams params = SigningParams::ForS3("us-east-1", Time("2015-08-30T12:36:00Z"),
                                              std::string(kUnsignedPayload));
  params.expires_s = 600;
  std::string url = PresignUrl("http", req, creds, params);
  EXPECT_EQ(url.rfind("http://127.0.0.1:9000/bucket/bin/a%20b?", 0), 0u) << url;
  EXPECT_NE(url.find("X-Amz-Security-Token=tok%2Fen%2B1"), std::string::npos);
  EXPECT_NE(url.find("X-Amz-Expires=600"), std::string::npos);
  EXPECT_NE(url.find("&X-Amz-Signature="), std::string::npos);
  EXPECT_EQ(url.find(kSecret), std::string::npos);
  SignedRequest s = Presign(req, creds, params);
  EXPECT_NE(s.canonical_request.find("\nUNSIGNED-PAYLOAD"), std::string::npos);
}

}  // namespace
}  // namespace rankflow::aws
