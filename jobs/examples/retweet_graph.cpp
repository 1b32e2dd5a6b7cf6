// retweet_graph's driver: flags -> RetweetGraph (retweet_graph.h, the pipeline) -> exit code.
#include "jobs/examples/retweet_graph.h"

int main(int argc, char** argv) {
  auto flags = [](rankflow::FlagSet* f) { f->AddInt("top", 20, "authors to keep"); };
  rankflow::flow::JobInfo info{"retweet_graph", "retweet edges and the most retweeted authors",
                               flags, "csv"};
  return rankflow::flow::Main(argc, argv, info, [](rankflow::flow::Context& ctx) {
    rankflow::examples::RetweetGraph(ctx, ctx.flags().GetInt("top"));
  });
}
