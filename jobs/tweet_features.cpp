#include "jobs/tweet_features.h"

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "operators/features.h"
#include "operators/tweet_lines.h"
#include "runtime/hdf5_file.h"
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

// Rows buffered and appended to the HDF5 datasets in batches.
class FeatureHdf5 {
 public:
  Status Open(const std::string& local_path, const FeatureOptions& o) {
    Result<std::unique_ptr<Hdf5File>> f = Hdf5File::Create(local_path);
    RF_RETURN_IF_ERROR(f.status());
    file_ = std::move(f).value();
    dimension_ = static_cast<uint64_t>(o.dimension);
    RF_RETURN_IF_ERROR(file_->CreateRowsDataset("id", Hdf5Type::kInt64, 1));
    RF_RETURN_IF_ERROR(file_->CreateRowsDataset("timestamp_ms", Hdf5Type::kInt64, 1));
    RF_RETURN_IF_ERROR(
        file_->CreateRowsDataset("scalars", Hdf5Type::kFloat32, kFeatureScalarCount));
    RF_RETURN_IF_ERROR(file_->CreateRowsDataset("ngrams", Hdf5Type::kFloat32, dimension_));
    std::string columns;
    for (const char* name : kFeatureScalarNames)
      columns += (columns.empty() ? "" : ",") + std::string(name);
    RF_RETURN_IF_ERROR(file_->SetAttribute("scalars", "columns", columns));
    RF_RETURN_IF_ERROR(file_->SetAttribute(
        "/", "ngram_hash",
        "slot = FNV-1a 64 of the n-gram's UTF-8 (tokens joined by one space) mod dimension"));
    RF_RETURN_IF_ERROR(file_->SetAttribute("/", "dimension", std::to_string(o.dimension)));
    RF_RETURN_IF_ERROR(file_->SetAttribute("/", "min_n", std::to_string(o.min_n)));
    RF_RETURN_IF_ERROR(file_->SetAttribute("/", "max_n", std::to_string(o.max_n)));
    return file_->SetAttribute(
        "/", "tokenizer",
        "rankflow Tokenizer: lowercased words, #hashtags, @mentions, $cashtags, emoji; URLs "
        "dropped");
  }
  Status Add(const TweetFeatures& f) {
    ids_.push_back(IdAsInt64(f.id));
    times_.push_back(f.timestamp_ms);
    scalars_.insert(scalars_.end(), f.scalars, f.scalars + kFeatureScalarCount);
    ngrams_.insert(ngrams_.end(), f.ngrams.begin(), f.ngrams.end());
    return ids_.size() >= kBatchRows ? Flush() : Status::OK();
  }
  Status Close() {
    RF_RETURN_IF_ERROR(Flush());
    return file_->Close();
  }

 private:
  Status Flush() {
    const uint64_t n = ids_.size();
    if (n == 0) return Status::OK();
    RF_RETURN_IF_ERROR(file_->AppendRows("id", Hdf5Type::kInt64, ids_.data(), n));
    RF_RETURN_IF_ERROR(file_->AppendRows("timestamp_ms", Hdf5Type::kInt64, times_.data(), n));
    RF_RETURN_IF_ERROR(file_->AppendRows("scalars", Hdf5Type::kFloat32, scalars_.data(), n));
    RF_RETURN_IF_ERROR(file_->AppendRows("ngrams", Hdf5Type::kFloat32, ngrams_.data(), n));
    ids_.clear();
    times_.clear();
    scalars_.clear();
    ngrams_.clear();
    return Status::OK();
  }
  std::unique_ptr<Hdf5File> file_;
  uint64_t dimension_ = 0;
  std::vector<int64_t> ids_, times_;
  std::vector<float> scalars_, ngrams_;
};

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

std::string LocalTempPath() {
  char tmpl[] = "/tmp/rankflow_tweet_features_XXXXXX";
  const int fd = mkstemp(tmpl);
  if (fd < 0) return "";
  close(fd);
  return tmpl;
}

}  // namespace

void AddTweetFeaturesFlags(FlagSet* flags) {
  flags->AddInt("dimension", 256, "length of the hashed n-gram vector");
  flags->AddInt("min-n", 1, "shortest n-gram (tokens)");
  flags->AddInt("max-n", 2, "longest n-gram (tokens)");
}

Status RunTweetFeatures(JobContext& ctx) {
  const std::string format = ctx.flags().GetString("format");
  if (!format.empty() && format != "hdf5" && format != "jsonl" && format != "jsonl.gz") {
    return Status::InvalidArgument(
        "--format must be hdf5, jsonl or jsonl.gz (empty: hdf5 and "
        "jsonl.gz), not \"" +
        format + "\"");
  }
  Result<FeatureOptions> options = OptionsFromFlags(ctx.flags());
  RF_RETURN_IF_ERROR(options.status());
  RF_RETURN_IF_ERROR(ctx.OpenOutput());
  const bool want_hdf5 = format.empty() || format == "hdf5";
  const bool want_json = format != "hdf5";

  MapPhase map(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  RF_RETURN_IF_ERROR(map.Plan(ctx.map_options()));
  ctx.SetInputs(map.plan());

  Status local;
  std::unique_ptr<RecordWriter> json;
  WritableFile* json_file = nullptr;
  if (want_json) {
    const OutputFormat of = format == "jsonl" ? OutputFormat::kJsonl : OutputFormat::kJsonlGz;
    json_file = ctx.output().NewPart(OutputFormatExtension(of));
    if (json_file == nullptr) local = Status::IOError(ctx.dest() + ": cannot create a part");
    if (local.ok()) json = std::make_unique<RecordWriter>(json_file, of);
  }
  FeatureHdf5 h5;
  const std::string h5_local = want_hdf5 ? LocalTempPath() : "";
  if (want_hdf5 && local.ok()) {
    local = h5_local.empty() ? Status::IOError("cannot create a local temporary file for hdf5")
                             : h5.Open(h5_local, *options);
  }
  FeatureExtractor extractor(*options);
  TweetLines lines(&ctx.metrics());
  uint64_t rows = 0;
  Status map_status = map.Run([&](std::string_view line, LineContext& lc) {
    if (!local.ok()) return;
    lines.Handle(line, lc, [&](Tweet& t) {
      if (!local.ok()) return;
      const TweetFeatures f = extractor.Compute(t);
      ++rows;
      if (json) local = json->WriteJson(FeaturesToJson(f));
      if (local.ok() && want_hdf5) local = h5.Add(f);
    });
    if (!local.ok()) lc.Fail(local);
  });
  if (map_status.ok() && local.ok() && json) {
    local = json->Finish();
    ctx.output().SetRecords(json_file, rows);
  }
  if (map_status.ok() && local.ok() && want_hdf5) {
    local = h5.Close();
    WritableFile* file = local.ok() ? ctx.output().NewPart("h5") : nullptr;
    if (local.ok() && file == nullptr)
      local = Status::IOError(ctx.dest() + ": cannot create a part");
    if (local.ok()) local = CopyLocalFileTo(h5_local, file);
    if (local.ok()) local = file->Finish();
    if (local.ok()) ctx.output().SetRecords(file, rows);
  }
  if (!h5_local.empty()) std::remove(h5_local.c_str());
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
