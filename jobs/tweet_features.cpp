#include "jobs/tweet_features.h"

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "operators/features.h"
#include "operators/tweet_lines.h"
#include "operators/tweet_parquet.h"
#include "runtime/hdf5_part_writer.h"
#include "runtime/parquet/parquet_source.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/pipeline.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

constexpr uint64_t kBatchRows = 1024;

// Decimal id -> int64; -1 if it does not fit (no tweet id so far comes close).
int64_t IdAsInt64(const std::string& id) {
  if (id.empty() || id.size() > 19) return -1;
  const unsigned long long v = std::strtoull(id.c_str(), nullptr, 10);
  return v > static_cast<unsigned long long>(INT64_MAX) ? -1 : static_cast<int64_t>(v);
}

// The HDF5 part (layout in tweet_features.h), rows appended in batches of kBatchRows.
std::unique_ptr<Hdf5PartWriter> NewFeaturePart(WritableFile* file, const FeatureOptions& o,
                                               const std::string& spill_dir) {
  auto w = std::make_unique<Hdf5PartWriter>(
      file,
      std::vector<Hdf5RowDataset>{
          {"id", Hdf5Type::kInt64, 1},
          {"timestamp_ms", Hdf5Type::kInt64, 1},
          {"scalars", Hdf5Type::kFloat32, kFeatureScalarCount},
          {"ngrams", Hdf5Type::kFloat32, static_cast<uint64_t>(o.dimension)}},
      spill_dir, kBatchRows);
  std::string columns;
  for (const char* name : kFeatureScalarNames)
    columns += (columns.empty() ? "" : ",") + std::string(name);
  (void)w->SetAttribute("scalars", "columns", columns);
  (void)w->SetAttribute(
      "/", "ngram_hash",
      "slot = FNV-1a 64 of the n-gram's UTF-8 (tokens joined by one space) mod dimension");
  (void)w->SetAttribute("/", "dimension", std::to_string(o.dimension));
  (void)w->SetAttribute("/", "min_n", std::to_string(o.min_n));
  (void)w->SetAttribute("/", "max_n", std::to_string(o.max_n));
  (void)w->SetAttribute("/", "tokenizer",
                        "rankflow Tokenizer: lowercased words, #hashtags, @mentions, $cashtags, "
                        "emoji; URLs dropped");
  return w;  // a failure above is sticky: AddRow and Finish return it
}

Status AddFeatureRow(Hdf5PartWriter& w, const TweetFeatures& f) {
  const int64_t id = IdAsInt64(f.id);
  return w.AddRow({&id, &f.timestamp_ms, f.scalars, f.ngrams.data()});
}

// The Parquet table (--format parquet): the JSON row's columns. id INT64 (null when it does not
// fit), timestamp_ms INT64, the scalars as DOUBLE (the float32 values, exactly), the non-zero
// n-gram slots sparse as two lists of one length: ngram_slots LIST<INT32>, ngram_values
// LIST<DOUBLE> (the JSON's "ngrams" object).
std::vector<ParquetColumn> FeatureParquetSchema() {
  std::vector<ParquetColumn> columns = {
      ParquetColumn::Optional("id", ParquetType::kInt64),
      ParquetColumn::Required("timestamp_ms", ParquetType::kInt64)};
  for (const char* name : kFeatureScalarNames) {
    columns.push_back(ParquetColumn::Required(name, ParquetType::kDouble));
  }
  columns.push_back(ParquetColumn::List("ngram_slots", ParquetType::kInt32, false));
  columns.push_back(ParquetColumn::List("ngram_values", ParquetType::kDouble, false));
  return columns;
}

Status AddFeatureParquetRow(ParquetWriter& w, const TweetFeatures& f) {
  const int64_t id = IdAsInt64(f.id);
  if (id < 0) {
    w.AppendNull(0);
  } else {
    w.AppendInt64(0, id);
  }
  w.AppendInt64(1, f.timestamp_ms);
  size_t column = 2;
  for (float v : f.scalars) w.AppendDouble(column++, static_cast<double>(v));
  const size_t slots = column, values = column + 1;
  w.BeginList(slots);
  w.BeginList(values);
  for (size_t i = 0; i < f.ngrams.size(); ++i) {
    if (f.ngrams[i] == 0.0f) continue;
    w.AppendInt32(slots, static_cast<int32_t>(i));
    w.AppendDouble(values, static_cast<double>(f.ngrams[i]));
  }
  w.EndList(slots);
  w.EndList(values);
  return w.EndRow();
}

// The columns of load_tweets' Parquet table that FeatureExtractor::Compute reads.
const std::vector<std::string>& FeatureInputColumns() {
  static const std::vector<std::string> kColumns = {
      "id",       "timestamp_ms", "followers", "text", "is_retweet", "is_quote",
      "is_reply", "hashtags",     "mentions",  "urls", "media_count"};
  return kColumns;
}

Result<FeatureOptions> OptionsFromFlags(const FlagSet& flags) {
  FeatureOptions o;
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
  o.dimension = static_cast<int>(dim);
  o.min_n = static_cast<int>(min_n);
  o.max_n = static_cast<int>(max_n);
  return o;
}

}  // namespace

void AddTweetFeaturesFlags(FlagSet* flags) {
  flags->AddInt("dimension", 256, "length of the hashed n-gram vector");
  flags->AddInt("min-n", 1, "shortest n-gram (tokens)");
  flags->AddInt("max-n", 2, "longest n-gram (tokens)");
}

Status RunTweetFeatures(JobContext& ctx) {
  const std::string format = ctx.flags().GetString("format");
  if (!format.empty() && format != "hdf5" && format != "jsonl" && format != "jsonl.gz" &&
      format != "parquet") {
    return Status::InvalidArgument(
        "--format must be hdf5, jsonl, jsonl.gz or parquet (empty: hdf5 and "
        "jsonl.gz), not \"" +
        format + "\"");
  }
  Result<FeatureOptions> options = OptionsFromFlags(ctx.flags());
  RF_RETURN_IF_ERROR(options.status());
  RF_RETURN_IF_ERROR(ctx.OpenOutput());
  const bool want_hdf5 = format.empty() || format == "hdf5";
  const bool want_json = format != "hdf5" && format != "parquet";
  const bool want_parquet = format == "parquet";

  Result<bool> parquet_input = InputsAreParquet(ctx.mpi(), ctx.src_fs(), ctx.map_options().src,
                                                ctx.map_options().name_regex);
  RF_RETURN_IF_ERROR(parquet_input.status());
  MapPhase map(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  ParquetSource table(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  TweetParquetRows table_rows(FeatureInputColumns());
  if (*parquet_input) {
    ParquetSourceOptions po;
    po.src = ctx.map_options().src;
    if (!ctx.map_options().name_regex.empty()) po.name_regex = ctx.map_options().name_regex;
    po.columns = table_rows.columns();
    RF_RETURN_IF_ERROR(table.Plan(po));
    ctx.SetInputs(table.plan());
  } else {
    RF_RETURN_IF_ERROR(map.Plan(ctx.map_options()));
    ctx.SetInputs(map.plan());
  }

  Status local;
  std::unique_ptr<RecordWriter> json;
  WritableFile* json_file = nullptr;
  if (want_json) {
    const OutputFormat of = format == "jsonl" ? OutputFormat::kJsonl : OutputFormat::kJsonlGz;
    json_file = ctx.output().NewPart(OutputFormatExtension(of));
    if (json_file == nullptr) local = Status::IOError(ctx.dest() + ": cannot create a part");
    if (local.ok()) json = std::make_unique<RecordWriter>(json_file, of);
  }
  std::unique_ptr<Hdf5PartWriter> h5;
  WritableFile* h5_file = nullptr;
  if (want_hdf5) {
    h5_file = ctx.output().NewPart("h5");
    h5 = NewFeaturePart(h5_file, *options, ctx.shuffle_options().spill_dir);
    if (local.ok()) local = h5->status();
  }
  std::unique_ptr<ParquetWriter> pq;
  WritableFile* pq_file = nullptr;
  if (want_parquet) {
    pq_file = ctx.output().NewPart("parquet");
    ParquetWriterOptions po;
    // A quarter of the budget for the row group, at most the format's usual 128 MiB.
    po.row_group_bytes =
        std::clamp<uint64_t>(ctx.shuffle_options().memory_bytes / 4, 1 << 20, uint64_t{128} << 20);
    pq = std::make_unique<ParquetWriter>(pq_file, FeatureParquetSchema(), po);
    if (local.ok()) local = pq->status();
  }
  FeatureExtractor extractor(*options);
  TweetLines lines(&ctx.metrics());
  uint64_t rows = 0;
  auto add = [&](const Tweet& t) {
    if (!local.ok()) return;
    const TweetFeatures f = extractor.Compute(t);
    ++rows;
    if (json) local = json->WriteJson(FeaturesToJson(f));
    if (local.ok() && h5) local = AddFeatureRow(*h5, f);
    if (local.ok() && pq) local = AddFeatureParquetRow(*pq, f);
  };
  Status map_status;
  if (*parquet_input) {
    int64_t* tweets_in = ctx.metrics().Counter("tweets_in");
    Tweet t;
    map_status = table.Run([&](const ParquetRowBatch& batch) {
      RF_RETURN_IF_ERROR(table_rows.Check(batch));
      for (size_t r = 0; r < batch.num_rows && local.ok(); ++r) {
        table_rows.Get(batch, r, &t);
        ++*tweets_in;
        add(t);
      }
      return local;
    });
  } else {
    map_status = map.Run([&](std::string_view line, LineContext& lc) {
      if (!local.ok()) return;
      lines.Handle(line, lc, [&](Tweet& t) { add(t); });
      if (!local.ok()) lc.Fail(local);
    });
  }
  if (map_status.ok() && local.ok() && json) {
    local = json->Finish();
    ctx.output().SetRecords(json_file, rows);
  }
  if (map_status.ok() && local.ok() && pq) {
    local = pq->Finish();
    ctx.output().SetRecords(pq_file, rows);
  }
  if (map_status.ok() && local.ok() && h5) {
    local = h5->Finish();
    ctx.output().SetRecords(h5_file, rows);
  }
  RF_RETURN_IF_ERROR(map_status);
  ctx.metrics().Add("records_out", static_cast<int64_t>(rows));
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), local));
  const int64_t total = ctx.mpi().AllSum(static_cast<int64_t>(rows));
  RF_RETURN_IF_ERROR(ctx.Commit(true));
  if (ctx.mpi().is_root()) {
    ctx.Print("tweet_features: " + std::to_string(total) + " feature rows (dimension " +
              std::to_string(options->dimension) + ")\n");
  }
  return Status::OK();
}

}  // namespace rankflow
