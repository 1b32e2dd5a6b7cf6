// A dataflow job for flow_memory_test: one collective operation over the input's "key payload"
// lines, chosen by --op, so that the test can compare its peak RSS (the manifest's
// peak_rss_bytes_max_rank) under --memory-mb 1 with a run that only counts the lines.
//   --op count|group|join|sort|reduce
#include <string>

#include "runtime/flow/flow.h"

namespace flow = rankflow::flow;

namespace {

struct Line {
  std::string key;
  std::string payload;
};
RF_FIELDS(Line, key, payload);

struct KeyStats {
  std::string key;
  int64_t lines = 0;
  int64_t bytes = 0;
};
RF_FIELDS(KeyStats, key, lines, bytes);

void Run(flow::Context& ctx) {
  const std::string op = ctx.flags().GetString("op");
  auto lines = ctx.Lines().Map([](const std::string& l) {
    const size_t space = l.find(' ');
    return Line{l.substr(0, space), l.substr(space + 1)};
  });
  auto key = [](const Line& l) { return l.key; };
  if (op == "count") {
    ctx.Local(std::vector<uint64_t>{lines.Count()}).Write("count");
  } else if (op == "group") {
    // The hot key's values (most of the input) are streamed, never gathered.
    lines
        .GroupByKey<KeyStats>(
            key,
            [](const std::string& k, flow::Values<Line>& values, flow::Emitter<KeyStats>& emit) {
              KeyStats s{k, 0, 0};
              for (const Line& l : values) {
                ++s.lines;
                s.bytes += static_cast<int64_t>(l.payload.size());
              }
              emit(s);
            })
        .Write("groups");
  } else if (op == "join") {
    // Every line joined with the few right records of its key: the hot key on the left side
    // holds most of the input.
    auto right = ctx.Parallelize(
        std::vector<std::pair<std::string, int64_t>>{{"hot", 1}, {"hot", 2}, {"k1", 3}, {"k7", 4}});
    ctx.Local(std::vector<uint64_t>{
                  lines.Join(right, key, [](const auto& p) { return p.first; }).Count()})
        .Write("pairs");
  } else if (op == "sort") {
    lines.SortBy([](const Line& l) { return l.payload; }).Write("sorted");
  } else {
    lines.ReduceByKey(key, flow::Count(), flow::Max(&Line::payload)).Write("reduced");
  }
}

}  // namespace

int main(int argc, char** argv) {
  return flow::Main(
      argc, argv,
      {"flow_memory_job", "one operation over key/payload lines",
       [](rankflow::FlagSet* f) { f->AddString("op", "count", "count|group|join|sort|reduce"); },
       "csv"},
      Run);
}
