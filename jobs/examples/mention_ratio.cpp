// mention_ratio's driver: flags -> MentionRatio (mention_ratio.h, the pipeline) -> exit code.
#include "jobs/examples/mention_ratio.h"

int main(int argc, char** argv) {
  auto flags = [](rankflow::FlagSet* f) { f->AddInt("top", 20, "users to keep"); };
  rankflow::flow::JobInfo info{"mention_ratio", "mentions of users relative to their tweets", flags,
                               "csv"};
  return rankflow::flow::Main(argc, argv, info, [](rankflow::flow::Context& ctx) {
    rankflow::examples::MentionRatio(ctx, ctx.flags().GetInt("top"));
  });
}
