// S3 client on the signed service client: listing with paging, head, ranged and streamed GETs,
// puts, multipart uploads with parallel parts, batch deletes, and listing of incomplete uploads.
// Also S3Url (s3:// and s3a:// parsing). The prefetching ranged reader (s3_range_reader.h) and the
// multipart writer (s3_multipart_writer.h) build on it; runtime/s3_fs.cpp makes the FileSystem.
//
// Errors name the object and the operation: "s3://b/k: GetObject failed after 5 attempts: 503
// SlowDown", "s3://b/k: HeadObject: 404 not found". Credentials never appear in them.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/aws/service_client.h"

namespace rankflow::aws {

struct S3Options {
  uint64_t part_size_bytes = 8ull << 20;  // multipart part size (S3 minimum 5 MiB but the last)
  int upload_parallelism = 4;             // parts in flight per writer
  // Ranged GET size of the reader: 16 MiB halves the request count of 8 MiB ranges (S3 bills
  // per request; moto reads the whole object for every GET) at 64 MiB in flight per stream.
  uint64_t read_chunk_bytes = 16ull << 20;
  int read_parallelism = 4;   // ranged GETs in flight per reader (prefetch depth)
  int list_page_size = 1000;  // max-keys per ListObjectsV2 page
  // RANKFLOW_S3_PART_MB, RANKFLOW_S3_UPLOAD_THREADS, RANKFLOW_S3_READ_CHUNK_MB,
  // RANKFLOW_S3_READ_THREADS, RANKFLOW_S3_LIST_PAGE_SIZE override the defaults.
  static S3Options FromEnv();
};

struct S3Url {
  std::string bucket;
  std::string key;  // may be empty (bucket root) or end in '/'
  std::string ToString() const { return "s3://" + bucket + "/" + key; }
};
// "s3://bucket/key", "s3a://bucket/key". InvalidArgument naming the url otherwise, and for a url
// with a "." or ".." segment ("s3://b/o3/../q"): HTTP clients resolve those before sending, so
// the object written would not be the one named (and recorded in manifests).
Result<S3Url> ParseS3Url(const std::string& url);

struct S3ObjectInfo {
  std::string key;
  uint64_t size = 0;
  std::string etag;
};

struct S3ListPage {
  std::vector<S3ObjectInfo> objects;
  std::vector<std::string> common_prefixes;
  std::string next_continuation_token;
  bool truncated = false;
};

struct S3UploadInfo {
  std::string key;
  std::string upload_id;
};

// Thread-safe: every method may be called from any thread at once.
class S3Client {
 public:
  // Endpoint, region and path style from the environment (see config.h), the default credential
  // chain, retries from RetryPolicy::FromEnv().
  static Result<std::shared_ptr<S3Client>> FromEnv(S3Options options = S3Options::FromEnv());
  S3Client(ServiceEndpoint endpoint, std::shared_ptr<CredentialsProvider> credentials,
           std::shared_ptr<HttpClient> http, RetryPolicy retry, S3Options options);

  const S3Options& options() const { return options_; }

  // One page of ListObjectsV2 (prefix, optional delimiter, continuation token).
  Result<S3ListPage> ListObjectsPage(const std::string& bucket, const std::string& prefix,
                                     const std::string& delimiter,
                                     const std::string& continuation_token, int max_keys);
  // Every object under prefix, following continuation tokens. NotFound if the bucket is missing.
  Status ListObjects(const std::string& bucket, const std::string& prefix,
                     std::vector<S3ObjectInfo>* out);
  // NotFound if absent.
  Result<S3ObjectInfo> HeadObject(const std::string& bucket, const std::string& key);
  // Streams bytes [offset, offset + length) to `sink` (length = kToEnd: to the end). A retry after
  // a dropped connection resumes where the sink stopped, so the sink sees each byte once.
  // With object_size set, a range that starts at or past the end is not an error (nothing is
  // delivered) and *object_size receives the object's total size (from Content-Range).
  static constexpr uint64_t kToEnd = ~uint64_t{0};
  Status GetObject(const std::string& bucket, const std::string& key, uint64_t offset,
                   uint64_t length, const std::function<bool(const char*, size_t)>& sink,
                   uint64_t* object_size = nullptr);
  // Bytes [offset, offset + length) into *out (exactly length bytes unless the object ends first).
  Status GetObjectRange(const std::string& bucket, const std::string& key, uint64_t offset,
                        uint64_t length, std::string* out, uint64_t* object_size = nullptr);
  // `headers`: extra (signed) request headers, e.g. {"If-None-Match", "*"} or {"If-Match", etag}
  // for a conditional write; a condition that does not hold is AlreadyExists (412 / 409).
  Status PutObject(const std::string& bucket, const std::string& key, std::string_view data,
                   const std::string& content_type = "application/octet-stream",
                   const KeyValues& headers = {});
  // The whole object and its ETag (quotes included, as S3 sends it) in one GET.
  Status GetObjectWithEtag(const std::string& bucket, const std::string& key, std::string* body,
                           std::string* etag);
  Result<std::string> CreateMultipartUpload(const std::string& bucket, const std::string& key,
                                            const std::string& content_type);
  // Returns the part's ETag.
  Result<std::string> UploadPart(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id, int part_number,
                                 std::string_view data);
  // parts: (part number, etag), ascending.
  Status CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                 const std::string& upload_id,
                                 const std::vector<std::pair<int, std::string>>& parts);
  // Missing uploads are not an error.
  Status AbortMultipartUpload(const std::string& bucket, const std::string& key,
                              const std::string& upload_id);
  // Deletes keys in batches of 1000 (DeleteObjects); missing keys are not an error.
  Status DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys);
  // Incomplete multipart uploads whose key starts with prefix (all pages).
  Status ListMultipartUploads(const std::string& bucket, const std::string& prefix,
                              std::vector<S3UploadInfo>* out);
  // A presigned GET url for the object, valid for expires_s seconds, signed for the bucket's
  // region as far as this client knows it (a request to the bucket, e.g. the PUT of the object,
  // teaches it); empty when no credentials are available.
  std::string PresignGetUrl(const std::string& bucket, const std::string& key, int64_t expires_s);
  // For tests and tools; an existing bucket owned by you is not an error.
  Status CreateBucket(const std::string& bucket);

 private:
  AwsServiceClient ClientFor(const std::string& bucket) const;
  std::string PathFor(const std::string& bucket, const std::string& key) const;
  // Sends with retries and maps a non-2xx answer to a Status "<where>: <op>: 404 NoSuchKey".
  Status Call(const std::string& bucket, AwsRequest& request, const std::string& where,
              const std::string& op, HttpResponse* response);
  // A bucket in another region than the endpoint's: S3 answers 301 PermanentRedirect (or 400
  // AuthorizationHeaderMalformed) naming it in x-amz-bucket-region (or <Region>). The client
  // remembers it per bucket and signs (and, off a custom endpoint, addresses) every later request
  // for that bucket with it. LearnRegion returns true if the answer named a region other than the
  // one the request used, so the caller resends once.
  std::string RegionOf(const std::string& bucket) const;
  bool LearnRegion(const std::string& bucket, const HttpResponse& response);

  ServiceEndpoint endpoint_;
  mutable std::mutex regions_mu_;
  std::map<std::string, std::string> regions_;  // bucket -> region, learned from redirects
  std::shared_ptr<CredentialsProvider> credentials_;
  std::shared_ptr<HttpClient> http_;
  RetryPolicy retry_;
  S3Options options_;
};

}  // namespace rankflow::aws
