// top_domains: the most linked web domains per UTC day. Output "domains" (day, domain, links):
// the `top` domains of each day by links, days in order. A link is one expanded URL of a tweet
// (a retweet's are the retweeted tweet's); its domain is the host, lowercased, without user info,
// port, trailing dot and a leading "www.".
#pragma once

#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"

namespace rankflow::examples {

struct Links {
  std::string day, domain;
  uint64_t links = 0;
};
RF_FIELDS(Links, day, domain, links);

inline std::string Domain(std::string_view url) {
  if (size_t s = url.find("://"); s < url.find_first_of("/?#")) url.remove_prefix(s + 3);
  url = url.substr(0, url.find_first_of("/?#"));
  url.remove_prefix(url.rfind('@') == url.npos ? 0 : url.rfind('@') + 1);
  url = url.substr(0, url.starts_with('[') ? url.find(']') + 1 : url.find(':'));
  std::string host(url.substr(0, url.ends_with('.') ? url.size() - 1 : url.size()));
  for (char& c : host) c = c >= 'A' && c <= 'Z' ? char(c + 32) : c;
  return host.starts_with("www.") ? host.substr(4) : host;
}

// The pipeline, on the tweets ReadTweets(ctx, input) reads (by default --src). Collective.
inline void TopDomains(flow::Context& ctx, int64_t top, const ReadTweetsOptions& input = {}) {
  ReadTweets(ctx, input)
      .FlatMap<Links>([](const Tweet& t, flow::Emitter<Links>& emit) {
        for (const std::string& url : t.urls)
          if (std::string d = Domain(url); !d.empty())
            emit(Links{t.created_at.substr(0, 10), d, 1});
      })
      .ReduceByKey([](const Links& l) { return std::pair(l.day, l.domain); },
                   [](Links a, const Links& b) {
                     a.links += b.links;
                     return a;
                   })
      .TopKPerKey(top, &Links::day,
                  [](const Links& l) { return std::pair(flow::Desc(l.links), l.domain); })
      .SortBy([](const Links& l) { return std::tuple(l.day, flow::Desc(l.links), l.domain); })
      .Write("domains");
}

}  // namespace rankflow::examples
