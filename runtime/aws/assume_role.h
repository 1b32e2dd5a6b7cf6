// Temporary credentials from STS AssumeRole, as a profile with role_arn asks for (credentials.h,
// ProfileCredentialsProvider). The request is signed with the source's credentials and sent to the
// "sts" endpoint (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, else https://sts.<region>.amazonaws.com).
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "runtime/aws/config.h"
#include "runtime/aws/credentials.h"

namespace rankflow::aws {

class AwsServiceClient;

struct AssumeRoleOptions {
  std::string profile;       // for messages and Credentials::source
  std::string role_arn;      // "arn:aws:iam::123456789012:role/analyst"
  std::string session_name;  // empty: "rankflow-<unix seconds>"
  std::string external_id;   // empty: not sent
  int duration_s = 0;        // 0: not sent (STS's default, one hour)
};

// Caches the role's credentials until `refresh_before` is left before their Expiration, then asks
// STS again with fresh source credentials. Errors name the profile and the role, never a key,
// secret or token: "profile 'dev': sts AssumeRole of arn:…:role/x: 403 AccessDenied".
// Thread-safe.
class AssumeRoleCredentialsProvider : public RefreshingCredentialsProvider {
 public:
  AssumeRoleCredentialsProvider(AssumeRoleOptions options,
                                std::shared_ptr<CredentialsProvider> source,
                                ServiceEndpoint sts_endpoint,
                                std::chrono::seconds refresh_before = std::chrono::minutes(5));
  ~AssumeRoleCredentialsProvider() override;

 protected:
  Result<Credentials> Fetch() override;

 private:
  AssumeRoleOptions options_;
  std::unique_ptr<AwsServiceClient> sts_;
};

}  // namespace rankflow::aws
