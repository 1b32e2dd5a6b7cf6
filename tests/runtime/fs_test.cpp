// The local FileSystem: listing, ranged reads, invisible writes, errors.
#include "runtime/fs.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <regex>

#include "runtime/local_fs.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::TempDir;
using testing::WriteFile;

std::vector<std::string> Paths(const std::vector<FileInfo>& files) {
  std::vector<std::string> out;
  for (const auto& f : files) out.push_back(f.path);
  return out;
}

bool Exists(FileSystem& fs, const std::string& path) {
  Result<bool> r = fs.Exists(path);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() && r.value();
}

std::string ReadAll(InputStream& in, size_t chunk) {
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    size_t got = 0;
    Status s = in.Read(buf.data(), buf.size(), &got);
    EXPECT_TRUE(s.ok()) << s.ToString();
    if (!s.ok() || got == 0) return out;
    out.append(buf.data(), got);
  }
}

TEST(FsTest, JoinUsesExactlyOneSlash) {
  EXPECT_EQ(FileSystem::Join("/a", "b"), "/a/b");
  EXPECT_EQ(FileSystem::Join("/a/", "b"), "/a/b");
  EXPECT_EQ(FileSystem::Join("/a/", "/b"), "/a/b");
  EXPECT_EQ(FileSystem::Join("s3://bkt/p", "x"), "s3://bkt/p/x");
  EXPECT_TRUE(IsS3Path("s3://b/k"));
  EXPECT_TRUE(IsS3Path("s3a://b/k"));
  EXPECT_FALSE(IsS3Path("/s3://b"));
}

TEST(FsTest, OpenFileSystemGivesLocalForPlainPaths) {
  TempDir dir;
  std::unique_ptr<FileSystem> fs;
  ASSERT_TRUE(OpenFileSystem(dir.path(), &fs).ok());
  ASSERT_NE(fs, nullptr);
  WriteFile(dir.Join("a"), "x");
  auto size = fs->Size(dir.Join("a"));
  ASSERT_TRUE(size.ok());
  EXPECT_EQ(*size, 1u);
}

TEST(FsTest, ListIsRecursiveSortedAndSkipsHiddenNames) {
  TempDir dir;
  std::filesystem::create_directories(dir.Join("b/c"));
  std::filesystem::create_directories(dir.Join("_temporary"));
  std::filesystem::create_directories(dir.Join(".hidden"));
  WriteFile(dir.Join("z.jsonl"), "zz");
  WriteFile(dir.Join("a.jsonl.gz"), "a");
  WriteFile(dir.Join("b/c/d.jsonl"), "dddd");
  WriteFile(dir.Join("b/e.txt"), "e");
  WriteFile(dir.Join("_SUCCESS"), "{}");
  WriteFile(dir.Join(".crc"), "x");
  WriteFile(dir.Join("_temporary/part-0"), "x");
  WriteFile(dir.Join(".hidden/f.jsonl"), "x");
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  ASSERT_TRUE(fs->List(dir.path(), nullptr, &files).ok());
  EXPECT_EQ(Paths(files), (std::vector<std::string>{dir.Join("a.jsonl.gz"), dir.Join("b/c/d.jsonl"),
                                                    dir.Join("b/e.txt"), dir.Join("z.jsonl")}));
  EXPECT_EQ(files[1].size, 4u);

  std::regex re("\\.jsonl(\\.gz)?$");
  ASSERT_TRUE(fs->List(dir.path() + "/", &re, &files).ok());
  EXPECT_EQ(Paths(files), (std::vector<std::string>{dir.Join("a.jsonl.gz"), dir.Join("b/c/d.jsonl"),
                                                    dir.Join("z.jsonl")}));
}

TEST(FsTest, ListOfAFileListsItselfAndMissingRootIsNotFound) {
  TempDir dir;
  WriteFile(dir.Join("one.jsonl"), "abc");
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files;
  ASSERT_TRUE(fs->List(dir.Join("one.jsonl"), nullptr, &files).ok());
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].path, dir.Join("one.jsonl"));
  EXPECT_EQ(files[0].size, 3u);

  Status s = fs->List(dir.Join("x/y"), nullptr, &files);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_EQ(s.message(), dir.Join("x/y") + ": no such file or directory");
}

TEST(FsTest, EmptyFolderListsNothing) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  std::vector<FileInfo> files{{"stale", 1}};
  ASSERT_TRUE(fs->List(dir.path(), nullptr, &files).ok());
  EXPECT_TRUE(files.empty());
}

TEST(FsTest, OpenReadStreamsByteRanges) {
  TempDir dir;
  std::string data;
  for (int i = 0; i < 100000; ++i) data.push_back(static_cast<char>('a' + i % 26));
  WriteFile(dir.Join("f"), data);
  auto fs = NewLocalFileSystem();
  std::unique_ptr<InputStream> in;
  ASSERT_TRUE(fs->OpenRead(dir.Join("f"), 0, FileSystem::kToEnd, &in).ok());
  EXPECT_EQ(ReadAll(*in, 4096), data);
  ASSERT_TRUE(fs->OpenRead(dir.Join("f"), 12345, 777, &in).ok());
  EXPECT_EQ(ReadAll(*in, 100), data.substr(12345, 777));
  ASSERT_TRUE(fs->OpenRead(dir.Join("f"), 99990, 1000, &in).ok());
  EXPECT_EQ(ReadAll(*in, 7), data.substr(99990));
  ASSERT_TRUE(fs->OpenRead(dir.Join("f"), 200000, FileSystem::kToEnd, &in).ok());
  EXPECT_EQ(ReadAll(*in, 7), "");

  Status s = fs->OpenRead(dir.Join("missing"), 0, FileSystem::kToEnd, &in);
  EXPECT_EQ(s.code(), StatusCode::kNotFound);
  EXPECT_NE(s.message().find(dir.Join("missing")), std::string::npos);
  EXPECT_FALSE(fs->Size(dir.Join("missing")).ok());
  s = fs->OpenRead(dir.path(), 0, FileSystem::kToEnd, &in);
  EXPECT_EQ(s.message(), dir.path() + ": is a directory");
}

TEST(FsTest, WritableFileIsInvisibleUntilPublish) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  std::string final_path = dir.Join("out/sub/part-00000.jsonl");
  std::unique_ptr<WritableFile> f;
  ASSERT_TRUE(fs->NewWritableFile(final_path, &f).ok());
  EXPECT_EQ(f->path(), final_path);
  std::string big(1 << 20, 'x');
  ASSERT_TRUE(f->Append("hello ").ok());
  ASSERT_TRUE(f->Append(big).ok());
  ASSERT_TRUE(f->Append("!").ok());
  EXPECT_EQ(f->bytes_written(), 6u + big.size() + 1u);
  std::vector<FileInfo> files;
  ASSERT_TRUE(fs->List(dir.Join("out"), nullptr, &files).ok());
  EXPECT_TRUE(files.empty()) << "unpublished bytes must not be visible";
  EXPECT_FALSE(Exists(*fs, final_path));
  ASSERT_TRUE(f->Finish().ok());
  EXPECT_FALSE(Exists(*fs, final_path));
  ASSERT_TRUE(f->Publish().ok());
  EXPECT_EQ(ReadFile(final_path), "hello " + big + "!");
  ASSERT_TRUE(fs->List(dir.Join("out"), nullptr, &files).ok());
  EXPECT_EQ(Paths(files), std::vector<std::string>{final_path});
  f.reset();  // destroying a published file keeps it
  EXPECT_TRUE(Exists(*fs, final_path));
  // Its temporary was renamed away: the empty _temporary goes with RemoveTemporaries.
  std::vector<std::string> ids;
  ASSERT_TRUE(fs->ListTemporaries(dir.Join("out/sub"), &ids).ok());
  EXPECT_TRUE(ids.empty());
  ASSERT_TRUE(fs->RemoveTemporaries(dir.Join("out/sub"), ids).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Join("out/sub/_temporary")));
}

TEST(FsTest, AbortAndDestructorDiscardTheFile) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs->NewWritableFile(dir.Join("a"), &f).ok());
    ASSERT_TRUE(f->Append("data").ok());
    f->Abort();
    f->Abort();  // idempotent
    EXPECT_FALSE(f->Publish().ok());
  }
  {
    std::unique_ptr<WritableFile> f;
    ASSERT_TRUE(fs->NewWritableFile(dir.Join("b"), &f).ok());
    ASSERT_TRUE(f->Append("data").ok());
    ASSERT_TRUE(f->Finish().ok());
  }  // destroyed unpublished
  EXPECT_FALSE(std::filesystem::exists(dir.Join("a")));
  EXPECT_FALSE(std::filesystem::exists(dir.Join("b")));
  EXPECT_TRUE(std::filesystem::is_empty(dir.Join("_temporary")))
      << "aborted files leave no temporary behind";
}

TEST(FsTest, PublishReplacesAnExistingFile) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  WriteFile(dir.Join("p"), "old contents");
  ASSERT_TRUE(fs->WriteSmallFile(dir.Join("p"), "new").ok());
  EXPECT_EQ(ReadFile(dir.Join("p")), "new");
  std::string back;
  ASSERT_TRUE(fs->ReadSmallFile(dir.Join("p"), &back).ok());
  EXPECT_EQ(back, "new");
}

TEST(FsTest, UnwritableDestinationIsAClearError) {
  // Root ignores permission bits, so make a destination whose parent is a regular file.
  TempDir dir;
  WriteFile(dir.Join("file.txt"), "x");
  auto fs = NewLocalFileSystem();
  std::unique_ptr<WritableFile> f;
  Status s = fs->NewWritableFile(dir.Join("file.txt/out/part-00000.jsonl"), &f);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.message(), dir.Join("file.txt") + ": not a directory");
  s = fs->WriteSmallFile(dir.Join("file.txt/_SUCCESS"), "{}");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("not a directory"), std::string::npos) << s.message();
}

TEST(FsTest, ExistsDeleteAndCleanup) {
  TempDir dir;
  auto fs = NewLocalFileSystem();
  WriteFile(dir.Join("a"), "1");
  WriteFile(dir.Join("b"), "2");
  EXPECT_TRUE(Exists(*fs, dir.Join("a")));
  EXPECT_FALSE(Exists(*fs, dir.Join("nope")));
  EXPECT_FALSE(Exists(*fs, dir.Join("a/under-a-file")));
  ASSERT_TRUE(fs->Delete({dir.Join("a"), dir.Join("never-existed")}).ok());
  EXPECT_FALSE(Exists(*fs, dir.Join("a")));
  EXPECT_TRUE(Exists(*fs, dir.Join("b")));
  // Temporaries left behind by jobs that died are listed and removed one by one; a running
  // writer's that appeared after the listing stays, and so does _temporary while it is there.
  std::filesystem::create_directories(dir.Join("_temporary"));
  WriteFile(dir.Join("_temporary/part-00003.jsonl.123.0"), "partial");
  WriteFile(dir.Join("_temporary/part-00004.jsonl.123.1"), "partial");
  std::vector<std::string> ids;
  ASSERT_TRUE(fs->ListTemporaries(dir.path(), &ids).ok());
  EXPECT_EQ(ids, (std::vector<std::string>{"part-00003.jsonl.123.0", "part-00004.jsonl.123.1"}));
  std::unique_ptr<WritableFile> running;
  ASSERT_TRUE(fs->NewWritableFile(dir.Join("later.jsonl"), &running).ok());
  ASSERT_TRUE(fs->RemoveTemporaries(dir.path(), ids).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Join("_temporary/part-00003.jsonl.123.0")));
  ASSERT_TRUE(running->Append("x").ok());
  ASSERT_TRUE(running->Finish().ok());
  ASSERT_TRUE(running->Publish().ok());
  EXPECT_EQ(ReadFile(dir.Join("later.jsonl")), "x");
  ASSERT_TRUE(fs->RemoveTemporaries(dir.path(), {}).ok());
  EXPECT_FALSE(std::filesystem::exists(dir.Join("_temporary")));
  ASSERT_TRUE(fs->RemoveTemporaries(dir.path(), {}).ok());  // nothing to do is fine
  EXPECT_EQ(fs->RemoveTemporaries(dir.path(), {"../escape"}).code(), StatusCode::kInvalidArgument);
}

TEST(FsTest, ErrnoStatusMapsCodes) {
  EXPECT_EQ(ErrnoStatus("/p", ENOENT).code(), StatusCode::kNotFound);
  EXPECT_EQ(ErrnoStatus("/p", EACCES).code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(ErrnoStatus("/p", EACCES).message(), "/p: permission denied");
  EXPECT_EQ(ErrnoStatus("/p", ENOSPC).code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace rankflow
