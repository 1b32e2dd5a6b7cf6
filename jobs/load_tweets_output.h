// load_tweets' output: the deduplicated normalized records, in the chosen format, into parts of
// the job's OutputCommitter — one part per rank, or with --partition-by day|hour one part per
// Hive-style partition folder the rank has rows for (jobs/load_tweets.h has the job's contract).
//
//   TweetPartsWriter out(committer, metrics, options);
//   for (each record in id order) RF_RETURN_IF_ERROR(out.Add(timestamp_ms, record));
//   RF_RETURN_IF_ERROR(out.Finish());          // finishes every open part, reports its records
//
// Partition folders (decision): `dt=YYYY-MM-DD` for day and `dt=YYYY-MM-DD/hr=HH` for hour, from
// the tweet's created_at in UTC — two keys, as Athena's partition projection (dt: date,
// yyyy-MM-dd; hr: integer 0–23, two digits) and DuckDB's hive_partitioning (dt DATE, hr BIGINT)
// read them, and a query on a day never lists the hours of other days.
//
// Memory (decision): at most `max_open_parts` parts are open per rank. Rows arrive in id order,
// which follows time for snowflake ids but not for a mixed archive, so a rank may touch many
// partitions; when a row needs a partition whose part is closed and max_open_parts are open, the
// least recently used part is finished (its file is complete, its buffers freed) and a new part is
// opened for the needed one; a partition closed earlier gets another part later
// (`part-RRRRR-1`, `-2`, …, see OutputCommitter::NewPart). Per open part: jsonl/jsonl.gz/csv
// the RecordWriter's 1 MiB buffer (plus ISA-L's state), hdf5 a chunk of rows, parquet one row
// group of `parquet.row_group_bytes` plus ~3 MiB per column (ParquetWriter).
//
// Not thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "jobs/load_tweets_records.h"
#include "operators/tweet.h"
#include "runtime/commit.h"
#include "runtime/metrics.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/status.h"

namespace rankflow {

enum class LoadFormat { kJsonlGz, kJsonl, kCsv, kHdf5, kParquet };
// "" or "jsonl.gz" | "jsonl" | "csv" | "hdf5" | "parquet".
Result<LoadFormat> ParseLoadFormat(const std::string& name);
// How records of a format travel to the parts (jobs/load_tweets_records.h): kJson for jsonl and
// jsonl.gz, which write the JSON as it is; kTweetCodec for csv, hdf5 and parquet, which need the
// Tweet.
RecordEncoding LoadRecordEncoding(LoadFormat format);

enum class PartitionBy { kNone, kDay, kHour };
// "" or "none" | "day" | "hour".
Result<PartitionBy> ParsePartitionBy(const std::string& name);
// The partition folder of a time: "dt=2015-08-06" (day), "dt=2015-08-06/hr=07" (hour); "" for
// kNone.
std::string PartitionFolder(PartitionBy by, int64_t timestamp_ms);

// The buffers of one open part (ParquetWriter: a row group, and per column an open page and a
// dictionary) so that max_open_parts of them stay within about half of the budget: the row group
// gets a quarter of the budget over the open parts (1 to 128 MiB, Spark's size when one part is
// open), pages 1/48 of that each (64 KiB to the writer's default 1 MiB), for the 24 columns of
// the normalized tweet.
ParquetWriterOptions LoadParquetOptions(uint64_t memory_bytes, size_t max_open_parts);

struct LoadOutputOptions {
  LoadFormat format = LoadFormat::kJsonlGz;
  PartitionBy partition_by = PartitionBy::kNone;
  size_t max_open_parts = 16;  // at least 1
  std::string spill_dir;       // hdf5 parts are built in a scratch file there
  ParquetWriterOptions parquet;
};

class TweetPartsWriter {
 public:
  // Counters go to `metrics`: bad_records.id_not_int64 (parquet: a record whose ids do not fit
  // INT64 is skipped and counted), parts_reopened (parts opened for a partition whose earlier
  // part this rank had closed to stay within max_open_parts).
  TweetPartsWriter(OutputCommitter& output, Metrics& metrics, LoadOutputOptions options);
  ~TweetPartsWriter();
  TweetPartsWriter(const TweetPartsWriter&) = delete;
  TweetPartsWriter& operator=(const TweetPartsWriter&) = delete;

  // One record in the format's LoadRecordEncoding with its timestamp. Without partitioning the
  // rank's one part is opened by the first Add or by Finish (a rank without rows still writes an
  // empty part, as before). Internal if a codec record does not decode (not expected: our own).
  Status Add(int64_t timestamp_ms, std::string_view record);
  // Finishes every open part and reports its records to the committer. Call once.
  Status Finish();
  uint64_t rows() const { return rows_; }        // rows written, over all parts
  uint64_t skipped() const { return skipped_; }  // records left out (bad_records.*)

  class Part;  // one open part in one format (jobs/load_tweets_parts.h)

 private:
  Status Open(const std::string& folder, Part** part);
  Status Close(const std::string& folder);

  OutputCommitter& output_;
  Metrics& metrics_;
  LoadOutputOptions options_;
  std::map<std::string, std::unique_ptr<Part>> open_;  // by folder
  std::list<std::string> recent_;                      // open folders, most recently used first
  std::set<std::string> opened_;                       // folders that had a part
  Part* last_ = nullptr;                               // the part of the last row
  int64_t last_bucket_ = 0;                            // its day or hour since the epoch
  Tweet tweet_;                                        // the last record decoded (reused)
  uint64_t rows_ = 0;
  uint64_t skipped_ = 0;
};

}  // namespace rankflow
