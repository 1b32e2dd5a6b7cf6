// s3_copy: copies one file to or from S3 through rankflow's S3 client, for bench/s3_bench.sh.
//   s3_copy upload LOCAL s3://bucket/key     parallel multipart upload (S3Options from env)
//   s3_copy download s3://bucket/key LOCAL   parallel ranged GETs, written in order
// Endpoint, region and credentials as every rankflow program (AWS_ENDPOINT_URL, …). Prints one
// line: "<op> <bytes> bytes in <seconds> s (<MB/s> MB/s)".
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "runtime/aws/s3_client.h"
#include "runtime/aws/s3_multipart_writer.h"
#include "runtime/aws/s3_range_reader.h"

namespace {

using rankflow::Status;
namespace aws = rankflow::aws;

Status Upload(const std::shared_ptr<aws::S3Client>& client, const std::string& local,
              const aws::S3Url& url, uint64_t* bytes) {
  std::ifstream in(local, std::ios::binary);
  if (!in) return Status::NotFound(local + ": cannot open");
  aws::S3MultipartWriter writer(client, url.bucket, url.key);
  std::vector<char> buf(4 << 20);
  while (in) {
    in.read(buf.data(), static_cast<std::streamsize>(buf.size()));
    const auto n = static_cast<size_t>(in.gcount());
    if (n == 0) break;
    RF_RETURN_IF_ERROR(writer.Append(std::string_view(buf.data(), n)));
  }
  if (in.bad()) return Status::IOError(local + ": read failed");
  RF_RETURN_IF_ERROR(writer.Complete());
  *bytes = writer.bytes();
  return Status::OK();
}

Status Download(const std::shared_ptr<aws::S3Client>& client, const aws::S3Url& url,
                const std::string& local, uint64_t* bytes) {
  rankflow::Result<aws::S3ObjectInfo> info = client->HeadObject(url.bucket, url.key);
  if (!info.ok()) return info.status();
  std::FILE* out = std::fopen(local.c_str(), "wb");
  if (out == nullptr) return Status::IOError(local + ": cannot create");
  aws::S3RangeReader reader(client, url.bucket, url.key, 0, info->size);
  std::vector<char> buf(4 << 20);
  Status s;
  for (;;) {
    size_t got = 0;
    s = reader.Read(buf.data(), buf.size(), &got);
    if (!s.ok() || got == 0) break;
    if (std::fwrite(buf.data(), 1, got, out) != got) {
      s = Status::IOError(local + ": write failed");
      break;
    }
    *bytes += got;
  }
  if (std::fclose(out) != 0 && s.ok()) s = Status::IOError(local + ": close failed");
  return s;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 4 || (std::strcmp(argv[1], "upload") != 0 && std::strcmp(argv[1], "download") != 0)) {
    std::fprintf(stderr,
                 "usage: s3_copy upload LOCAL s3://bucket/key | s3_copy download s3://bucket/key "
                 "LOCAL\n");
    return 2;
  }
  const bool upload = std::strcmp(argv[1], "upload") == 0;
  auto url = aws::ParseS3Url(upload ? argv[3] : argv[2]);
  if (!url.ok()) {
    std::fprintf(stderr, "s3_copy: %s\n", url.status().message().c_str());
    return 2;
  }
  auto client = aws::S3Client::FromEnv();
  if (!client.ok()) {
    std::fprintf(stderr, "s3_copy: %s\n", client.status().message().c_str());
    return 1;
  }
  const auto start = std::chrono::steady_clock::now();
  uint64_t bytes = 0;
  Status s =
      upload ? Upload(*client, argv[2], *url, &bytes) : Download(*client, *url, argv[3], &bytes);
  const double secs =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!s.ok()) {
    std::fprintf(stderr, "s3_copy: %s\n", s.message().c_str());
    return 1;
  }
  std::printf("%s %llu bytes in %.2f s (%.1f MB/s)\n", argv[1],
              static_cast<unsigned long long>(bytes), secs, bytes / 1e6 / secs);
  return 0;
}
