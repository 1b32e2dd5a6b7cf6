#include "operators/tweet_source.h"

#include <functional>
#include <memory>
#include <utility>

#include "operators/tweet_lines.h"
#include "operators/tweet_parquet.h"
#include "runtime/parquet/parquet_source.h"

namespace rankflow {
namespace {

// A load_tweets Parquet table under --src as a flow source: `read` (ReadParquetTweets or
// ReadParquetTerms, reading only the columns it needs) gives the elements. The flow API has no
// hook for sources that are not lines, so this node follows its line source (flow_impl.h,
// LineSourceNode): the manifest counts the input once, a rank that failed earlier only takes
// part, and an exception from downstream code fails this rank's stage.
template <typename T>
struct ParquetNode : flow::Dataset<T>::Node {
  using Reader = std::function<Status(ParquetSource& source, ParquetSourceOptions files,
                                      Metrics* metrics, const std::function<void(T&&)>& emit)>;
  explicit ParquetNode(Reader r) : read(std::move(r)) {}
  Reader read;
  bool read_before = false;

  Status Produce(flow::Context::Internal& in, const flow::detail::Sink<T>& sink) override {
    Metrics rerun;
    Metrics* metrics = read_before ? &rerun : in.metrics;
    ParquetSource source(in.mpi, in.job->src_fs(), metrics,
                         read_before ? nullptr : &in.job->progress());
    ParquetSourceOptions files;
    files.src = in.job->map_options().src;
    if (!in.job->map_options().name_regex.empty()) {
      files.name_regex = in.job->map_options().name_regex;
    }
    const Status before = in.stage_failure;
    in.op = "source";
    Status s = read(source, files, metrics, [&](T&& value) {
      if (!before.ok() || !in.stage_failure.ok()) return;
      try {
        sink(std::move(value));
      } catch (...) {
        in.Fail(in.CurrentFailure(nullptr));
      }
    });
    if (!read_before) {
      for (const FileInfo& f : source.plan().files) in.inputs.push_back(f);
      InputPlan all;
      all.files = in.inputs;
      in.job->SetInputs(all);
    }
    read_before = true;
    if (!before.ok()) return before;
    return s;
  }
};

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
    return flow::Dataset<Tweet>(
        &ctx, std::make_shared<ParquetNode<Tweet>>([](ParquetSource& source,
                                                      ParquetSourceOptions files, Metrics* metrics,
                                                      const std::function<void(Tweet &&)>& emit) {
          return ReadParquetTweets(source, std::move(files), {}, metrics->Counter("tweets_in"),
                                   [&](Tweet& t) { emit(std::move(t)); });
        }));
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

flow::Dataset<TimedTerm> ReadTerms(flow::Context& ctx, const TermLinesOptions& options,
                                   const flow::SourceOptions& files) {
  if (JobInputsAreParquet(ctx, files)) {
    return flow::Dataset<TimedTerm>(
        &ctx, std::make_shared<ParquetNode<TimedTerm>>(
                  [options](ParquetSource& source, ParquetSourceOptions parquet_files,
                            Metrics* metrics, const std::function<void(TimedTerm &&)>& emit) {
                    return ReadParquetTerms(source, std::move(parquet_files), metrics, options.kind,
                                            options.need_time, [&](int64_t ms, std::string&& term) {
                                              emit(TimedTerm{ms, std::move(term)});
                                            });
                  }));
  }
  auto lines = std::make_shared<TermLines>(&ctx.metrics(), options);
  return ctx.ReadLines<TimedTerm>(
      [lines](std::string_view line, LineContext& lctx, flow::Emitter<TimedTerm>& emit) {
        lines->Handle(line, lctx, [&](int64_t ms, std::string_view term) {
          emit(TimedTerm{ms, std::string(term)});
        });
      },
      files);
}

}  // namespace rankflow
