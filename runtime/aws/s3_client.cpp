#include "runtime/aws/s3_client.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cstdlib>

#include "runtime/aws/xml.h"
#include "runtime/markup.h"
#include "runtime/sys.h"

namespace rankflow::aws {
namespace {

constexpr size_t kDeleteBatch = 1000;

// A positive integer from the environment, else fallback.
int64_t PositiveEnvInt(const char* name, int64_t fallback) {
  std::optional<int64_t> v = EnvInt(name);
  return v && *v > 0 ? *v : fallback;
}

std::string Md5Base64(std::string_view data) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(data.data(), data.size(), md, &len, EVP_md5(), nullptr);
  unsigned char b64[64];
  int n = EVP_EncodeBlock(b64, md, static_cast<int>(len));
  return std::string(reinterpret_cast<char*>(b64), static_cast<size_t>(n));
}

// S3's encoding-type=url writes a space as '+' and a '+' as %2B.
std::string UrlDecodePlus(std::string s) {
  std::replace(s.begin(), s.end(), '+', ' ');
  return UriDecode(s);
}

uint64_t ParseU64(const std::string& s) { return std::strtoull(s.c_str(), nullptr, 10); }

// "bytes 0-99/12345" or "bytes */12345" -> 12345; 0 if absent.
uint64_t SizeFromContentRange(const std::string& header) {
  size_t slash = header.rfind('/');
  return slash == std::string::npos ? 0 : ParseU64(header.substr(slash + 1));
}

// S3 may answer 200 with an <Error> body (CompleteMultipartUpload).
std::string EmbeddedError(const HttpResponse& r) {
  if (r.body.find("<Error>") == std::string::npos) return "";
  std::string code = ErrorCodeFromBody(r.body);
  return code.empty() ? "error" : code;
}

// True if a '/'-separated segment of `path` is "." or "..".
bool HasDotSegment(std::string_view path) {
  size_t begin = 0;
  while (begin <= path.size()) {
    size_t end = path.find('/', begin);
    if (end == std::string_view::npos) end = path.size();
    const std::string_view segment = path.substr(begin, end - begin);
    if (segment == "." || segment == "..") return true;
    begin = end + 1;
  }
  return false;
}

}  // namespace

S3Options S3Options::FromEnv() {
  S3Options o;
  o.part_size_bytes = static_cast<uint64_t>(PositiveEnvInt("RANKFLOW_S3_PART_MB", 8)) << 20;
  o.upload_parallelism =
      static_cast<int>(PositiveEnvInt("RANKFLOW_S3_UPLOAD_THREADS", o.upload_parallelism));
  o.read_chunk_bytes = static_cast<uint64_t>(PositiveEnvInt("RANKFLOW_S3_READ_CHUNK_MB", 16)) << 20;
  o.read_parallelism =
      static_cast<int>(PositiveEnvInt("RANKFLOW_S3_READ_THREADS", o.read_parallelism));
  o.list_page_size =
      static_cast<int>(PositiveEnvInt("RANKFLOW_S3_LIST_PAGE_SIZE", o.list_page_size));
  return o;
}

Result<S3Url> ParseS3Url(const std::string& url) {
  std::string rest;
  if (url.rfind("s3://", 0) == 0) {
    rest = url.substr(5);
  } else if (url.rfind("s3a://", 0) == 0) {
    rest = url.substr(6);
  } else {
    return Status::InvalidArgument(url + ": not an s3:// or s3a:// url");
  }
  S3Url out;
  size_t slash = rest.find('/');
  out.bucket = rest.substr(0, slash);
  if (slash != std::string::npos) out.key = rest.substr(slash + 1);
  if (out.bucket.empty()) return Status::InvalidArgument(url + ": no bucket name");
  if (HasDotSegment(rest)) {
    return Status::InvalidArgument(url +
                                   ": '.' and '..' path segments are not allowed in s3 urls (http "
                                   "clients remove them, so another key would be written)");
  }
  return out;
}

Result<std::shared_ptr<S3Client>> S3Client::FromEnv(S3Options options) {
  EnvLookup env = ProcessEnv();
  Result<ServiceEndpoint> ep = ResolveServiceEndpoint("s3", env);
  if (!ep.ok()) return ep.status();
  auto creds = std::make_shared<DefaultCredentialsChain>(env);
  auto http = std::make_shared<HttpClient>();
  return std::make_shared<S3Client>(std::move(ep).value(), std::move(creds), std::move(http),
                                    RetryPolicy::FromEnv(), options);
}

S3Client::S3Client(ServiceEndpoint endpoint, std::shared_ptr<CredentialsProvider> credentials,
                   std::shared_ptr<HttpClient> http, RetryPolicy retry, S3Options options)
    : endpoint_(std::move(endpoint)),
      credentials_(std::move(credentials)),
      http_(std::move(http)),
      retry_(retry),
      options_(options) {}

std::string S3Client::RegionOf(const std::string& bucket) const {
  std::lock_guard<std::mutex> lock(regions_mu_);
  auto it = regions_.find(bucket);
  return it == regions_.end() ? endpoint_.region : it->second;
}

bool S3Client::LearnRegion(const std::string& bucket, const HttpResponse& response) {
  if (response.status != 301 && response.status != 307 && response.status != 400) return false;
  std::string region = response.Header("x-amz-bucket-region");
  if (region.empty()) {
    Result<XmlElement> doc = ParseXml(response.body);
    if (doc.ok()) region = doc->ChildText("Region");
  }
  if (region.empty() || region.size() > 64 || region == RegionOf(bucket)) return false;
  std::lock_guard<std::mutex> lock(regions_mu_);
  regions_[bucket] = region;
  return true;
}

AwsServiceClient S3Client::ClientFor(const std::string& bucket) const {
  ServiceEndpoint ep = endpoint_;
  ep.region = RegionOf(bucket);
  if (!ep.custom && ep.region != endpoint_.region) ep.host = "s3." + ep.region + ".amazonaws.com";
  if (!ep.path_style) ep.host = bucket + "." + ep.host;
  return AwsServiceClient(ep, "s3", credentials_, http_, retry_);
}

std::string S3Client::PathFor(const std::string& bucket, const std::string& key) const {
  if (endpoint_.path_style) return "/" + bucket + "/" + key;
  return "/" + key;
}

Status S3Client::Call(const std::string& bucket, AwsRequest& request, const std::string& where,
                      const std::string& op, HttpResponse* response) {
  Status s = ClientFor(bucket).Send(request, where + ": " + op, response);
  if (s.ok() && LearnRegion(bucket, *response)) {
    *response = HttpResponse();
    s = ClientFor(bucket).Send(request, where + ": " + op, response);
  }
  if (!s.ok()) return s;
  if (response->status >= 200 && response->status < 300) {
    std::string embedded = EmbeddedError(*response);
    if (!embedded.empty() && request.method == "POST") {
      return Status::Unavailable(where + ": " + op + ": " + std::to_string(response->status) + " " +
                                 embedded);
    }
    return Status::OK();
  }
  std::string what = DescribeHttpFailure(*response);
  if (response->status == 404 && ErrorCodeFromBody(response->body).empty()) what += " not found";
  return Status(StatusCodeForHttp(response->status), where + ": " + op + ": " + what);
}

Result<S3ListPage> S3Client::ListObjectsPage(const std::string& bucket, const std::string& prefix,
                                             const std::string& delimiter,
                                             const std::string& continuation_token, int max_keys) {
  AwsRequest req;
  req.method = "GET";
  req.path = PathFor(bucket, "");
  if (endpoint_.path_style) req.path.pop_back();  // "/bucket", not "/bucket/"
  // encoding-type=url: keys come back %-encoded, so any key (control characters included) survives
  // the XML.
  req.query = {{"list-type", "2"},
               {"max-keys", std::to_string(max_keys)},
               {"prefix", prefix},
               {"encoding-type", "url"}};
  if (!delimiter.empty()) req.query.emplace_back("delimiter", delimiter);
  if (!continuation_token.empty()) req.query.emplace_back("continuation-token", continuation_token);
  HttpResponse resp;
  const std::string where = "s3://" + bucket + "/" + prefix;
  RF_RETURN_IF_ERROR(Call(bucket, req, where, "ListObjectsV2", &resp));
  Result<XmlElement> doc = ParseXml(resp.body);
  if (!doc.ok()) return doc.status().WithPrefix(where + ": ListObjectsV2");
  S3ListPage page;
  for (const XmlElement* c : doc->Children("Contents")) {
    S3ObjectInfo info;
    info.key = UrlDecodePlus(c->ChildText("Key"));
    info.size = ParseU64(c->ChildText("Size"));
    info.etag = c->ChildText("ETag");
    page.objects.push_back(std::move(info));
  }
  for (const XmlElement* p : doc->Children("CommonPrefixes")) {
    page.common_prefixes.push_back(UrlDecodePlus(p->ChildText("Prefix")));
  }
  page.truncated = doc->ChildText("IsTruncated") == "true";
  page.next_continuation_token = doc->ChildText("NextContinuationToken");
  if (page.truncated && page.next_continuation_token.empty()) {
    return Status::Corruption(where +
                              ": ListObjectsV2: truncated page without a continuation token");
  }
  return page;
}

Status S3Client::ListObjects(const std::string& bucket, const std::string& prefix,
                             std::vector<S3ObjectInfo>* out) {
  out->clear();
  std::string token;
  do {
    Result<S3ListPage> page = ListObjectsPage(bucket, prefix, "", token, options_.list_page_size);
    if (!page.ok()) return page.status();
    for (auto& o : page->objects) out->push_back(std::move(o));
    token = page->truncated ? page->next_continuation_token : "";
  } while (!token.empty());
  return Status::OK();
}

Result<S3ObjectInfo> S3Client::HeadObject(const std::string& bucket, const std::string& key) {
  AwsRequest req;
  req.method = "HEAD";
  req.path = PathFor(bucket, key);
  HttpResponse resp;
  RF_RETURN_IF_ERROR(Call(bucket, req, "s3://" + bucket + "/" + key, "HeadObject", &resp));
  S3ObjectInfo info;
  info.key = key;
  info.size = ParseU64(resp.Header("content-length"));
  info.etag = resp.Header("etag");
  return info;
}

Status S3Client::GetObject(const std::string& bucket, const std::string& key, uint64_t offset,
                           uint64_t length, const std::function<bool(const char*, size_t)>& sink,
                           uint64_t* object_size) {
  const std::string where = "s3://" + bucket + "/" + key;
  if (length == 0) return Status::OK();
  uint64_t delivered = 0;
  Status final_error;
  Status s = RunWithRetries(retry_, where + ": GetObject", [&](int) {
    AwsRequest req;
    req.method = "GET";
    req.path = PathFor(bucket, key);
    const uint64_t from = offset + delivered;
    const bool ranged = from > 0 || length != kToEnd;
    if (ranged) {
      std::string range = "bytes=" + std::to_string(from) + "-";
      if (length != kToEnd) range += std::to_string(offset + length - 1);
      req.headers.emplace_back("Range", range);
    }
    uint64_t got_this_attempt = 0;
    req.on_body = [&](const char* data, size_t n) {
      // A server that ignores Range would resend from byte 0: refuse rather than duplicate.
      got_this_attempt += n;
      delivered += n;
      return sink(data, n);
    };
    HttpResponse resp;
    AttemptOutcome sent = ClientFor(bucket).Attempt(req, where + ": GetObject", &resp);
    if (!sent.status.ok()) return sent;
    if (resp.status == 416 && (object_size != nullptr || (from > 0 && length == kToEnd))) {
      // Nothing at or past the end; "bytes */SIZE" tells the size.
      if (object_size != nullptr) *object_size = SizeFromContentRange(resp.Header("content-range"));
      return AttemptOutcome::Ok();
    }
    if (resp.status < 200 || resp.status >= 300) {
      if (LearnRegion(bucket, resp)) {
        return AttemptOutcome::Transient("bucket is in " + RegionOf(bucket));
      }
      if (IsRetryableHttpStatus(resp.status) ||
          IsRetryableErrorCode(ErrorCodeFromBody(resp.body))) {
        return AttemptOutcome::Transient(DescribeHttpFailure(resp));
      }
      std::string what = DescribeHttpFailure(resp);
      if (resp.status == 404 && ErrorCodeFromBody(resp.body).empty()) what += " not found";
      return AttemptOutcome::Final(
          Status(StatusCodeForHttp(resp.status), where + ": GetObject: " + what));
    }
    if (ranged && resp.status != 206) {
      // A 200 to a range from 0 that fits is the whole (small or empty) object: fine.
      if (from == 0 && got_this_attempt <= length) {
        if (object_size != nullptr) *object_size = got_this_attempt;
        return AttemptOutcome::Ok();
      }
      return AttemptOutcome::Final(
          Status::Internal(where + ": GetObject: server ignored the Range header"));
    }
    // A body shorter than asked (connection closed cleanly at a wrong length) is a short body.
    const std::string cl = resp.Header("content-length");
    if (!cl.empty() && ParseU64(cl) != got_this_attempt) {
      return AttemptOutcome::Transient("short body (" + std::to_string(got_this_attempt) + " of " +
                                       cl + " bytes)");
    }
    if (object_size != nullptr) {
      *object_size = ranged ? SizeFromContentRange(resp.Header("content-range")) : ParseU64(cl);
    }
    return AttemptOutcome::Ok();
  });
  return s;
}

Status S3Client::GetObjectRange(const std::string& bucket, const std::string& key, uint64_t offset,
                                uint64_t length, std::string* out, uint64_t* object_size) {
  out->clear();
  if (length != kToEnd) out->reserve(length);
  return GetObject(
      bucket, key, offset, length,
      [out](const char* d, size_t n) {
        out->append(d, n);
        return true;
      },
      object_size);
}

Status S3Client::PutObject(const std::string& bucket, const std::string& key, std::string_view data,
                           const std::string& content_type, const KeyValues& headers) {
  AwsRequest req;
  req.method = "PUT";
  req.path = PathFor(bucket, key);
  req.body = data;
  req.content_type = content_type;
  req.headers = headers;
  HttpResponse resp;
  return Call(bucket, req, "s3://" + bucket + "/" + key, "PutObject", &resp);
}

Status S3Client::GetObjectWithEtag(const std::string& bucket, const std::string& key,
                                   std::string* body, std::string* etag) {
  AwsRequest req;
  req.method = "GET";
  req.path = PathFor(bucket, key);
  HttpResponse resp;
  body->clear();
  etag->clear();
  RF_RETURN_IF_ERROR(Call(bucket, req, "s3://" + bucket + "/" + key, "GetObject", &resp));
  *body = std::move(resp.body);
  *etag = resp.Header("etag");
  return Status::OK();
}

Result<std::string> S3Client::CreateMultipartUpload(const std::string& bucket,
                                                    const std::string& key,
                                                    const std::string& content_type) {
  AwsRequest req;
  req.method = "POST";
  req.path = PathFor(bucket, key);
  req.query = {{"uploads", ""}};
  req.content_type = content_type;
  HttpResponse resp;
  const std::string where = "s3://" + bucket + "/" + key;
  RF_RETURN_IF_ERROR(Call(bucket, req, where, "CreateMultipartUpload", &resp));
  Result<XmlElement> doc = ParseXml(resp.body);
  if (!doc.ok()) return doc.status().WithPrefix(where + ": CreateMultipartUpload");
  std::string id = doc->ChildText("UploadId");
  if (id.empty()) return Status::Corruption(where + ": CreateMultipartUpload: no UploadId");
  return id;
}

Result<std::string> S3Client::UploadPart(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id, int part_number,
                                         std::string_view data) {
  AwsRequest req;
  req.method = "PUT";
  req.path = PathFor(bucket, key);
  req.query = {{"partNumber", std::to_string(part_number)}, {"uploadId", upload_id}};
  req.body = data;
  req.content_type = "application/octet-stream";
  HttpResponse resp;
  const std::string where = "s3://" + bucket + "/" + key;
  RF_RETURN_IF_ERROR(Call(bucket, req, where, "UploadPart " + std::to_string(part_number), &resp));
  std::string etag = resp.Header("etag");
  if (etag.empty()) return Status::Corruption(where + ": UploadPart: no ETag in the answer");
  return etag;
}

Status S3Client::CompleteMultipartUpload(const std::string& bucket, const std::string& key,
                                         const std::string& upload_id,
                                         const std::vector<std::pair<int, std::string>>& parts) {
  std::string body = "<CompleteMultipartUpload xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
  for (const auto& [n, etag] : parts) {
    body += "<Part><PartNumber>" + std::to_string(n) + "</PartNumber><ETag>" + EscapeMarkup(etag) +
            "</ETag></Part>";
  }
  body += "</CompleteMultipartUpload>";
  AwsRequest req;
  req.method = "POST";
  req.path = PathFor(bucket, key);
  req.query = {{"uploadId", upload_id}};
  req.body = body;
  req.content_type = "application/xml";
  HttpResponse resp;
  return Call(bucket, req, "s3://" + bucket + "/" + key, "CompleteMultipartUpload", &resp);
}

Status S3Client::AbortMultipartUpload(const std::string& bucket, const std::string& key,
                                      const std::string& upload_id) {
  AwsRequest req;
  req.method = "DELETE";
  req.path = PathFor(bucket, key);
  req.query = {{"uploadId", upload_id}};
  HttpResponse resp;
  Status s = Call(bucket, req, "s3://" + bucket + "/" + key, "AbortMultipartUpload", &resp);
  if (s.code() == StatusCode::kNotFound) return Status::OK();
  return s;
}

Status S3Client::DeleteObjects(const std::string& bucket, const std::vector<std::string>& keys) {
  for (size_t start = 0; start < keys.size(); start += kDeleteBatch) {
    const size_t end = std::min(keys.size(), start + kDeleteBatch);
    std::string body =
        "<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\"><Quiet>true</Quiet>";
    for (size_t i = start; i < end; ++i)
      body += "<Object><Key>" + EscapeMarkup(keys[i]) + "</Key></Object>";
    body += "</Delete>";
    AwsRequest req;
    req.method = "POST";
    req.path = PathFor(bucket, "");
    if (endpoint_.path_style) req.path.pop_back();
    req.query = {{"delete", ""}};
    req.headers = {{"Content-MD5", Md5Base64(body)}};
    req.body = body;
    req.content_type = "application/xml";
    HttpResponse resp;
    const std::string where = "s3://" + bucket + "/" + keys[start];
    // DeleteResult lists per-key <Error>s inside a 200; Call() treats any <Error> as a failure.
    RF_RETURN_IF_ERROR(Call(bucket, req, where, "DeleteObjects", &resp));
  }
  return Status::OK();
}

Status S3Client::ListMultipartUploads(const std::string& bucket, const std::string& prefix,
                                      std::vector<S3UploadInfo>* out) {
  out->clear();
  std::string key_marker;
  std::string id_marker;
  for (;;) {
    AwsRequest req;
    req.method = "GET";
    req.path = PathFor(bucket, "");
    if (endpoint_.path_style) req.path.pop_back();
    req.query = {{"uploads", ""}, {"prefix", prefix}};
    if (!key_marker.empty()) req.query.emplace_back("key-marker", key_marker);
    if (!id_marker.empty()) req.query.emplace_back("upload-id-marker", id_marker);
    HttpResponse resp;
    const std::string where = "s3://" + bucket + "/" + prefix;
    RF_RETURN_IF_ERROR(Call(bucket, req, where, "ListMultipartUploads", &resp));
    Result<XmlElement> doc = ParseXml(resp.body);
    if (!doc.ok()) return doc.status().WithPrefix(where + ": ListMultipartUploads");
    for (const XmlElement* u : doc->Children("Upload")) {
      out->push_back({u->ChildText("Key"), u->ChildText("UploadId")});
    }
    if (doc->ChildText("IsTruncated") != "true") return Status::OK();
    std::string next_key = doc->ChildText("NextKeyMarker");
    std::string next_id = doc->ChildText("NextUploadIdMarker");
    if (next_key.empty() || (next_key == key_marker && next_id == id_marker)) return Status::OK();
    key_marker = next_key;
    id_marker = next_id;
  }
}

std::string S3Client::PresignGetUrl(const std::string& bucket, const std::string& key,
                                    int64_t expires_s) {
  return ClientFor(bucket).PresignGetUrl(PathFor(bucket, key), expires_s);
}

Status S3Client::CreateBucket(const std::string& bucket) {
  AwsRequest req;
  req.method = "PUT";
  req.path = PathFor(bucket, "");
  if (endpoint_.path_style) req.path.pop_back();
  std::string body;
  if (endpoint_.region != "us-east-1") {
    body = "<CreateBucketConfiguration><LocationConstraint>" + endpoint_.region +
           "</LocationConstraint></CreateBucketConfiguration>";
    req.body = body;
    req.content_type = "application/xml";
  }
  HttpResponse resp;
  Status s = Call(bucket, req, "s3://" + bucket, "CreateBucket", &resp);
  if (!s.ok() && ErrorCodeFromBody(resp.body) == "BucketAlreadyOwnedByYou") return Status::OK();
  return s;
}

}  // namespace rankflow::aws
