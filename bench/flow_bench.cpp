// Hand-run overhead check of the dataflow API (runtime/flow), not a test: the same word count
// (split lines on spaces, count per word, top 20 by count then word) written on flow (ReadLines ->
// ReduceByKey(Count) -> TopK -> Collect) and directly on the engine (MapPhase + HashShuffle with
// CombineSumU64 + a local top 20 + a gather). Word count is the flow layer's worst case: tiny
// elements, so its per-element costs (a std::function call per stage, std::string elements, the
// codec's encoding of key and aggregate state) are not hidden behind parsing.
// Usage: mpirun -n R build/bin/flow_bench --impl flow|engine SRC [memory_mb]
// Prints "impl ranks seconds cpu_seconds words" on rank 0 (cpu: user + system of all ranks,
// getrusage: the steadier figure on a shared machine) and the top 20 on stderr
// (bench/flow_bench.sh checks that both implementations print the same).
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <vector>

#include "runtime/flow/flow.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"

namespace {

using rankflow::MpiContext;
using rankflow::Status;
using Top = std::vector<std::pair<std::string, uint64_t>>;

template <typename Fn>
void ForEachWord(std::string_view line, Fn&& fn) {
  size_t i = 0;
  while (i < line.size()) {
    size_t end = line.find(' ', i);
    if (end == std::string_view::npos) end = line.size();
    if (end > i) fn(line.substr(i, end - i));
    i = end + 1;
  }
}

bool Better(const std::pair<std::string, uint64_t>& a, const std::pair<std::string, uint64_t>& b) {
  return a.second != b.second ? a.second > b.second : a.first < b.first;
}

Top FlowWordCount(const MpiContext& mpi, const std::string& src, uint64_t memory_bytes,
                  uint64_t* words) {
  namespace flow = rankflow::flow;
  flow::ContextOptions options;
  options.memory_bytes = memory_bytes;
  flow::Context ctx(mpi, options);
  auto counts =
      ctx.ReadLines<std::string>(
             [](std::string_view line, rankflow::LineContext&, flow::Emitter<std::string>& emit) {
               ForEachWord(line, [&](std::string_view w) { emit(std::string(w)); });
             },
             {src, ""})
          .ReduceByKey([](const std::string& w) { return w; }, flow::Count());
  *words = counts.Count();
  return counts
      .TopK(20,
            [](const std::pair<std::string, uint64_t>& p) {
              return std::make_pair(flow::Desc(p.second), p.first);
            })
      .Collect();
}

Top EngineWordCount(const MpiContext& mpi, const std::string& src, uint64_t memory_bytes,
                    uint64_t* words) {
  rankflow::Metrics metrics;
  std::unique_ptr<rankflow::FileSystem> fs;
  if (!rankflow::OpenFileSystem(src, &fs).ok()) mpi.Abort(1);
  rankflow::MapPhase map(mpi, *fs, &metrics, nullptr);
  rankflow::MapPhaseOptions map_options;
  map_options.src = src;
  if (!map.Plan(map_options).ok()) mpi.Abort(1);
  rankflow::ShuffleOptions options;
  options.memory_bytes = memory_bytes;
  options.round_bytes = std::clamp<uint64_t>(memory_bytes / 4, 64 << 10, 8 << 20);
  rankflow::HashShuffle shuffle(mpi, options, rankflow::CombineSumU64);
  const std::string one = rankflow::EncodeU64(1);
  Status s = map.Run([&](std::string_view line, rankflow::LineContext&) {
    ForEachWord(line, [&](std::string_view w) {
      if (!shuffle.Add(w, one).ok()) mpi.Abort(1);
    });
  });
  if (!s.ok() || !shuffle.Exchange().ok()) mpi.Abort(1);
  Top local;
  uint64_t keys = 0;
  s = shuffle.ForEach([&](std::string_view k, std::string_view v) {
    ++keys;
    local.emplace_back(std::string(k), rankflow::DecodeU64(v));
    if (local.size() >= 4096) {
      std::partial_sort(local.begin(), local.begin() + 20, local.end(), Better);
      local.resize(20);
    }
    return Status::OK();
  });
  std::sort(local.begin(), local.end(), Better);
  if (local.size() > 20) local.resize(20);
  *words = static_cast<uint64_t>(mpi.AllSum(static_cast<int64_t>(keys)));
  std::string mine;
  for (const auto& [w, n] : local) mine += w + " " + std::to_string(n) + "\n";
  Top all;
  for (const std::string& part : mpi.GatherToRoot(mine)) {
    size_t i = 0;
    while (i < part.size()) {
      size_t nl = part.find('\n', i), sp = part.rfind(' ', nl);
      all.emplace_back(part.substr(i, sp - i), std::stoull(part.substr(sp + 1, nl - sp - 1)));
      i = nl + 1;
    }
  }
  std::sort(all.begin(), all.end(), Better);
  if (all.size() > 20) all.resize(20);
  return all;
}

}  // namespace

int main(int argc, char** argv) {
  MpiContext mpi(&argc, &argv);
  if (argc < 4 || std::string(argv[1]) != "--impl") {
    if (mpi.is_root())
      std::fprintf(stderr, "usage: flow_bench --impl flow|engine SRC [memory_mb]\n");
    return 2;
  }
  const std::string impl = argv[2];
  const std::string src = argv[3];
  const uint64_t memory_bytes = (argc > 4 ? std::stoull(argv[4]) : 256) << 20;
  mpi.Barrier();
  const auto t0 = std::chrono::steady_clock::now();
  uint64_t words = 0;
  Top top = impl == "flow" ? FlowWordCount(mpi, src, memory_bytes, &words)
                           : EngineWordCount(mpi, src, memory_bytes, &words);
  mpi.Barrier();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  const int64_t cpu_us =
      mpi.AllSum(static_cast<int64_t>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) * 1000000 +
                 usage.ru_utime.tv_usec + usage.ru_stime.tv_usec);
  if (mpi.is_root()) {
    std::printf("%s %d %.3f %.3f %llu\n", impl.c_str(), mpi.size(), seconds,
                static_cast<double>(cpu_us) / 1e6, static_cast<unsigned long long>(words));
    for (const auto& [w, n] : top)
      std::fprintf(stderr, "%s %llu\n", w.c_str(), (unsigned long long)n);
  }
  return 0;
}
