// word_count: the words of the input lines, counted over every rank; writes one record per word
// to --dest (--format jsonl by default, csv, jsonl.gz, …) and prints the ten most frequent.
//   mpirun -n 4 build/word_count --src s3://bucket/texts/ --dest s3://bucket/word-counts/
#include <sstream>
#include <string>

#include "runtime/flow/flow.h"

namespace flow = rankflow::flow;

struct WordCount {
  std::string word;
  uint64_t count = 0;
};
RF_FIELDS(WordCount, word, count);

void CountWords(flow::Context& ctx) {
  auto counts = ctx.Lines()
                    .FlatMap<std::string>([](const std::string& line, auto& emit) {
                      std::istringstream words(line);
                      for (std::string w; words >> w;) emit(w);
                    })
                    .ReduceByKey([](const std::string& w) { return w; }, flow::Count())
                    .Map([](const std::pair<std::string, uint64_t>& p) {
                      return WordCount{p.first, p.second};
                    });
  counts.Write("words");
  counts
      .TopK(
          10, [](const WordCount& c) { return c.count; }, flow::Order::kDescending)
      .Print(10, "top words");
}

int main(int argc, char** argv) {
  return flow::Main(argc, argv, {"word_count", "counts the words of the input lines"}, CountWords);
}
