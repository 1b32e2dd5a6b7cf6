// AWS credentials and the standard provider chain: environment, shared files (~/.aws/credentials
// and ~/.aws/config with AWS_PROFILE: static keys, role_arn + source_profile / credential_source
// through STS AssumeRole, credential_process), then the EC2 instance metadata service (IMDSv2).
//
// Secrets never leave these types through logs or errors: no provider puts a key, secret or token
// into a Status message, and Credentials has no printing operator (use Describe()).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "runtime/aws/config.h"
#include "runtime/status.h"

namespace rankflow::aws {

class HttpClient;

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // empty if none
  // When temporary credentials stop working; nullopt for long-lived keys.
  std::optional<std::chrono::system_clock::time_point> expiration;
  std::string source;  // "environment", "profile dev", "imds" — safe to log

  bool empty() const { return access_key_id.empty() || secret_access_key.empty(); }
  // "access key AKID…XYZ (4 last chars) from environment": safe to log, never the secret.
  std::string Describe() const;
};

// A source of credentials. Implementations are thread-safe; Get() may block on the network
// (IMDS) and caches what it fetched until shortly before it expires.
class CredentialsProvider {
 public:
  virtual ~CredentialsProvider() = default;
  // NotFound when this source has no credentials; other codes when it has but failed.
  virtual Result<Credentials> Get() = 0;
};

// AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY (+ AWS_SESSION_TOKEN). NotFound if either is unset;
// InvalidArgument if only one is set.
Result<Credentials> CredentialsFromEnv(const EnvLookup& env);

// "2026-11-21T10:00:00Z", also with fractional seconds ("…:00.140632Z") or an offset
// ("+01:00", "-0500"), as STS, IMDS and credential processes write Expiration; nullopt when
// malformed. Pure.
std::optional<std::chrono::system_clock::time_point> ParseIso8601(std::string_view s);

// A provider of temporary credentials that caches what Fetch() returned until less than
// `refresh_before` is left before its expiration (credentials without one are kept for good), then
// fetches again; still-valid credentials are returned when a refresh fails. Get() is thread-safe
// and serialised: concurrent callers wait for one fetch.
class RefreshingCredentialsProvider : public CredentialsProvider {
 public:
  Result<Credentials> Get() final;
  // Number of successful fetches (for tests of caching and refresh).
  int fetch_count() const;

 protected:
  explicit RefreshingCredentialsProvider(std::chrono::seconds refresh_before)
      : refresh_before_(refresh_before) {}
  // Called with the provider's lock held.
  virtual Result<Credentials> Fetch() = 0;

 private:
  std::chrono::seconds refresh_before_;
  mutable std::mutex mu_;
  std::optional<Credentials> cached_;
  int fetches_ = 0;
};

// The provider that profile `profile` names, settings read from the config file ("[profile
// name]") overlaid with the credentials file ("[name]"), first match wins:
//   1. role_arn: STS AssumeRole (assume_role.h), signed with the credentials of source_profile
//      (any kind, chains allowed; itself when source_profile names the same profile: its keys) or
//      of credential_source (Environment, Ec2InstanceMetadata); role_session_name, external_id,
//      duration_seconds are passed on; mfa_serial is refused (no prompt here).
//   2. aws_access_key_id + aws_secret_access_key (+ aws_session_token): static keys.
//   3. credential_process: the command's JSON (credential_process.h).
// NotFound when the profile sets none of them; InvalidArgument naming the profile for half-set
// keys, a role without a source, a source_profile loop, sso_* settings. Reads files only: STS and
// processes run on the first Get(), then refresh `refresh_before` ahead of expiry.
Result<std::shared_ptr<CredentialsProvider>> ProfileCredentialsProvider(
    const EnvLookup& env, const std::string& profile,
    std::chrono::seconds refresh_before = std::chrono::minutes(5));

// The credentials of the profile in use (AWS_PROFILE or "default"): ProfileCredentialsProvider's
// Get(), so it may call STS or run a credential_process. NotFound if neither file configures it.
Result<Credentials> CredentialsFromProfile(const EnvLookup& env);

// IMDSv2: PUT /latest/api/token (TTL header), GET /latest/meta-data/iam/security-credentials/
// (role name), GET …/<role> (JSON with AccessKeyId, SecretAccessKey, Token, Expiration).
// Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254. Disabled (NotFound) when
// AWS_EC2_METADATA_DISABLED=true. Credentials are refreshed once less than `refresh_before` is
// left.
class ImdsCredentialsProvider : public RefreshingCredentialsProvider {
 public:
  explicit ImdsCredentialsProvider(const EnvLookup& env,
                                   std::chrono::seconds refresh_before = std::chrono::minutes(5));
  ~ImdsCredentialsProvider() override;

 protected:
  Result<Credentials> Fetch() override;

 private:
  std::string endpoint_;
  bool disabled_ = false;
  std::unique_ptr<HttpClient> http_;
};

// The standard chain: environment, profile files, IMDS. The first source that has credentials wins
// (and a source that has some but fails stops the chain with its error). Environment and files are
// read once at construction; STS, credential processes and IMDS on Get() as needed (cached,
// refreshed before expiry).
class DefaultCredentialsChain : public CredentialsProvider {
 public:
  explicit DefaultCredentialsChain(EnvLookup env);
  Result<Credentials> Get() override;

 private:
  EnvLookup env_;
  std::optional<Result<Credentials>> static_;  // env, or the profile's error, resolved once
  std::shared_ptr<CredentialsProvider> profile_;
  std::unique_ptr<ImdsCredentialsProvider> imds_;
};

// Fixed credentials (tests, tools).
class StaticCredentialsProvider : public CredentialsProvider {
 public:
  explicit StaticCredentialsProvider(Credentials c) : creds_(std::move(c)) {}
  Result<Credentials> Get() override { return creds_; }

 private:
  Credentials creds_;
};

}  // namespace rankflow::aws
