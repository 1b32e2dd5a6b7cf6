#include "jobs/load_tweets_parts.h"

#include <string>

#include "operators/tweet_csv.h"
#include "operators/tweet_hdf5.h"
#include "operators/tweet_parquet.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

// jsonl, jsonl.gz and csv through a RecordWriter (ISA-L level 1 for gzip: zlib -6 alone would cost
// as much CPU as reading and parsing the input).
class RecordPart : public TweetPartsWriter::Part {
 public:
  RecordPart(WritableFile* file, OutputFormat format)
      : Part(file),
        csv_(format == OutputFormat::kCsv),
        writer_(file, format, TweetCsvHeader(), GzipCodec::kIsal) {}
  Status AddJson(std::string_view json) override {
    return csv_ ? Part::AddJson(json) : writer_.WriteJson(json);
  }
  Status AddTweet(const Tweet& tweet) override {
    return csv_ ? writer_.WriteCsvRow(TweetCsvRow(tweet)) : Part::AddTweet(tweet);
  }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return writer_.records(); }

 private:
  bool csv_;
  RecordWriter writer_;
};

// A part of a writer of Tweets (Add, Finish, records): TweetHdf5Writer (the numeric columns,
// operators/tweet_hdf5.h) or TweetParquetWriter (operators/tweet_parquet.h).
template <typename Writer>
class TweetWriterPart : public TweetPartsWriter::Part {
 public:
  template <typename Options>
  TweetWriterPart(WritableFile* file, const Options& options)
      : Part(file), writer_(file, options) {}
  Status AddTweet(const Tweet& tweet) override { return writer_.Add(tweet); }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return writer_.records(); }

 private:
  Writer writer_;
};

}  // namespace

Status TweetPartsWriter::Part::AddJson(std::string_view) {
  return Status::Internal("load_tweets: this part takes tweets, not JSON");
}

Status TweetPartsWriter::Part::AddTweet(const Tweet&) {
  return Status::Internal("load_tweets: this part takes JSON, not tweets");
}

const char* LoadFormatExtension(LoadFormat f) {
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

std::unique_ptr<TweetPartsWriter::Part> NewTweetPart(WritableFile* file,
                                                     const LoadOutputOptions& options) {
  std::unique_ptr<TweetPartsWriter::Part> p;
  switch (options.format) {
    case LoadFormat::kHdf5:
      p = std::make_unique<TweetWriterPart<TweetHdf5Writer>>(file, options.spill_dir);
      break;
    case LoadFormat::kParquet:
      p = std::make_unique<TweetWriterPart<TweetParquetWriter>>(file, options.parquet);
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
  return p;
}

}  // namespace rankflow
