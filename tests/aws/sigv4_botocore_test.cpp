// Differential test: 1,200 generated requests are signed by botocore (tests/aws/botocore_sign.py,
// through real botocore S3 and EC2 clients and SigV4Auth) and by rankflow's signer, 150 of each:
// S3 GetObject/PutObject/HeadObject/UploadPart/ListObjectsV2 with awkward keys and queries,
// presigned GETs, a normalizing double-encoding service, and EC2 form POSTs. Authorization headers
// (or the presigned query), wire paths, queries and form bodies must agree exactly.
#include <gtest/gtest.h>
#include <rapidjson/document.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include <algorithm>
#include <ctime>
#include <random>

#include "runtime/aws/sigv4.h"
#include "tests/util/test_util.h"

namespace rankflow::aws {
namespace {

using rankflow::testing::RunCommand;
using rankflow::testing::SourcePath;
using rankflow::testing::SplitLines;
using rankflow::testing::TempDir;

constexpr int kRequests = 1200;
constexpr char kHost[] = "127.0.0.1:9";

// Pieces keys are made of: every character S3 users trip over, multi-byte UTF-8 and '/' runs.
const std::vector<std::string> kPieces = {"a",
                                          "Z",
                                          "0",
                                          " ",
                                          "+",
                                          "=",
                                          "&",
                                          "%",
                                          ":",
                                          ",",
                                          "~",
                                          "/",
                                          "//",
                                          "-",
                                          "_",
                                          ".",
                                          "!",
                                          "*",
                                          "'",
                                          "(",
                                          ")",
                                          ";",
                                          "@",
                                          "$",
                                          "#",
                                          "?",
                                          "[",
                                          "]",
                                          "\xc3\xa9" /* é */,
                                          "\xe6\x97\xa5\xe6\x9c\xac" /* 日本 */,
                                          "\xc3\x9f" /* ß */,
                                          "\xf0\x9f\x98\x80" /* emoji */,
                                          "%20",
                                          "%2F",
                                          "part-00001.jsonl.gz",
                                          "tweets"};

std::string RandomText(std::mt19937_64& rng, int min_pieces, int max_pieces) {
  std::uniform_int_distribution<int> n(min_pieces, max_pieces);
  std::uniform_int_distribution<size_t> pick(0, kPieces.size() - 1);
  std::string s;
  for (int i = n(rng); i > 0; --i) s += kPieces[pick(rng)];
  return s;
}

struct Generated {
  std::string op, bucket, key, token, range, body, content_type, prefix, continuation, start_after,
      upload_id;
  int max_keys = 0;
  int part_number = 0;
};

Generated Generate(std::mt19937_64& rng, int i) {
  static const char* kOps[] = {"GetObject",  "PutObject",  "ListObjectsV2", "UploadPart",
                               "HeadObject", "PresignGet", "GenericV4",     "Ec2Form"};
  Generated g;
  g.op = kOps[i % 8];
  g.bucket = "rankflow-diff-" + std::to_string(i % 7);
  g.key = RandomText(rng, 1, 8);
  if (g.key[0] == '/') g.key = "k" + g.key;  // botocore strips nothing, but keep keys realistic
  if (g.op == "GenericV4") {
    // A path for a normalizing service: '.', '..' and '//' segments among awkward ones.
    static const char* kSegments[] = {".", "..", "", "a b", "x+y", "%41", "\xc3\xa9", "~t", "q=1"};
    g.key = "/";
    for (int n = 1 + static_cast<int>(rng() % 6); n > 0; --n) {
      g.key += kSegments[rng() % 9];
      if (n > 1 || rng() % 2) g.key += "/";
    }
  }
  if (i % 3 == 0) g.token = "FwoGZXIvYXdzE" + RandomText(rng, 1, 3);
  g.range = "bytes=" + std::to_string(rng() % 1000) + "-" + std::to_string(1000 + rng() % 1000);
  for (int b = static_cast<int>(rng() % 40); b > 0; --b) g.body.push_back(static_cast<char>(rng()));
  g.content_type = i % 2 ? "application/octet-stream" : "application/x-ndjson; charset=utf-8";
  g.prefix = RandomText(rng, 0, 4);
  g.continuation = RandomText(rng, 1, 4);
  g.start_after = RandomText(rng, 1, 3);
  g.max_keys = 1 + static_cast<int>(rng() % 1000);
  g.upload_id = RandomText(rng, 1, 5);
  g.part_number = 1 + static_cast<int>(rng() % 10000);
  return g;
}

std::string ToJsonLine(const Generated& g) {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.c_str(), static_cast<rapidjson::SizeType>(v.size()));
  };
  w.StartObject();
  str("op", g.op);
  str("bucket", g.bucket);
  str("key", g.key);
  str("access_key", "AKIDEXAMPLE");
  str("secret_key", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
  str("token", g.token);
  str("range", g.range);
  str("body_hex", HexEncode(g.body));
  str("content_type", g.content_type);
  str("prefix", g.prefix);
  str("continuation", g.continuation);
  str("start_after", g.start_after);
  str("upload_id", g.upload_id);
  w.Key("max_keys");
  w.Int(g.max_keys);
  w.Key("part_number");
  w.Int(g.part_number);
  w.EndObject();
  return std::string(buf.GetString(), buf.GetSize()) + "\n";
}

// rankflow's own description of the request (not derived from botocore's output).
SignableRequest OwnRequest(const Generated& g) {
  SignableRequest r;
  r.host = kHost;
  r.path = "/" + g.bucket + "/" + g.key;
  if (g.op == "GetObject") {
    r.method = "GET";
    r.headers = {{"Range", g.range}};
  } else if (g.op == "HeadObject") {
    r.method = "HEAD";
  } else if (g.op == "PresignGet") {
    r.method = "GET";
  } else if (g.op == "GenericV4") {
    r.method = "POST";
    r.path = g.key;
    r.query = {{"Prefix", g.prefix}, {"Marker", g.continuation}};
    r.headers = {{"Content-Type", g.content_type}};
  } else if (g.op == "PutObject") {
    r.method = "PUT";
    r.headers = {{"Content-Type", g.content_type}};
  } else if (g.op == "UploadPart") {
    r.method = "PUT";
    r.query = {{"partNumber", std::to_string(g.part_number)}, {"uploadId", g.upload_id}};
  } else {
    r.method = "GET";
    r.path = "/" + g.bucket;
    r.query = {{"list-type", "2"},
               {"prefix", g.prefix},
               {"continuation-token", g.continuation},
               {"start-after", g.start_after},
               {"max-keys", std::to_string(g.max_keys)},
               {"encoding-type", "url"}};
  }
  return r;
}

std::chrono::system_clock::time_point ParseAmzDate(const std::string& s) {
  std::tm tm{};
  EXPECT_EQ(std::sscanf(s.c_str(), "%4d%2d%2dT%2d%2d%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday,
                        &tm.tm_hour, &tm.tm_min, &tm.tm_sec),
            6);
  tm.tm_year -= 1900;
  tm.tm_mon -= 1;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

// A presigned GET (UNSIGNED-PAYLOAD, expiry, session token in the query) made at botocore's time.
bool PresignAgrees(const Generated& g, const std::string& url) {
  const size_t q = url.find('?');
  KeyValues theirs = ParseQuery(url.substr(q + 1));
  std::string amz_date;
  for (const auto& [k, v] : theirs) {
    if (k == "X-Amz-Date") amz_date = v;
  }
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", g.token,
                    std::nullopt, "test"};
  SignableRequest own = OwnRequest(g);
  own.method = "GET";
  own.headers.clear();
  SigningParams params =
      SigningParams::ForS3("us-east-1", ParseAmzDate(amz_date), std::string(kUnsignedPayload));
  params.expires_s = g.max_keys;
  SignedRequest s = Presign(own, creds, params);
  KeyValues ours = s.query;
  std::sort(theirs.begin(), theirs.end());
  std::sort(ours.begin(), ours.end());
  const bool path_ok = url.substr(0, q) == std::string("http://") + kHost + BuildWirePath(own.path);
  EXPECT_TRUE(path_ok && ours == theirs)
      << "presign of key '" << g.key << "'\n botocore: " << url
      << "\n rankflow: " << PresignUrl("http", own, creds, params);
  return path_ok && ours == theirs;
}

// An EC2 Query API call as provision/ sends it: botocore's form body re-encoded by FormEncode must
// be byte-identical, and the signature over it (service ec2, general rules) must agree.
bool Ec2FormAgrees(const Generated& g, const rapidjson::Document& d) {
  const std::string body = d["body"].GetString();
  // botocore writes a space as '+' (a literal '+' as %2B); FormEncode writes %20. Both are valid
  // form encodings: compare after rewriting '+' as %20.
  std::string spaces_as_pct;
  for (char c : body) spaces_as_pct += c == '+' ? std::string("%20") : std::string(1, c);
  const KeyValues form = ParseQuery(spaces_as_pct);
  std::string content_type, amz_date;
  for (const auto& h : d["headers"].GetArray()) {
    const std::string name = h[0].GetString();
    if (name == "Content-Type") content_type = h[1].GetString();
    if (name == "X-Amz-Date") amz_date = h[1].GetString();
  }
  Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", g.token,
                    std::nullopt, "test"};
  SignableRequest req;
  req.method = "POST";
  req.host = kHost;
  req.path = "/";
  req.headers = {{"Content-Type", content_type}};
  SigningParams params = SigningParams::ForService("ec2", "us-east-1", ParseAmzDate(amz_date));
  params.payload_sha256 = Sha256Hex(body);
  std::string authz;
  for (const auto& [k, v] : SignHeaders(req, creds, params).headers) {
    if (k == "Authorization") authz = v;
  }
  bool has_value = false;
  for (const auto& [k, v] : form) has_value = has_value || v == g.key;
  const bool ok =
      FormEncode(form) == spaces_as_pct && authz == d["authorization"].GetString() && has_value;
  EXPECT_TRUE(ok) << "ec2 form for value '" << g.key << "'\n botocore body: " << body
                  << "\n rankflow body: " << FormEncode(form)
                  << "\n botocore: " << d["authorization"].GetString() << "\n rankflow: " << authz;
  return ok;
}

TEST(SigV4Botocore, AgreesOnGeneratedRequests) {
  TempDir dir;
  std::mt19937_64 rng(20261121);
  std::vector<Generated> requests;
  std::string input;
  for (int i = 0; i < kRequests; ++i) {
    requests.push_back(Generate(rng, i));
    input += ToJsonLine(requests.back());
  }
  rankflow::testing::WriteFile(dir.Join("in.jsonl"), input);
  auto run = RunCommand("python3 " + SourcePath("tests/aws/botocore_sign.py") + " " +
                            dir.Join("in.jsonl") + " " + dir.Join("out.jsonl"),
                        300);
  ASSERT_EQ(run.exit_code, 0) << run.output;
  std::vector<std::string> lines = SplitLines(rankflow::testing::ReadFile(dir.Join("out.jsonl")));
  ASSERT_EQ(lines.size(), requests.size());

  int agreed = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    const Generated& g = requests[i];
    rapidjson::Document d;
    d.Parse(lines[i].c_str());
    ASSERT_TRUE(d.IsObject()) << lines[i];
    if (g.op == "PresignGet") {
      if (PresignAgrees(g, d["url"].GetString())) ++agreed;
      continue;
    }
    if (g.op == "Ec2Form") {
      if (Ec2FormAgrees(g, d)) ++agreed;
      continue;
    }
    std::string amz_date;
    for (const auto& h : d["headers"].GetArray()) {
      if (std::string(h[0].GetString()) == "X-Amz-Date") amz_date = h[1].GetString();
    }
    ASSERT_FALSE(amz_date.empty());
    Credentials creds{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", g.token,
                      std::nullopt, "test"};
    SignableRequest own = OwnRequest(g);
    const bool has_body = g.op == "PutObject" || g.op == "UploadPart" || g.op == "GenericV4";
    SigningParams params = SigningParams::ForS3("us-east-1", ParseAmzDate(amz_date),
                                                Sha256Hex(has_body ? g.body : ""));
    if (g.op == "GenericV4") {
      params = SigningParams::ForService("execute-api", "us-east-1", ParseAmzDate(amz_date));
      params.payload_sha256 = Sha256Hex(g.body);
    }
    SignedRequest s = SignHeaders(own, creds, params);
    std::string authz;
    for (const auto& [k, v] : s.headers) {
      if (k == "Authorization") authz = v;
    }
    const std::string url = d["url"].GetString();
    const std::string expected_prefix = std::string("http://") + kHost + BuildWirePath(own.path);
    const bool url_ok = url.substr(0, url.find('?')) == expected_prefix;
    KeyValues their_query = url.find('?') == std::string::npos
                                ? KeyValues{}
                                : ParseQuery(url.substr(url.find('?') + 1));
    KeyValues our_query = own.query;
    std::sort(their_query.begin(), their_query.end());
    std::sort(our_query.begin(), our_query.end());
    const bool ok = authz == d["authorization"].GetString() && url_ok && their_query == our_query;
    EXPECT_TRUE(ok) << "request " << i << " " << g.op << " key '" << g.key
                    << "'\n botocore: " << d["authorization"].GetString()
                    << "\n rankflow: " << authz << "\n url: " << url
                    << "\n ours: " << expected_prefix;
    if (ok) ++agreed;
  }
  std::printf("botocore differential: %d of %zu requests agree\n", agreed, lines.size());
  EXPECT_EQ(agreed, kRequests);
}

}  // namespace
}  // namespace rankflow::aws
