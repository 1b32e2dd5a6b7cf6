#include "jobs/load_tweets_output.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <vector>

#include "operators/normalized_tweet_reader.h"
#include "operators/tweet.h"
#include "operators/tweet_parquet.h"
#include "operators/tweet_parser.h"
#include "runtime/hdf5_part_writer.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

// The normalized keys, coordinates as two columns lon, lat.
const std::vector<std::string>& CsvHeader() {
  static const std::vector<std::string> kHeader = [] {
    std::vector<std::string> h;
    for (std::string_view key : NormalizedTweetKeys()) {
      if (key == "coordinates") {
        h.insert(h.end(), {"lon", "lat"});
      } else {
        h.emplace_back(key);
      }
    }
    return h;
  }();
  return kHeader;
}

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::vector<std::string> CsvRow(const Tweet& t) {
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  return {t.id,
          t.created_at,
          std::to_string(t.timestamp_ms),
          t.user_id,
          t.screen_name,
          t.followers < 0 ? "" : std::to_string(t.followers),
          t.lang,
          t.text,
          flag(t.is_retweet),
          flag(t.is_quote),
          flag(t.is_reply),
          t.retweeted_id,
          t.quoted_id,
          t.in_reply_to_id,
          Join(t.hashtags),
          Join(t.mentions),
          Join(t.urls),
          std::to_string(t.media_count),
          t.has_coordinates ? Number(t.lon) : "",
          t.has_coordinates ? Number(t.lat) : "",
          t.place,
          SourceFormatName(t.source_format),
          t.retweeted_user_id,
          t.retweeted_screen_name};
}

// 0 for no id, -1 for an id that does not fit in int64 (no tweet id so far comes close).
int64_t IdNumber(const std::string& id) {
  if (id.empty()) return 0;
  if (id.size() > 19) return -1;
  const unsigned long long v = std::strtoull(id.c_str(), nullptr, 10);
  return v > static_cast<unsigned long long>(INT64_MAX) ? -1 : static_cast<int64_t>(v);
}

}  // namespace

// One open part: takes a record as JSON and, for formats that need it, as a parsed Tweet.
class TweetPartsWriter::Part {
 public:
  explicit Part(WritableFile* file) : file_(file) {}
  virtual ~Part() = default;
  WritableFile* file() const { return file_; }
  virtual bool needs_tweet() const = 0;
  virtual Status Add(std::string_view json, const Tweet* tweet) = 0;
  virtual Status Finish() = 0;
  virtual uint64_t records() const = 0;

 private:
  WritableFile* file_;  // the committer's part
};

namespace {

// jsonl, jsonl.gz and csv through a RecordWriter (ISA-L level 1 for gzip: zlib -6 alone would cost
// as much CPU as reading and parsing the input).
class RecordPart : public TweetPartsWriter::Part {
 public:
  RecordPart(WritableFile* file, OutputFormat format)
      : Part(file),
        csv_(format == OutputFormat::kCsv),
        writer_(file, format, CsvHeader(), GzipCodec::kIsal) {}
  bool needs_tweet() const override { return csv_; }
  Status Add(std::string_view json, const Tweet* tweet) override {
    return csv_ ? writer_.WriteCsvRow(CsvRow(*tweet)) : writer_.WriteJson(json);
  }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return writer_.records(); }

 private:
  bool csv_;
  RecordWriter writer_;
};

// The HDF5 table: numeric columns only (text stays in the other formats).
//   /ids      int64 [n, 5]: id, user_id, retweeted_id, quoted_id, in_reply_to_id (0 = none,
//                           -1 = does not fit in int64)
//   /numbers  int64 [n, 8]: timestamp_ms, followers (-1 unknown), is_retweet, is_quote,
//                           is_reply, media_count, hashtag count, mention count
//   /coordinates float64 [n, 2]: lon, lat (NaN when none)
// Attribute "columns_<dataset>" on "/" lists the column names.
class Hdf5Part : public TweetPartsWriter::Part {
 public:
  Hdf5Part(WritableFile* file, const std::string& spill_dir)
      : Part(file),
        writer_(file,
                std::vector<Hdf5RowDataset>{{"ids", Hdf5Type::kInt64, 5},
                                            {"numbers", Hdf5Type::kInt64, 8},
                                            {"coordinates", Hdf5Type::kFloat64, 2}},
                spill_dir, 4096) {
    // A failure here is sticky: AddRow and Finish return it.
    (void)writer_.SetAttribute("/", "columns_ids",
                               "id,user_id,retweeted_id,quoted_id,in_reply_to_id");
    (void)writer_.SetAttribute(
        "/", "columns_numbers",
        "timestamp_ms,followers,is_retweet,is_quote,is_reply,media_count,hashtags,mentions");
    (void)writer_.SetAttribute("/", "columns_coordinates", "lon,lat");
  }
  bool needs_tweet() const override { return true; }
  Status Add(std::string_view, const Tweet* tweet) override {
    const Tweet& t = *tweet;
    const int64_t ids[5] = {IdNumber(t.id), IdNumber(t.user_id), IdNumber(t.retweeted_id),
                            IdNumber(t.quoted_id), IdNumber(t.in_reply_to_id)};
    const int64_t nums[8] = {t.timestamp_ms,
                             t.followers,
                             t.is_retweet,
                             t.is_quote,
                             t.is_reply,
                             t.media_count,
                             static_cast<int64_t>(t.hashtags.size()),
                             static_cast<int64_t>(t.mentions.size())};
    const double coordinates[2] = {t.has_coordinates ? t.lon : std::nan(""),
                                   t.has_coordinates ? t.lat : std::nan("")};
    ++records_;
    return writer_.AddRow({ids, nums, coordinates});
  }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return records_; }

 private:
  Hdf5PartWriter writer_;
  uint64_t records_ = 0;
};

class ParquetPart : public TweetPartsWriter::Part {
 public:
  ParquetPart(WritableFile* file, const ParquetWriterOptions& options)
      : Part(file), writer_(file, options) {}
  bool needs_tweet() const override { return true; }
  Status Add(std::string_view, const Tweet* tweet) override { return writer_.Add(*tweet); }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return writer_.records(); }

 private:
  TweetParquetWriter writer_;
};

const char* Extension(LoadFormat f) {
  switch (f) {
    case LoadFormat::kJsonl:
      return "jsonl";
    case LoadFormat::kCsv:
      return "csv";
    case LoadFormat::kHdf5:
      return "h5";
    case LoadFormat::kParquet:
      return "parquet";
    case LoadFormat::kJsonlGz:
      break;
  }
  return "jsonl.gz";
}

}  // namespace

Result<LoadFormat> ParseLoadFormat(const std::string& name) {
  if (name.empty() || name == "jsonl.gz") return LoadFormat::kJsonlGz;
  if (name == "jsonl") return LoadFormat::kJsonl;
  if (name == "csv") return LoadFormat::kCsv;
  if (name == "hdf5") return LoadFormat::kHdf5;
  if (name == "parquet") return LoadFormat::kParquet;
  return Status::InvalidArgument("--format must be jsonl.gz, jsonl, csv, hdf5 or parquet, not \"" +
                                 name + "\"");
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
    : output_(output),
      metrics_(metrics),
      options_(std::move(options)),
      parser_(std::make_unique<TweetParser>()),
      reader_(std::make_unique<NormalizedTweetReader>()) {
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
  WritableFile* file = output_.NewPart(Extension(options_.format), "part", folder);
  std::unique_ptr<Part> p;
  switch (options_.format) {
    case LoadFormat::kHdf5:
      p = std::make_unique<Hdf5Part>(file, options_.spill_dir);
      break;
    case LoadFormat::kParquet:
      p = std::make_unique<ParquetPart>(file, options_.parquet);
      break;
    case LoadFormat::kJsonl:
      p = std::make_unique<RecordPart>(file, OutputFormat::kJsonl);
      break;
    case LoadFormat::kCsv:
      p = std::make_unique<RecordPart>(file, OutputFormat::kCsv);
      break;
    case LoadFormat::kJsonlGz:
      p = std::make_unique<RecordPart>(file, OutputFormat::kJsonlGz);
      break;
  }
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
  open_.erase(it);
  recent_.remove(folder);
  return s;
}

Status TweetPartsWriter::Add(int64_t timestamp_ms, std::string_view json) {
  const int64_t bucket_ms = options_.partition_by == PartitionBy::kHour ? 3600000 : 86400000;
  const int64_t bucket =
      options_.partition_by == PartitionBy::kNone
          ? 0
          : (timestamp_ms >= 0 ? timestamp_ms : timestamp_ms - bucket_ms + 1) / bucket_ms;
  if (last_ == nullptr || bucket != last_bucket_) {
    RF_RETURN_IF_ERROR(Open(PartitionFolder(options_.partition_by, timestamp_ms), &last_));
    last_bucket_ = bucket;
  }
  const Tweet* tweet = nullptr;
  if (last_->needs_tweet()) {
    parsed_.resize(1);
    if (!reader_->Read(json, &parsed_[0])) {  // not expected: the records are our own JSON
      parsed_.clear();
      parser_->Parse(json, &parsed_);
      if (parsed_.size() != 1) return Status::Internal("normalized tweet does not parse back");
    }
    tweet = &parsed_[0];
    if (options_.format == LoadFormat::kParquet && !TweetIdsFitInt64(*tweet)) {
      metrics_.Add("bad_records.id_not_int64", 1);
      ++skipped_;
      return Status::OK();
    }
  }
  RF_RETURN_IF_ERROR(last_->Add(json, tweet));
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
