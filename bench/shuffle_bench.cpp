// Hand-run HashShuffle throughput check (not a test): every rank adds N small pairs (8-12 byte keys
// from K distinct, u64 counts), exchanges and iterates; checks the global sum of counts equals
// N * ranks before printing. Usage: mpirun -n R --bind-to core build/bin/shuffle_bench [N] [K]
//   [memory_mb]. Prints Add, Exchange and ForEach rates in millions of records per second per rank.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "runtime/mpi_context.h"
#include "runtime/shuffle.h"

namespace {

double Seconds(std::chrono::steady_clock::time_point since) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

}  // namespace

int main(int argc, char** argv) {
  rankflow::MpiContext mpi(&argc, &argv);
  const uint64_t n = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 20000000;
  const uint64_t k = argc > 2 ? std::strtoull(argv[2], nullptr, 10) : 1000000;
  rankflow::ShuffleOptions options;
  if (argc > 3) options.memory_bytes = std::strtoull(argv[3], nullptr, 10) << 20;
  rankflow::HashShuffle shuffle(mpi, options, rankflow::CombineSumU64);
  const std::string one = rankflow::EncodeU64(1);
  std::string key = "term";
  uint64_t x = 88172645463325252ull + static_cast<uint64_t>(mpi.rank());
  mpi.Barrier();
  auto t0 = std::chrono::steady_clock::now();
  for (uint64_t i = 0; i < n; ++i) {
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    key.resize(4);
    key += std::to_string(x % k);
    if (!shuffle.Add(key, one).ok()) mpi.Abort(1);
  }
  double t_add = Seconds(t0);
  mpi.Barrier();
  auto t1 = std::chrono::steady_clock::now();
  rankflow::Status s = shuffle.Exchange();
  double t_exchange = Seconds(t1);
  if (!s.ok()) mpi.Abort(1);
  auto t2 = std::chrono::steady_clock::now();
  uint64_t sum = 0;
  uint64_t keys = 0;
  s = shuffle.ForEach([&](std::string_view, std::string_view v) {
    sum += rankflow::DecodeU64(v);
    ++keys;
    return rankflow::Status::OK();
  });
  double t_foreach = Seconds(t2);
  int64_t total = mpi.AllSum(static_cast<int64_t>(sum));
  int64_t sent = mpi.AllSum(static_cast<int64_t>(shuffle.stats().pairs_sent));
  if (total != static_cast<int64_t>(n) * mpi.size()) {
    if (mpi.is_root()) std::fprintf(stderr, "shuffle_bench: wrong answer %lld\n", (long long)total);
    return 1;
  }
  double max_add = mpi.AllMaxDouble(t_add);
  double max_ex = mpi.AllMaxDouble(t_exchange);
  double max_fe = mpi.AllMaxDouble(t_foreach);
  if (mpi.is_root()) {
    std::printf(
        "ranks %d, %llu adds/rank, %llu distinct keys: add %.1f M/s/rank (%.2f s), exchange of "
        "%lld combined pairs %.2f s (%.1f M pairs/s/rank, %llu rounds, %llu spilled runs), "
        "foreach %.2f s\n",
        mpi.size(), (unsigned long long)n, (unsigned long long)k, n / max_add / 1e6, max_add,
        (long long)sent, max_ex, sent / max_ex / 1e6 / mpi.size(),
        (unsigned long long)shuffle.stats().rounds,
        (unsigned long long)shuffle.stats().spilled_runs, max_fe);
  }
  return 0;
}
