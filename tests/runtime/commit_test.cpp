// OutputCommitter: all or nothing across ranks. Runs under mpirun at 1, 2 and 4 ranks.
#include "runtime/commit.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>

#include "runtime/writer.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::WriteFile;

// A folder every rank sees: rank 0 makes it, the path is broadcast.
class SharedDir {
 public:
  SharedDir() {
    if (testing::TestMpi().is_root()) {
      dir_ = std::make_unique<testing::TempDir>();
      path_ = dir_->path();
    }
    testing::TestMpi().Broadcast(&path_);
  }
  ~SharedDir() { testing::TestMpi().Barrier(); }
  std::string Join(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::unique_ptr<testing::TempDir> dir_;
  std::string path_;
};

// Names of everything below `dir` (hidden ones included), sorted; empty if it does not exist.
std::vector<std::string> AllNames(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    out.push_back(std::filesystem::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string PartName(const std::string& stem, int rank, const std::string& ext) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", rank);
  return stem + "-" + buf + "." + ext;
}

// Writes `records` jsonl records into a new part and finishes it.
void WritePart(OutputCommitter& c, int records, const std::string& stem = "part") {
  WritableFile* part = c.NewPart("jsonl", stem);
  ASSERT_NE(part, nullptr);
  RecordWriter w(part, OutputFormat::kJsonl);
  for (int i = 0; i < records; ++i) {
    EXPECT_TRUE(w.WriteJson("{\"rank\":" + std::to_string(testing::TestMpi().rank()) +
                            ",\"i\":" + std::to_string(i) + "}")
                    .ok());
  }
  EXPECT_TRUE(w.Finish().ok());
  c.SetRecords(part, w.records());
}

TEST(CommitTest, ParseWriteMode) {
  EXPECT_EQ(ParseWriteMode("error").value(), WriteMode::kError);
  EXPECT_EQ(ParseWriteMode("overwrite").value(), WriteMode::kOverwrite);
  EXPECT_EQ(ParseWriteMode("skip").status().code(), StatusCode::kInvalidArgument);
}

TEST(CommitTest, AllRanksOkGivesPartsAndManifest) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
  ASSERT_TRUE(c.status().ok()) << c.status().ToString();
  WritePart(c, 10 + testing::TestMpi().rank());
  // Nothing is visible before the commit.
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    std::vector<FileInfo> visible;
    ASSERT_TRUE(fs->List(dest, nullptr, &visible).ok());
    EXPECT_TRUE(visible.empty());
  }
  testing::TestMpi().Barrier();
  Status s = c.Commit(
      true, "\"job\":\"commit_test\",\"ranks\":" + std::to_string(testing::TestMpi().size()));
  ASSERT_TRUE(s.ok()) << s.ToString();
  if (!testing::TestMpi().is_root()) return;

  std::vector<std::string> expected;
  for (int r = 0; r < testing::TestMpi().size(); ++r)
    expected.push_back(PartName("part", r, "jsonl"));
  expected.push_back("_SUCCESS");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(AllNames(dest), expected) << "no _temporary left behind";

  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  ASSERT_FALSE(m.HasParseError());
  EXPECT_STREQ(m["job"].GetString(), "commit_test");
  EXPECT_EQ(m["ranks"].GetInt(), testing::TestMpi().size());
  const auto& files = m["files"];
  ASSERT_EQ(files.Size(), static_cast<unsigned>(testing::TestMpi().size()));
  for (int r = 0; r < testing::TestMpi().size(); ++r) {
    std::string path = dest + "/" + PartName("part", r, "jsonl");
    EXPECT_EQ(files[r]["path"].GetString(), path);
    EXPECT_EQ(files[r]["records"].GetUint64(), 10u + r);
    EXPECT_EQ(files[r]["bytes"].GetUint64(), ReadFile(path).size());
    EXPECT_EQ(testing::SplitLines(ReadFile(path)).size(), 10u + r);
  }
  ASSERT_EQ(c.committed_files().size(), static_cast<size_t>(testing::TestMpi().size()));
  EXPECT_EQ(c.committed_files()[0].records, 10u);
}

TEST(CommitTest, OneRankFailsLeavesNothingVisibleAndEveryRankGetsTheError) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  int failing = testing::TestMpi().size() - 1;
  OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
  WritePart(c, 5);
  Status s = c.Commit(testing::TestMpi().rank() != failing, "\"job\":\"x\"");
  ASSERT_FALSE(s.ok());
  if (testing::TestMpi().rank() == failing) {
    EXPECT_NE(s.message().find("reported failure"), std::string::npos) << s.ToString();
  } else {
    EXPECT_EQ(s.code(), StatusCode::kAborted);
    EXPECT_NE(s.message().find("rank " + std::to_string(failing)), std::string::npos)
        << s.ToString();
  }
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(AllNames(dest), std::vector<std::string>{});
  }
}

TEST(CommitTest, AnAbortedOrUnfinishedPartFailsTheCommit) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
  WritableFile* part = c.NewPart("jsonl");
  ASSERT_TRUE(part->Append("{}\n").ok());
  if (testing::TestMpi().rank() == 0) {
    part->Abort();
  } else {
    ASSERT_TRUE(part->Finish().ok());
  }
  EXPECT_FALSE(part->Publish().ok()) << "only the committer publishes";
  Status s = c.Commit(true, "");
  EXPECT_FALSE(s.ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(AllNames(dest), std::vector<std::string>{});
  }
  testing::TestMpi().Barrier();

  OutputCommitter c2(testing::TestMpi(), *fs, dest, WriteMode::kError);
  WritableFile* p2 = c2.NewPart("jsonl");
  ASSERT_TRUE(p2->Append("{}\n").ok());  // never finished
  s = c2.Commit(true, "");
  EXPECT_FALSE(s.ok());
  if (testing::TestMpi().is_root()) {
    EXPECT_NE(s.message().find("not finished"), std::string::npos);
  }
}

TEST(CommitTest, OverwriteReplacesAnOlderOutputWithMoreParts) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  {
    OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
    WritePart(c, 3, "part");
    WritePart(c, 4, "extra");
    ASSERT_TRUE(c.Commit(true, "\"job\":\"old\"").ok());
  }
  {
    // A failing overwrite keeps the old output whole, _SUCCESS included.
    OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kOverwrite);
    ASSERT_TRUE(c.status().ok());
    WritePart(c, 1);
    EXPECT_FALSE(c.Commit(testing::TestMpi().rank() != 0, "\"job\":\"failed\"").ok());
  }
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_NE(ReadFile(dest + "/_SUCCESS").find("\"job\":\"old\""), std::string::npos);
    EXPECT_EQ(AllNames(dest).size(), 2u * testing::TestMpi().size() + 1u)
        << ::testing::PrintToString(AllNames(dest));
  }
  testing::TestMpi()
      .Barrier();  // the next committer's temporaries must not show up in that listing
  {
    OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kOverwrite);
    ASSERT_TRUE(c.status().ok());
    WritePart(c, 2);
    ASSERT_TRUE(c.Commit(true, "\"job\":\"new\"").ok());
  }
  testing::TestMpi().Barrier();
  if (!testing::TestMpi().is_root()) return;
  std::vector<std::string> expected;
  for (int r = 0; r < testing::TestMpi().size(); ++r)
    expected.push_back(PartName("part", r, "jsonl"));
  expected.push_back("_SUCCESS");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(AllNames(dest), expected) << "stale extra-* parts must be gone";
  EXPECT_NE(ReadFile(dest + "/_SUCCESS").find("\"job\":\"new\""), std::string::npos);
  EXPECT_EQ(testing::SplitLines(ReadFile(dest + "/" + PartName("part", 0, "jsonl"))).size(), 2u);
}

TEST(CommitTest, ErrorModeRefusesAnExistingOutput) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dir.Join("with-marker"));
    WriteFile(dir.Join("with-marker/_SUCCESS"), "{}");
    std::filesystem::create_directories(dir.Join("with-marker/_temporary"));
    WriteFile(dir.Join("with-marker/_temporary/another-job"), "busy");
    std::filesystem::create_directories(dir.Join("with-file/sub"));
    WriteFile(dir.Join("with-file/sub/part-00000.jsonl"), "{}\n");
    std::filesystem::create_directories(dir.Join("only-hidden/_temporary"));
    WriteFile(dir.Join("only-hidden/.keep"), "");
  }
  testing::TestMpi().Barrier();
  OutputCommitter marker(testing::TestMpi(), *fs, dir.Join("with-marker"), WriteMode::kError);
  EXPECT_EQ(marker.status().code(), StatusCode::kAlreadyExists);
  EXPECT_NE(marker.status().message().find("--mode overwrite"), std::string::npos);
  OutputCommitter file(testing::TestMpi(), *fs, dir.Join("with-file"), WriteMode::kError);
  EXPECT_EQ(file.status().code(), StatusCode::kAlreadyExists);
  OutputCommitter hidden(testing::TestMpi(), *fs, dir.Join("only-hidden"), WriteMode::kError);
  EXPECT_TRUE(hidden.status().ok()) << hidden.status().ToString();
  // A refused committer cannot commit either, on any rank.
  WritableFile* part = marker.NewPart("jsonl");
  EXPECT_EQ(part->Append("x").code(), StatusCode::kAlreadyExists);
  EXPECT_FALSE(marker.Commit(true, "").ok());
  EXPECT_FALSE(file.Commit(true, "").ok());
  EXPECT_TRUE(hidden.Commit(true, "").ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dir.Join("with-marker/_SUCCESS")), "{}") << "refused output untouched";
    EXPECT_EQ(ReadFile(dir.Join("with-marker/_temporary/another-job")), "busy");
  }
}

TEST(CommitTest, UnwritableDestFailsOnEveryRankNamingThePath) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  if (testing::TestMpi().is_root()) WriteFile(dir.Join("file.txt"), "x");
  testing::TestMpi().Barrier();
  std::string dest = dir.Join("file.txt/out");
  OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kOverwrite);
  WritableFile* part = c.NewPart("jsonl.gz");
  RecordWriter w(part, OutputFormat::kJsonlGz);
  EXPECT_TRUE(w.WriteJson("{}").ok()) << "buffered";
  Status finish = w.Finish();
  EXPECT_FALSE(finish.ok());
  EXPECT_NE(finish.message().find("file.txt: not a directory"), std::string::npos)
      << finish.ToString();
  Status s = c.Commit(finish.ok(), "");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadFile(dir.Join("file.txt")), "x");
}

TEST(CommitTest, BadManifestMembersFailTheCommit) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  for (const char* bad : {"\"job\":", "\"files\":[]"}) {
    OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kOverwrite);
    WritePart(c, 1);
    Status s = c.Commit(true, bad);
    EXPECT_FALSE(s.ok()) << bad;
    if (testing::TestMpi().is_root()) {
      EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    }
    testing::TestMpi().Barrier();
    if (testing::TestMpi().is_root()) {
      EXPECT_EQ(AllNames(dest), std::vector<std::string>{}) << bad;
    }
    testing::TestMpi().Barrier();
  }
}

// The local file system, except that writing _SUCCESS fails (a full disk at the last step).
class NoManifestFs : public FileSystem {
 public:
  Status List(const std::string& root, const std::regex* re, std::vector<FileInfo>* out) override {
    return local_->List(root, re, out);
  }
  Result<uint64_t> Size(const std::string& path) override { return local_->Size(path); }
  Status OpenRead(const std::string& path, uint64_t offset, uint64_t length,
                  std::unique_ptr<InputStream>* out) override {
    return local_->OpenRead(path, offset, length, out);
  }
  Status NewWritableFile(const std::string& path, std::unique_ptr<WritableFile>* out) override {
    return local_->NewWritableFile(path, out);
  }
  Status WriteSmallFile(const std::string& path, std::string_view) override {
    return Status::IOError(path + ": no space left on device");
  }
  Status ReadSmallFile(const std::string& path, std::string* contents) override {
    return local_->ReadSmallFile(path, contents);
  }
  Result<bool> Exists(const std::string& path) override { return local_->Exists(path); }
  Status Delete(const std::vector<std::string>& paths) override { return local_->Delete(paths); }
  Status CleanupTemporaries(const std::string& dir) override {
    return local_->CleanupTemporaries(dir);
  }

 private:
  std::unique_ptr<FileSystem> local_ = NewLocalFileSystem();
};

TEST(CommitTest, FailingToWriteTheManifestTakesThePartsBack) {
  SharedDir dir;
  NoManifestFs fs;
  std::string dest = dir.Join("out");
  OutputCommitter c(testing::TestMpi(), fs, dest, WriteMode::kError);
  WritePart(c, 3);
  Status s = c.Commit(true, "\"job\":\"x\"");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.message().find("_SUCCESS: no space left on device"), std::string::npos)
      << s.ToString();
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    std::vector<FileInfo> visible;
    Status l = fs.List(dest, nullptr, &visible);
    EXPECT_TRUE(l.ok()) << l.ToString();
    EXPECT_TRUE(visible.empty()) << visible.size() << " parts still visible";
  }
}

TEST(CommitTest, NoPartsStillWritesAManifest) {
  SharedDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("empty-out");
  OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
  ASSERT_TRUE(c.Commit(true, "\"job\":\"nothing\"").ok());
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dest + "/_SUCCESS"), "{\"job\":\"nothing\",\"files\":[]}\n");
  }
}

}  // namespace
}  // namespace rankflow
