// AWS credentials and the standard provider chain: environment, shared files (~/.aws/credentials
// and ~/.aws/config with AWS_PROFILE), then the EC2 instance metadata service (IMDSv2).
//
// Secrets never leave these types through logs or errors: no provider puts a key, secret or token
// into a Status message, and Credentials has no printing operator (use Describe()).
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

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

// The profile (AWS_PROFILE or "default") from the credentials file, then from the config file
// ("[profile name]" section, keys aws_access_key_id / aws_secret_access_key / aws_session_token).
// NotFound if neither file has keys for it.
Result<Credentials> CredentialsFromProfile(const EnvLookup& env);

// IMDSv2: PUT /latest/api/token (TTL header), GET /latest/meta-data/iam/security-credentials/
// (role name), GET …/<role> (JSON with AccessKeyId, SecretAccessKey, Token, Expiration).
// Endpoint: AWS_EC2_METADATA_SERVICE_ENDPOINT or http://169.254.169.254. Disabled (NotFound) when
// AWS_EC2_METADATA_DISABLED=true. Credentials are refreshed once less than `refresh_before` is
// left.
class ImdsCredentialsProvider : public CredentialsProvider {
 public:
  explicit ImdsCredentialsProvider(const EnvLookup& env,
                                   std::chrono::seconds refresh_before = std::chrono::minutes(5));
  ~ImdsCredentialsProvider() override;
  Result<Credentials> Get() override;
  // Number of successful fetches from the service (for tests of caching and refresh).
  int fetch_count() const;

 private:
  Result<Credentials> Fetch();
  std::string endpoint_;
  bool disabled_ = false;
  std::chrono::seconds refresh_before_;
  std::unique_ptr<HttpClient> http_;
  mutable std::mutex mu_;
  std::optional<Credentials> cached_;
  int fetches_ = 0;
};

// The standard chain: environment, profile files, IMDS. The first source that has credentials wins
// (and a source that has some but fails stops the chain with its error). Environment and files are
// read once at construction; IMDS on every Get() as needed (cached, refreshed before expiry).
class DefaultCredentialsChain : public CredentialsProvider {
 public:
  explicit DefaultCredentialsChain(EnvLookup env);
  Result<Credentials> Get() override;

 private:
  EnvLookup env_;
  std::optional<Result<Credentials>> static_;  // env or profile, resolved once
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
