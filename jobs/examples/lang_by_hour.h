// lang_by_hour: the share of tweets per language in each UTC hour of the day. Output "shares"
// (hour 0-23, lang, tweets, share of that hour's tweets), by hour, then most tweets, then lang.
// Every tweet counts, retweets included; a tweet without a language counts as "und".
#pragma once

#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace rankflow::examples {

struct Share {
  int hour = 0;
  std::string lang;
  uint64_t tweets = 0;
  double share = 0;
};
RF_FIELDS(Share, hour, lang, tweets, share);

// The pipeline, on the tweets ReadTweets(ctx, input) reads (by default --src). Collective.
inline void LangByHour(flow::Context& ctx, const ReadTweetsOptions& input = {}) {
  using HourLang = std::pair<int, std::string>;
  auto counts =
      ReadTweets(ctx, input)
          .Map([](const Tweet& t) {
            return HourLang(std::stoi(t.created_at.substr(11, 2)), t.lang.empty() ? "und" : t.lang);
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
}

}  // namespace rankflow::examples
