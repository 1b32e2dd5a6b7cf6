#include "operators/feature_parts.h"

#include <algorithm>
#include <cstdlib>
#include <vector>

#include "runtime/hdf5_part_writer.h"
#include "runtime/parquet/parquet_writer.h"
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

}  // namespace

struct FeatureParts::Writers {
  std::unique_ptr<RecordWriter> json;
  WritableFile* json_file = nullptr;
  std::unique_ptr<Hdf5PartWriter> h5;
  WritableFile* h5_file = nullptr;
  std::unique_ptr<ParquetWriter> pq;
  WritableFile* pq_file = nullptr;
};

bool FeatureParts::KnownFormat(const std::string& format) {
  return format.empty() || format == "hdf5" || format == "jsonl" || format == "jsonl.gz" ||
         format == "parquet";
}

FeatureParts::FeatureParts(OutputCommitter& output, const FeatureOptions& features,
                           const std::string& format, const std::string& spill_dir,
                           uint64_t memory_bytes)
    : output_(output), writers_(std::make_unique<Writers>()) {
  Writers& w = *writers_;
  if (format != "hdf5" && format != "parquet") {
    const OutputFormat of = format == "jsonl" ? OutputFormat::kJsonl : OutputFormat::kJsonlGz;
    w.json_file = output.NewPart(OutputFormatExtension(of));
    if (w.json_file == nullptr) status_ = Status::IOError(output.dest() + ": cannot create a part");
    if (status_.ok()) w.json = std::make_unique<RecordWriter>(w.json_file, of);
  }
  if (format.empty() || format == "hdf5") {
    w.h5_file = output.NewPart("h5");
    w.h5 = NewFeaturePart(w.h5_file, features, spill_dir);
    if (status_.ok()) status_ = w.h5->status();
  }
  if (format == "parquet") {
    w.pq_file = output.NewPart("parquet");
    ParquetWriterOptions po;
    // A quarter of the budget for the row group, at most the format's usual 128 MiB.
    po.row_group_bytes = std::clamp<uint64_t>(memory_bytes / 4, 1 << 20, uint64_t{128} << 20);
    w.pq = std::make_unique<ParquetWriter>(w.pq_file, FeatureParquetSchema(), po);
    if (status_.ok()) status_ = w.pq->status();
  }
}

FeatureParts::~FeatureParts() = default;

Status FeatureParts::Add(const TweetFeatures& f) {
  if (!status_.ok()) return status_;
  Writers& w = *writers_;
  ++rows_;
  if (w.json) status_ = w.json->WriteJson(FeaturesToJson(f));
  if (status_.ok() && w.h5) status_ = AddFeatureRow(*w.h5, f);
  if (status_.ok() && w.pq) status_ = AddFeatureParquetRow(*w.pq, f);
  return status_;
}

Status FeatureParts::Finish() {
  Writers& w = *writers_;
  if (status_.ok() && w.json) {
    status_ = w.json->Finish();
    output_.SetRecords(w.json_file, rows_);
  }
  if (status_.ok() && w.pq) {
    status_ = w.pq->Finish();
    output_.SetRecords(w.pq_file, rows_);
  }
  if (status_.ok() && w.h5) {
    status_ = w.h5->Finish();
    output_.SetRecords(w.h5_file, rows_);
  }
  return status_;
}

}  // namespace rankflow
