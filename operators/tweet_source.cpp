// A load_tweets Parquet table under --src becomes a flow source through Context::FromParquetSource
// (ReadParquetTweets or ReadParquetTerms, reading only the columns they need); anything else is
// read line by line (TweetLines, TermLines).

#include "operators/tweet_source.h"

#include <functional>
#include <memory>
#include <utility>

#include "operators/tweet_lines.h"
#include "operators/tweet_parquet.h"
#include "runtime/parquet/parquet_source.h"

namespace rankflow {
namespace {

// Collective when it asks: whether the job's --src (not `files`) holds only .parquet files.
bool JobInputsAreParquet(flow::Context& ctx, const flow::SourceOptions& files) {
  flow::Context::Internal& in = ctx.internal();
  if (!files.src.empty() || in.job == nullptr) return false;
  const MapPhaseOptions& o = in.job->map_options();
  Result<bool> parquet = InputsAreParquet(ctx.mpi(), in.job->src_fs(), o.src, o.name_regex);
  flow::ThrowIfError(parquet.status());
  return *parquet;
}

}  // namespace

flow::Dataset<Tweet> ReadTweets(flow::Context& ctx, const ReadTweetsOptions& options) {
  if (JobInputsAreParquet(ctx, options.files)) {
    return ctx.FromParquetSource<Tweet>([](ParquetSource& source, ParquetSourceOptions files,
                                           Metrics* metrics, flow::Emitter<Tweet>& emit) {
      return ReadParquetTweets(source, std::move(files), {}, metrics->Counter("tweets_in"),
                               [&](Tweet& t) { emit(std::move(t)); });
    });
  }
  // Shared: the dataset (a recipe) may be copied and run more than once; the parser and its
  // counters stay one.
  auto lines = std::make_shared<TweetLines>(&ctx.metrics(), options.parser);
  return ctx.ReadLines<Tweet>(
      [lines](std::string_view line, LineContext& lctx, flow::Emitter<Tweet>& emit) {
        lines->Handle(line, lctx, [&](Tweet& t) { emit(std::move(t)); });
      },
      options.files);
}

namespace {

flow::Dataset<TimedTerm> ReadTermsTallied(flow::Context& ctx, const TermLinesOptions& options,
                                          const flow::SourceOptions& files, bool tally) {
  if (JobInputsAreParquet(ctx, files)) {
    return ctx.FromParquetSource<TimedTerm>(
        [options, tally](ParquetSource& source, ParquetSourceOptions parquet_files,
                         Metrics* metrics, flow::Emitter<TimedTerm>& emit) {
          auto one = [&](int64_t ms, std::string&& term, uint64_t count) {
            emit(TimedTerm{ms, std::move(term), count});
          };
          if (tally) {
            return ReadParquetTermCounts(source, std::move(parquet_files), metrics, options.kind,
                                         options.need_time, one);
          }
          return ReadParquetTerms(
              source, std::move(parquet_files), metrics, options.kind, options.need_time,
              [&](int64_t ms, std::string&& term) { one(ms, std::move(term), 1); });
        });
  }
  auto lines = std::make_shared<TermLines>(&ctx.metrics(), options);
  return ctx.ReadLines<TimedTerm>(
      [lines](std::string_view line, LineContext& lctx, flow::Emitter<TimedTerm>& emit) {
        lines->Handle(line, lctx, [&](int64_t ms, std::string_view term) {
          emit(TimedTerm{ms, std::string(term), 1});
        });
      },
      files);
}

}  // namespace

flow::Dataset<TimedTerm> ReadTerms(flow::Context& ctx, const TermLinesOptions& options,
                                   const flow::SourceOptions& files) {
  return ReadTermsTallied(ctx, options, files, false);
}

flow::Dataset<TimedTerm> ReadTermCounts(flow::Context& ctx, const TermLinesOptions& options,
                                        const flow::SourceOptions& files) {
  return ReadTermsTallied(ctx, options, files, true);
}

}  // namespace rankflow
