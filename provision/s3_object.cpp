#include "provision/s3_object.h"

#include "runtime/aws/s3_client.h"

namespace rankflow::provision {

Result<S3Location> ParseS3Location(const std::string& url) {
  Result<aws::S3Url> parsed = aws::ParseS3Url(url);
  if (!parsed.ok()) return parsed.status();
  if (parsed->key.empty()) {
    return Status::InvalidArgument("s3 url needs a bucket and a key: " + url);
  }
  return S3Location{parsed->bucket, parsed->key};
}

Result<std::unique_ptr<S3Objects>> S3Objects::FromEnvironment(const std::string& region) {
  aws::EnvLookup env = aws::ProcessEnv();
  auto endpoint = aws::ResolveServiceEndpoint("s3", env);
  if (!endpoint.ok()) return endpoint.status();
  auto out = std::make_unique<S3Objects>();
  out->endpoint_ = *endpoint;
  if (!region.empty()) {
    out->endpoint_.region = region;
    if (!out->endpoint_.custom) out->endpoint_.host = "s3." + region + ".amazonaws.com";
  }
  out->credentials_ = std::make_shared<aws::DefaultCredentialsChain>(env);
  out->http_ = std::make_shared<aws::HttpClient>();
  return out;
}

aws::AwsServiceClient S3Objects::ClientFor(const std::string& bucket,
                                           std::string* path_prefix) const {
  aws::ServiceEndpoint ep = endpoint_;
  if (ep.path_style) {
    *path_prefix = "/" + bucket;
  } else {
    ep.host = bucket + "." + ep.host;
    path_prefix->clear();
  }
  return aws::AwsServiceClient(ep, "s3", credentials_, http_, retry_);
}

Status S3Objects::Put(const S3Location& where, std::string_view data) {
  std::string prefix;
  aws::AwsServiceClient client = ClientFor(where.bucket, &prefix);
  aws::AwsRequest req;
  req.method = "PUT";
  req.path = prefix + "/" + where.key;
  req.body = data;
  req.content_type = "application/octet-stream";
  aws::HttpResponse resp;
  std::string op = "s3://" + where.bucket + "/" + where.key + ": PutObject";
  RF_RETURN_IF_ERROR(client.Send(req, op, &resp));
  if (resp.status < 200 || resp.status >= 300) {
    return Status(aws::StatusCodeForHttp(resp.status),
                  op + " failed: " + aws::DescribeHttpFailure(resp));
  }
  return Status::OK();
}

Result<std::string> S3Objects::Get(const S3Location& where) {
  std::string prefix;
  aws::AwsServiceClient client = ClientFor(where.bucket, &prefix);
  aws::AwsRequest req;
  req.method = "GET";
  req.path = prefix + "/" + where.key;
  aws::HttpResponse resp;
  std::string op = "s3://" + where.bucket + "/" + where.key + ": GetObject";
  RF_RETURN_IF_ERROR(client.Send(req, op, &resp));
  if (resp.status < 200 || resp.status >= 300) {
    return Status(aws::StatusCodeForHttp(resp.status),
                  op + " failed: " + aws::DescribeHttpFailure(resp));
  }
  return resp.body;
}

Result<std::string> S3Objects::PresignGet(const S3Location& where, int64_t expires_s) {
  std::string prefix;
  aws::AwsServiceClient client = ClientFor(where.bucket, &prefix);
  std::string url = client.PresignGetUrl(prefix + "/" + where.key, expires_s);
  if (url.empty()) {
    return Status::Internal("s3://" + where.bucket + "/" + where.key +
                            ": cannot presign: no credentials available");
  }
  return url;
}

}  // namespace rankflow::provision
