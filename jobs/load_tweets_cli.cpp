// load_tweets' driver (jobs/load_tweets.h): flags -> LoadTweetsOptions, the pipeline, the commit
// and the summary line.
#include <string>
#include <vector>

#include "jobs/load_tweets.h"

namespace rankflow {
namespace {

Result<LoadTweetsOptions> OptionsFromFlags(JobContext& ctx) {
  LoadTweetsOptions o;
  Result<LoadFormat> format = ParseLoadFormat(ctx.flags().GetString("format"));
  RF_RETURN_IF_ERROR(format.status());
  Result<PartitionBy> partition_by = ParsePartitionBy(ctx.flags().GetString("partition-by"));
  RF_RETURN_IF_ERROR(partition_by.status());
  o.format = *format;
  o.partition_by = *partition_by;
  o.max_open_parts = ctx.flags().GetInt("max-open-parts");
  o.parse_thread = ctx.flags().GetBool("parse-thread");
  o.input = ctx.map_options();
  o.shuffle = ctx.shuffle_options();
  return o;
}

}  // namespace

void AddLoadTweetsFlags(FlagSet* flags) {
  flags->AddString("partition-by", "",
                   "day or hour: write Hive-style partition folders dt=YYYY-MM-DD/ (and hr=HH/) "
                   "by created_at (UTC)");
  flags->AddInt("max-open-parts", 16, 1, 4096,
                "with --partition-by: parts open at once per rank (the least recently used is "
                "closed and the partition gets another part later)");
  flags->AddBool("parse-thread", false,
                 "parse on a second thread while the first reads and inflates (ignored with "
                 "--strict); helps only where the rank has a spare core");
}

Status RunLoadTweets(JobContext& ctx) {
  Result<LoadTweetsOptions> options = OptionsFromFlags(ctx);
  RF_RETURN_IF_ERROR(options.status());
  RF_RETURN_IF_ERROR(RunJobPipeline(
      ctx, [&](const JobIo& io, InputPlan* inputs) { return LoadTweets(io, *options, inputs); }));
  const std::vector<int64_t> totals =
      ctx.mpi().AllSum({ctx.metrics().Get("tweets_in"), ctx.metrics().Get("tweets_out"),
                        ctx.metrics().Get("notices"), ctx.metrics().BadLinesTotal()});
  RF_RETURN_IF_ERROR(ctx.Commit(true));
  if (ctx.mpi().is_root()) {
    ctx.Print("load_tweets: " + std::to_string(totals[0]) + " tweets in, " +
              std::to_string(totals[1]) + " out, " + std::to_string(totals[0] - totals[1]) +
              " duplicates dropped, " + std::to_string(totals[2]) + " notices, " +
              std::to_string(totals[3]) + " bad lines\n");
  }
  return Status::OK();
}

}  // namespace rankflow
