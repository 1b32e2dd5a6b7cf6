// retweet_graph: who retweets whom. Output "edges" (retweeter, author, retweets): one row per
// retweeter -> original author pair, heaviest first; output "authors" (author, retweeters,
// retweets): the --top authors with the most distinct retweeters. Screen names lowercased;
// retweets whose retweeter or original author is unknown are skipped. Contract: jobs/README.md.
#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace flow = rankflow::flow;
using rankflow::LowercaseTerm;
using rankflow::Tweet;

struct Edge {
  std::string retweeter, author;
  int64_t retweets = 0;
};
RF_FIELDS(Edge, retweeter, author, retweets);

int main(int argc, char** argv) {
  auto flags = [](rankflow::FlagSet* f) { f->AddInt("top", 20, "authors to keep"); };
  flow::JobInfo info{"retweet_graph", "retweet edges and the most retweeted authors", flags, "csv"};
  return flow::Main(argc, argv, info, [](flow::Context& ctx) {
    auto edges =
        rankflow::ReadTweets(ctx)
            .Filter([](const Tweet& t) { return !t.retweeted_screen_name.empty(); })
            .Filter([](const Tweet& t) { return !t.screen_name.empty(); })
            .Map([](const Tweet& t) {
              return Edge{LowercaseTerm(t.screen_name), LowercaseTerm(t.retweeted_screen_name), 1};
            })
            .ReduceByKey([](const Edge& e) { return std::pair(e.retweeter, e.author); },
                         [](Edge a, const Edge& b) {
                           a.retweets += b.retweets;
                           return a;
                         })
            .Cache();
    edges
        .SortBy(
            [](const Edge& e) { return std::tuple(flow::Desc(e.retweets), e.retweeter, e.author); })
        .Write("edges");
    edges.ReduceByKey(&Edge::author, flow::Count(), flow::Sum(&Edge::retweets))
        .TopK(ctx.flags().GetInt("top"),
              [](const auto& a) { return std::pair(flow::Desc(std::get<1>(a)), std::get<0>(a)); })
        .Write("authors", {{"author", "retweeters", "retweets"}});
  });
}
