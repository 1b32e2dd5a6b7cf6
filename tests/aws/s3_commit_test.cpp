// The output commit on S3 (moto), through the fault-injecting proxy: each S3 call a commit makes
// fails in turn (every attempt of it answers 500), and after each the prefix holds the old
// committed output or the new one as a manifest-following reader sees it, a rerun succeeds, and
// the prefix then holds _SUCCESS and the files it lists, nothing else, no upload left open.
// Also: two committers racing on one prefix (If-None-Match / If-Match on _SUCCESS).
// Runs under mpirun at 1 and 2 ranks.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <thread>

#include "runtime/commit.h"
#include "runtime/s3_fs.h"
#include "runtime/writer.h"
#include "tests/util/moto_fixture.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::TestMpi;

// fault_proxy.py in front of moto with a schedule, on rank 0; every rank gets the endpoint.
class Proxy {
 public:
  explicit Proxy(const std::string& schedule) {
    if (TestMpi().is_root()) {
      dir_ = std::make_unique<testing::TempDir>();
      const std::string port_file = dir_->Join("port");
      log_ = dir_->Join("requests.log");
      child_ = std::make_unique<testing::ChildProcess>(
          std::vector<std::string>{"python3", testing::SourcePath("tests/aws/fault_proxy.py"),
                                   "--upstream", testing::SharedMoto().endpoint(), "--schedule",
                                   schedule, "--port-file", port_file, "--log", log_},
          std::vector<std::string>{}, dir_->Join("proxy.out"));
      for (int i = 0; i < 200 && endpoint_.empty(); ++i) {
        std::ifstream in(port_file);
        int port = 0;
        if (in >> port && port > 0) endpoint_ = "http://127.0.0.1:" + std::to_string(port);
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    TestMpi().Broadcast(&endpoint_);
  }
  const std::string& endpoint() const { return endpoint_; }
  size_t Requests() const { return testing::SplitLines(testing::ReadFile(log_)).size(); }

 private:
  std::unique_ptr<testing::TempDir> dir_;
  std::string log_;
  std::string endpoint_;
  std::unique_ptr<testing::ChildProcess> child_;
};

class S3CommitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One moto for all ranks: rank 0's (scripts/test.sh's, or one it starts), then the others'.
    std::string endpoint;
    if (TestMpi().is_root()) endpoint = testing::SharedMoto().endpoint();
    TestMpi().Broadcast(&endpoint);
    if (!TestMpi().is_root() && !endpoint.empty()) {
      setenv("RANKFLOW_TEST_MOTO_ENDPOINT", endpoint.c_str(), 1);
    }
    ASSERT_TRUE(testing::SharedMoto().ok()) << testing::SharedMoto().error();
    if (TestMpi().is_root()) bucket_ = testing::UniqueBucket("rf-commit");
    TestMpi().Broadcast(&bucket_);
    direct_ = testing::TestS3Client(testing::SharedMoto().endpoint());
    if (TestMpi().is_root()) {
      ASSERT_TRUE(direct_->CreateBucket(bucket_).ok());
    }
    TestMpi().Barrier();
    fs_ = NewS3FileSystemWithClient(direct_);
  }

  std::string Url(const std::string& key) const { return "s3://" + bucket_ + "/" + key; }

  // Two parts per rank, `records` records each, tagged with `job`.
  Status Commit(FileSystem& fs, const std::string& dest, WriteMode mode, const std::string& job,
                int records) {
    OutputCommitter c(TestMpi(), fs, dest, mode);
    bool ok = c.status().ok();
    for (const char* stem : {"part", "extra"}) {
      WritableFile* f = c.NewPart("jsonl", stem);
      RecordWriter w(f, OutputFormat::kJsonl);
      for (int i = 0; i < records && ok; ++i) {
        ok = w.WriteJson("{\"job\":\"" + job + "\",\"i\":" + std::to_string(i) + "}").ok();
      }
      ok = w.Finish().ok() && ok;
      c.SetRecords(f, w.records());
    }
    return c.Commit(ok, "\"job\":\"" + job + "\"");
  }

  // The job whose output a manifest-following reader sees ("" = none), after checking that every
  // listed object exists with its size and holds only that job's records.
  std::string CommittedJob(const std::string& dest) {
    std::string json;
    Status r = fs_->ReadSmallFile(dest + "/_SUCCESS", &json);
    if (r.code() == StatusCode::kNotFound) return "";
    EXPECT_TRUE(r.ok()) << r.ToString();
    Manifest m;
    EXPECT_TRUE(ParseManifest(dest, json, &m).ok()) << json;
    std::string job = json.substr(json.find("\"job\":\"") + 7);
    job = job.substr(0, job.find('"'));
    EXPECT_EQ(m.files.size(), 2u * TestMpi().size()) << json;
    for (const ManifestFile& f : m.files) {
      std::string body;
      Status s = fs_->ReadSmallFile(dest + "/" + f.file, &body);
      EXPECT_TRUE(s.ok()) << "listed but unreadable: " << s.ToString();
      EXPECT_EQ(body.size(), f.bytes) << f.file;
      for (const std::string& line : testing::SplitLines(body)) {
        EXPECT_NE(line.find("\"job\":\"" + job + "\""), std::string::npos) << line;
      }
    }
    return job;
  }

  // True if dest holds _SUCCESS and what it lists, nothing else, and no upload is open.
  bool Exact(const std::string& dest, std::string* why) {
    std::vector<aws::S3ObjectInfo> all;
    std::vector<aws::S3UploadInfo> uploads;
    const std::string prefix = dest.substr(("s3://" + bucket_ + "/").size()) + "/";
    if (!direct_->ListObjects(bucket_, prefix, &all).ok() ||
        !direct_->ListMultipartUploads(bucket_, prefix, &uploads).ok()) {
      *why = "listing failed";
      return false;
    }
    std::string json;
    Manifest m;
    if (!fs_->ReadSmallFile(dest + "/_SUCCESS", &json).ok() ||
        !ParseManifest(dest, json, &m).ok()) {
      *why = "no manifest";
      return false;
    }
    std::vector<std::string> want = {prefix + "_SUCCESS"}, have;
    for (const auto& f : m.files) want.push_back(prefix + f.file);
    for (const auto& o : all) have.push_back(o.key);
    std::sort(want.begin(), want.end());
    *why = ::testing::PrintToString(have) + " uploads open: " + std::to_string(uploads.size());
    return want == have && uploads.empty();
  }

  std::string bucket_;
  std::shared_ptr<aws::S3Client> direct_;
  std::unique_ptr<FileSystem> fs_;
};

TEST_F(S3CommitTest, EachCallOfTheCommitFailingInTurnNeverLosesTheOldOutput) {
  // How many calls an overwrite commit makes, seen through a proxy that passes everything.
  size_t calls = 0;
  {
    ASSERT_TRUE(Commit(*fs_, Url("count"), WriteMode::kError, "old", 5).ok());
    Proxy proxy("");
    auto fs = NewS3FileSystemWithClient(testing::TestS3Client(proxy.endpoint(), {}, 2));
    ASSERT_TRUE(Commit(*fs, Url("count"), WriteMode::kOverwrite, "new", 5).ok());
    TestMpi().Barrier();
    if (TestMpi().is_root()) calls = proxy.Requests();
  }
  std::string wire = std::to_string(calls);
  TestMpi().Broadcast(&wire);
  calls = std::stoul(wire);
  ASSERT_GT(calls, 6u);
  int kept_old = 0, committed_new = 0;
  for (size_t k = 0; k < calls; ++k) {
    const std::string dest = Url("turn-" + std::to_string(k));
    ASSERT_TRUE(Commit(*fs_, dest, WriteMode::kError, "old", 3).ok());
    {
      // Call k fails on both of its attempts; every other call passes.
      Proxy proxy(k == 0 ? "500x2" : "passx" + std::to_string(k) + ",500x2");
      auto fs = NewS3FileSystemWithClient(testing::TestS3Client(proxy.endpoint(), {}, 2));
      Status s = Commit(*fs, dest, WriteMode::kOverwrite, "new", 4);
      std::string job = TestMpi().is_root() ? CommittedJob(dest) : "";
      TestMpi().Broadcast(&job);
      EXPECT_TRUE(job == "old" || job == "new") << "call " << k << ": '" << job << "'";
      if (s.ok()) {
        EXPECT_EQ(job, "new") << "call " << k << ": ok without the new output";
      }
      kept_old += job == "old";
      committed_new += job == "new";
    }
    // The same command again, with no faults.
    Status again = Commit(*fs_, dest, WriteMode::kOverwrite, "rerun", 2);
    ASSERT_TRUE(again.ok()) << "call " << k << ": " << again.ToString();
    TestMpi().Barrier();
    if (TestMpi().is_root()) {
      EXPECT_EQ(CommittedJob(dest), "rerun");
      std::string why;
      EXPECT_TRUE(Exact(dest, &why)) << "call " << k << ": " << why;
    }
    TestMpi().Barrier();
  }
  if (TestMpi().is_root()) {
    std::printf("%zu calls per commit: %d failures kept the old output, %d committed anyway\n",
                calls, kept_old, committed_new);
  }
  EXPECT_GT(kept_old, 0);
}

TEST_F(S3CommitTest, OfTwoCommittersOnOnePrefixExactlyOneWins) {
  for (WriteMode mode : {WriteMode::kError, WriteMode::kOverwrite}) {
    const std::string dest = Url(mode == WriteMode::kError ? "race-error" : "race-overwrite");
    if (mode == WriteMode::kOverwrite) {
      ASSERT_TRUE(Commit(*fs_, dest, mode, "old", 1).ok());
    }
    OutputCommitter first(TestMpi(), *fs_, dest, mode);
    OutputCommitter second(TestMpi(), *fs_, dest, mode);
    ASSERT_TRUE(first.status().ok() && second.status().ok()) << second.status().ToString();
    for (OutputCommitter* c : {&first, &second}) {
      WritableFile* f = c->NewPart("jsonl");
      RecordWriter w(f, OutputFormat::kJsonl);
      ASSERT_TRUE(w.WriteJson("{\"by\":\"" + c->attempt() + "\"}").ok());
      ASSERT_TRUE(w.Finish().ok());
    }
    ASSERT_TRUE(first.Commit(true, "\"job\":\"first\"").ok());
    Status s = second.Commit(true, "\"job\":\"second\"");
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
    TestMpi().Barrier();
    if (TestMpi().is_root()) {
      std::string json;
      ASSERT_TRUE(fs_->ReadSmallFile(dest + "/_SUCCESS", &json).ok());
      EXPECT_NE(json.find(first.attempt()), std::string::npos);
      std::vector<aws::S3ObjectInfo> all;
      const std::string prefix = dest.substr(("s3://" + bucket_ + "/").size()) + "/";
      ASSERT_TRUE(direct_->ListObjects(bucket_, prefix, &all).ok());
      for (const auto& o : all) {
        EXPECT_EQ(o.key.find(second.attempt()), std::string::npos) << "loser left " << o.key;
      }
    }
    TestMpi().Barrier();
  }
}

TEST_F(S3CommitTest, PartitionedOverwriteRemovesOldFilesLeftoversAndOpenUploadsInFolders) {
  const std::string dest = Url("partitioned");
  // One part per rank in each folder, and a second one in the first (a reopened partition).
  auto commit = [&](WriteMode mode, const std::string& job,
                    const std::vector<std::string>& folders) {
    OutputCommitter c(TestMpi(), *fs_, dest, mode);
    bool ok = c.status().ok();
    std::vector<std::string> places = folders;
    places.push_back(folders.front());
    for (const std::string& folder : places) {
      WritableFile* f = c.NewPart("jsonl", "part", folder);
      RecordWriter w(f, OutputFormat::kJsonl);
      ok = w.WriteJson("{\"job\":\"" + job + "\"}").ok() && w.Finish().ok() && ok;
      c.SetRecords(f, w.records());
    }
    return c.Commit(ok, "\"job\":\"" + job + "\"");
  };
  ASSERT_TRUE(commit(WriteMode::kError, "old", {"dt=2015-08-05", "dt=2015-08-06/hr=07"}).ok());
  const std::string prefix = "partitioned/";
  if (TestMpi().is_root()) {
    std::string json;
    ASSERT_TRUE(fs_->ReadSmallFile(dest + "/_SUCCESS", &json).ok());
    Manifest m;
    ASSERT_TRUE(ParseManifest(dest, json, &m).ok());
    EXPECT_EQ(m.files.size(), 3u * TestMpi().size());
    EXPECT_NE(m.Find("dt=2015-08-05/part-00000-1.jsonl"), nullptr) << json;
    EXPECT_NE(m.Find("dt=2015-08-06/hr=07/part-00000.jsonl"), nullptr) << json;
    // A killed attempt: a published leftover in a new folder, an open upload in another.
    ASSERT_TRUE(direct_
                    ->PutObject(bucket_, prefix + "dt=2015-08-08/part-00001-rf0123456789ab.jsonl",
                                "{}\n", "application/octet-stream")
                    .ok());
    ASSERT_TRUE(direct_
                    ->CreateMultipartUpload(
                        bucket_, prefix + "dt=2015-08-09/hr=01/part-00000-rf0123456789ab.jsonl",
                        "application/octet-stream")
                    .ok());
    std::vector<std::string> folders;
    ASSERT_TRUE(fs_->ListTemporaryFolders(dest, &folders).ok());
    EXPECT_EQ(folders, std::vector<std::string>{"dt=2015-08-09/hr=01"});
  }
  TestMpi().Barrier();
  ASSERT_TRUE(commit(WriteMode::kOverwrite, "new", {"dt=2015-08-06/hr=07"}).ok());
  TestMpi().Barrier();
  if (TestMpi().is_root()) {
    std::string why;
    EXPECT_TRUE(Exact(dest, &why)) << why;
    std::string json;
    ASSERT_TRUE(fs_->ReadSmallFile(dest + "/_SUCCESS", &json).ok());
    EXPECT_NE(json.find("\"job\":\"new\""), std::string::npos);
  }
  TestMpi().Barrier();
}

}  // namespace
}  // namespace rankflow
