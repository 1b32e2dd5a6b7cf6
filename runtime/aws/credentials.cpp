#include "runtime/aws/credentials.h"

#include <rapidjson/document.h>

#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <set>
#include <sstream>

#include "runtime/aws/assume_role.h"
#include "runtime/aws/credential_process.h"
#include "runtime/aws/http.h"
#include "runtime/aws/json.h"
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

// A profile's settings: the config file's section overlaid with the credentials file's.
std::map<std::string, std::string> MergedProfile(const EnvLookup& env, const std::string& profile) {
  std::map<std::string, std::string> merged = ConfigProfile(env, profile);
  std::string text;
  if (!ReadWholeFile(CredentialsFilePath(env), &text)) return merged;
  IniFile ini = ParseIni(text);
  auto it = ini.find(profile);
  if (it == ini.end()) return merged;
  for (const auto& [key, value] : it->second) merged[key] = value;
  return merged;
}

// Static keys of a profile: the credentials file first, then the config file (each names itself
// in errors). NotFound when neither has any.
Result<Credentials> StaticKeysOfProfile(const EnvLookup& env, const std::string& profile) {
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

using ProviderResult = Result<std::shared_ptr<CredentialsProvider>>;

ProviderResult ProviderForProfile(const EnvLookup& env, const std::string& profile,
                                  std::chrono::seconds refresh_before,
                                  std::vector<std::string>* path);

// The credentials that sign a role profile's AssumeRole call.
ProviderResult RoleSource(const EnvLookup& env, const std::string& profile,
                          const std::map<std::string, std::string>& settings,
                          std::chrono::seconds refresh_before, std::vector<std::string>* path) {
  const std::string where = "profile '" + profile + "'";
  const std::string source_profile = Get(settings, "source_profile");
  const std::string credential_source = Get(settings, "credential_source");
  if (!source_profile.empty() && !credential_source.empty()) {
    return Status::InvalidArgument(where + ": set source_profile or credential_source, not both");
  }
  if (source_profile == profile) {  // the AWS CLI's rule: a profile's own keys assume its role
    Result<Credentials> keys = StaticKeysOfProfile(env, profile);
    if (!keys.ok()) return keys.status().WithPrefix(where + ": source_profile is itself");
    return std::shared_ptr<CredentialsProvider>(
        std::make_shared<StaticCredentialsProvider>(std::move(keys).value()));
  }
  if (!source_profile.empty()) {
    for (const std::string& seen : *path) {
      if (seen != source_profile) continue;
      std::string loop;
      for (const std::string& p : *path) loop += p + " -> ";
      return Status::InvalidArgument("profile '" + path->front() + "': source_profile loop " +
                                     loop + source_profile);
    }
    ProviderResult source = ProviderForProfile(env, source_profile, refresh_before, path);
    if (source.ok()) return source;
    if (source.status().code() == StatusCode::kNotFound) {
      return Status::InvalidArgument(where + ": source_profile '" + source_profile +
                                     "' has no credentials");
    }
    return source.status();
  }
  if (credential_source == "Environment") {
    Result<Credentials> c = CredentialsFromEnv(env);
    if (!c.ok()) return c.status().WithPrefix(where + ": credential_source Environment");
    return std::shared_ptr<CredentialsProvider>(
        std::make_shared<StaticCredentialsProvider>(std::move(c).value()));
  }
  if (credential_source == "Ec2InstanceMetadata") {
    return std::shared_ptr<CredentialsProvider>(
        std::make_shared<ImdsCredentialsProvider>(env, refresh_before));
  }
  if (!credential_source.empty()) {
    return Status::InvalidArgument(where + ": credential_source '" + credential_source +
                                   "' is not supported (Environment, Ec2InstanceMetadata)");
  }
  return Status::InvalidArgument(where + ": role_arn needs source_profile or credential_source");
}

ProviderResult AssumeRoleProvider(const EnvLookup& env, const std::string& profile,
                                  const std::map<std::string, std::string>& settings,
                                  std::chrono::seconds refresh_before,
                                  std::vector<std::string>* path) {
  const std::string where = "profile '" + profile + "'";
  if (!Get(settings, "mfa_serial").empty()) {
    return Status::InvalidArgument(where +
                                   ": mfa_serial needs a code typed in, which rankflow cannot "
                                   "prompt for; export temporary credentials instead");
  }
  AssumeRoleOptions options;
  options.profile = profile;
  options.role_arn = Get(settings, "role_arn");
  options.session_name = Get(settings, "role_session_name");
  options.external_id = Get(settings, "external_id");
  if (std::string d = Get(settings, "duration_seconds"); !d.empty()) {
    char* end = nullptr;
    long v = std::strtol(d.c_str(), &end, 10);
    if (*end != '\0' || v < 900 || v > 43200) {
      return Status::InvalidArgument(where + ": duration_seconds must be 900..43200");
    }
    options.duration_s = static_cast<int>(v);
  }
  ProviderResult source = RoleSource(env, profile, settings, refresh_before, path);
  if (!source.ok()) return source;
  // The STS endpoint and region as for any service, seen from this profile.
  EnvLookup profile_env = [env, profile](const std::string& name) -> std::optional<std::string> {
    if (name == "AWS_PROFILE") return profile;
    return env(name);
  };
  Result<ServiceEndpoint> sts = ResolveServiceEndpoint("sts", profile_env);
  if (!sts.ok()) return sts.status().WithPrefix(where);
  return std::shared_ptr<CredentialsProvider>(std::make_shared<AssumeRoleCredentialsProvider>(
      std::move(options), std::move(source).value(), std::move(sts).value(), refresh_before));
}

ProviderResult ProviderForProfile(const EnvLookup& env, const std::string& profile,
                                  std::chrono::seconds refresh_before,
                                  std::vector<std::string>* path) {
  path->push_back(profile);
  const std::map<std::string, std::string> settings = MergedProfile(env, profile);
  if (!Get(settings, "role_arn").empty()) {
    return AssumeRoleProvider(env, profile, settings, refresh_before, path);
  }
  Result<Credentials> keys = StaticKeysOfProfile(env, profile);
  if (keys.ok()) {
    return std::shared_ptr<CredentialsProvider>(
        std::make_shared<StaticCredentialsProvider>(std::move(keys).value()));
  }
  if (keys.status().code() != StatusCode::kNotFound) return keys.status();
  if (std::string command = Get(settings, "credential_process"); !command.empty()) {
    return std::shared_ptr<CredentialsProvider>(
        std::make_shared<ProcessCredentialsProvider>(profile, command, refresh_before));
  }
  if (!Get(settings, "sso_session").empty() || !Get(settings, "sso_start_url").empty()) {
    return Status::InvalidArgument(
        "profile '" + profile +
        "' uses IAM Identity Center (sso_*), which rankflow does not read: export its "
        "credentials (aws configure export-credentials --profile " +
        profile + " --format env)");
  }
  return keys.status();
}

}  // namespace

std::string Credentials::Describe() const {
  std::string tail =
      access_key_id.size() > 4 ? access_key_id.substr(access_key_id.size() - 4) : std::string("?");
  return "access key …" + tail + " from " + (source.empty() ? "unknown source" : source);
}

std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view s) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0, used = 0;
  const std::string text(s);
  if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &used) !=
          6 ||
      used != 19) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) return std::nullopt;
  std::string_view rest = s.substr(19);
  if (!rest.empty() && rest[0] == '.') {
    size_t digits = 1;
    while (digits < rest.size() && std::isdigit(static_cast<unsigned char>(rest[digits]))) {
      ++digits;
    }
    if (digits == 1) return std::nullopt;
    rest.remove_prefix(digits);  // sub-second precision does not matter for expiry
  }
  long offset_s = 0;
  if (rest == "Z" || rest == "z") {
    rest = {};
  } else if (!rest.empty() && (rest[0] == '+' || rest[0] == '-')) {
    int oh = 0, om = 0;
    const std::string off(rest.substr(1));
    const bool colon = off.size() == 5 && off[2] == ':';
    if (!(colon || off.size() == 4) ||
        std::sscanf(off.c_str(), colon ? "%2d:%2d" : "%2d%2d", &oh, &om) != 2 || oh > 23 ||
        om > 59) {
      return std::nullopt;
    }
    offset_s = (rest[0] == '+' ? 1 : -1) * (oh * 3600L + om * 60L);
    rest = {};
  }
  if (!rest.empty()) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = sec;
  return std::chrono::system_clock::from_time_t(timegm(&tm) - offset_s);
}

Result<Credentials> RefreshingCredentialsProvider::Get() {
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

int RefreshingCredentialsProvider::fetch_count() const {
  std::lock_guard<std::mutex> lock(mu_);
  return fetches_;
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

Result<std::shared_ptr<CredentialsProvider>> ProfileCredentialsProvider(
    const EnvLookup& env, const std::string& profile, std::chrono::seconds refresh_before) {
  std::vector<std::string> path;
  return ProviderForProfile(env, profile, refresh_before, &path);
}

Result<Credentials> CredentialsFromProfile(const EnvLookup& env) {
  Result<std::shared_ptr<CredentialsProvider>> p =
      ProfileCredentialsProvider(env, ProfileName(env));
  if (!p.ok()) return p.status();
  return (*p)->Get();
}

ImdsCredentialsProvider::ImdsCredentialsProvider(const EnvLookup& env,
                                                 std::chrono::seconds refresh_before)
    : RefreshingCredentialsProvider(refresh_before) {
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

Result<Credentials> ImdsCredentialsProvider::Fetch() {
  if (disabled_) {
    return Status::NotFound("instance metadata: disabled by AWS_EC2_METADATA_DISABLED");
  }
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
  if (std::string code = JsonString(doc, "Code"); !code.empty() && code != "Success") {
    return Status::Unavailable(where + ": Code is not Success");
  }
  Credentials c;
  c.access_key_id = JsonString(doc, "AccessKeyId");
  c.secret_access_key = JsonString(doc, "SecretAccessKey");
  c.session_token = JsonString(doc, "Token");
  c.source = "imds role " + role;
  if (c.empty()) return Status::Unavailable(where + ": AccessKeyId or SecretAccessKey missing");
  std::string exp = JsonString(doc, "Expiration");
  if (!exp.empty()) {
    c.expiration = ParseIso8601(exp);
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
  Result<std::shared_ptr<CredentialsProvider>> profile =
      ProfileCredentialsProvider(env_, ProfileName(env_));
  if (profile.ok()) {
    profile_ = std::move(profile).value();
    return;
  }
  if (profile.status().code() != StatusCode::kNotFound) {
    static_ = Result<Credentials>(profile.status());
    return;
  }
  imds_ = std::make_unique<ImdsCredentialsProvider>(env_);
}

Result<Credentials> DefaultCredentialsChain::Get() {
  if (static_) return *static_;
  if (profile_) return profile_->Get();
  Result<Credentials> r = imds_->Get();
  if (r.ok() || r.status().code() != StatusCode::kNotFound) return r;
  return Status::NotFound(
      "no aws credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, add a profile to "
      "~/.aws/credentials, or run on ec2 with an instance role (" +
      r.status().message() + ")");
}

}  // namespace rankflow::aws
