// mention_ratio: users mentioned most relative to how much they tweet themselves. Output "ratios"
// (user, mentions, tweets, ratio = mentions / (tweets + 1)): the `top` users by ratio, ties by
// name. Mentions are the tweets' mention lists (a retweet mentions the retweeted author first);
// a user's tweets are those they authored, retweets included; names lowercased. A left join of
// mention counts with tweet counts. Contract: README.md here.
#pragma once

#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace rankflow::examples {

struct Ratio {
  std::string user;
  uint64_t mentions = 0, tweets = 0;
  double ratio = 0;
};
RF_FIELDS(Ratio, user, mentions, tweets, ratio);

// The pipeline, on the tweets ReadTweets(ctx, input) reads (by default --src). Collective.
inline void MentionRatio(flow::Context& ctx, int64_t top, const ReadTweetsOptions& input = {}) {
  auto tweets = ReadTweets(ctx, input).Cache();
  auto self = [](const std::string& user) { return user; };
  auto user = [](const auto& count) { return count.first; };
  auto mentioned = tweets
                       .FlatMap<std::string>([](const Tweet& t, flow::Emitter<std::string>& emit) {
                         for (const std::string& m : t.mentions)
                           if (!m.empty()) emit(LowercaseTerm(m));
                       })
                       .ReduceByKey(self, flow::Count());
  auto authored = tweets.Map([](const Tweet& t) { return LowercaseTerm(t.screen_name); })
                      .ReduceByKey(self, flow::Count());
  mentioned.LeftJoin(authored, user, user)
      .Map([](const auto& j) {
        const uint64_t own = j.second ? j.second->second : 0;
        return Ratio{j.first.first, j.first.second, own, double(j.first.second) / double(own + 1)};
      })
      .TopK(top, [](const Ratio& r) { return std::pair(flow::Desc(r.ratio), r.user); })
      .Write("ratios");
}

}  // namespace rankflow::examples
