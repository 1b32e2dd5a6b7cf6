// Hdf5PartWriter and ScratchFile: rows read back through Hdf5File, the scratch file lives in the
// spill folder and is gone after Finish, after a failure and after a kill -9 mid-write (issue 9,
// item 7); stale scratch files of dead processes are swept, live ones are not.
#include "runtime/hdf5_part_writer.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include "runtime/scratch_file.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

namespace fs = std::filesystem;

int CountEntries(const std::string& dir) {
  int n = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    (void)e;
    ++n;
  }
  return n;
}

std::vector<Hdf5RowDataset> Layout() {
  return {{"ids", Hdf5Type::kInt64, 2}, {"coordinates", Hdf5Type::kFloat64, 1}};
}

TEST(Hdf5PartWriterTest, RowsRoundTripAndNoScratchFileRemains) {
  testing::TempDir out, spill;
  auto local = NewLocalFileSystem();
  std::unique_ptr<WritableFile> part;
  ASSERT_TRUE(local->NewWritableFile(out.Join("part.h5"), &part).ok());
  {
    Hdf5PartWriter w(part.get(), Layout(), spill.path(), /*batch_rows=*/3);
    ASSERT_TRUE(w.status().ok()) << w.status().ToString();
    ASSERT_TRUE(w.SetAttribute("/", "columns_ids", "a,b").ok());
    for (int64_t i = 0; i < 10; ++i) {
      const int64_t ids[2] = {i, -i};
      const double c = i == 4 ? std::nan("") : 0.5 * static_cast<double>(i);
      ASSERT_TRUE(w.AddRow({ids, &c}).ok());
      // Scratch files never have a visible name while rows are written.
      EXPECT_EQ(CountEntries(spill.path()), 0);
    }
    const int64_t ids[2] = {0, 0};
    EXPECT_EQ(w.AddRow({ids}).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(w.Finish().ok());
    EXPECT_EQ(w.records(), 10u);
    EXPECT_EQ(w.AddRow({ids, ids}).code(), StatusCode::kInternal) << "write after Finish";
  }
  ASSERT_TRUE(part->Publish().ok());
  EXPECT_EQ(CountEntries(spill.path()), 0);
  auto h5 = Hdf5File::Open(out.Join("part.h5"));
  ASSERT_TRUE(h5.ok()) << h5.status().ToString();
  std::vector<int64_t> ids;
  std::vector<uint64_t> dims;
  ASSERT_TRUE((*h5)->ReadInt64("ids", &ids, &dims).ok());
  EXPECT_EQ(dims, (std::vector<uint64_t>{10, 2}));
  EXPECT_EQ(ids[2 * 7], 7);
  EXPECT_EQ(ids[2 * 7 + 1], -7);
  std::vector<double> c;
  ASSERT_TRUE((*h5)->ReadFloat64("coordinates", &c).ok());
  EXPECT_DOUBLE_EQ(c[9], 4.5);
  EXPECT_TRUE(std::isnan(c[4]));
  EXPECT_EQ((*h5)->GetAttribute("/", "columns_ids").value(), "a,b");
}

TEST(Hdf5PartWriterTest, MissingSpillFolderFailsEveryCall) {
  testing::TempDir out;
  auto local = NewLocalFileSystem();
  std::unique_ptr<WritableFile> part;
  ASSERT_TRUE(local->NewWritableFile(out.Join("part.h5"), &part).ok());
  Hdf5PartWriter w(part.get(), Layout(), out.Join("no/such/dir"));
  EXPECT_EQ(w.status().code(), StatusCode::kIOError);
  EXPECT_NE(w.status().message().find("no/such/dir"), std::string::npos) << w.status().message();
  const int64_t ids[2] = {1, 2};
  const double c = 1;
  EXPECT_EQ(w.AddRow({ids, &c}).code(), StatusCode::kIOError);
  EXPECT_EQ(w.Finish().code(), StatusCode::kIOError);
}

TEST(Hdf5PartWriterTest, SpillDirectoryFallsBackToTmpdirThenTmp) {
  EXPECT_EQ(SpillDirectory("/given"), "/given");
  const char* old = std::getenv("TMPDIR");
  const std::string saved = old != nullptr ? old : "";
  setenv("TMPDIR", "/from-env", 1);
  EXPECT_EQ(SpillDirectory(""), "/from-env");
  setenv("TMPDIR", "", 1);
  EXPECT_EQ(SpillDirectory(""), "/tmp");
  if (old != nullptr) {
    setenv("TMPDIR", saved.c_str(), 1);
  } else {
    unsetenv("TMPDIR");
  }
}

// The regression test of item 7: a rank killed while writing its hdf5 part left its temporary
// file in /tmp for good.
TEST(Hdf5PartWriterTest, KillNineMidWriteLeavesNothingInTheSpillFolder) {
  testing::TempDir out, spill;
  int ready[2];
  ASSERT_EQ(pipe(ready), 0);
  const pid_t child = fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    auto local = NewLocalFileSystem();
    std::unique_ptr<WritableFile> part;
    if (!local->NewWritableFile(out.Join("part.h5"), &part).ok()) _exit(2);
    Hdf5PartWriter w(part.get(), Layout(), spill.path(), 64);
    for (int64_t i = 0; i < 100000; ++i) {
      const int64_t ids[2] = {i, i};
      const double c = 1;
      if (!w.AddRow({ids, &c}).ok()) _exit(3);
    }
    if (write(ready[1], "x", 1) != 1) _exit(4);
    for (;;) pause();  // mid-write: the HDF5 file is open, rows are in it
  }
  close(ready[1]);
  char c = 0;
  ASSERT_EQ(read(ready[0], &c, 1), 1) << "the child failed before it was ready";
  close(ready[0]);
  // The child's scratch file exists (open, nameless) and holds the rows written so far.
  ASSERT_EQ(kill(child, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(waitpid(child, &status, 0), child);
  EXPECT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(CountEntries(spill.path()), 0) << "a killed writer left a file in the spill folder";
}

TEST(ScratchFileTest, NameGoesOnUnlinkAndStaleFilesOfDeadProcessesAreSwept) {
  testing::TempDir spill;
  Result<ScratchFile> f = ScratchFile::Create(spill.path());
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(fs::exists(f->name()));
  ASSERT_EQ(write(f->fd(), "abc", 3), 3);
  ASSERT_TRUE(f->Unlink().ok());
  EXPECT_FALSE(fs::exists(f->name()));
  EXPECT_EQ(testing::ReadFile(f->path()), "abc") << "readable through /proc/self/fd";

  // A pid that surely is gone: a child that has exited and been reaped.
  const pid_t dead = fork();
  if (dead == 0) _exit(0);
  waitpid(dead, nullptr, 0);
  const std::string stale = spill.Join("rankflow-scratch-" + std::to_string(dead) + "-AbC123");
  const std::string live = spill.Join("rankflow-scratch-" + std::to_string(getppid()) + "-XyZ789");
  const std::string foreign = spill.Join("rankflow-scratch-notapid");
  for (const std::string& p : {stale, live, foreign}) testing::WriteFile(p, "x");
  const std::string stale_folder = spill.Join("rankflow-scratch-" + std::to_string(dead) + "-Dir1");
  testing::WriteFile(stale_folder + "/train.h5", "x");
  EXPECT_EQ(SweepStaleScratchFiles(spill.path()), 2);
  EXPECT_FALSE(fs::exists(stale));
  EXPECT_FALSE(fs::exists(stale_folder));
  EXPECT_TRUE(fs::exists(live));
  EXPECT_TRUE(fs::exists(foreign));
}

TEST(ScratchFileTest, ScratchFolderIsRemovedWithItsFiles) {
  testing::TempDir spill;
  std::string path;
  {
    Result<ScratchFolder> folder = ScratchFolder::Create(spill.path());
    ASSERT_TRUE(folder.ok()) << folder.status().ToString();
    path = folder->path();
    EXPECT_EQ(fs::path(path).filename().string().rfind(
                  "rankflow-scratch-" + std::to_string(getpid()) + "-", 0),
              0u)
        << path;
    testing::WriteFile(folder->Join("data.h5"), "x");
    EXPECT_TRUE(fs::exists(folder->Join("data.h5")));
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_EQ(ScratchFolder::Create(spill.Join("missing")).status().code(), StatusCode::kIOError);
}

}  // namespace
}  // namespace rankflow
