// A small dataflow job for flow_errors_test: sums "key value" lines per key, and can be told to
// throw from user code on one rank (or on one input line) at a chosen place, to check that every
// such failure ends the whole job with one error line, exit code 1 and nothing committed.
//   --fail-in none|line|map|reduce|group|write|body|twice|nested   --fail-rank R   [--numeric]
#include <stdexcept>
#include <string>

#include "runtime/flow/flow.h"

namespace flow = rankflow::flow;

namespace {

void AddFlags(rankflow::FlagSet* f) {
  f->AddString("fail-in", "none", "where user code throws: none|line|map|reduce|group|write|body");
  f->AddInt("fail-rank", 0, "the rank that throws");
  f->AddString("format-list", "", "formats of the sums output (WriteOptions::format)");
  f->AddBool("numeric", false, "write (key length, sum as double) rows instead of (key, sum)");
}

void Run(flow::Context& ctx) {
  const std::string where = ctx.flags().GetString("fail-in");
  const bool me = ctx.rank() == ctx.flags().GetInt("fail-rank");
  auto throw_if = [&](const std::string& place) {
    if (where == place && me) throw std::runtime_error("boom in " + place);
  };
  auto pairs = ctx.Lines().Map([&](const std::string& line) {
    if (where == "line" && line == "poison 0") throw std::runtime_error("poisoned line");
    throw_if("map");
    const size_t space = line.find(' ');
    return std::make_pair(line.substr(0, space), std::stoll(line.substr(space + 1)));
  });
  // Every rank adds a few pairs of its own, so that each rank runs the reduce and the group code.
  auto local = ctx.Local(std::vector<std::pair<std::string, long long>>{{"own", 1}, {"own", 2}});
  auto sums = pairs.Union(local).ReduceByKey(
      [](const auto& p) { return p.first; },
      [&](std::pair<std::string, long long> a, const std::pair<std::string, long long>& b) {
        throw_if("reduce");
        a.second += b.second;
        return a;
      });
  const uint64_t keys = sums.Count();
  throw_if("body");
  auto groups = pairs.Union(local).GroupByKey<std::pair<std::string, long long>>(
      [](const auto& p) { return p.first; },
      [&](const std::string& key, flow::Values<std::pair<std::string, long long>>& values,
          flow::Emitter<std::pair<std::string, long long>>& emit) {
        throw_if("group");
        long long n = 0;
        for (const auto& v : values) n += v.second;
        emit({key, n});
      });
  auto checked = groups.Map([&](std::pair<std::string, long long> p) {
    throw_if("write");
    return p;
  });
  if (ctx.flags().GetBool("numeric")) {
    // Numeric rows (for --format hdf5): the key's length and the sum as a double.
    checked
        .Map([](const std::pair<std::string, long long>& p) {
          return std::make_pair(static_cast<int64_t>(p.first.size()),
                                static_cast<double>(p.second));
        })
        .Write("sums", {{"key_length", "sum"}});
  } else {
    checked.Write("sums", {{"key", "sum"}, ctx.flags().GetString("format-list")});
  }
  if (where == "twice") checked.Write("sums");
  if (where == "nested") {
    // An operation inside a user function: refused, never a hang.
    pairs
        .Map([&](const std::pair<std::string, long long>& p) {
          return p.second + static_cast<long long>(pairs.Count());
        })
        .Count();
  }
  ctx.Local(std::vector<uint64_t>{keys}).Print(1, "keys");
}

}  // namespace

int main(int argc, char** argv) {
  return flow::Main(argc, argv,
                    {"flow_fail_job", "sums per key, failing on demand", AddFlags, "csv"}, Run);
}
