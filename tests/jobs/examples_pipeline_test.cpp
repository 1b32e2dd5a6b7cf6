// The four example jobs' pipelines in process (Thrill's shape): RetweetGraph, LangByHour,
// TopDomains and MentionRatio of jobs/examples/*.h called directly on a flow::Context without a
// job, under mpirun at 1, 2 and 4 ranks (rankflow_add_mpi_test), their outputs taken with
// Context::Written and compared row by row, in order, with a sequential reference computed here
// from the archive's parsed tweets (TestArchive: a two-day tweetgen archive with malformed lines,
// duplicates and notices, plus the real samples of every archive shape) with std::map and
// std::sort. The binaries' flags, exit codes, files and manifests, and one run each against the
// independent Python reference: tests/jobs/examples_test.cpp.
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "jobs/examples/lang_by_hour.h"
#include "jobs/examples/mention_ratio.h"
#include "jobs/examples/retweet_graph.h"
#include "jobs/examples/top_domains.h"
#include "operators/terms.h"
#include "tests/util/mpi_test.h"
#include "tests/util/tweet_corpus.h"

namespace rankflow::examples {
namespace {

using rankflow::testing::TestMpi;
using Tweets = std::vector<Tweet>;
using Author = std::tuple<std::string, uint64_t, int64_t>;  // author, retweeters, retweets

// The first k elements (of a vector in the output's order).
template <typename T>
std::vector<T> First(std::vector<T> v, int64_t k) {
  if (v.size() > static_cast<size_t>(k)) v.resize(static_cast<size_t>(k));
  return v;
}

std::vector<Edge> ReferenceEdges(const Tweets& tweets) {
  std::map<std::pair<std::string, std::string>, int64_t> weights;
  for (const Tweet& t : tweets) {
    if (t.screen_name.empty() || t.retweeted_screen_name.empty()) continue;
    ++weights[{LowercaseTerm(t.screen_name), LowercaseTerm(t.retweeted_screen_name)}];
  }
  std::vector<Edge> edges;
  for (const auto& [key, n] : weights) edges.push_back({key.first, key.second, n});
  std::sort(edges.begin(), edges.end(), [](const Edge& a, const Edge& b) {
    return std::tie(b.retweets, a.retweeter, a.author) <
           std::tie(a.retweets, b.retweeter, b.author);
  });
  return edges;
}

std::vector<Author> ReferenceAuthors(const std::vector<Edge>& edges, int64_t top) {
  std::map<std::string, std::pair<uint64_t, int64_t>> by_author;
  for (const Edge& e : edges) {
    ++by_author[e.author].first;
    by_author[e.author].second += e.retweets;
  }
  std::vector<Author> rows;
  for (const auto& [author, n] : by_author) rows.emplace_back(author, n.first, n.second);
  std::sort(rows.begin(), rows.end(), [](const Author& a, const Author& b) {
    return std::tie(std::get<1>(b), std::get<0>(a)) < std::tie(std::get<1>(a), std::get<0>(b));
  });
  return First(rows, top);
}

std::vector<Share> ReferenceShares(const Tweets& tweets) {
  std::map<std::pair<int, std::string>, uint64_t> counts;
  std::map<int, uint64_t> per_hour;
  for (const Tweet& t : tweets) {
    const int hour = std::stoi(t.created_at.substr(11, 2));
    ++counts[{hour, t.lang.empty() ? "und" : t.lang}];
    ++per_hour[hour];
  }
  std::vector<Share> rows;
  for (const auto& [key, n] : counts) {
    rows.push_back({key.first, key.second, n, double(n) / double(per_hour[key.first])});
  }
  std::sort(rows.begin(), rows.end(), [](const Share& a, const Share& b) {
    return std::tie(a.hour, b.tweets, a.lang) < std::tie(b.hour, a.tweets, b.lang);
  });
  return rows;
}

std::vector<Links> ReferenceDomains(const Tweets& tweets, int64_t top) {
  std::map<std::pair<std::string, std::string>, uint64_t> counts;
  for (const Tweet& t : tweets) {
    for (const std::string& url : t.urls) {
      if (std::string d = Domain(url); !d.empty()) ++counts[{t.created_at.substr(0, 10), d}];
    }
  }
  std::vector<Links> all;
  for (const auto& [key, n] : counts) all.push_back({key.first, key.second, n});
  std::sort(all.begin(), all.end(), [](const Links& a, const Links& b) {
    return std::tie(a.day, b.links, a.domain) < std::tie(b.day, a.links, b.domain);
  });
  std::vector<Links> rows;
  int64_t in_day = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    in_day = i > 0 && all[i].day == all[i - 1].day ? in_day + 1 : 0;
    if (in_day < top) rows.push_back(all[i]);
  }
  return rows;
}

std::vector<Ratio> ReferenceRatios(const Tweets& tweets, int64_t top) {
  std::map<std::string, uint64_t> mentioned, authored;
  for (const Tweet& t : tweets) {
    ++authored[LowercaseTerm(t.screen_name)];
    for (const std::string& m : t.mentions) {
      if (!m.empty()) ++mentioned[LowercaseTerm(m)];
    }
  }
  std::vector<Ratio> rows;
  for (const auto& [user, n] : mentioned) {
    const auto own = authored.find(user);
    const uint64_t tweeted = own == authored.end() ? 0 : own->second;
    rows.push_back({user, n, tweeted, double(n) / double(tweeted + 1)});
  }
  std::sort(rows.begin(), rows.end(), [](const Ratio& a, const Ratio& b) {
    return std::tie(b.ratio, a.user) < std::tie(a.ratio, b.user);
  });
  return First(rows, top);
}

// Rows as tuples, for comparisons that print both sides.
std::vector<std::tuple<std::string, std::string, int64_t>> Tuples(const std::vector<Edge>& v) {
  std::vector<std::tuple<std::string, std::string, int64_t>> out;
  for (const Edge& e : v) out.emplace_back(e.retweeter, e.author, e.retweets);
  return out;
}
std::vector<std::tuple<int, std::string, uint64_t, double>> Tuples(const std::vector<Share>& v) {
  std::vector<std::tuple<int, std::string, uint64_t, double>> out;
  for (const Share& s : v) out.emplace_back(s.hour, s.lang, s.tweets, s.share);
  return out;
}
std::vector<std::tuple<std::string, std::string, uint64_t>> Tuples(const std::vector<Links>& v) {
  std::vector<std::tuple<std::string, std::string, uint64_t>> out;
  for (const Links& l : v) out.emplace_back(l.day, l.domain, l.links);
  return out;
}
std::vector<std::tuple<std::string, uint64_t, uint64_t, double>> Tuples(
    const std::vector<Ratio>& v) {
  std::vector<std::tuple<std::string, uint64_t, uint64_t, double>> out;
  for (const Ratio& r : v) out.emplace_back(r.user, r.mentions, r.tweets, r.ratio);
  return out;
}

class ExamplesPipelineTest : public ::testing::TestWithParam<bool> {
 protected:
  static void SetUpTestSuite() {
    TweetgenOptions o = testing::SmallTweetgen(3, 29);
    o.days = 2;  // per-day outputs get rows for each day
    archive_ = new testing::TestArchive(TestMpi(), o);
  }
  static void TearDownTestSuite() { delete archive_; }

  // A context without a job (with forced spills and one-record rounds when the parameter is
  // true), and the pipelines' input: the archive.
  ExamplesPipelineTest() : ctx_(TestMpi(), Options()) {}
  static flow::ContextOptions Options() {
    flow::ContextOptions o;
    o.debug_shuffle = GetParam();
    return o;
  }
  static ReadTweetsOptions Input() {
    ReadTweetsOptions o;
    o.files = archive_->files();
    return o;
  }
  static const Tweets& tweets() { return archive_->parsed().tweets; }

  // Every rank read each tweet once between them (the pipelines Cache what they read twice),
  // and records_out counts the rows of every output.
  void ExpectCounters(size_t rows) {
    const MpiContext& mpi = TestMpi();
    EXPECT_EQ(mpi.AllSum(ctx_.metrics().Get("tweets_in")), static_cast<int64_t>(tweets().size()));
    EXPECT_EQ(mpi.AllSum(ctx_.metrics().Get("records_out")), static_cast<int64_t>(rows));
  }

  // Output `name` on rank 0 (every rank's rows, in rank order); the reference there, and empty
  // on the other ranks, where Collect gives nothing.
  template <typename T>
  std::vector<T> Output(const std::string& name) {
    return ctx_.Written<T>(name).Collect();
  }
  template <typename T>
  std::vector<T> OnRoot(std::vector<T> want) {
    return TestMpi().is_root() ? want : std::vector<T>{};
  }

  flow::Context ctx_;
  static testing::TestArchive* archive_;
};

testing::TestArchive* ExamplesPipelineTest::archive_ = nullptr;

TEST_P(ExamplesPipelineTest, TheArchiveHasEveryKindOfLine) {
  EXPECT_GT(tweets().size(), 300u);
  EXPECT_GT(archive_->parsed().notices, 0u);
  EXPECT_GT(archive_->parsed().bad_lines, 0u);
  std::set<std::string> days;
  for (const Tweet& t : tweets()) days.insert(t.created_at.substr(0, 10));
  EXPECT_GT(days.size(), 2u);
}

TEST_P(ExamplesPipelineTest, RetweetGraphMatchesTheReference) {
  for (int64_t top : {20, 3}) {
    SCOPED_TRACE("top " + std::to_string(top));
    flow::Context ctx(TestMpi(), Options());
    RetweetGraph(ctx, top, Input());
    const std::vector<Edge> edges = ReferenceEdges(tweets());
    const std::vector<Author> authors = ReferenceAuthors(edges, top);
    ASSERT_GT(edges.size(), 20u);
    ASSERT_EQ(authors.size(), static_cast<size_t>(top));
    EXPECT_EQ(Tuples(ctx.Written<Edge>("edges").Collect()), Tuples(OnRoot(edges)));
    EXPECT_EQ(ctx.Written<Author>("authors").Collect(), OnRoot(authors));
  }
}

TEST_P(ExamplesPipelineTest, RetweetGraphCountsTweetsAndRows) {
  RetweetGraph(ctx_, 20, Input());
  ExpectCounters(ReferenceEdges(tweets()).size() + 20);
}

TEST_P(ExamplesPipelineTest, LangByHourMatchesTheReference) {
  LangByHour(ctx_, Input());
  const std::vector<Share> want = ReferenceShares(tweets());
  ASSERT_GT(want.size(), 24u);
  EXPECT_EQ(Tuples(Output<Share>("shares")), Tuples(OnRoot(want)));
  ExpectCounters(want.size());
}

TEST_P(ExamplesPipelineTest, TopDomainsMatchesTheReference) {
  for (int64_t top : {10, 1}) {
    SCOPED_TRACE("top " + std::to_string(top));
    flow::Context ctx(TestMpi(), Options());
    TopDomains(ctx, top, Input());
    const std::vector<Links> want = ReferenceDomains(tweets(), top);
    ASSERT_GT(want.size(), 2u);
    EXPECT_EQ(Tuples(ctx.Written<Links>("domains").Collect()), Tuples(OnRoot(want)));
    EXPECT_EQ(TestMpi().AllSum(ctx.metrics().Get("records_out")),
              static_cast<int64_t>(want.size()));
  }
}

TEST_P(ExamplesPipelineTest, MentionRatioMatchesTheReference) {
  MentionRatio(ctx_, 20, Input());
  const std::vector<Ratio> want = ReferenceRatios(tweets(), 20);
  ASSERT_EQ(want.size(), 20u);
  EXPECT_EQ(Tuples(Output<Ratio>("ratios")), Tuples(OnRoot(want)));
  ExpectCounters(want.size());
}

// top 0 keeps no author; the edges, which are not cut by top, stay whole.
TEST_P(ExamplesPipelineTest, TopZeroKeepsNoRankedRow) {
  RetweetGraph(ctx_, 0, Input());
  EXPECT_TRUE(Output<Author>("authors").empty());
  EXPECT_EQ(Tuples(Output<Edge>("edges")), Tuples(OnRoot(ReferenceEdges(tweets()))));
}

INSTANTIATE_TEST_SUITE_P(Shuffle, ExamplesPipelineTest, ::testing::Bool(),
                         [](const auto& info) { return info.param ? "ForcedSpills" : "InMemory"; });

// Domain, top_domains' URL -> host rule (jobs/examples/README.md), case by case.
TEST(ExamplesDomainTest, HostWithoutSchemeUserInfoPortTrailingDotAndWww) {
  EXPECT_EQ(Domain("https://www.Example.COM/a?b#c"), "example.com");
  EXPECT_EQ(Domain("http://user:pw@host.org:8080/x"), "host.org");
  EXPECT_EQ(Domain("example.net."), "example.net");
  EXPECT_EQ(Domain("ftp://[2001:db8::1]:21/f"), "[2001:db8::1]");
  EXPECT_EQ(Domain("a/b://c"), "a");  // "://" after the first '/' is not a scheme
  EXPECT_EQ(Domain("https:///path"), "");
  EXPECT_EQ(Domain("t.co/abc"), "t.co");
}

}  // namespace
}  // namespace rankflow::examples
