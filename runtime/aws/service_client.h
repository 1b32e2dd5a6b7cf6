// One signed AWS request, sent with retries: the layer S3 (s3_client.h) and EC2 (provision/) build
// on. Signing uses S3 rules when service == "s3", the general rules otherwise.
//
//   AwsServiceClient ec2(endpoint, "ec2", creds, http);
//   AwsRequest r = AwsRequest::Form("POST", "/", {{"Action", "DescribeInstances"}, …});
//   HttpResponse resp;
//   Status s = ec2.Send(r, "ec2 DescribeInstances", &resp);   // ok => resp.status is 2xx
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "runtime/aws/config.h"
#include "runtime/aws/credentials.h"
#include "runtime/aws/http.h"
#include "runtime/aws/retry.h"
#include "runtime/aws/sigv4.h"

namespace rankflow::aws {

struct AwsRequest {
  std::string method = "GET";
  std::string path = "/";    // decoded, from the endpoint's root (base path is prepended)
  KeyValues query;           // decoded
  KeyValues headers;         // extra headers (signed)
  std::string_view body;     // not owned
  std::string content_type;  // required when body is not empty
  // Streaming download of a 2xx body (see HttpRequest::on_body). Called again from the start on
  // a retry: `reset` (if set) runs before each attempt so the consumer can start over.
  std::function<bool(const char*, size_t)> on_body;
  std::function<void()> reset;

  // A form POST (EC2/STS Query API): body = FormEncode(params), form content type. The returned
  // request owns nothing: keep `body_storage` alive while sending.
  static AwsRequest Form(const KeyValues& params, std::string* body_storage);
};

class AwsServiceClient {
 public:
  AwsServiceClient(ServiceEndpoint endpoint, std::string service,
                   std::shared_ptr<CredentialsProvider> credentials,
                   std::shared_ptr<HttpClient> http, RetryPolicy retry = RetryPolicy::FromEnv());

  // Signs and sends with retries (retry.h: standard mode, the policy's quota shared by every copy
  // of it). Returns ok with the response when the service answered 2xx or a non-retryable status
  // (the caller maps 404 etc.); kUnavailable "<operation> failed after N attempts: 503 SlowDown"
  // when every attempt failed transiently or the quota ran out; the provider's code, prefixed with
  // the operation, when credentials cannot be had (never retried). Thread-safe.
  Status Send(const AwsRequest& request, const std::string& operation, HttpResponse* response);
  // One signed attempt, no retries, classified for RunWithRetries (the building block of Send):
  // Ok when the service answered (any HTTP status is in *response; the caller judges it);
  // Transient(kTransport) for a transport failure (refused, reset, timeout, short body); Final,
  // prefixed with `operation`, when credentials cannot be had or the request cannot be sent.
  // Runs request.reset first when set.
  AttemptOutcome Attempt(const AwsRequest& request, const std::string& operation,
                         HttpResponse* response);
  // A presigned GET URL for `path` (decoded, from the endpoint's root; S3 path style:
  // "/bucket/key") valid for expires_s seconds (UNSIGNED-PAYLOAD for S3). It carries the session
  // token, never the secret. "" if no credentials can be had.
  std::string PresignGetUrl(const std::string& path, int64_t expires_s);
  const RetryPolicy& retry_policy() const { return retry_; }

  const ServiceEndpoint& endpoint() const { return endpoint_; }
  const std::string& service() const { return service_; }

 private:
  Status SendSigned(const AwsRequest& request, const Credentials& creds, HttpResponse* response);

  ServiceEndpoint endpoint_;
  std::string service_;
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<HttpClient> http_;
  RetryPolicy retry_;
};

// The <Code> of an AWS XML error body ("NoSuchKey", "SlowDown"), or "" if none.
std::string ErrorCodeFromBody(std::string_view body);
// "503 SlowDown" / "404 NoSuchKey" / "500": for messages.
std::string DescribeHttpFailure(const HttpResponse& response);
// Maps an HTTP failure to a Status code: 404 NotFound, 403 PermissionDenied, 400 InvalidArgument,
// 5xx Unavailable, others Internal.
StatusCode StatusCodeForHttp(long status);

}  // namespace rankflow::aws
