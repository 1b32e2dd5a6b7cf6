// lang_by_hour: the share of tweets per language in each UTC hour of the day. Output "shares"
// (hour 0-23, lang, tweets, share of that hour's tweets), by hour, then most tweets, then lang.
// Every tweet counts, retweets included; a tweet without a language counts as "und".
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace flow = rankflow::flow;
using rankflow::Tweet;
using HourLang = std::pair<int, std::string>;

struct Share {
  int hour = 0;
  std::string lang;
  uint64_t tweets = 0;
  double share = 0;
};
RF_FIELDS(Share, hour, lang, tweets, share);

int main(int argc, char** argv) {
  flow::JobInfo info{"lang_by_hour", "share of tweets per language per UTC hour", {}, "csv"};
  return flow::Main(argc, argv, info, [](flow::Context& ctx) {
    auto counts = rankflow::ReadTweets(ctx)
                      .Map([](const Tweet& t) {
                        return HourLang(std::stoi(t.created_at.substr(11, 2)),
                                        t.lang.empty() ? "und" : t.lang);
                      })
                      .ReduceByKey([](const HourLang& k) { return k; }, flow::Count())
                      .Cache();
    auto hour = [](const auto& c) { return c.first.first; };
    auto totals = counts.ReduceByKey(hour, flow::Sum([](const auto& c) { return c.second; }));
    counts.BroadcastJoin(totals, hour, [](const auto& t) { return t.first; })
        .Map([](const auto& j) {
          const auto& [key, tweets] = j.first;
          return Share{key.first, key.second, tweets, double(tweets) / double(j.second.second)};
        })
        .SortBy([](const Share& s) { return std::tuple(s.hour, flow::Desc(s.tweets), s.lang); })
        .Write("shares");
  });
}
