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
  bool needs_tweet() const override { return csv_; }
  Status Add(std::string_view json, const Tweet* tweet) override {
    return csv_ ? writer_.WriteCsvRow(TweetCsvRow(*tweet)) : writer_.WriteJson(json);
  }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return writer_.records(); }

 private:
  bool csv_;
  RecordWriter writer_;
};

// The numeric columns (operators/tweet_hdf5.h).
class Hdf5Part : public TweetPartsWriter::Part {
 public:
  Hdf5Part(WritableFile* file, const std::string& spill_dir)
      : Part(file), writer_(file, spill_dir) {}
  bool needs_tweet() const override { return true; }
  Status Add(std::string_view, const Tweet* tweet) override { return writer_.Add(*tweet); }
  Status Finish() override { return writer_.Finish(); }
  uint64_t records() const override { return writer_.records(); }

 private:
  TweetHdf5Writer writer_;
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

}  // namespace

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
      p = std::make_unique<Hdf5Part>(file, options.spill_dir);
      break;
    case LoadFormat::kParquet:
      p = std::make_unique<ParquetPart>(file, options.parquet);
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
