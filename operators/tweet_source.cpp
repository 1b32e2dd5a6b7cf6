#include "operators/tweet_source.h"

#include <memory>
#include <utility>

#include "operators/tweet_lines.h"

namespace rankflow {

flow::Dataset<Tweet> ReadTweets(flow::Context& ctx, const ReadTweetsOptions& options) {
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
