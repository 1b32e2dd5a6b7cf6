#include "runtime/aws/credentials.h"

#include <rapidjson/document.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>

#include "runtime/aws/http.h"
#include "runtime/aws/retry.h"
#include "runtime/sys.h"

namespace rankflow::aws {
namespace {

constexpr char kImdsDefault[] = "http://169.254.169.254";
constexpr char kTokenTtlHeader[] = "X-aws-ec2-metadata-token-ttl-seconds";
constexpr char kTokenHeader[] = "X-aws-ec2-metadata-token";
constexpr char kRolePath[] = "/latest/meta-data/iam/security-credentials/";

std::string Get(const std::map<std::string, std::string>& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

// Looks for keys in one INI section; NotFound if the section lacks an access key.
Result<Credentials> FromSection(const std::map<std::string, std::string>& section,
                                const std::string& where, const std::string& profile) {
  Credentials c;
  c.access_key_id = Get(section, "aws_access_key_id");
  c.secret_access_key = Get(section, "aws_secret_access_key");
  c.session_token = Get(section, "aws_session_token");
  c.source = "profile " + profile;
  if (c.access_key_id.empty() && c.secret_access_key.empty()) {
    return Status::NotFound(where + ": no keys for profile '" + profile + "'");
  }
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return Status::InvalidArgument(where + ": profile '" + profile +
                                   "' needs both aws_access_key_id and aws_secret_access_key");
  }
  return c;
}

// "2026-11-21T10:00:00Z" -> time point; nullopt if malformed.
std::optional<std::chrono::system_clock::time_point> ParseIsoUtc(const std::string& s) {
  std::tm tm{};
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  if (std::sscanf(s.c_str(), "%d-%d-%dT%d:%d:%d", &y, &mo, &d, &h, &mi, &sec) != 6) {
    return std::nullopt;
  }
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return std::chrono::system_clock::from_time_t(timegm(&tm));
}

}  // namespace

std::string Credentials::Describe() const {
  std::string tail =
      access_key_id.size() > 4 ? access_key_id.substr(access_key_id.size() - 4) : std::string("?");
  return "access key …" + tail + " from " + (source.empty() ? "unknown source" : source);
}

Result<Credentials> CredentialsFromEnv(const EnvLookup& env) {
  auto id = env("AWS_ACCESS_KEY_ID");
  auto secret = env("AWS_SECRET_ACCESS_KEY");
  if (!id && !secret) return Status::NotFound("no credentials in the environment");
  if (!id || !secret) {
    return Status::InvalidArgument(
        "environment: AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
  }
  Credentials c;
  c.access_key_id = *id;
  c.secret_access_key = *secret;
  if (auto token = env("AWS_SESSION_TOKEN")) c.session_token = *token;
  c.source = "environment";
  return c;
}

Result<Credentials> CredentialsFromProfile(const EnvLookup& env) {
  const std::string profile = ProfileName(env);
  const std::string cred_path = CredentialsFilePath(env);
  std::string text;
  if (ReadWholeFile(cred_path, &text)) {
    IniFile ini = ParseIni(text);
    auto it = ini.find(profile);
    if (it != ini.end()) {
      Result<Credentials> r = FromSection(it->second, cred_path, profile);
      if (r.ok() || r.status().code() != StatusCode::kNotFound) return r;
    }
  }
  const std::string config_path = ConfigFilePath(env);
  auto section = ConfigProfile(env, profile);
  if (!section.empty()) {
    Result<Credentials> r = FromSection(section, config_path, profile);
    if (r.ok() || r.status().code() != StatusCode::kNotFound) return r;
  }
  return Status::NotFound("no keys for profile '" + profile + "' in " + cred_path + " or " +
                          config_path);
}

ImdsCredentialsProvider::ImdsCredentialsProvider(const EnvLookup& env,
                                                 std::chrono::seconds refresh_before)
    : refresh_before_(refresh_before) {
  auto ep = env("AWS_EC2_METADATA_SERVICE_ENDPOINT");
  endpoint_ = ep ? *ep : std::string(kImdsDefault);
  while (!endpoint_.empty() && endpoint_.back() == '/') endpoint_.pop_back();
  auto disabled = env("AWS_EC2_METADATA_DISABLED");
  disabled_ = disabled && (*disabled == "true" || *disabled == "1");
  HttpOptions opts;
  opts.connect_timeout_ms = 1000;
  opts.total_timeout_ms = 5000;
  http_ = std::make_unique<HttpClient>(opts);
}

ImdsCredentialsProvider::~ImdsCredentialsProvider() = default;

int ImdsCredentialsProvider::fetch_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
}

Result<Credentials> ImdsCredentialsProvider::Get() {
  if (disabled_)
    return Status::NotFound("instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
  std::lock_guard<std::mutex> lock(mu_);
  const auto now = std::chrono::system_clock::now();
  if (cached_ && (!cached_->expiration || *cached_->expiration - refresh_before_ > now)) {
    return *cached_;
  }
  Result<Credentials> fresh = Fetch();
  if (!fresh.ok()) {
    // Still-valid credentials beat a failed refresh.
    if (cached_ && cached_->expiration && *cached_->expiration > now) return *cached_;
    return fresh.status();
  }
  cached_ = fresh.value();
  ++fetches_;
  return fresh;
}

Result<Credentials> ImdsCredentialsProvider::Fetch() {
  RetryPolicy policy;
  policy.max_attempts = 3;
  policy.base_delay_ms = 50;
  // One attempt of a metadata call: transient on transport errors and 5xx.
  auto call = [&](const std::string& op, HttpRequest req, HttpResponse* resp) -> Status {
    return RunWithRetries(policy, "instance metadata " + op, [&](int) {
      Status s = http_->Perform(req, resp);
      if (!s.ok()) {
        return s.code() == StatusCode::kUnavailable ? AttemptOutcome::Transient(s.message())
                                                    : AttemptOutcome::Final(s);
      }
      if (IsRetryableHttpStatus(resp->status)) {
        return AttemptOutcome::Transient("http " + std::to_string(resp->status));
      }
      if (resp->status != 200) {
        return AttemptOutcome::Final(
            Status(resp->status == 404 ? StatusCode::kNotFound : StatusCode::kUnavailable,
                   "instance metadata " + op + ": http " + std::to_string(resp->status)));
      }
      return AttemptOutcome::Ok();
    });
  };
  HttpResponse resp;
  HttpRequest token_req;
  token_req.method = "PUT";
  token_req.url = endpoint_ + "/latest/api/token";
  token_req.headers = {{kTokenTtlHeader, "21600"}, {"Content-Type", "text/plain"}};
  Status s = call("token", token_req, &resp);
  if (!s.ok())
    return Status::NotFound("no instance metadata service at " + RedactUrl(endpoint_) + ": " +
                            s.message());
  const std::string token = resp.body;

  HttpRequest role_req;
  role_req.url = endpoint_ + kRolePath;
  role_req.headers = {{kTokenHeader, token}};
  s = call("role name", role_req, &resp);
  if (!s.ok()) return Status::NotFound("instance metadata: no instance role: " + s.message());
  std::string role = resp.body.substr(0, resp.body.find('\n'));
  while (!role.empty() && (role.back() == '\r' || role.back() == ' ')) role.pop_back();
  if (role.empty()) return Status::NotFound("instance metadata: no instance role attached");

  HttpRequest cred_req;
  cred_req.url = endpoint_ + kRolePath + role;
  cred_req.headers = {{kTokenHeader, token}};
  s = call("credentials of role '" + role + "'", cred_req, &resp);
  if (!s.ok()) return s;
  rapidjson::Document doc;
  doc.Parse(resp.body.c_str(), resp.body.size());
  const std::string where = "instance metadata: credentials of role '" + role + "'";
  if (doc.HasParseError() || !doc.IsObject())
    return Status::Unavailable(where + ": not a json object");
  auto str = [&](const char* key) -> std::string {
    auto it = doc.FindMember(key);
    return (it != doc.MemberEnd() && it->value.IsString()) ? it->value.GetString() : "";
  };
  if (std::string code = str("Code"); !code.empty() && code != "Success") {
    return Status::Unavailable(where + ": Code is not Success");
  }
  Credentials c;
  c.access_key_id = str("AccessKeyId");
  c.secret_access_key = str("SecretAccessKey");
  c.session_token = str("Token");
  c.source = "imds role " + role;
  if (c.empty()) return Status::Unavailable(where + ": AccessKeyId or SecretAccessKey missing");
  std::string exp = str("Expiration");
  if (!exp.empty()) {
    c.expiration = ParseIsoUtc(exp);
    if (!c.expiration)  // The document holds secrets: describe the field, never echo its value.
      return Status::Unavailable(where + ": Expiration is not an iso-8601 utc time");
  }
  return c;
}

DefaultCredentialsChain::DefaultCredentialsChain(EnvLookup env) : env_(std::move(env)) {
  Result<Credentials> r = CredentialsFromEnv(env_);
  if (r.ok() || r.status().code() != StatusCode::kNotFound) {
    static_ = r;
    return;
  }
  r = CredentialsFromProfile(env_);
  if (r.ok() || r.status().code() != StatusCode::kNotFound) {
    static_ = r;
    return;
  }
  imds_ = std::make_unique<ImdsCredentialsProvider>(env_);
}

Result<Credentials> DefaultCredentialsChain::Get() {
  if (static_) return *static_;
  Result<Credentials> r = imds_->Get();
  if (r.ok() || r.status().code() != StatusCode::kNotFound) return r;
  return Status::NotFound(
      "no aws credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add a profile to "
      "~/.aws/credentials, or run on ec2 with an instance role (" +
      r.status().message() + ")");
}

}  // namespace rankflow::aws
