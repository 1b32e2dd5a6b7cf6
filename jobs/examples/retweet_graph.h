// retweet_graph: who retweets whom. Output "edges" (retweeter, author, retweets): one row per
// retweeter -> original author pair, heaviest first; output "authors" (author, retweeters,
// retweets): the `top` authors with the most distinct retweeters. Screen names lowercased;
// retweets whose retweeter or original author is unknown are skipped. Contract: README.md here.
#pragma once

#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace rankflow::examples {

struct Edge {
  std::string retweeter, author;
  int64_t retweets = 0;
};
RF_FIELDS(Edge, retweeter, author, retweets);

// The pipeline, on the tweets ReadTweets(ctx, input) reads (by default --src). Collective.
inline void RetweetGraph(flow::Context& ctx, int64_t top, const ReadTweetsOptions& input = {}) {
  auto edges =
      ReadTweets(ctx, input)
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
      .TopK(top,
            [](const auto& a) { return std::pair(flow::Desc(std::get<1>(a)), std::get<0>(a)); })
      .Write("authors", {{"author", "retweeters", "retweets"}});
}

}  // namespace rankflow::examples
