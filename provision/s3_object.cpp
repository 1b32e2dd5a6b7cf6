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
  auto ep = aws::ResolveServiceEndpoint("s3", env, region);
  if (!ep.ok()) return ep.status();
  return std::make_unique<S3Objects>(std::make_shared<aws::S3Client>(
      *ep, std::make_shared<aws::DefaultCredentialsChain>(env), std::make_shared<aws::HttpClient>(),
      aws::RetryPolicy::FromEnv(), aws::S3Options::FromEnv()));
}

Status S3Objects::Put(const S3Location& where, std::string_view data) {
  return client_->PutObject(where.bucket, where.key, data);
}

Result<std::string> S3Objects::Get(const S3Location& where) {
  std::string body;
  RF_RETURN_IF_ERROR(
      client_->GetObjectRange(where.bucket, where.key, 0, aws::S3Client::kToEnd, &body));
  return body;
}

Result<std::string> S3Objects::PresignGet(const S3Location& where, int64_t expires_s) {
  std::string url = client_->PresignGetUrl(where.bucket, where.key, expires_s);
  if (url.empty()) {
    return Status::Internal("s3://" + where.bucket + "/" + where.key +
                            ": cannot presign: no credentials available");
  }
  return url;
}

}  // namespace rankflow::provision
