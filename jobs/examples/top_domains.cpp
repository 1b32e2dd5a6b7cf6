// top_domains' driver: flags -> TopDomains (top_domains.h, the pipeline) -> exit code.
#include "jobs/examples/top_domains.h"

int main(int argc, char** argv) {
  auto flags = [](rankflow::FlagSet* f) { f->AddInt("top", 10, "domains per day"); };
  rankflow::flow::JobInfo info{"top_domains", "the most linked web domains per day", flags, "csv"};
  return rankflow::flow::Main(argc, argv, info, [](rankflow::flow::Context& ctx) {
    rankflow::examples::TopDomains(ctx, ctx.flags().GetInt("top"));
  });
}
