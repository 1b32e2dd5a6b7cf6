// mention_ratio: users mentioned most relative to how much they tweet themselves. Output "ratios"
// (user, mentions, tweets, ratio = mentions / (tweets + 1)): the --top users by ratio, ties by
// name. Mentions are the tweets' mention lists (a retweet mentions the retweeted author first);
// a user's tweets are those they authored, retweets included; names lowercased. A left join of
// mention counts with tweet counts. Contract: jobs/README.md, "Example jobs".
#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace flow = rankflow::flow;
using rankflow::LowercaseTerm;
using rankflow::Tweet;

struct Ratio {
  std::string user;
  uint64_t mentions = 0, tweets = 0;
  double ratio = 0;
};
RF_FIELDS(Ratio, user, mentions, tweets, ratio);

int main(int argc, char** argv) {
  auto flags = [](rankflow::FlagSet* f) { f->AddInt("top", 20, "users to keep"); };
  flow::JobInfo info{"mention_ratio", "mentions of users relative to their tweets", flags, "csv"};
  return flow::Main(argc, argv, info, [](flow::Context& ctx) {
    auto tweets = rankflow::ReadTweets(ctx).Cache();
    auto self = [](const std::string& user) { return user; };
    auto user = [](const auto& count) { return count.first; };
    auto mentioned =
        tweets
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
          return Ratio{j.first.first, j.first.second, own,
                       double(j.first.second) / double(own + 1)};
        })
        .TopK(ctx.flags().GetInt("top"),
              [](const Ratio& r) { return std::pair(flow::Desc(r.ratio), r.user); })
        .Write("ratios");
  });
}
