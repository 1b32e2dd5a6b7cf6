#include "runtime/aws/assume_role.h"

#include "runtime/aws/http.h"
#include "runtime/aws/service_client.h"
#include "runtime/aws/xml.h"

namespace rankflow::aws {

AssumeRoleCredentialsProvider::AssumeRoleCredentialsProvider(
    AssumeRoleOptions options, std::shared_ptr<CredentialsProvider> source,
    ServiceEndpoint sts_endpoint, std::chrono::seconds refresh_before)
    : RefreshingCredentialsProvider(refresh_before),
      options_(std::move(options)),
      sts_(std::make_unique<AwsServiceClient>(std::move(sts_endpoint), "sts", std::move(source),
                                              std::make_shared<HttpClient>())) {}

AssumeRoleCredentialsProvider::~AssumeRoleCredentialsProvider() = default;

Result<Credentials> AssumeRoleCredentialsProvider::Fetch() {
  std::string session = options_.session_name;
  if (session.empty()) {
    session = "rankflow-" + std::to_string(std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
  }
  KeyValues params = {{"Action", "AssumeRole"},
                      {"Version", "2011-06-15"},
                      {"RoleArn", options_.role_arn},
                      {"RoleSessionName", session}};
  if (options_.duration_s > 0) {
    params.emplace_back("DurationSeconds", std::to_string(options_.duration_s));
  }
  if (!options_.external_id.empty()) params.emplace_back("ExternalId", options_.external_id);
  std::string body;
  AwsRequest request = AwsRequest::Form(params, &body);
  const std::string where =
      "profile '" + options_.profile + "': sts AssumeRole of " + options_.role_arn;
  HttpResponse resp;
  // Send names the operation; the source's own errors (no keys, a failed process) pass through.
  if (Status s = sts_->Send(request, where, &resp); !s.ok()) return s;
  if (resp.status < 200 || resp.status >= 300) {
    return Status(StatusCodeForHttp(resp.status), where + ": " + DescribeHttpFailure(resp));
  }
  Result<XmlElement> doc = ParseXml(resp.body);
  // The answer holds secrets: messages name fields, never values.
  if (!doc.ok()) return Status::Unavailable(where + ": the answer is not xml");
  const XmlElement* creds = doc->Find("AssumeRoleResult/Credentials");
  if (creds == nullptr) return Status::Unavailable(where + ": the answer holds no Credentials");
  Credentials c;
  c.access_key_id = creds->ChildText("AccessKeyId");
  c.secret_access_key = creds->ChildText("SecretAccessKey");
  c.session_token = creds->ChildText("SessionToken");
  c.source = "profile " + options_.profile + " (role " + options_.role_arn + ")";
  if (c.empty() || c.session_token.empty()) {
    return Status::Unavailable(where + ": AccessKeyId, SecretAccessKey or SessionToken missing");
  }
  c.expiration = ParseIso8601(creds->ChildText("Expiration"));
  if (!c.expiration) return Status::Unavailable(where + ": Expiration is not an iso-8601 time");
  return c;
}

}  // namespace rankflow::aws
