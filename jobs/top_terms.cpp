// top_terms' pipeline (jobs/top_terms.h): terms -> counts -> ranking -> parts, and the top rows.
#include "jobs/top_terms.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "operators/tweet_source.h"

namespace rankflow {
namespace {

namespace flow = rankflow::flow;

// The rows as written: without a bucket, or with its ISO-8601 UTC label.
struct TermRow {
  std::string term;
  uint64_t count = 0;
};
RF_FIELDS(TermRow, term, count);
struct BucketRow {
  std::string bucket;
  std::string term;
  uint64_t count = 0;
};
RF_FIELDS(BucketRow, bucket, term, count);

// The ranking order: (bucket,) count descending, then term bytes ascending.
auto RankKey(const TermCount& r) {
  return std::make_tuple(r.bucket_ms, flow::Desc(r.count), r.term);
}

}  // namespace

flow::Dataset<TermCount> CountTerms(flow::Context& ctx, const TopTermsOptions& options,
                                    const flow::SourceOptions& files) {
  const bool bucketed = options.by.has_value();
  // Counts summed, not elements counted: from a Parquet table one element may stand for many
  // occurrences (ReadTermCounts).
  flow::Dataset<TimedTerm> terms =
      ReadTermCounts(ctx, {options.what, bucketed, options.full_parser}, files);
  if (!bucketed) {
    return terms.ReduceByKey(&TimedTerm::term, flow::Sum(&TimedTerm::count))
        .Map([](std::pair<std::string, int64_t> c) {
          return TermCount{0, std::move(c.first), static_cast<uint64_t>(c.second)};
        });
  }
  const TimeBucket bucket = *options.by;
  return terms
      .ReduceByKey(
          [bucket](const TimedTerm& t) {
            return std::pair(BucketStartMs(t.timestamp_ms, bucket), t.term);
          },
          flow::Sum(&TimedTerm::count))
      .Map([](std::pair<std::pair<int64_t, std::string>, int64_t> c) {
        return TermCount{c.first.first, std::move(c.first.second), static_cast<uint64_t>(c.second)};
      });
}

flow::Dataset<TermCount> RankTerms(const flow::Dataset<TermCount>& counts) {
  return counts.SortBy(RankKey);
}

std::vector<TermCount> TopTermRows(const flow::Dataset<TermCount>& counts,
                                   const TopTermsOptions& options) {
  if (options.top <= 0) return {};
  const size_t k = static_cast<size_t>(options.top);
  std::vector<TermCount> rows = options.by
                                    ? counts.TopKPerKey(k, &TermCount::bucket_ms, RankKey).Collect()
                                    : counts.TopK(k, RankKey).Collect();
  std::sort(rows.begin(), rows.end(), [](const TermCount& a, const TermCount& b) {
    return std::tie(a.bucket_ms, b.count, a.term) < std::tie(b.bucket_ms, a.count, b.term);
  });
  return rows;
}

void WriteRanking(const flow::Dataset<TermCount>& ranked, const TopTermsOptions& options) {
  // --format, else csv and jsonl (the job's default): the same rows in each.
  if (!options.by) {
    ranked.Map([](TermCount r) { return TermRow{std::move(r.term), r.count}; }).Write("part");
    return;
  }
  const TimeBucket bucket = *options.by;
  ranked
      .Map([bucket](TermCount r) {
        return BucketRow{BucketLabel(r.bucket_ms, bucket), std::move(r.term), r.count};
      })
      .Write("part");
}

}  // namespace rankflow
