// tweet_features (jobs/tweet_features.h): tweets -> FeatureExtractor -> FeatureParts.
#include "jobs/tweet_features.h"

#include <string>
#include <vector>

#include "operators/feature_parts.h"
#include "operators/tweet_lines.h"
#include "operators/tweet_parquet.h"
#include "runtime/parquet/parquet_source.h"

namespace rankflow {
namespace {

// The columns of load_tweets' Parquet table that FeatureExtractor::Compute reads.
const std::vector<std::string>& FeatureInputColumns() {
  static const std::vector<std::string> kColumns = {
      "id",       "timestamp_ms", "followers", "text", "is_retweet", "is_quote",
      "is_reply", "hashtags",     "mentions",  "urls", "media_count"};
  return kColumns;
}

// Collective. Every row of a load_tweets Parquet table through add; stops at the first error.
Status ReadParquetInput(const JobIo& io, const MapPhaseOptions& input, FeatureParts& parts,
                        const std::function<void(const Tweet&)>& add, InputPlan* inputs) {
  ParquetSource table(io.mpi, io.src_fs, &io.metrics, &io.progress);
  TweetParquetRows table_rows(FeatureInputColumns());
  ParquetSourceOptions po;
  po.src = input.src;
  if (!input.name_regex.empty()) po.name_regex = input.name_regex;
  po.columns = table_rows.columns();
  RF_RETURN_IF_ERROR(table.Plan(po));
  *inputs = table.plan();
  int64_t* tweets_in = io.metrics.Counter("tweets_in");
  Tweet t;
  return table.Run([&](const ParquetRowBatch& batch) {
    RF_RETURN_IF_ERROR(table_rows.Check(batch));
    for (size_t r = 0; r < batch.num_rows && parts.status().ok(); ++r) {
      table_rows.Get(batch, r, &t);
      ++*tweets_in;
      add(t);
    }
    return parts.status();
  });
}

// Collective. Every tweet of every line through add; stops at the first error.
Status ReadLineInput(const JobIo& io, const MapPhaseOptions& input, TweetLines& lines,
                     FeatureParts& parts, const std::function<void(const Tweet&)>& add,
                     InputPlan* inputs) {
  MapPhase map(io.mpi, io.src_fs, &io.metrics, &io.progress);
  RF_RETURN_IF_ERROR(map.Plan(input));
  *inputs = map.plan();
  return map.Run([&](std::string_view line, LineContext& lc) {
    if (!parts.status().ok()) return;
    lines.Handle(line, lc, [&](Tweet& t) { add(t); });
    if (!parts.status().ok()) lc.Fail(parts.status());
  });
}

Result<TweetFeaturesOptions> OptionsFromFlags(JobContext& ctx) {
  TweetFeaturesOptions o;
  const FlagSet& flags = ctx.flags();
  o.format = flags.GetString("format");
  if (!FeatureParts::KnownFormat(o.format)) {
    return Status::InvalidArgument(
        "--format must be hdf5, jsonl, jsonl.gz or parquet (empty: hdf5 and jsonl.gz), not \"" +
        o.format + "\"");
  }
  const int64_t dim = flags.GetInt("dimension");
  const int64_t min_n = flags.GetInt("min-n");
  const int64_t max_n = flags.GetInt("max-n");
  if (dim < 1 || dim > (1 << 20)) {
    return Status::InvalidArgument("--dimension must be in [1, 1048576], not " +
                                   std::to_string(dim));
  }
  if (min_n < 1 || max_n < min_n || max_n > 5) {
    return Status::InvalidArgument("need 1 <= --min-n <= --max-n <= 5");
  }
  o.features.dimension = static_cast<int>(dim);
  o.features.min_n = static_cast<int>(min_n);
  o.features.max_n = static_cast<int>(max_n);
  o.input = ctx.map_options();
  o.spill_dir = ctx.shuffle_options().spill_dir;
  o.memory_bytes = ctx.shuffle_options().memory_bytes;
  return o;
}

}  // namespace

Status ComputeTweetFeatures(const JobIo& io, const TweetFeaturesOptions& options,
                            InputPlan* inputs) {
  Result<bool> parquet_input =
      InputsAreParquet(io.mpi, io.src_fs, options.input.src, options.input.name_regex);
  RF_RETURN_IF_ERROR(parquet_input.status());
  FeatureParts parts(io.output, options.features, options.format, options.spill_dir,
                     options.memory_bytes);
  FeatureExtractor extractor(options.features);
  TweetLines lines(&io.metrics);  // its counters are in the manifest for either input, as 0s
  auto add = [&](const Tweet& t) {
    if (parts.status().ok()) (void)parts.Add(extractor.Compute(t));
  };
  const Status map_status = *parquet_input
                                ? ReadParquetInput(io, options.input, parts, add, inputs)
                                : ReadLineInput(io, options.input, lines, parts, add, inputs);
  if (map_status.ok()) (void)parts.Finish();
  RF_RETURN_IF_ERROR(map_status);
  io.metrics.Add("records_out", static_cast<int64_t>(parts.rows()));
  return AgreeOnStatus(io.mpi, parts.status());
}

void AddTweetFeaturesFlags(FlagSet* flags) {
  flags->AddInt("dimension", 256, "length of the hashed n-gram vector");
  flags->AddInt("min-n", 1, "shortest n-gram (tokens)");
  flags->AddInt("max-n", 2, "longest n-gram (tokens)");
}

Status RunTweetFeatures(JobContext& ctx) {
  Result<TweetFeaturesOptions> options = OptionsFromFlags(ctx);
  RF_RETURN_IF_ERROR(options.status());
  RF_RETURN_IF_ERROR(RunJobPipeline(ctx, [&](const JobIo& io, InputPlan* inputs) {
    return ComputeTweetFeatures(io, *options, inputs);
  }));
  const int64_t total = ctx.mpi().AllSum(ctx.metrics().Get("records_out"));
  RF_RETURN_IF_ERROR(ctx.Commit(true));
  if (ctx.mpi().is_root()) {
    ctx.Print("tweet_features: " + std::to_string(total) + " feature rows (dimension " +
              std::to_string(options->features.dimension) + ")\n");
  }
  return Status::OK();
}

}  // namespace rankflow
