// The S3 client and the S3 FileSystem against moto_server: listing with paging (> 1000 keys,
// small pages), ranged and prefetched reads, multipart writes invisible until Publish, Abort and
// ListTemporaries/RemoveTemporaries leaving no upload, batch deletes, awkward keys, missing
// objects.
#include "runtime/s3_fs.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <thread>

#include "tests/util/moto_fixture.h"

namespace rankflow {
namespace {

using aws::S3Client;
using aws::S3Options;
using testing::SharedMoto;
using testing::TestS3Client;
using testing::UniqueBucket;

std::string RandomBytes(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string s(n, '\0');
  for (size_t i = 0; i < n; ++i) s[i] = static_cast<char>(rng() & 0xff);
  return s;
}

std::string ReadAll(InputStream* in, size_t buf_size = 100000) {
  std::string out;
  std::string buf(buf_size, '\0');
  for (;;) {
    size_t got = 0;
    Status s = in->Read(buf.data(), buf.size(), &got);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok() || got == 0) return out;
    out.append(buf.data(), got);
  }
}

class S3FsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(SharedMoto().ok()) << SharedMoto().error();
    S3Options opts;
    opts.part_size_bytes = 5ull << 20;
    opts.read_chunk_bytes = 1ull << 20;
    opts.read_parallelism = 3;
    opts.list_page_size = 100;
    client_ = TestS3Client(SharedMoto().endpoint(), opts);
    bucket_ = UniqueBucket("rf-fs");
    ASSERT_TRUE(client_->CreateBucket(bucket_).ok());
    fs_ = NewS3FileSystemWithClient(client_);
  }
  std::string Url(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

  std::shared_ptr<S3Client> client_;
  std::string bucket_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(S3FsTest, PutHeadGetRangesWithAwkwardKey) {
  const std::string key = "in/a b+c=d&e%f:g,h~i//\xc3\xa9 \xe6\x97\xa5.jsonl";
  const std::string data = RandomBytes(3'000'000, 1);
  ASSERT_TRUE(client_->PutObject(bucket_, key, data).ok());
  Result<uint64_t> size = fs_->Size(Url(key));
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, data.size());
  std::string part;
  ASSERT_TRUE(client_->GetObjectRange(bucket_, key, 12345, 1000, &part).ok());
  EXPECT_EQ(part, data.substr(12345, 1000));
  // A range across read chunks (1 MiB, 3 in flight) through the FileSystem.
  std::unique_ptr<InputStream> in;
  ASSERT_TRUE(fs_->OpenRead(Url(key), 1'000'000, 1'500'001, &in).ok());
  EXPECT_EQ(ReadAll(in.get(), 77777), data.substr(1'000'000, 1'500'001));
  ASSERT_TRUE(fs_->OpenRead(Url(key), 0, FileSystem::kToEnd, &in).ok());
  EXPECT_EQ(ReadAll(in.get()), data);
  ASSERT_TRUE(
      fs_->OpenRead("s3a://" + bucket_ + "/" + key, 2'999'990, FileSystem::kToEnd, &in).ok());
  EXPECT_EQ(ReadAll(in.get()), data.substr(2'999'990));
  // Past the end: nothing; a missing object: NotFound at open.
  ASSERT_TRUE(fs_->OpenRead(Url(key), data.size() + 10, FileSystem::kToEnd, &in).ok());
  EXPECT_EQ(ReadAll(in.get()), "");
  Status missing = fs_->OpenRead(Url("in/missing"), 0, FileSystem::kToEnd, &in);
  EXPECT_EQ(missing.code(), StatusCode::kNotFound) << missing.ToString();
  std::vector<FileInfo> files;
  ASSERT_TRUE(fs_->List(Url("in"), nullptr, &files).ok());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, Url(key));
  EXPECT_EQ(files[0].size, data.size());
}

TEST_F(S3FsTest, PresignedGetUrlFetchesTheObject) {
  const std::string key = "bin/rank flow+tool";
  ASSERT_TRUE(client_->PutObject(bucket_, key, "#!/bin/sh\necho hi\n").ok());
  aws::ServiceEndpoint ep = aws::ParseEndpointUrl(SharedMoto().endpoint()).value();
  ep.region = "us-east-1";
  aws::Credentials creds{"rankflowtestkeyid", "rankflowtestsecret", "tok", std::nullopt, "test"};
  aws::AwsServiceClient s3(ep, "s3", std::make_shared<aws::StaticCredentialsProvider>(creds),
                           std::make_shared<aws::HttpClient>());
  const std::string url = s3.PresignGetUrl("/" + bucket_ + "/" + key, 600);
  EXPECT_NE(url.find("X-Amz-Signature="), std::string::npos);
  EXPECT_EQ(url.find("rankflowtestsecret"), std::string::npos);
  aws::HttpClient http;
  aws::HttpRequest req;
  req.url = url;
  aws::HttpResponse resp;
  ASSERT_TRUE(http.Perform(req, &resp).ok());
  EXPECT_EQ(resp.status, 200);
  EXPECT_EQ(resp.body, "#!/bin/sh\necho hi\n");
}

TEST_F(S3FsTest, MissingObjectAndBucketAreNotFoundNamingThePath) {
  Result<uint64_t> size = fs_->Size(Url("nope/missing.gz"));
  ASSERT_FALSE(size.ok());
  EXPECT_EQ(size.status().code(), StatusCode::kNotFound);
  EXPECT_NE(size.status().message().find(Url("nope/missing.gz")), std::string::npos)
      << size.status().message();
  std::string contents;
  Status s = fs_->ReadSmallFile(Url("nope/missing.gz"), &contents);
  EXPECT_EQ(s.code(), StatusCode::kNotFound) << s.ToString();
  EXPECT_NE(s.message().find("GetObject: 404 NoSuchKey"), std::string::npos) << s.message();
  std::vector<FileInfo> files;
  EXPECT_EQ(fs_->List(Url("no-such-prefix"), nullptr, &files).code(), StatusCode::kNotFound);
  EXPECT_EQ(fs_->List("s3://" + UniqueBucket("rf-missing") + "/x", nullptr, &files).code(),
            StatusCode::kNotFound);
  Result<bool> exists = fs_->Exists(Url("nope/missing.gz"));
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists);
}

TEST_F(S3FsTest, ListPagesOverThousandKeysSortedSkippingHiddenThenDeletesInBatches) {
  constexpr int kFiles = 1050;
  std::vector<std::thread> threads;
  std::atomic<int> failures{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = t; i < kFiles; i += 4) {
        char name[64];
        std::snprintf(name, sizeof(name), "data/d%d/f-%05d.jsonl", i % 3, i);
        if (!client_->PutObject(bucket_, name, std::to_string(i)).ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  ASSERT_EQ(failures.load(), 0);
  ASSERT_TRUE(fs_->WriteSmallFile(Url("data/_SUCCESS"), "{}").ok());
  ASSERT_TRUE(fs_->WriteSmallFile(Url("data/d1/.hidden.jsonl"), "x").ok());
  ASSERT_TRUE(fs_->WriteSmallFile(Url("data/_temporary/f.jsonl"), "x").ok());
  ASSERT_TRUE(fs_->WriteSmallFile(Url("data/d0/f.txt"), "x").ok());
  ASSERT_TRUE(fs_->WriteSmallFile(Url("database/other.jsonl"), "x").ok());  // same prefix chars

  std::vector<FileInfo> files;
  std::regex jsonl("\\.jsonl$");
  ASSERT_TRUE(fs_->List(Url("data"), &jsonl, &files).ok());
  ASSERT_EQ(files.size(), static_cast<size_t>(kFiles));
  EXPECT_TRUE(std::is_sorted(files.begin(), files.end(),
                             [](const FileInfo& a, const FileInfo& b) { return a.path < b.path; }));
  EXPECT_EQ(files.front().path, Url("data/d0/f-00000.jsonl"));
  EXPECT_EQ(files.front().size, 1u);
  std::vector<FileInfo> all;
  ASSERT_TRUE(fs_->List(Url("data/"), nullptr, &all).ok());
  EXPECT_EQ(all.size(), static_cast<size_t>(kFiles + 1));  // + f.txt
  // A root that is an object lists itself.
  ASSERT_TRUE(fs_->List(Url("data/d0/f.txt"), nullptr, &files).ok());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, Url("data/d0/f.txt"));

  std::vector<std::string> paths;
  for (const auto& f : all) paths.push_back(f.path);
  ASSERT_TRUE(fs_->Delete(paths).ok());
  ASSERT_TRUE(fs_->Delete({Url("data/not-there")}).ok());
  std::vector<aws::S3ObjectInfo> left;
  ASSERT_TRUE(client_->ListObjects(bucket_, "data/", &left).ok());
  EXPECT_EQ(left.size(), 3u);  // _SUCCESS, .hidden.jsonl, _temporary/f.jsonl: never listed
}

TEST_F(S3FsTest, MultipartWriteInvisibleUntilPublish) {
  const std::string data =
      RandomBytes(12'500'000, 2);  // 5 MiB parts: 3 parts, uploaded in parallel
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewWritableFile(Url("out/part-00000.jsonl.gz"), &f).ok());
  for (size_t pos = 0; pos < data.size(); pos += 999'999) {
    ASSERT_TRUE(f->Append(std::string_view(data).substr(pos, 999'999)).ok());
  }
  ASSERT_TRUE(f->Finish().ok());
  EXPECT_EQ(f->bytes_written(), data.size());
  Result<bool> exists = fs_->Exists(Url("out/part-00000.jsonl.gz"));
  ASSERT_TRUE(exists.ok());
  EXPECT_FALSE(*exists) << "visible before Publish";
  std::vector<FileInfo> files;
  EXPECT_EQ(fs_->List(Url("out"), nullptr, &files).code(), StatusCode::kNotFound);
  std::vector<aws::S3UploadInfo> uploads;
  ASSERT_TRUE(client_->ListMultipartUploads(bucket_, "out/", &uploads).ok());
  EXPECT_EQ(uploads.size(), 1u);
  ASSERT_TRUE(f->Publish().ok());
  std::string back;
  ASSERT_TRUE(fs_->ReadSmallFile(Url("out/part-00000.jsonl.gz"), &back).ok());
  EXPECT_TRUE(back == data) << "content differs after multipart upload";
  ASSERT_TRUE(client_->ListMultipartUploads(bucket_, "out/", &uploads).ok());
  EXPECT_TRUE(uploads.empty());
  f.reset();  // destroying a published file must not remove it
  exists = fs_->Exists(Url("out/part-00000.jsonl.gz"));
  EXPECT_TRUE(exists.ok() && *exists);
}

TEST_F(S3FsTest, EmptyFileAndSmallFiles) {
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs_->NewWritableFile(Url("out/empty.jsonl"), &f).ok());
  ASSERT_TRUE(f->Finish().ok());
  ASSERT_TRUE(f->Publish().ok());
  Result<uint64_t> size = fs_->Size(Url("out/empty.jsonl"));
  ASSERT_TRUE(size.ok()) << size.status().ToString();
  EXPECT_EQ(*size, 0u);
  std::unique_ptr<InputStream> in;
  ASSERT_TRUE(fs_->OpenRead(Url("out/empty.jsonl"), 0, FileSystem::kToEnd, &in).ok());
  EXPECT_EQ(ReadAll(in.get()), "");
  ASSERT_TRUE(fs_->WriteSmallFile(Url("out/_SUCCESS"), "{\"job\":\"t\"}").ok());
  std::string back;
  ASSERT_TRUE(fs_->ReadSmallFile(Url("out/_SUCCESS"), &back).ok());
  EXPECT_EQ(back, "{\"job\":\"t\"}");
}

TEST_F(S3FsTest, AbortAndDestructionLeaveNoUploadAndNoObject) {
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs_->NewWritableFile(Url("out/part-00001.jsonl"), &f).ok());
    ASSERT_TRUE(f->Append(RandomBytes(6'000'000, 3)).ok());
    ASSERT_TRUE(f->Finish().ok());
    f->Abort();
    f->Abort();  // idempotent
  }
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs_->NewWritableFile(Url("out/part-00002.jsonl"), &f).ok());
    ASSERT_TRUE(f->Append(RandomBytes(5'300'000, 4)).ok());  // one part already in flight
  }                                                          // destroyed unpublished
  std::vector<aws::S3UploadInfo> uploads;
  ASSERT_TRUE(client_->ListMultipartUploads(bucket_, "out/", &uploads).ok());
  EXPECT_TRUE(uploads.empty()) << uploads.size() << " uploads left";
  EXPECT_FALSE(fs_->Exists(Url("out/part-00001.jsonl")).value());
  EXPECT_FALSE(fs_->Exists(Url("out/part-00002.jsonl")).value());
}

TEST_F(S3FsTest, TemporariesAreTheFoldersOwnUploadsAndGoOneByOne) {
  for (int i = 0; i < 3; ++i) {
    Result<std::string> id = client_->CreateMultipartUpload(
        bucket_, "job/part-0000" + std::to_string(i) + ".gz", "application/octet-stream");
    ASSERT_TRUE(id.ok());
    ASSERT_TRUE(
        client_->UploadPart(bucket_, "job/part-0000" + std::to_string(i) + ".gz", *id, 1, "abc")
            .ok());
  }
  ASSERT_TRUE(
      client_->CreateMultipartUpload(bucket_, "jobx/keep.gz", "application/octet-stream").ok());
  ASSERT_TRUE(  // a sub-folder's upload is not the folder's
      client_->CreateMultipartUpload(bucket_, "job/sub/keep.gz", "application/octet-stream").ok());
  std::vector<std::string> ids;
  ASSERT_TRUE(fs_->ListTemporaries(Url("job"), &ids).ok());
  ASSERT_EQ(ids.size(), 3u);
  ASSERT_TRUE(fs_->RemoveTemporaries(Url("job"), {ids[0], ids[2]}).ok());
  std::vector<aws::S3UploadInfo> uploads;
  ASSERT_TRUE(client_->ListMultipartUploads(bucket_, "", &uploads).ok());
  std::vector<std::string> left;
  for (const auto& u : uploads) left.push_back(u.key);
  std::sort(left.begin(), left.end());
  EXPECT_EQ(left,
            (std::vector<std::string>{"job/part-00001.gz", "job/sub/keep.gz", "jobx/keep.gz"}));
}

}  // namespace
}  // namespace rankflow
