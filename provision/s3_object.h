// The few S3 operations provisioning needs, on runtime/aws's S3Client: upload and fetch one
// object (scripts ship build/bin, job logs and manifests with them) and presign a GET for
// user-data, for the bucket's own region (the client learns it from S3's redirect). Path-style
// addressing for custom endpoints (moto, MinIO), virtual-host style on AWS, as runtime/aws
// decides. Thread-safe; blocking.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "runtime/aws/s3_client.h"
#include "runtime/status.h"

namespace rankflow::provision {

struct S3Location {
  std::string bucket;
  std::string key;
};

// "s3://bucket/key" (also s3a://), by aws::ParseS3Url (so '.' and '..' segments are refused too)
// plus a non-empty key. InvalidArgument naming the url otherwise.
Result<S3Location> ParseS3Location(const std::string& url);

class S3Objects {
 public:
  // Endpoint (AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL), region and credentials chain from the
  // environment; `region` overrides when not empty.
  static Result<std::unique_ptr<S3Objects>> FromEnvironment(const std::string& region);
  explicit S3Objects(std::shared_ptr<aws::S3Client> client) : client_(std::move(client)) {}

  Status Put(const S3Location& where, std::string_view data);
  // The whole object; NotFound when it does not exist.
  Result<std::string> Get(const S3Location& where);
  // A GET url valid for expires_s seconds, for the bucket's own region (learned from a request
  // to it, e.g. the Put, when it is not the launcher's); Internal when no credentials are
  // available.
  Result<std::string> PresignGet(const S3Location& where, int64_t expires_s);

 private:
  std::shared_ptr<aws::S3Client> client_;  // one retry quota for every call
};

}  // namespace rankflow::provision
