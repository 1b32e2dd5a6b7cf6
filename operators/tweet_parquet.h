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
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "operators/terms.h"
#include "operators/tweet.h"
#include "runtime/fs.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/parquet/parquet_reader.h"
#include "runtime/parquet/parquet_schema.h"
#include "runtime/parquet/parquet_source.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/progress.h"
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

// Reading back: rows of a load_tweets Parquet output (read with ParquetSource or ParquetFileReader
// for some of TweetParquetSchema's columns) as Tweets. A row read with every column gives the
// same Tweet that TweetParser gives for its JSON line (ids as decimal strings, created_at from the
// timestamp, absent values as empty strings / -1 followers / no coordinates). Fields whose column
// was not read keep Tweet's defaults, so a job reads only what it needs (top_terms: "hashtags").
//
//   TweetParquetRows rows({"id", "timestamp_ms", "hashtags"});
//   ParquetSource source(…);  source.Plan({.src = dir, .columns = rows.columns()});
//   source.Run([&](const ParquetRowBatch& b) {
//     RF_RETURN_IF_ERROR(rows.Check(b));
//     for (size_t r = 0; r < b.num_rows; ++r) { Tweet t; rows.Get(b, r, &t); … }
//   });
class TweetParquetRows {
 public:
  // `columns`: names of TweetParquetSchema() columns (empty = all), in the order the batches
  // hold them. An unknown name is reported by Check (InvalidArgument).
  explicit TweetParquetRows(std::vector<std::string> columns = {});
  const std::vector<std::string>& columns() const { return names_; }
  // Checks a batch's columns against the schema: InvalidArgument naming the file and the column
  // when a column has another physical type, or a required one is missing from this file's
  // footprint (a file rankflow did not write). Cheap: call once per batch.
  Status Check(const ParquetRowBatch& batch) const;
  // Row `row` of a checked batch into *t (fields of columns not read stay as they are).
  void Get(const ParquetRowBatch& batch, size_t row, Tweet* t) const;

 private:
  std::vector<std::string> names_;
  std::vector<int> fields_;  // the schema index of each requested column, -1 if unknown
};

// The columns a term count needs: the kind's list (hashtags, mentions, urls) or text (words,
// emoji), and timestamp_ms when `need_time`.
std::vector<std::string> TweetParquetTermColumns(TweetTermKind kind, bool need_time);

// Collective. True on every rank if src holds input files (as ListInputs lists them: a committed
// folder through its manifest, `name_regex` on base names) and all of them are .parquet — the
// test jobs use to read load_tweets' Parquet table instead of JSON lines.
Result<bool> InputsAreParquet(const MpiContext& mpi, FileSystem& fs, const std::string& src,
                              const std::string& name_regex);

// Collective. Every tweet of a load_tweets Parquet output, reading only `columns` (names of
// TweetParquetSchema() columns; empty: all, giving the Tweet its JSON line gives): plans `source`
// over `files` (its columns are set here), claims row groups across ranks and calls fn with each
// tweet this rank read (fields of columns not read keep Tweet's defaults), counting each into
// *tweets. Errors: ParquetSource's and TweetParquetRows::Check's, agreed on every rank.
Status ReadParquetTweets(ParquetSource& source, ParquetSourceOptions files,
                         std::vector<std::string> columns, int64_t* tweets,
                         const std::function<void(Tweet& tweet)>& fn);

// Collective. The terms of every tweet of a load_tweets Parquet output, reading only
// TweetParquetTermColumns: plans `source` over `files` (its columns are set here), claims row
// groups across ranks, and calls fn(timestamp_ms, term) for each term of each tweet this rank
// read, as ExtractTerms(tweet, kind) gives them (timestamp 0 unless need_time). Counters in
// `metrics` (the one `source` counts into): ParquetSource's, tweets, terms. Errors:
// ParquetSource's and TweetParquetRows::Check's (a file whose columns are not load_tweets'),
// agreed on every rank. source.plan() names the inputs.
Status ReadParquetTerms(ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
                        TweetTermKind kind, bool need_time,
                        const std::function<void(int64_t timestamp_ms, std::string&& term)>& fn);

// Collective. ReadParquetTerms' terms, tallied: fn(timestamp_ms, term, count) stands for `count`
// occurrences of the term (the same multiset of (timestamp_ms, term) when each is repeated count
// times). For an entity kind (hashtags, mentions, urls) without need_time, each row group's list
// column is counted, not read as rows (ParquetSource::RunValueCounts: a dictionary-encoded page
// costs its levels and indices; values of other pages are counted by their bytes), and each
// distinct stored value becomes a term once per row group (EntityTerm), with its count; a term
// may still come in several calls (several row groups, or stored spellings that lowercase alike).
// Otherwise every occurrence is one call with count 1. Counters and errors as ReadParquetTerms'
// (terms counts occurrences). The map side of top_terms over Parquet.
Status ReadParquetTermCounts(
    ParquetSource& source, ParquetSourceOptions files, Metrics* metrics, TweetTermKind kind,
    bool need_time,
    const std::function<void(int64_t timestamp_ms, std::string&& term, uint64_t count)>& fn);

}  // namespace rankflow
