#include "runtime/aws/service_client.h"

namespace rankflow::aws {
namespace {

// The part of a transport error after "METHOD url: " (the URL is in the operation already).
std::string TransportSummary(const Status& s) {
  const std::string& m = s.message();
  size_t sep = m.find(": ");
  return sep == std::string::npos ? m : m.substr(sep + 2);
}

}  // namespace

AwsRequest AwsRequest::Form(const KeyValues& params, std::string* body_storage) {
  *body_storage = FormEncode(params);
  AwsRequest r;
  r.method = "POST";
  r.path = "/";
  r.body = *body_storage;
  r.content_type = "application/x-www-form-urlencoded; charset=utf-8";
  return r;
}

AwsServiceClient::AwsServiceClient(ServiceEndpoint endpoint, std::string service,
                                   std::shared_ptr<CredentialsProvider> credentials,
                                   std::shared_ptr<HttpClient> http, RetryPolicy retry)
    : endpoint_(std::move(endpoint)),
      service_(std::move(service)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      retry_(retry) {}

AttemptOutcome AwsServiceClient::Attempt(const AwsRequest& request, const std::string& operation,
                                         HttpResponse* response) {
  if (request.reset) request.reset();
  // A credentials failure is final whatever its code: a missing or broken configuration does not
  // heal, and the IMDS provider already retries its own network calls.
  Result<Credentials> creds = credentials_->Get();
  if (!creds.ok()) return AttemptOutcome::Final(creds.status().WithPrefix(operation));
  Status t = SendSigned(request, *creds, response);
  if (t.ok()) return AttemptOutcome::Ok();
  if (t.code() == StatusCode::kUnavailable) {
    return AttemptOutcome::Transient(TransportSummary(t), TransientKind::kTransport);
  }
  return AttemptOutcome::Final(t.WithPrefix(operation));
}

Status AwsServiceClient::SendSigned(const AwsRequest& request, const Credentials& creds,
                                    HttpResponse* response) {
  SignableRequest sr;
  sr.method = request.method;
  sr.host = endpoint_.HostHeader();
  sr.path = endpoint_.base_path + request.path;
  sr.query = request.query;
  sr.headers = request.headers;
  if (!request.content_type.empty()) sr.headers.emplace_back("Content-Type", request.content_type);
  const auto now = std::chrono::system_clock::now();
  const std::string payload_hash =
      request.body.empty() ? std::string(kEmptySha256) : Sha256Hex(request.body);
  SigningParams params = service_ == "s3"
                             ? SigningParams::ForS3(endpoint_.region, now, payload_hash)
                             : SigningParams::ForService(service_, endpoint_.region, now);
  if (service_ != "s3") params.payload_sha256 = payload_hash;
  SignedRequest signed_req = SignHeaders(sr, creds, params);

  HttpRequest http;
  http.method = request.method;
  http.url = endpoint_.Origin() + BuildWirePath(sr.path);
  if (!sr.query.empty()) http.url += "?" + BuildWireQuery(sr.query);
  http.headers = sr.headers;
  for (auto& h : signed_req.headers) {
    if (h.first != "Host") http.headers.push_back(std::move(h));
  }
  http.body = request.body;
  http.on_body = request.on_body;
  return http_->Perform(http, response);
}

Status AwsServiceClient::Send(const AwsRequest& request, const std::string& operation,
                              HttpResponse* response) {
  return RunWithRetries(retry_, operation, [&](int) {
    AttemptOutcome sent = Attempt(request, operation, response);
    if (!sent.status.ok()) return sent;
    if (response->status >= 200 && response->status < 300) return AttemptOutcome::Ok();
    if (IsRetryableHttpStatus(response->status) ||
        IsRetryableErrorCode(ErrorCodeFromBody(response->body))) {
      return AttemptOutcome::Transient(DescribeHttpFailure(*response));
    }
    return AttemptOutcome::Ok();  // a definitive answer (404, 403 …): the caller maps it
  });
}

std::string AwsServiceClient::PresignGetUrl(const std::string& path, int64_t expires_s) {
  Result<Credentials> creds = credentials_->Get();
  if (!creds.ok()) return "";
  SignableRequest sr;
  sr.method = "GET";
  sr.host = endpoint_.HostHeader();
  sr.path = endpoint_.base_path + path;
  const auto now = std::chrono::system_clock::now();
  SigningParams params =
      service_ == "s3" ? SigningParams::ForS3(endpoint_.region, now, std::string(kUnsignedPayload))
                       : SigningParams::ForService(service_, endpoint_.region, now);
  params.expires_s = expires_s;
  return PresignUrl(endpoint_.scheme, sr, *creds, params);
}

std::string ErrorCodeFromBody(std::string_view body) {
  size_t b = body.find("<Code>");
  if (b == std::string_view::npos) return "";
  b += 6;
  size_t e = body.find("</Code>", b);
  if (e == std::string_view::npos || e - b > 128) return "";
  return std::string(body.substr(b, e - b));
}

std::string DescribeHttpFailure(const HttpResponse& response) {
  std::string out = std::to_string(response.status);
  std::string code = ErrorCodeFromBody(response.body);
  if (!code.empty()) out += " " + code;
  return out;
}

StatusCode StatusCodeForHttp(long status) {
  if (status == 404) return StatusCode::kNotFound;
  if (status == 403 || status == 401) return StatusCode::kPermissionDenied;
  if (status == 400 || status == 416) return StatusCode::kInvalidArgument;
  if (status == 409 || status == 412) return StatusCode::kAlreadyExists;
  if (status >= 500) return StatusCode::kUnavailable;
  return StatusCode::kInternal;
}

}  // namespace rankflow::aws
