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

// The job's parts, as --format asks: jsonl.gz (or jsonl), hdf5 and/or parquet, one row per tweet
// in each. The first failure (opening a part, a row, a finish) sticks in status().
class FeatureParts {
 public:
  FeatureParts(JobContext& ctx, const std::string& format, const FeatureOptions& o) : ctx_(ctx) {
    if (format != "hdf5" && format != "parquet") {
      OpenJson(format == "jsonl" ? OutputFormat::kJsonl : OutputFormat::kJsonlGz);
    }
    if (format.empty() || format == "hdf5") {
      h5_file_ = ctx.output().NewPart("h5");
      h5_ = NewFeaturePart(h5_file_, o, ctx.shuffle_options().spill_dir);
      if (status_.ok()) status_ = h5_->status();
    }
    if (format == "parquet") OpenParquet();
  }

  const Status& status() const { return status_; }
  uint64_t rows() const { return rows_; }

  // Call only while status() is ok.
  void Add(const TweetFeatures& f) {
    ++rows_;
    if (json_) status_ = json_->WriteJson(FeaturesToJson(f));
    if (status_.ok() && h5_) status_ = AddFeatureRow(*h5_, f);
    if (status_.ok() && pq_) status_ = AddFeatureParquetRow(*pq_, f);
  }

  // Finishes the parts and records their rows in the manifest.
  void Finish() {
    if (status_.ok() && json_) {
      status_ = json_->Finish();
      ctx_.output().SetRecords(json_file_, rows_);
    }
    if (status_.ok() && pq_) {
      status_ = pq_->Finish();
      ctx_.output().SetRecords(pq_file_, rows_);
    }
    if (status_.ok() && h5_) {
      status_ = h5_->Finish();
      ctx_.output().SetRecords(h5_file_, rows_);
    }
  }

 private:
  void OpenJson(OutputFormat of) {
    json_file_ = ctx_.output().NewPart(OutputFormatExtension(of));
    if (json_file_ == nullptr) {
      status_ = Status::IOError(ctx_.dest() + ": cannot create a part");
      return;
    }
    json_ = std::make_unique<RecordWriter>(json_file_, of);
  }

  void OpenParquet() {
    pq_file_ = ctx_.output().NewPart("parquet");
    ParquetWriterOptions po;
    // A quarter of the budget for the row group, at most the format's usual 128 MiB.
    po.row_group_bytes =
        std::clamp<uint64_t>(ctx_.shuffle_options().memory_bytes / 4, 1 << 20, uint64_t{128} << 20);
    pq_ = std::make_unique<ParquetWriter>(pq_file_, FeatureParquetSchema(), po);
    if (status_.ok()) status_ = pq_->status();
  }

  JobContext& ctx_;
  Status status_;
  uint64_t rows_ = 0;
  std::unique_ptr<RecordWriter> json_;
  WritableFile* json_file_ = nullptr;
  std::unique_ptr<Hdf5PartWriter> h5_;
  WritableFile* h5_file_ = nullptr;
  std::unique_ptr<ParquetWriter> pq_;
  WritableFile* pq_file_ = nullptr;
};

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

  FeatureParts parts(ctx, format, *options);
  FeatureExtractor extractor(*options);
  TweetLines lines(&ctx.metrics());
  auto add = [&](const Tweet& t) {
    if (parts.status().ok()) parts.Add(extractor.Compute(t));
  };
  Status map_status;
  if (*parquet_input) {
    int64_t* tweets_in = ctx.metrics().Counter("tweets_in");
    Tweet t;
    map_status = table.Run([&](const ParquetRowBatch& batch) {
      RF_RETURN_IF_ERROR(table_rows.Check(batch));
      for (size_t r = 0; r < batch.num_rows && parts.status().ok(); ++r) {
        table_rows.Get(batch, r, &t);
        ++*tweets_in;
        add(t);
      }
      return parts.status();
    });
  } else {
    map_status = map.Run([&](std::string_view line, LineContext& lc) {
      if (!parts.status().ok()) return;
      lines.Handle(line, lc, [&](Tweet& t) { add(t); });
      if (!parts.status().ok()) lc.Fail(parts.status());
    });
  }
  if (map_status.ok()) parts.Finish();
  RF_RETURN_IF_ERROR(map_status);
  ctx.metrics().Add("records_out", static_cast<int64_t>(parts.rows()));
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), parts.status()));
  const int64_t total = ctx.mpi().AllSum(static_cast<int64_t>(parts.rows()));
  RF_RETURN_IF_ERROR(ctx.Commit(true));
  if (ctx.mpi().is_root()) {
    ctx.Print("tweet_features: " + std::to_string(total) + " feature rows (dimension " +
              std::to_string(options->dimension) + ")\n");
  }
  return Status::OK();
}

}  // namespace rankflow
