// The learning jobs (make_training_data, train_mlp, classify_tweets) run on the one job driver
// (runtime/job.h RunJob, issue 11 item 2): the same manifest members as every other job (top_terms'
// as the reference), the same exit codes for --help and bad flags, and the peer watchdog
// (--peer-timeout-s, issue 13), which ends train_mlp when one of its ranks stops answering; their
// scratch files go to --spill-dir like every job's spills (issue 11, item 4).
#include <gtest/gtest.h>
#include <rapidjson/document.h>

#include <set>
#include <string>
#include <vector>

#include "tests/util/test_util.h"

namespace rankflow {
namespace {

using testing::RunCommand;
using testing::TempDir;

std::string Job(int ranks, const std::string& job, const std::string& args) {
  return testing::MpirunPrefix(ranks) + " " + testing::BinPath(job) + " " + args;
}

size_t CountOccurrences(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

struct Manifest {
  rapidjson::Document doc;
  std::set<std::string> keys;
};

Manifest ReadManifest(const std::string& dir) {
  Manifest m;
  const std::string text = testing::ReadFile(dir + "/_SUCCESS");
  m.doc.Parse(text.c_str());
  EXPECT_FALSE(m.doc.HasParseError()) << dir << ": " << text;
  EXPECT_TRUE(m.doc.IsObject()) << dir;
  if (!m.doc.IsObject()) return m;
  for (const auto& member : m.doc.GetObject()) m.keys.insert(member.name.GetString());
  return m;
}

int64_t Counter(const Manifest& m, const char* name) {
  const auto& counters = m.doc["counters"];
  return counters.HasMember(name) ? counters[name].GetInt64() : -1;
}

TEST(MlJobDriverTest, ManifestsHaveTheCommonMembers) {
  TempDir dir;
  const std::string src = testing::SourcePath("tests/data/tweets");
  auto r = RunCommand(Job(2, "top_terms", "--src " + src + " --dest " + dir.Join("top")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(Job(2, "make_training_data", "--n 600 --seed 3 --dest " + dir.Join("xo")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(Job(2, "train_mlp",
                     "--train " + dir.Join("xo") + " --hidden 4,8 --epochs 2 --grid 0 --dest " +
                         dir.Join("sweep")),
                 240);
  ASSERT_EQ(r.exit_code, 0) << r.output;
  r = RunCommand(Job(2, "classify_tweets",
                     "--src " + src + " --hidden 0 --epochs 2 --dest " + dir.Join("classify")),
                 240);
  ASSERT_EQ(r.exit_code, 0) << r.output;

  const Manifest reference = ReadManifest(dir.Join("top"));
  for (const char* member :
       {"job", "arguments", "started_at", "ended_at", "seconds", "ranks", "peak_rss_bytes_max_rank",
        "inputs", "records_in", "records_out", "bad_lines", "counters", "attempt", "files"}) {
    EXPECT_EQ(reference.keys.count(member), 1u) << "top_terms' manifest lacks " << member;
  }
  const std::vector<std::pair<std::string, std::string>> outputs = {
      {"xo", "make_training_data"},
      {"sweep", "train_mlp"},
      {"classify/features", "classify_tweets"},
      {"classify/model", "classify_tweets"}};
  for (const auto& [folder, job] : outputs) {
    SCOPED_TRACE(folder);
    const Manifest m = ReadManifest(dir.Join(folder));
    for (const std::string& key : reference.keys) EXPECT_EQ(m.keys.count(key), 1u) << key;
    if (!m.doc.IsObject() || m.keys != reference.keys) continue;
    EXPECT_EQ(std::string(m.doc["job"].GetString()), job);
    EXPECT_EQ(m.doc["ranks"].GetInt(), 2);
    ASSERT_TRUE(m.doc["arguments"].IsObject());
    EXPECT_EQ(std::string(m.doc["arguments"]["dest"].GetString()),
              dir.Join(folder.substr(0, folder.find('/'))));
    EXPECT_EQ(std::string(m.doc["arguments"]["peer-timeout-s"].GetString()), "60");
    EXPECT_EQ(std::string(m.doc["attempt"].GetString()).rfind("rf", 0), 0u);
    ASSERT_TRUE(m.doc["files"].IsArray());
    EXPECT_FALSE(m.doc["files"].Empty());
  }
  // Each job's own figures, as counters and in the common members.
  const Manifest xo = ReadManifest(dir.Join("xo"));
  EXPECT_EQ(xo.doc["records_out"].GetInt64(), 600);
  EXPECT_EQ(Counter(xo, "class.background") + Counter(xo, "class.x") + Counter(xo, "class.o"), 600);
  EXPECT_EQ(xo.doc["inputs"]["count"].GetInt(), 0);
  const Manifest sweep = ReadManifest(dir.Join("sweep"));
  EXPECT_EQ(Counter(sweep, "train_rows"), 480);
  EXPECT_EQ(Counter(sweep, "test_rows"), 120);
  EXPECT_EQ(Counter(sweep, "models"), 2);
  EXPECT_EQ(sweep.doc["records_in"].GetInt64(), 600);
  EXPECT_EQ(sweep.doc["inputs"]["count"].GetInt(), 1);  // make_training_data's data.h5
  EXPECT_EQ(sweep.doc["files"].Size(), 5u);             // metrics, 2 models, report, selection
  const Manifest features = ReadManifest(dir.Join("classify/features"));
  const Manifest model = ReadManifest(dir.Join("classify/model"));
  // The second output counts only its own work: the tweets were read for the first.
  EXPECT_GT(Counter(features, "tweets_in"), 0);
  EXPECT_EQ(Counter(model, "tweets_in"), -1);
  EXPECT_EQ(features.doc["records_out"].GetInt64(),
            Counter(model, "train_rows") + Counter(model, "test_rows"));
  EXPECT_EQ(model.doc["inputs"]["count"].GetInt(), 2);  // features/train.h5 and test.h5
}

// --help, an unknown flag, a missing required flag and a bad --mode: exit codes 0, 2, 2, 2 and
// one line on rank 0, as for top_terms.
TEST(MlJobDriverTest, HelpAndBadFlagsExitAsEveryJob) {
  const std::vector<std::pair<std::string, std::string>> jobs = {
      {"top_terms", "--src /nonexistent/in"},
      {"make_training_data", ""},
      {"train_mlp", "--train /nonexistent/xo"},
      {"classify_tweets", "--src /nonexistent/in"}};
  const std::string dest = " --dest /nonexistent/out";
  for (const auto& [job, required] : jobs) {
    SCOPED_TRACE(job);
    auto help = RunCommand(Job(2, job, "--help"));
    EXPECT_EQ(help.exit_code, 0) << help.output;
    EXPECT_EQ(CountOccurrences(help.output, "usage: " + job), 1u) << help.output;
    EXPECT_NE(help.output.find("--peer-timeout-s"), std::string::npos) << help.output;
    EXPECT_NE(help.output.find("--mode"), std::string::npos) << help.output;

    auto unknown = RunCommand(Job(2, job, required + dest + " --bogus 1"));
    EXPECT_EQ(unknown.exit_code, 2) << unknown.output;
    EXPECT_EQ(CountOccurrences(unknown.output, job + ": unknown flag --bogus (see --help)\n"), 1u)
        << unknown.output;
    auto no_dest = RunCommand(Job(2, job, required));
    EXPECT_EQ(no_dest.exit_code, 2) << no_dest.output;
    EXPECT_NE(no_dest.output.find("--dest"), std::string::npos) << no_dest.output;
    auto mode = RunCommand(Job(2, job, required + dest + " --mode sideways"));
    EXPECT_EQ(mode.exit_code, 2) << mode.output;
    EXPECT_EQ(CountOccurrences(mode.output, job + ": --mode: "), 1u) << mode.output;
  }
  // The two jobs that read no --src do not take one.
  for (const std::string job : {"make_training_data", "train_mlp"}) {
    auto r = RunCommand(Job(1, job, "--train x --src x" + dest));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find(job + ": unknown flag --"), std::string::npos) << r.output;
  }
  // A bad value of a job's own flag that check_flags knows is a bad flag too.
  auto hidden = RunCommand(Job(2, "classify_tweets", "--src x --hidden 4,x" + dest));
  EXPECT_EQ(hidden.exit_code, 2) << hidden.output;
  EXPECT_EQ(CountOccurrences(hidden.output, "classify_tweets: --hidden: bad width 'x'"), 1u)
      << hidden.output;
}

// Rank 1 of a long train_mlp run is stopped (SIGSTOP: alive to the kernel and mpirun, silent to
// its peer). Rank 0 waits for it in the gradient all-reduce; its PeerWatchdog (--peer-timeout-s 2)
// must end it, and mpirun the job, well before the 60 s bound; nothing is committed.
TEST(MlJobDriverTest, PeerWatchdogEndsTrainMlpWhenARankStops) {
  TempDir dir;
  auto gen =
      RunCommand(Job(1, "make_training_data", "--n 20000 --csv=false --dest " + dir.Join("xo")));
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  const std::string log = dir.Join("train.log");
  const std::string script =
      Job(2, "train_mlp",
          "--train " + dir.Join("xo") +
              " --hidden 256 --epochs 100000 --grid 0 --peer-timeout-s 2 --dest " +
              dir.Join("sweep")) +
      " >" + log + R"( 2>&1 &
MPIRUN=$!
STOPPED=
for i in $(seq 1 600); do
  grep -q 'epoch 1/' )" +
      log + R"( 2>/dev/null && for pid in $(pgrep -P $MPIRUN); do
    tr '\0' '\n' </proc/$pid/environ 2>/dev/null | grep -qx OMPI_COMM_WORLD_RANK=1 && STOPPED=$pid
  done
  [ -n "$STOPPED" ] && break
  sleep 0.1
done
[ -n "$STOPPED" ] || { echo "rank 1 never trained"; kill -9 $MPIRUN; exit 3; }
kill -STOP $STOPPED
T0=$(date +%s)
while kill -0 $MPIRUN 2>/dev/null && [ $(( $(date +%s) - T0 )) -lt 60 ]; do sleep 0.2; done
if kill -0 $MPIRUN 2>/dev/null; then echo "mpirun still running"; kill -9 $STOPPED $MPIRUN; exit 4; fi
kill -9 $STOPPED 2>/dev/null
wait $MPIRUN; RC=$?
echo "ended after $(( $(date +%s) - T0 )) s, mpirun exit $RC"
cat )" +
      log + "\n[ $RC -ne 0 ]\n";
  auto r = RunCommand(
      "bash -c '" +
          [&] {
            std::string quoted;
            for (char c : script) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
            return quoted;
          }() +
          "'",
      120);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("no answer from rank 1"), std::string::npos) << r.output;
  EXPECT_NE(RunCommand("test -e " + dir.Join("sweep/_SUCCESS")).exit_code, 0);
}

// Issue 11, item 4: every scratch file of the three jobs (the HDF5 files they build, the sweep's
// per-rank folder for fetched data and checkpoints) is made in --spill-dir, else $TMPDIR. With a
// $TMPDIR that is a plain file (root ignores permissions, so "unwritable" is "not a folder"), each
// job fails naming it; with --spill-dir on a folder it commits, and nothing is left there.
TEST(MlJobDriverTest, ScratchFilesGoToSpillDirElseTmpdir) {
  TempDir dir;
  testing::WriteFile(dir.Join("not-a-folder"), "");
  testing::WriteFile(dir.Join("spill/.keep"), "");
  const std::string prefix =
      testing::MpirunPrefix(2) + " -x TMPDIR=" + dir.Join("not-a-folder") + " ";
  const std::string spill = " --spill-dir " + dir.Join("spill");
  const std::vector<std::pair<std::string, std::string>> runs = {
      {"make_training_data", "--n 400 --seed 3 --dest " + dir.Join("xo")},
      {"train_mlp", "--train " + dir.Join("xo") + " --hidden 0,4 --epochs 2 --grid 8 --dest " +
                        dir.Join("sweep")},
      {"classify_tweets", "--src " + testing::SourcePath("tests/data/tweets") +
                              " --hidden 0,4 --epochs 2 --dest " + dir.Join("lang")}};
  for (const auto& [job, args] : runs) {
    auto failed = RunCommand(prefix + testing::BinPath(job) + " " + args + "-tmpdir", 240);
    EXPECT_EQ(failed.exit_code, 1) << failed.output;
    EXPECT_NE(
        failed.output.find(job + ": error: " + dir.Join("not-a-folder") + ": cannot create a "),
        std::string::npos)
        << failed.output;
    auto ok = RunCommand(prefix + testing::BinPath(job) + " " + args + spill, 240);
    EXPECT_EQ(ok.exit_code, 0) << job << ": " << ok.output;
  }
  EXPECT_EQ(RunCommand("test -s " + dir.Join("sweep/_SUCCESS")).exit_code, 0);
  EXPECT_EQ(RunCommand("test -s " + dir.Join("lang/model/_SUCCESS")).exit_code, 0);
  EXPECT_EQ(testing::TreeEntries(dir.Join("spill")), (std::vector<std::string>{".keep"}));
}

// A failure on a rank other than 0 is named in the job's one error line (RunJob prints rank 0's
// status): with --resume, the checkpoint of hidden-0 (trained by rank 1's group; hidden-8, the
// larger, goes to rank 0's) is not HDF5, so rank 1 fails while rank 0 trains.
TEST(MlJobDriverTest, ARankFailureIsNamedInTheErrorLine) {
  TempDir dir;
  auto r = RunCommand(Job(1, "make_training_data", "--n 300 --seed 3 --dest " + dir.Join("xo")));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  const std::string ckpt = dir.Join("sweep/_checkpoints/hidden-0.ckpt.h5");
  testing::WriteFile(ckpt, "not hdf5\n");
  r = RunCommand(Job(2, "train_mlp",
                     "--train " + dir.Join("xo") + " --hidden 0,8 --epochs 2 --grid 0 --resume " +
                         "--dest " + dir.Join("sweep")),
                 240);
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("train_mlp: error: rank 1: " + ckpt + ": cannot resume: "),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("; nothing was committed"), std::string::npos) << r.output;
  EXPECT_NE(RunCommand("test -e " + dir.Join("sweep/_SUCCESS")).exit_code, 0);
}

}  // namespace
}  // namespace rankflow
