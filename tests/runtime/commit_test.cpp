// OutputCommitter: all or nothing across ranks. Runs under mpirun at 1, 2 and 4 ranks.
#include "runtime/commit.h"

#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <filesystem>

#include "runtime/input.h"
#include "runtime/writer.h"
#include "tests/util/forwarding_fs.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::ReadFile;
using testing::WriteFile;

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

std::string PartName(const std::string& stem, int rank, const std::string& ext,
                     const std::string& attempt) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", rank);
  return stem + "-" + buf + "-" + attempt + "." + ext;
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
  Status finished = w.Finish();
  EXPECT_EQ(finished.ok(), c.status().ok()) << finished.ToString();
  c.SetRecords(part, w.records());
}

TEST(CommitTest, ParseWriteMode) {
  EXPECT_EQ(ParseWriteMode("error").value(), WriteMode::kError);
  EXPECT_EQ(ParseWriteMode("overwrite").value(), WriteMode::kOverwrite);
  EXPECT_EQ(ParseWriteMode("skip").status().code(), StatusCode::kInvalidArgument);
}

TEST(CommitTest, AllRanksOkGivesPartsAndManifest) {
  testing::SharedTempDir dir;
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
    expected.push_back(PartName("part", r, "jsonl", c.attempt()));
  expected.push_back("_SUCCESS");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(AllNames(dest), expected) << "no _temporary left behind";
  EXPECT_TRUE(IsAttemptFileName(PartName("part", 0, "jsonl", c.attempt()))) << c.attempt();

  rapidjson::Document m;
  m.Parse(ReadFile(dest + "/_SUCCESS").c_str());
  ASSERT_FALSE(m.HasParseError());
  EXPECT_STREQ(m["job"].GetString(), "commit_test");
  EXPECT_EQ(m["ranks"].GetInt(), testing::TestMpi().size());
  EXPECT_EQ(m["attempt"].GetString(), c.attempt());
  const auto& files = m["files"];
  ASSERT_EQ(files.Size(), static_cast<unsigned>(testing::TestMpi().size()));
  for (int r = 0; r < testing::TestMpi().size(); ++r) {
    std::string path = dest + "/" + PartName("part", r, "jsonl", c.attempt());
    EXPECT_EQ(files[r]["path"].GetString(), path);
    EXPECT_EQ(files[r]["file"].GetString(), PartName("part", r, "jsonl", c.attempt()));
    EXPECT_EQ(files[r]["name"].GetString(), "part-0000" + std::to_string(r) + ".jsonl");
    EXPECT_EQ(files[r]["records"].GetUint64(), 10u + r);
    EXPECT_EQ(files[r]["bytes"].GetUint64(), ReadFile(path).size());
    EXPECT_EQ(testing::SplitLines(ReadFile(path)).size(), 10u + r);
  }
  ASSERT_EQ(c.committed_files().size(), static_cast<size_t>(testing::TestMpi().size()));
  EXPECT_EQ(c.committed_files()[0].records, 10u);
}

TEST(CommitTest, OneRankFailsLeavesNothingVisibleAndEveryRankGetsTheError) {
  testing::SharedTempDir dir;
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
  testing::SharedTempDir dir;
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
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  std::string attempt;
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
    attempt = c.attempt();
  }
  testing::TestMpi().Barrier();
  if (!testing::TestMpi().is_root()) return;
  std::vector<std::string> expected;
  for (int r = 0; r < testing::TestMpi().size(); ++r)
    expected.push_back(PartName("part", r, "jsonl", attempt));
  expected.push_back("_SUCCESS");
  std::sort(expected.begin(), expected.end());
  EXPECT_EQ(AllNames(dest), expected) << "old parts must be gone";
  EXPECT_NE(ReadFile(dest + "/_SUCCESS").find("\"job\":\"new\""), std::string::npos);
  EXPECT_EQ(
      testing::SplitLines(ReadFile(dest + "/" + PartName("part", 0, "jsonl", attempt))).size(), 2u);
}

TEST(CommitTest, ErrorModeRefusesAnExistingOutput) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dir.Join("with-marker"));
    WriteFile(dir.Join("with-marker/_SUCCESS"), "{\"files\":[]}");
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
    EXPECT_EQ(ReadFile(dir.Join("with-marker/_SUCCESS")), "{\"files\":[]}")
        << "refused output untouched";
    EXPECT_EQ(ReadFile(dir.Join("with-marker/_temporary/another-job")), "busy");
  }
}

TEST(CommitTest, UnwritableDestFailsOnEveryRankNamingThePath) {
  testing::SharedTempDir dir;
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
  EXPECT_NE(finish.message().find("file.txt/out"), std::string::npos) << finish.ToString();
  EXPECT_NE(finish.message().find("not a directory"), std::string::npos) << finish.ToString();
  Status s = c.Commit(finish.ok(), "");
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(ReadFile(dir.Join("file.txt")), "x");
}

TEST(CommitTest, BadManifestMembersFailTheCommit) {
  testing::SharedTempDir dir;
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

// The local file system, except that the conditional write of _SUCCESS fails: before writing
// (a full disk), or after (the answer was lost), and reading it back may fail too.
class FailingManifestFs : public testing::ForwardingFileSystem {
 public:
  enum class Failure { kBeforeWrite, kAfterWrite, kBeforeWriteAndReadBack };
  explicit FailingManifestFs(Failure failure)
      : ForwardingFileSystem(NewLocalFileSystem()), failure_(failure) {}
  Status WriteSmallFileIf(const std::string& path, std::string_view contents,
                          const std::string& expected) override {
    if (failure_ == Failure::kAfterWrite) {
      RF_RETURN_IF_ERROR(base().WriteSmallFileIf(path, contents, expected));
      return Status::Unavailable(path + ": PutObject failed after 3 attempts: connection reset");
    }
    broken_ = failure_ == Failure::kBeforeWriteAndReadBack;
    return Status::IOError(path + ": no space left on device");
  }
  Status ReadSmallFileVersion(const std::string& path, std::string* contents,
                              std::string* version) override {
    if (broken_) return Status::Unavailable(path + ": GetObject failed after 3 attempts: 503");
    return base().ReadSmallFileVersion(path, contents, version);
  }

 private:
  Failure failure_;
  bool broken_ = false;
};

// Commits `records` per rank with job name `job` into dest through fs; returns the status.
Status CommitOutput(FileSystem& fs, const std::string& dest, WriteMode mode, const char* job,
                    int records, std::string* attempt = nullptr) {
  OutputCommitter c(testing::TestMpi(), fs, dest, mode);
  if (attempt != nullptr) *attempt = c.attempt();
  WritePart(c, records);
  return c.Commit(true, std::string("\"job\":\"") + job + "\"");
}

// The files _SUCCESS lists, as names relative to dest, plus "_SUCCESS": what a committed folder
// must hold exactly.
std::vector<std::string> ManifestNames(const std::string& dest) {
  Manifest m;
  EXPECT_TRUE(ParseManifest(dest, ReadFile(dest + "/_SUCCESS"), &m).ok());
  std::vector<std::string> out = {"_SUCCESS"};
  for (const auto& f : m.files) out.push_back(f.file);
  std::sort(out.begin(), out.end());
  return out;
}

TEST(CommitTest, FailingToWriteTheManifestKeepsTheOldOutputWhole) {
  testing::SharedTempDir dir;
  auto local = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  ASSERT_TRUE(CommitOutput(*local, dest, WriteMode::kError, "old", 3).ok());
  testing::TestMpi().Barrier();
  std::vector<std::string> before;
  if (testing::TestMpi().is_root()) before = AllNames(dest);
  std::string old_manifest = testing::TestMpi().is_root() ? ReadFile(dest + "/_SUCCESS") : "";
  FailingManifestFs fs(FailingManifestFs::Failure::kBeforeWrite);
  Status s = CommitOutput(fs, dest, WriteMode::kOverwrite, "new", 5);
  ASSERT_FALSE(s.ok());
  if (testing::TestMpi().is_root()) {
    EXPECT_NE(s.message().find("_SUCCESS: no space left on device"), std::string::npos)
        << s.ToString();
  } else {
    EXPECT_NE(s.message().find("commit failed on rank 0"), std::string::npos) << s.ToString();
  }
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(AllNames(dest), before) << "the new parts are taken back, the old ones stay";
    EXPECT_EQ(ReadFile(dest + "/_SUCCESS"), old_manifest);
  }
}

TEST(CommitTest, AManifestWrittenDespiteAnErrorCountsAsCommitted) {
  testing::SharedTempDir dir;
  std::string dest = dir.Join("out");
  auto local = NewLocalFileSystem();
  ASSERT_TRUE(CommitOutput(*local, dest, WriteMode::kError, "old", 3).ok());
  FailingManifestFs fs(FailingManifestFs::Failure::kAfterWrite);
  std::string attempt;
  Status s = CommitOutput(fs, dest, WriteMode::kOverwrite, "new", 2, &attempt);
  ASSERT_TRUE(s.ok()) << s.ToString();
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_NE(ReadFile(dest + "/_SUCCESS").find(attempt), std::string::npos);
    EXPECT_EQ(AllNames(dest), ManifestNames(dest)) << "old parts removed after the commit";
  }
}

TEST(CommitTest, AnUnknownOutcomeLeavesLeftoversThatTheNextCommitRemoves) {
  testing::SharedTempDir dir;
  std::string dest = dir.Join("out");
  auto local = NewLocalFileSystem();
  std::string old_attempt;
  ASSERT_TRUE(CommitOutput(*local, dest, WriteMode::kError, "old", 3, &old_attempt).ok());
  FailingManifestFs fs(FailingManifestFs::Failure::kBeforeWriteAndReadBack);
  Status s = CommitOutput(fs, dest, WriteMode::kOverwrite, "lost", 2);
  ASSERT_FALSE(s.ok());
  if (testing::TestMpi().is_root()) {
    EXPECT_NE(s.message().find("is unknown"), std::string::npos) << s.ToString();
  }
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    // The old output is whole (readers follow _SUCCESS); the new parts are leftovers.
    EXPECT_NE(ReadFile(dest + "/_SUCCESS").find(old_attempt), std::string::npos);
    EXPECT_EQ(AllNames(dest).size(), ManifestNames(dest).size() + testing::TestMpi().size());
  }
  // The same command again (error mode even: leftovers are no obstacle, the old _SUCCESS is).
  EXPECT_EQ(CommitOutput(*local, dest, WriteMode::kError, "again", 1).code(),
            StatusCode::kAlreadyExists);
  ASSERT_TRUE(CommitOutput(*local, dest, WriteMode::kOverwrite, "again", 1).ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(AllNames(dest), ManifestNames(dest));
  }
}

TEST(CommitTest, LeftoversOfAKilledAttemptDoNotBlockARerun) {
  testing::SharedTempDir dir;
  std::string dest = dir.Join("out");
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dest + "/_temporary");
    WriteFile(dest + "/part-00000-rf0123456789ab.jsonl", "{\"half\":1}\n");
    WriteFile(dest + "/part-00001-rf0123456789ab.jsonl", "{\"half\":2}\n");
    WriteFile(dest + "/_temporary/part-00002-rf0123456789ab.jsonl.123.0", "{");
  }
  testing::TestMpi().Barrier();
  auto fs = NewLocalFileSystem();
  ASSERT_TRUE(CommitOutput(*fs, dest, WriteMode::kError, "rerun", 2).ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(AllNames(dest), ManifestNames(dest)) << "leftovers and _temporary removed";
  }
}

TEST(CommitTest, ForeignFilesAreNeverDeletedAndBlockEveryMode) {
  testing::SharedTempDir dir;
  std::string dest = dir.Join("out");
  auto fs = NewLocalFileSystem();
  ASSERT_TRUE(CommitOutput(*fs, dest, WriteMode::kError, "old", 1).ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    WriteFile(dest + "/notes.txt", "mine");
    WriteFile(dest + "/part-00000.jsonl", "not listed, no attempt id");
    std::filesystem::create_directories(dest + "/nested");
    WriteFile(dest + "/nested/part-00000-rf0123456789ab.jsonl", "another output's part");
  }
  testing::TestMpi().Barrier();
  for (WriteMode mode : {WriteMode::kError, WriteMode::kOverwrite}) {
    Status s = CommitOutput(*fs, dest, mode, "new", 1);
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
    if (mode == WriteMode::kOverwrite && testing::TestMpi().is_root()) {
      EXPECT_NE(s.message().find("rankflow did not write"), std::string::npos) << s.ToString();
    }
  }
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dest + "/notes.txt"), "mine");
    EXPECT_EQ(ReadFile(dest + "/part-00000.jsonl"), "not listed, no attempt id");
    EXPECT_EQ(ReadFile(dest + "/nested/part-00000-rf0123456789ab.jsonl"), "another output's part");
    EXPECT_NE(ReadFile(dest + "/_SUCCESS").find("\"old\""), std::string::npos);
  }
}

TEST(CommitTest, AForeignManifestOrADestThatIsAFileIsRefused) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dir.Join("spark"));
    WriteFile(dir.Join("spark/_SUCCESS"), "");  // Spark's marker
    WriteFile(dir.Join("spark/part-00000-0a1b.snappy.parquet"), "PAR1");
    std::filesystem::create_directories(dir.Join("spark-empty"));
    WriteFile(dir.Join("spark-empty/_SUCCESS"), "");
    WriteFile(dir.Join("object"), "a file");
  }
  testing::TestMpi().Barrier();
  Status s = CommitOutput(*fs, dir.Join("spark"), WriteMode::kOverwrite, "x", 1);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
  EXPECT_TRUE(CommitOutput(*fs, dir.Join("spark-empty"), WriteMode::kOverwrite, "x", 1).ok());
  s = CommitOutput(*fs, dir.Join("object"), WriteMode::kOverwrite, "x", 1);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  EXPECT_NE(s.message().find("object: is an existing file"), std::string::npos) << s.ToString();
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dir.Join("spark/part-00000-0a1b.snappy.parquet")), "PAR1");
    EXPECT_EQ(ReadFile(dir.Join("object")), "a file");
  }
}

TEST(CommitTest, OverwriteOfACopiedFolderDeletesOnlyInsideIt) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  std::string original = dir.Join("original");
  ASSERT_TRUE(CommitOutput(*fs, original, WriteMode::kError, "old", 2).ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    std::filesystem::copy(original, dir.Join("copy"));  // the manifest's paths name "original"
  }
  testing::TestMpi().Barrier();
  ASSERT_TRUE(CommitOutput(*fs, dir.Join("copy"), WriteMode::kOverwrite, "new", 1).ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(AllNames(original), ManifestNames(original)) << "the original is untouched";
    EXPECT_EQ(AllNames(dir.Join("copy")), ManifestNames(dir.Join("copy")));
  }
}

TEST(CommitTest, OfTwoCommittersOnOneDestExactlyOneWins) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("out");
  for (WriteMode mode : {WriteMode::kError, WriteMode::kOverwrite}) {
    // Both start before either commits (the same version of dest), as two overlapping jobs.
    OutputCommitter first(testing::TestMpi(), *fs, dest, mode);
    OutputCommitter second(testing::TestMpi(), *fs, dest, mode);
    ASSERT_TRUE(first.status().ok() && second.status().ok()) << second.status().ToString();
    WritePart(first, 1);
    WritePart(second, 2);
    ASSERT_TRUE(first.Commit(true, "\"job\":\"first\"").ok());
    Status s = second.Commit(true, "\"job\":\"second\"");
    EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
    EXPECT_NE(s.message().find("another job committed"), std::string::npos) << s.ToString();
    testing::TestMpi().Barrier();
    if (testing::TestMpi().is_root()) {
      EXPECT_NE(ReadFile(dest + "/_SUCCESS").find(first.attempt()), std::string::npos);
      EXPECT_EQ(AllNames(dest), ManifestNames(dest)) << "the loser's parts are gone";
    }
    testing::TestMpi().Barrier();
  }
}

TEST(CommitTest, ADestThatHoldsTheInputIsRefused) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  if (testing::TestMpi().is_root()) {
    std::filesystem::create_directories(dir.Join("D/archive/2020"));
    WriteFile(dir.Join("D/archive/2020/a.jsonl"), "{}\n");
  }
  testing::TestMpi().Barrier();
  struct Case {
    std::string src, dest;
  } cases[] = {{dir.Join("D/archive/2020"), dir.Join("D")},
               {dir.Join("D/archive/2020"), dir.Join("D/archive/2020")},
               {dir.Join("D/archive/2020/"), dir.Join("D/archive/../archive/2020")},
               {dir.Join("D/archive/2020/a.jsonl"), dir.Join("D/archive")}};
  for (const Case& c : cases) {
    for (WriteMode mode : {WriteMode::kError, WriteMode::kOverwrite}) {
      OutputCommitter committer(testing::TestMpi(), *fs, c.dest, mode, {c.src});
      EXPECT_EQ(committer.status().code(), StatusCode::kInvalidArgument) << c.src << " " << c.dest;
      EXPECT_FALSE(committer.Commit(true, "").ok());
    }
  }
  // An output inside the input folder replaces nothing it reads.
  OutputCommitter inside(testing::TestMpi(), *fs, dir.Join("D/archive/2020/out"), WriteMode::kError,
                         {dir.Join("D/archive/2020")});
  EXPECT_TRUE(inside.status().ok()) << inside.status().ToString();
  EXPECT_TRUE(inside.Commit(true, "").ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dir.Join("D/archive/2020/a.jsonl")), "{}\n");
  }
  EXPECT_TRUE(LocationInside("s3a://b/in/x", "s3://b/in/"));
  EXPECT_FALSE(LocationInside("s3a://b/input", "s3://b/in"));
  EXPECT_FALSE(LocationInside(dir.Join("D/ab"), dir.Join("D/a")));
  EXPECT_FALSE(LocationInside(dir.Join("D"), dir.Join("D/a")));
}

TEST(CommitTest, NoPartsStillWritesAManifest) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  std::string dest = dir.Join("empty-out");
  OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
  ASSERT_TRUE(c.Commit(true, "\"job\":\"nothing\"").ok());
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dest + "/_SUCCESS"),
              "{\"job\":\"nothing\",\"attempt\":\"" + c.attempt() + "\",\"files\":[]}\n");
  }
}

// Regular files below `dir` (hidden ones included), relative, sorted: folders left out.
std::vector<std::string> FileNames(const std::string& dir) {
  std::vector<std::string> out;
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (it->is_regular_file()) out.push_back(std::filesystem::relative(it->path(), dir).string());
  }
  std::sort(out.begin(), out.end());
  return out;
}

// Every rank writes `records` records into each of `folders` (one part each; "" = dest), and a
// second part into the first folder (as a writer that closed its part to bound open files).
Status CommitPartitioned(FileSystem& fs, const std::string& dest, WriteMode mode, const char* job,
                         const std::vector<std::string>& folders, std::string* attempt) {
  OutputCommitter c(testing::TestMpi(), fs, dest, mode);
  *attempt = c.attempt();
  std::vector<std::string> places = folders;
  places.push_back(folders.front());
  bool ok = true;
  for (const std::string& folder : places) {
    WritableFile* part = c.NewPart("jsonl", "part", folder);
    RecordWriter w(part, OutputFormat::kJsonl);
    ok = ok && w.WriteJson("{\"folder\":\"" + folder + "\"}").ok() && w.Finish().ok();
    c.SetRecords(part, w.records());
  }
  Status s = c.Commit(ok, std::string("\"job\":\"") + job + "\"");
  return s;
}

TEST(CommitTest, PartsInPartitionFoldersAreListedAndReadBackThroughTheManifest) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  const std::string dest = dir.Join("out");
  std::string attempt;
  ASSERT_TRUE(CommitPartitioned(*fs, dest, WriteMode::kError, "p",
                                {"dt=2015-08-06", "dt=2015-08-07/hr=07"}, &attempt)
                  .ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    std::vector<std::string> expected = {"_SUCCESS"};
    for (int r = 0; r < testing::TestMpi().size(); ++r) {
      expected.push_back("dt=2015-08-06/" + PartName("part", r, "jsonl", attempt));
      char rank[16];
      std::snprintf(rank, sizeof rank, "%05d", r);
      expected.push_back("dt=2015-08-06/part-" + std::string(rank) + "-1-" + attempt + ".jsonl");
      expected.push_back("dt=2015-08-07/hr=07/" + PartName("part", r, "jsonl", attempt));
    }
    std::sort(expected.begin(), expected.end());
    std::vector<std::string> all = expected;
    for (const char* folder : {"dt=2015-08-06", "dt=2015-08-07", "dt=2015-08-07/hr=07"}) {
      all.push_back(folder);
    }
    std::sort(all.begin(), all.end());
    EXPECT_EQ(AllNames(dest), all) << "no _temporary left in any folder";
    EXPECT_EQ(FileNames(dest), expected);
    EXPECT_EQ(ManifestNames(dest), expected);
    Manifest m;
    ASSERT_TRUE(ParseManifest(dest, ReadFile(dest + "/_SUCCESS"), &m).ok());
    EXPECT_NE(m.Find("dt=2015-08-06/part-00000.jsonl"), nullptr);
    EXPECT_NE(m.Find("dt=2015-08-06/part-00000-1.jsonl"), nullptr);
    EXPECT_NE(m.Find("dt=2015-08-07/hr=07/part-00000.jsonl"), nullptr);
    // A stray attempt-named file in a partition folder is not part of the output for readers.
    WriteFile(dest + "/dt=2015-08-06/part-00009-rf0123456789ab.jsonl", "{\"stray\":1}\n");
  }
  std::vector<FileInfo> inputs;
  ASSERT_TRUE(ListInputs(testing::TestMpi(), *fs, dest, "", &inputs).ok());
  EXPECT_EQ(inputs.size(), 3u * testing::TestMpi().size());
  for (const FileInfo& f : inputs) {
    EXPECT_EQ(f.path.find("part-00009"), std::string::npos) << f.path;
    EXPECT_EQ(f.path.find(attempt) == std::string::npos, false) << f.path;
  }
}

TEST(CommitTest, OverwriteOfAPartitionedOutputRemovesOldFilesLeftoversAndTemporariesInFolders) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  const std::string dest = dir.Join("out");
  std::string old_attempt, attempt;
  ASSERT_TRUE(CommitPartitioned(*fs, dest, WriteMode::kError, "old",
                                {"dt=2015-08-05", "dt=2015-08-06"}, &old_attempt)
                  .ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    // A killed attempt: a published leftover in an old folder and in a new one, and temporaries
    // (unpublished parts) in a folder that holds nothing else and in a nested partition.
    WriteFile(dest + "/dt=2015-08-05/part-00000-rf0123456789ab.jsonl", "{}\n");
    WriteFile(dest + "/dt=2015-08-08/part-00001-rf0123456789ab.jsonl", "{}\n");
    std::filesystem::create_directories(dest + "/dt=2015-08-09/_temporary");
    WriteFile(dest + "/dt=2015-08-09/_temporary/part-00000-rf0123456789ab.jsonl.123.0", "{");
    std::filesystem::create_directories(dest + "/dt=2015-08-09/hr=01/_temporary");
    WriteFile(dest + "/dt=2015-08-09/hr=01/_temporary/part-00000-rf0123456789ab.jsonl.123.1", "{");
    std::vector<std::string> folders;
    ASSERT_TRUE(fs->ListTemporaryFolders(dest, &folders).ok());
    EXPECT_EQ(folders, (std::vector<std::string>{"dt=2015-08-09", "dt=2015-08-09/hr=01"}));
  }
  testing::TestMpi().Barrier();
  EXPECT_EQ(
      CommitPartitioned(*fs, dest, WriteMode::kError, "again", {"dt=2015-08-06"}, &attempt).code(),
      StatusCode::kAlreadyExists);
  ASSERT_TRUE(
      CommitPartitioned(*fs, dest, WriteMode::kOverwrite, "new", {"dt=2015-08-06"}, &attempt).ok());
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(FileNames(dest), ManifestNames(dest))
        << "old parts, leftovers and temporaries in partition folders removed";
    for (const std::string& f : FileNames(dest)) {
      EXPECT_TRUE(f == "_SUCCESS" || f.find(attempt) != std::string::npos) << f;
    }
    EXPECT_FALSE(std::filesystem::exists(dest + "/dt=2015-08-09/_temporary"));
    EXPECT_FALSE(std::filesystem::exists(dest + "/dt=2015-08-09/hr=01/_temporary"));
    EXPECT_FALSE(std::filesystem::exists(dest + "/dt=2015-08-06/_temporary"));
    // A foreign file in a partition folder is never deleted and blocks an overwrite.
    WriteFile(dest + "/dt=2015-08-06/notes.txt", "mine");
  }
  testing::TestMpi().Barrier();
  Status s =
      CommitPartitioned(*fs, dest, WriteMode::kOverwrite, "blocked", {"dt=2015-08-06"}, &attempt);
  EXPECT_EQ(s.code(), StatusCode::kAlreadyExists) << s.ToString();
  testing::TestMpi().Barrier();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(ReadFile(dest + "/dt=2015-08-06/notes.txt"), "mine");
  }
}

TEST(CommitTest, APartThatIsNotInAPartitionFolderFailsTheCommit) {
  testing::SharedTempDir dir;
  auto fs = NewLocalFileSystem();
  const std::string dest = dir.Join("out");
  for (const char* folder : {"nested", "dt=1/../x=2", "_x=1", "dt=", "dt=1/"}) {
    OutputCommitter c(testing::TestMpi(), *fs, dest, WriteMode::kError);
    WritableFile* part = c.NewPart("jsonl", "part", folder);
    EXPECT_EQ(part->Append("{}\n").code(), StatusCode::kInvalidArgument) << folder;
    Status s = c.Commit(true, "\"job\":\"bad\"");
    EXPECT_FALSE(s.ok()) << folder;
    testing::TestMpi().Barrier();
    if (testing::TestMpi().is_root()) {
      EXPECT_EQ(AllNames(dest), std::vector<std::string>{}) << folder;
    }
    testing::TestMpi().Barrier();
  }
  EXPECT_TRUE(IsPartitionFolder("dt=2015-08-06/hr=07"));
  EXPECT_FALSE(IsPartitionFolder(""));
  EXPECT_FALSE(IsPartitionFolder("=x"));
  EXPECT_FALSE(IsPartitionFolder(".a=b"));
}

}  // namespace
}  // namespace rankflow
