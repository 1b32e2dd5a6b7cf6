// The normalized tweet (tweet.h) as a Parquet table: the schema of load_tweets --format parquet
// (documented, column by column, in operators/README.md) and a writer that maps one Tweet to one
// row.
//
//   TweetParquetWriter w(committer.NewPart("parquet"), options);
//   for (const Tweet& t : tweets) {
//     if (!TweetIdsFitInt64(t)) { count it; continue; }   // the caller decides
//     RF_RETURN_IF_ERROR(w.Add(t));
//   }
//   RF_RETURN_IF_ERROR(w.Finish());
//
// Ids are INT64 (decision: every tweet and user id is a snowflake or a sequential number below
// 2^63; a number column is a quarter of the string's size, compares and sorts numerically, and its
// min/max statistics let readers skip row groups by id). The JSON output keeps ids as strings only
// because JSON numbers above 2^53 lose precision in most readers; Parquet INT64 does not.
// created_at is TIMESTAMP(MILLIS, UTC) with the tweet's milliseconds (the JSON's created_at is the
// same instant formatted to seconds); timestamp_ms stays as an INT64 column as in the JSON.
// Absent strings and ids (JSON null) are Parquet nulls; lists are never null (an empty list).
// coordinates [lon, lat] become two nullable DOUBLE columns lon and lat (null together).
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "operators/tweet.h"
#include "runtime/fs.h"
#include "runtime/parquet/parquet_schema.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/status.h"

namespace rankflow {

// The columns, in the normalized JSON's key order (coordinates as lon, lat).
const std::vector<ParquetColumn>& TweetParquetSchema();

// True if every id of the tweet (id, user_id, retweeted_id, quoted_id, in_reply_to_id,
// retweeted_user_id) is empty or a canonical decimal that fits in int64 (no leading zero, at most
// 9223372036854775807), i.e. survives the trip to INT64 and back unchanged.
bool TweetIdsFitInt64(const Tweet& t);

// Writes tweets as rows of TweetParquetSchema() through a borrowed file (an OutputCommitter part).
// Memory and errors: ParquetWriter's (runtime/parquet/parquet_writer.h). Not thread-safe.
class TweetParquetWriter {
 public:
  TweetParquetWriter(WritableFile* file, ParquetWriterOptions options);
  // One row. The tweet's ids must fit (TweetIdsFitInt64): InvalidArgument naming the id if not.
  Status Add(const Tweet& t);
  Status Finish();
  uint64_t records() const { return writer_.records(); }
  WritableFile& file() { return writer_.file(); }

 private:
  ParquetWriter writer_;
};

}  // namespace rankflow
