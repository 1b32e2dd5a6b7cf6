// Runs under mpirun at 1, 2 and 4 ranks: every shuffle's answer must equal a sequential std::map
// reference built from every rank's inputs, with and without spilling and with many rounds.
#include "runtime/shuffle.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <set>

#include "runtime/metrics.h"
#include "tests/util/mpi_test.h"
#include "tests/util/test_util.h"

namespace rankflow {
namespace {

// The pairs rank `rank` adds: skewed keys (a few hot ones, many rare ones) with counts.
std::vector<std::pair<std::string, uint64_t>> InputsOfRank(int rank, int n) {
  std::mt19937_64 rng(1234 + rank);
  std::vector<std::pair<std::string, uint64_t>> out;
  for (int i = 0; i < n; ++i) {
    uint64_t k = rng() % 8 == 0 ? rng() % 5 : rng() % 3000;
    std::string key = "key" + std::to_string(k);
    if (k % 7 == 0) key += std::string(40, 'x');  // some keys beyond the small-string size
    out.emplace_back(key, rng() % 10 + 1);
  }
  return out;
}

std::map<std::string, uint64_t> Reference(int size, int n) {
  std::map<std::string, uint64_t> ref;
  for (int r = 0; r < size; ++r) {
    for (const auto& [k, v] : InputsOfRank(r, n)) ref[k] += v;
  }
  return ref;
}

// Runs one shuffle and returns, on every rank, the union of all ranks' ForEach output; checks
// that each rank saw its keys in order and that no key appears on two ranks.
std::map<std::string, uint64_t> RunShuffle(ShuffleOptions options, int n, ShuffleStats* stats) {
  HashShuffle shuffle(testing::TestMpi(), options, CombineSumU64);
  for (const auto& [k, v] : InputsOfRank(testing::TestMpi().rank(), n)) {
    EXPECT_TRUE(shuffle.Add(k, EncodeU64(v)).ok());
  }
  Status s = shuffle.Exchange();
  EXPECT_TRUE(s.ok()) << s.message();
  std::string mine;
  std::string previous;
  bool first = true;
  EXPECT_TRUE(shuffle
                  .ForEach([&](std::string_view k, std::string_view v) {
                    if (!first) {
                      EXPECT_LT(previous, k);
                    }
                    first = false;
                    previous.assign(k);
                    mine += std::string(k) + "=" + std::to_string(DecodeU64(v)) + "\n";
                    return Status::OK();
                  })
                  .ok());
  *stats = shuffle.stats();
  std::map<std::string, uint64_t> all;
  for (const std::string& part : testing::TestMpi().AllGather(mine)) {
    for (const std::string& line : testing::SplitLines(part)) {
      size_t eq = line.rfind('=');
      bool inserted = all.emplace(line.substr(0, eq), std::stoull(line.substr(eq + 1))).second;
      EXPECT_TRUE(inserted) << "key on two ranks: " << line;
    }
  }
  return all;
}

TEST(HashShuffleTest, InMemoryEqualsReference) {
  ShuffleStats stats;
  auto got = RunShuffle(ShuffleOptions{}, 20000, &stats);
  EXPECT_EQ(got, Reference(testing::TestMpi().size(), 20000));
  EXPECT_EQ(stats.spilled_runs, 0u);
  EXPECT_EQ(stats.pairs_added, 20000u);
  EXPECT_LT(stats.pairs_sent, stats.pairs_added);  // map-side combine happened
}

TEST(HashShuffleTest, SpillingBothSidesEqualsReference) {
  ShuffleOptions options;
  options.memory_bytes = 16 << 10;  // a few dozen entries per table
  ShuffleStats stats;
  auto got = RunShuffle(options, 20000, &stats);
  EXPECT_EQ(got, Reference(testing::TestMpi().size(), 20000));
  EXPECT_GT(stats.spilled_runs, 64u);  // more runs than one merge pass takes
  EXPECT_GT(stats.spilled_bytes, 0u);
}

TEST(HashShuffleTest, ManyTinyRoundsEqualReference) {
  ShuffleOptions options;
  options.round_bytes = 1;  // one record per destination per round
  ShuffleStats stats;
  auto got = RunShuffle(options, 3000, &stats);
  EXPECT_EQ(got, Reference(testing::TestMpi().size(), 3000));
  EXPECT_GT(stats.rounds, 100u);
}

TEST(HashShuffleTest, SpillAndTinyRoundsTogether) {
  ShuffleOptions options;
  options.memory_bytes = 4 << 10;
  options.round_bytes = 100;
  ShuffleStats stats;
  EXPECT_EQ(RunShuffle(options, 5000, &stats), Reference(testing::TestMpi().size(), 5000));
  EXPECT_GT(stats.spilled_runs, 0u);
  EXPECT_GT(stats.rounds, 10u);
}

TEST(HashShuffleTest, RangePartitionerGivesGlobalOrder) {
  ShuffleOptions options;
  const int size = testing::TestMpi().size();
  // Keys "key<digits>": split on the first digit.
  options.partitioner = [size](std::string_view key) { return (key[3] - '0') * size / 10; };
  HashShuffle shuffle(testing::TestMpi(), options, CombineSumU64);
  for (const auto& [k, v] : InputsOfRank(testing::TestMpi().rank(), 5000))
    ASSERT_TRUE(shuffle.Add(k, EncodeU64(v)).ok());
  ASSERT_TRUE(shuffle.Exchange().ok());
  std::string mine;
  ASSERT_TRUE(shuffle
                  .ForEach([&](std::string_view k, std::string_view) {
                    mine += std::string(k) + "\n";
                    return Status::OK();
                  })
                  .ok());
  std::vector<std::string> keys;
  for (const std::string& part : testing::TestMpi().AllGather(mine)) {
    for (const std::string& k : testing::SplitLines(part)) keys.push_back(k);
  }
  EXPECT_TRUE(std::is_sorted(keys.begin(), keys.end()));
  EXPECT_EQ(keys.size(), Reference(size, 5000).size());
}

// Values that change size when combined (keep the larger string) take the table's relocation path.
TEST(HashShuffleTest, CombineThatChangesValueSizes) {
  auto value_of = [](int rank, int i) {
    std::mt19937_64 rng(rank * 100003 + i);
    return std::string(rng() % 40, static_cast<char>('a' + rng() % 26));
  };
  for (uint64_t memory : {uint64_t{256} << 20, uint64_t{8} << 10}) {
    ShuffleOptions options;
    options.memory_bytes = memory;
    HashShuffle shuffle(testing::TestMpi(), options, [](std::string* acc, std::string_view v) {
      if (v > *acc) acc->assign(v);
    });
    std::map<std::string, std::string> ref;
    for (int r = 0; r < testing::TestMpi().size(); ++r) {
      for (int i = 0; i < 4000; ++i) {
        std::string k = "k" + std::to_string(i % 700);
        std::string v = value_of(r, i);
        auto [it, fresh] = ref.emplace(k, v);
        if (!fresh && v > it->second) it->second = v;
        if (r == testing::TestMpi().rank()) {
          ASSERT_TRUE(shuffle.Add(k, v).ok());
        }
      }
    }
    ASSERT_TRUE(shuffle.Exchange().ok());
    std::string mine;
    ASSERT_TRUE(shuffle
                    .ForEach([&](std::string_view k, std::string_view v) {
                      mine += std::string(k) + "=" + std::string(v) + "\n";
                      return Status::OK();
                    })
                    .ok());
    std::map<std::string, std::string> got;
    for (const std::string& part : testing::TestMpi().AllGather(mine)) {
      for (const std::string& line : testing::SplitLines(part)) {
        if (line.empty()) continue;
        size_t eq = line.find('=');
        got[line.substr(0, eq)] = line.substr(eq + 1);
      }
    }
    EXPECT_EQ(got, ref) << "memory " << memory;
  }
}

TEST(HashShuffleTest, OneFailingRankStopsEveryRank) {
  ShuffleOptions options;
  options.round_bytes = 16;
  HashShuffle shuffle(testing::TestMpi(), options, CombineSumU64);
  for (const auto& [k, v] : InputsOfRank(testing::TestMpi().rank(), 500))
    ASSERT_TRUE(shuffle.Add(k, EncodeU64(v)).ok());
  bool local_ok = testing::TestMpi().rank() != testing::TestMpi().size() - 1;
  Status s = shuffle.Exchange(local_ok);
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  EXPECT_LE(shuffle.stats().rounds, 1u);
}

TEST(HashShuffleTest, UnwritableSpillDirIsAnErrorAgreedByAll) {
  ShuffleOptions options;
  options.memory_bytes = 1 << 10;
  if (testing::TestMpi().rank() == 0) options.spill_dir = "/nonexistent/rankflow-spill";
  HashShuffle shuffle(testing::TestMpi(), options, CombineSumU64);
  Status add;
  for (const auto& [k, v] : InputsOfRank(testing::TestMpi().rank(), 2000)) {
    add = shuffle.Add(k, EncodeU64(v));
    if (!add.ok()) break;
  }
  if (testing::TestMpi().rank() == 0) {
    EXPECT_EQ(add.code(), StatusCode::kIOError);
    EXPECT_NE(add.message().find("/nonexistent/rankflow-spill"), std::string::npos);
  }
  Status s = shuffle.Exchange(add.ok());
  EXPECT_FALSE(s.ok());
}

TEST(HashShuffleTest, EmptyShuffle) {
  HashShuffle shuffle(testing::TestMpi(), ShuffleOptions{}, CombineSumU64);
  ASSERT_TRUE(shuffle.Exchange().ok());
  int calls = 0;
  ASSERT_TRUE(shuffle
                  .ForEach([&](std::string_view, std::string_view) {
                    ++calls;
                    return Status::OK();
                  })
                  .ok());
  EXPECT_EQ(calls, 0);
  EXPECT_EQ(shuffle.stats().rounds, 1u);
}

// The bytes rank `from` sends rank `to` in piece `i` of ExchangeBytesTest: sizes vary from 0 to
// ~3 * 64 KiB (over Open MPI's eager and pipeline limits), content names sender, receiver, piece.
std::string ExchangePiece(int from, int to, int i) {
  std::string piece;
  const size_t bytes = static_cast<size_t>((from * 7 + to * 3 + i * 11) % 4) * 65000;
  while (piece.size() < bytes) {
    piece += std::to_string(from) + ">" + std::to_string(to) + "#" + std::to_string(i) + ";";
  }
  return piece;
}

TEST(ExchangeBytesTest, EveryRankGetsWhatEachPeerSentInOrder) {
  const MpiContext& mpi = testing::TestMpi();
  // Rank r sends rank d (d + r) % 4 pieces; some destinations get none, some pieces are empty.
  std::vector<std::vector<std::string>> owned(mpi.size());
  std::vector<std::vector<std::string_view>> outgoing(mpi.size());
  for (int d = 0; d < mpi.size(); ++d) {
    for (int i = 0; i < (d + mpi.rank()) % 4; ++i)
      owned[d].push_back(ExchangePiece(mpi.rank(), d, i));
    for (const std::string& piece : owned[d]) outgoing[d].emplace_back(piece);
  }
  std::vector<std::string> incoming;
  uint64_t sent = 0;
  ASSERT_TRUE(ExchangeBytes(mpi, outgoing, true, &incoming, &sent).ok());
  ASSERT_EQ(incoming.size(), static_cast<size_t>(mpi.size()));
  uint64_t expected_sent = 0;
  for (int s = 0; s < mpi.size(); ++s) {
    std::string expected;
    if (s != mpi.rank()) {
      for (int i = 0; i < (mpi.rank() + s) % 4; ++i) expected += ExchangePiece(s, mpi.rank(), i);
      for (const std::string& piece : owned[s]) expected_sent += piece.size();
    }
    EXPECT_EQ(incoming[s], expected) << "from rank " << s;
  }
  EXPECT_EQ(sent, expected_sent);
}

TEST(ExchangeBytesTest, OneFailingRankAbortsEveryRankAndSendsNothing) {
  const MpiContext& mpi = testing::TestMpi();
  const std::string piece = "x";
  std::vector<std::vector<std::string_view>> outgoing(mpi.size(), {piece});
  std::vector<std::string> incoming;
  const bool local_ok = mpi.rank() != mpi.size() - 1;
  Status s = ExchangeBytes(mpi, outgoing, local_ok, &incoming);
  EXPECT_EQ(s.code(), StatusCode::kAborted);
  for (const std::string& got : incoming) EXPECT_TRUE(got.empty());
}

TEST(ExchangeBytesTest, HashOwnerIsTheShufflesPlacement) {
  // HashShuffle puts each key on HashOwner(key, size): the ForEach output of every rank holds
  // exactly the keys HashOwner gives it.
  const MpiContext& mpi = testing::TestMpi();
  HashShuffle shuffle(mpi, ShuffleOptions{}, CombineSumU64);
  for (const auto& [k, v] : InputsOfRank(mpi.rank(), 300))
    ASSERT_TRUE(shuffle.Add(k, EncodeU64(v)).ok());
  ASSERT_TRUE(shuffle.Exchange().ok());
  int keys = 0;
  ASSERT_TRUE(shuffle
                  .ForEach([&](std::string_view k, std::string_view) {
                    ++keys;
                    EXPECT_EQ(HashOwner(k, mpi.size()), mpi.rank()) << k;
                    return Status::OK();
                  })
                  .ok());
  EXPECT_GT(mpi.AllSum(keys), 0);
}

TEST(MetricsMpiTest, MergeToRootSumsEveryRank) {
  Metrics m(2);
  m.Add("records_in", testing::TestMpi().rank() + 1);
  m.BadLine("invalid_json", "f" + std::to_string(testing::TestMpi().rank()), 1, "x");
  m.MergeToRoot(testing::TestMpi());
  const int size = testing::TestMpi().size();
  if (testing::TestMpi().is_root()) {
    EXPECT_EQ(m.Get("records_in"), size * (size + 1) / 2);
    EXPECT_EQ(m.Get("bad_lines.invalid_json"), size);
    EXPECT_EQ(m.samples().at("invalid_json").size(), static_cast<size_t>(std::min(size, 2)));
  } else {
    EXPECT_EQ(m.Get("records_in"), testing::TestMpi().rank() + 1);
  }
}

}  // namespace
}  // namespace rankflow
