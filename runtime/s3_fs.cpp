#include "runtime/s3_fs.h"

#include <algorithm>
#include <map>

#include "runtime/aws/s3_multipart_writer.h"
#include "runtime/aws/s3_range_reader.h"
#include "runtime/manifest.h"

namespace rankflow {
namespace {

using aws::S3Client;
using aws::S3Url;

// "s3://" or "s3a://": the scheme the caller used, kept in returned paths.
std::string SchemeOf(const std::string& path) {
  return path.rfind("s3a://", 0) == 0 ? "s3a://" : "s3://";
}

std::string BaseName(const std::string& key) {
  size_t slash = key.rfind('/');
  return slash == std::string::npos ? key : key.substr(slash + 1);
}

// True if any component of `rel` (a key below the listed root) starts with '_' or '.'.
bool HasHiddenComponent(std::string_view rel) {
  size_t pos = 0;
  while (pos <= rel.size()) {
    size_t next = rel.find('/', pos);
    if (next == std::string_view::npos) next = rel.size();
    if (next > pos && (rel[pos] == '_' || rel[pos] == '.')) return true;
    pos = next + 1;
  }
  return false;
}

// A folder's url: its key, unless empty (the bucket's root), ends in '/'.
Result<S3Url> ParseFolderUrl(const std::string& path) {
  Result<S3Url> url = aws::ParseS3Url(path);
  if (url.ok() && !url->key.empty() && url->key.back() != '/') url->key.push_back('/');
  return url;
}

class S3InputStream : public InputStream {
 public:
  S3InputStream(std::shared_ptr<S3Client> c, const S3Url& url, uint64_t begin, uint64_t end)
      : reader_(std::move(c), url.bucket, url.key, begin, end) {}
  Status Read(char* buf, size_t n, size_t* got) override { return reader_.Read(buf, n, got); }
  Status WaitFirst() { return reader_.WaitFirst(); }

 private:
  aws::S3RangeReader reader_;
};

class S3WritableFile : public WritableFile {
 public:
  S3WritableFile(std::shared_ptr<S3Client> c, const S3Url& url, std::string path)
      : writer_(std::move(c), url.bucket, url.key), path_(std::move(path)) {}
  ~S3WritableFile() override { Abort(); }
  Status Append(std::string_view data) override { return writer_.Append(data); }
  Status Finish() override { return writer_.Finish(); }
  Status Publish() override {
    Status s = writer_.Complete();
    if (s.ok()) published_ = true;
    return s;
  }
  void Abort() override {
    if (!published_) writer_.Abort();
  }
  const std::string& path() const override { return path_; }
  uint64_t bytes_written() const override { return writer_.bytes(); }

 private:
  aws::S3MultipartWriter writer_;
  std::string path_;
  bool published_ = false;
};

class S3FileSystem : public FileSystem {
 public:
  explicit S3FileSystem(std::shared_ptr<S3Client> client) : client_(std::move(client)) {}

  Status List(const std::string& root, const std::regex* name_regex,
              std::vector<FileInfo>* out) override {
    out->clear();
    Result<S3Url> url = aws::ParseS3Url(root);
    if (!url.ok()) return url.status();
    const std::string scheme = SchemeOf(root);
    std::string prefix = url->key;
    if (!prefix.empty() && prefix.back() != '/') prefix.push_back('/');
    std::vector<aws::S3ObjectInfo> objects;
    RF_RETURN_IF_ERROR(client_->ListObjects(url->bucket, prefix, &objects));
    if (objects.empty() && !url->key.empty() && url->key.back() != '/') {
      Result<aws::S3ObjectInfo> self = client_->HeadObject(url->bucket, url->key);
      if (self.ok()) {
        out->push_back({scheme + url->bucket + "/" + url->key, self->size});
        return Status::OK();
      }
      if (self.status().code() != StatusCode::kNotFound) return self.status();
      return Status::NotFound(root + ": no such folder or object");
    }
    for (const auto& o : objects) {
      std::string_view rel = std::string_view(o.key).substr(prefix.size());
      if (rel.empty() || HasHiddenComponent(rel)) continue;
      if (name_regex != nullptr && !std::regex_search(BaseName(o.key), *name_regex)) continue;
      out->push_back({scheme + url->bucket + "/" + o.key, o.size});
    }
    std::sort(out->begin(), out->end(),
              [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; });
    return Status::OK();
  }

  Status ListManifests(const std::string& root, std::vector<std::string>* out) override {
    out->clear();
    Result<S3Url> url = ParseFolderUrl(root);
    if (!url.ok()) return url.status();
    const std::string& prefix = url->key;
    std::vector<aws::S3ObjectInfo> objects;
    RF_RETURN_IF_ERROR(client_->ListObjects(url->bucket, prefix, &objects));
    for (const auto& o : objects) {
      std::string_view rel = std::string_view(o.key).substr(prefix.size());
      size_t slash = rel.rfind('/');
      std::string_view base = slash == std::string_view::npos ? rel : rel.substr(slash + 1);
      if (base != "_SUCCESS") continue;
      if (slash != std::string_view::npos && HasHiddenComponent(rel.substr(0, slash))) continue;
      out->push_back(SchemeOf(root) + url->bucket + "/" + o.key);
    }
    std::sort(out->begin(), out->end());
    return Status::OK();
  }

  Result<uint64_t> Size(const std::string& path) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    Result<aws::S3ObjectInfo> info = client_->HeadObject(url->bucket, url->key);
    if (!info.ok()) return info.status();
    return info->size;
  }

  Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                  std::unique_ptr<InputStream>* out) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    // To the end: no HeadObject, the first ranged GET tells the size; waiting for it here makes
    // a missing object NotFound at open, as on a local disk.
    const uint64_t end = length == kToEnd ? S3Client::kToEnd : offset + length;
    auto stream = std::make_unique<S3InputStream>(client_, *url, offset, end);
    if (length == kToEnd) RF_RETURN_IF_ERROR(stream->WaitFirst());
    *out = std::move(stream);
    return Status::OK();
  }

  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    if (url->key.empty() || url->key.back() == '/') {
      return Status::InvalidArgument(path + ": not a file name");
    }
    *out = std::make_unique<S3WritableFile>(client_, *url, path);
    return Status::OK();
  }

  Status WriteSmallFile(const std::string& path, std::string_view contents) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    return client_->PutObject(url->bucket, url->key, contents);
  }

  Status ReadSmallFile(const std::string& path, std::string* contents) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    return client_->GetObjectRange(url->bucket, url->key, 0, S3Client::kToEnd, contents);
  }

  Status ReadSmallFileVersion(const std::string& path, std::string* contents,
                              std::string* version) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    return client_->GetObjectWithEtag(url->bucket, url->key, contents, version);
  }

  Status WriteSmallFileIf(const std::string& path, std::string_view contents,
                          const std::string& expected) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    aws::KeyValues condition = {expected.empty() ? std::make_pair("If-None-Match", "*")
                                                 : std::make_pair("If-Match", expected)};
    Status s =
        client_->PutObject(url->bucket, url->key, contents, "application/octet-stream", condition);
    if (s.ok() || s.code() != StatusCode::kAlreadyExists) return s;
    // 412: another writer got there first, or an earlier try of this very PUT landed and only its
    // answer was lost (the retry then fails its own condition). The contents tell which.
    std::string back, version;
    if (ReadSmallFileVersion(path, &back, &version).ok() && back == contents) return Status::OK();
    return Status::AlreadyExists(path + ": changed by another writer");
  }

  Status ListTemporaries(const std::string& dir, std::vector<std::string>* ids) override {
    ids->clear();
    std::vector<aws::S3UploadInfo> uploads;
    size_t prefix_size = 0;
    RF_RETURN_IF_ERROR(UploadsBelow(dir, &uploads, &prefix_size));
    for (const auto& u : uploads) {
      if (u.key.find('/', prefix_size) != std::string::npos) continue;  // a sub-folder's
      ids->push_back(u.key + '\n' + u.upload_id);
    }
    std::sort(ids->begin(), ids->end());
    return Status::OK();
  }

  Status ListTemporaryFolders(const std::string& dir, std::vector<std::string>* folders) override {
    folders->clear();
    std::vector<aws::S3UploadInfo> uploads;
    size_t prefix_size = 0;
    RF_RETURN_IF_ERROR(UploadsBelow(dir, &uploads, &prefix_size));
    for (const auto& u : uploads) {
      const std::string_view rel = std::string_view(u.key).substr(prefix_size);
      const size_t slash = rel.rfind('/');
      if (slash == std::string_view::npos || !IsPartitionFolder(rel.substr(0, slash))) continue;
      folders->emplace_back(rel.substr(0, slash));
    }
    std::sort(folders->begin(), folders->end());
    folders->erase(std::unique(folders->begin(), folders->end()), folders->end());
    return Status::OK();
  }

  Status RemoveTemporaries(const std::string& dir, const std::vector<std::string>& ids) override {
    Result<S3Url> url = aws::ParseS3Url(dir);
    if (!url.ok()) return url.status();
    for (const std::string& id : ids) {
      size_t nl = id.find('\n');
      if (nl == std::string::npos) {
        return Status::InvalidArgument(dir + ": not a temporary: " + id);
      }
      RF_RETURN_IF_ERROR(
          client_->AbortMultipartUpload(url->bucket, id.substr(0, nl), id.substr(nl + 1)));
    }
    return Status::OK();
  }

  Result<bool> Exists(const std::string& path) override {
    Result<S3Url> url = aws::ParseS3Url(path);
    if (!url.ok()) return url.status();
    Result<aws::S3ObjectInfo> info = client_->HeadObject(url->bucket, url->key);
    if (info.ok()) return true;
    if (info.status().code() == StatusCode::kNotFound) return false;
    return info.status();
  }

  Status Delete(const std::vector<std::string>& paths) override {
    std::map<std::string, std::vector<std::string>> by_bucket;
    for (const std::string& p : paths) {
      Result<S3Url> url = aws::ParseS3Url(p);
      if (!url.ok()) return url.status();
      by_bucket[url->bucket].push_back(url->key);
    }
    for (const auto& [bucket, keys] : by_bucket) {
      RF_RETURN_IF_ERROR(client_->DeleteObjects(bucket, keys));
    }
    return Status::OK();
  }

 private:
  // The incomplete multipart uploads of every key under folder `dir`; *prefix_size = the length
  // of the folder's key prefix (with its '/').
  Status UploadsBelow(const std::string& dir, std::vector<aws::S3UploadInfo>* uploads,
                      size_t* prefix_size) {
    Result<S3Url> url = ParseFolderUrl(dir);
    if (!url.ok()) return url.status();
    *prefix_size = url->key.size();
    return client_->ListMultipartUploads(url->bucket, url->key, uploads);
  }

  std::shared_ptr<S3Client> client_;
};

}  // namespace

std::unique_ptr<FileSystem> NewS3FileSystemWithClient(std::shared_ptr<aws::S3Client> client) {
  return std::make_unique<S3FileSystem>(std::move(client));
}

Status NewS3FileSystem(std::unique_ptr<FileSystem>* out) {
  Result<std::shared_ptr<aws::S3Client>> client = aws::S3Client::FromEnv();
  if (!client.ok()) {
    out->reset();
    return client.status();
  }
  *out = NewS3FileSystemWithClient(std::move(client).value());
  return Status::OK();
}

}  // namespace rankflow
