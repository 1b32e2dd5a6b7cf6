#include "jobs/load_tweets_output.h"

#include <algorithm>
#include <vector>

#include "jobs/load_tweets_parts.h"
#include "operators/tweet.h"
#include "operators/tweet_parquet.h"
#include "runtime/writer.h"

namespace rankflow {

ParquetWriterOptions LoadParquetOptions(uint64_t memory_bytes, size_t max_open_parts) {
  ParquetWriterOptions o;
  o.row_group_bytes = std::clamp<uint64_t>(memory_bytes / 4 / std::max<size_t>(1, max_open_parts),
                                           uint64_t{1} << 20, uint64_t{128} << 20);
  o.page_bytes =
      std::clamp<uint64_t>(o.row_group_bytes / 48, uint64_t{64} << 10, uint64_t{1} << 20);
  // Dictionaries (with their hash tables) count into the row group's bytes, which is written out
  // when they fill it, so a larger one costs no memory beyond the row group; 1/16 of it (up to
  // 4 MiB) keeps the text of a row group full of retweets dictionary-encoded, as DuckDB does.
  o.dictionary_bytes =
      std::clamp<uint64_t>(o.row_group_bytes / 16, uint64_t{64} << 10, uint64_t{4} << 20);
  o.key_value_metadata = {{"rankflow.schema", "normalized tweet (operators/README.md)"}};
  return o;
}

Result<LoadFormat> ParseLoadFormat(const std::string& name) {
  if (name.empty() || name == "jsonl.gz") return LoadFormat::kJsonlGz;
  if (name == "jsonl") return LoadFormat::kJsonl;
  if (name == "csv") return LoadFormat::kCsv;
  if (name == "hdf5") return LoadFormat::kHdf5;
  if (name == "parquet") return LoadFormat::kParquet;
  return Status::InvalidArgument("--format must be jsonl.gz, jsonl, csv, hdf5 or parquet, not \"" +
                                 name + "\"");
}

RecordEncoding LoadRecordEncoding(LoadFormat format) {
  return format == LoadFormat::kJsonl || format == LoadFormat::kJsonlGz
             ? RecordEncoding::kJson
             : RecordEncoding::kTweetCodec;
}

Result<PartitionBy> ParsePartitionBy(const std::string& name) {
  if (name.empty() || name == "none") return PartitionBy::kNone;
  if (name == "day") return PartitionBy::kDay;
  if (name == "hour") return PartitionBy::kHour;
  return Status::InvalidArgument("--partition-by must be day, hour or none, not \"" + name + "\"");
}

std::string PartitionFolder(PartitionBy by, int64_t timestamp_ms) {
  if (by == PartitionBy::kNone) return "";
  const std::string iso = FormatIsoUtc(timestamp_ms);  // "2017-05-24T20:19:05Z"
  const size_t t = iso.find('T');
  std::string folder = "dt=" + iso.substr(0, t);
  if (by == PartitionBy::kHour) folder += "/hr=" + iso.substr(t + 1, 2);
  return folder;
}

TweetPartsWriter::TweetPartsWriter(OutputCommitter& output, Metrics& metrics,
                                   LoadOutputOptions options)
    : output_(output), metrics_(metrics), options_(std::move(options)) {
  options_.max_open_parts = std::max<size_t>(1, options_.max_open_parts);
}

TweetPartsWriter::~TweetPartsWriter() = default;

Status TweetPartsWriter::Open(const std::string& folder, Part** part) {
  auto it = open_.find(folder);
  if (it != open_.end()) {
    recent_.remove(folder);
    recent_.push_front(folder);
    *part = it->second.get();
    return Status::OK();
  }
  if (open_.size() >= options_.max_open_parts) RF_RETURN_IF_ERROR(Close(recent_.back()));
  if (!opened_.insert(folder).second) metrics_.Add("parts_reopened", 1);
  WritableFile* file = output_.NewPart(LoadFormatExtension(options_.format), "part", folder);
  std::unique_ptr<Part> p = NewTweetPart(file, options_);
  *part = p.get();
  open_.emplace(folder, std::move(p));
  recent_.push_front(folder);
  return Status::OK();
}

Status TweetPartsWriter::Close(const std::string& folder) {
  auto it = open_.find(folder);
  Part* part = it->second.get();
  const Status s = part->Finish();
  output_.SetRecords(part->file(), part->records());
  if (last_ == part) last_ = nullptr;
  // folder may be the map's own key (Finish passes open_.begin()->first): use it before erase.
  recent_.remove(folder);
  open_.erase(it);
  return s;
}

Status TweetPartsWriter::Add(int64_t timestamp_ms, std::string_view record) {
  const int64_t bucket_ms = options_.partition_by == PartitionBy::kHour ? 3600000 : 86400000;
  const int64_t bucket =
      options_.partition_by == PartitionBy::kNone
          ? 0
          : (timestamp_ms >= 0 ? timestamp_ms : timestamp_ms - bucket_ms + 1) / bucket_ms;
  if (last_ == nullptr || bucket != last_bucket_) {
    RF_RETURN_IF_ERROR(Open(PartitionFolder(options_.partition_by, timestamp_ms), &last_));
    last_bucket_ = bucket;
  }
  if (LoadRecordEncoding(options_.format) == RecordEncoding::kJson) {
    RF_RETURN_IF_ERROR(last_->AddJson(record));
    ++rows_;
    return Status::OK();
  }
  if (!DecodeTweetRecord(record, &tweet_)) {
    return Status::Internal("load_tweets: a record does not decode as a tweet");
  }
  if (options_.format == LoadFormat::kParquet && !TweetIdsFitInt64(tweet_)) {
    metrics_.Add("bad_records.id_not_int64", 1);
    ++skipped_;
    return Status::OK();
  }
  RF_RETURN_IF_ERROR(last_->AddTweet(tweet_));
  ++rows_;
  return Status::OK();
}

Status TweetPartsWriter::Finish() {
  if (options_.partition_by == PartitionBy::kNone && open_.empty()) {
    Part* part = nullptr;
    RF_RETURN_IF_ERROR(Open("", &part));  // a rank without rows still writes its (empty) part
  }
  Status first;
  while (!open_.empty()) {
    const Status s = Close(open_.begin()->first);
    if (first.ok()) first = s;
  }
  return first;
}

}  // namespace rankflow
