// load_tweets' pipeline (jobs/load_tweets.h): map (parse, normalize, into the TweetTable or the
// HashShuffle) -> exchange (jobs/load_tweets_exchange.h) -> parts (jobs/load_tweets_output.h).
#include "jobs/load_tweets.h"

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>

#include "jobs/load_tweets_dedupe.h"
#include "jobs/load_tweets_exchange.h"
#include "jobs/load_tweets_worker.h"
#include "operators/tweet.h"
#include "operators/tweet_lines.h"

namespace rankflow {
namespace {

// Wall milliseconds since `start`; the job's phase counters (time_ms.*) are sums over ranks.
int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Collective. The map phase: every line's tweets go to `add`, parsed on this thread, or with
// --parse-thread on a second one while this one inflates and splits the next lines.
Status MapTweets(const JobIo& io, const LoadTweetsOptions& options, MapPhase& map,
                 const std::function<Status(Tweet&)>& add) {
  if (options.input.strict || !options.parse_thread) {
    // --strict parses here so that the first bad line stops the job where it is.
    TweetLines lines(&io.metrics);
    Status add_status;
    return map.Run([&](std::string_view line, LineContext& lc) {
      lines.Handle(line, lc, [&](Tweet& t) {
        if (add_status.ok()) add_status = add(t);
      });
      if (!add_status.ok()) lc.Fail(add_status);
    });
  }
  ParseWorker worker(add);
  const Status run = map.Run([&](std::string_view line, LineContext& lc) {
    const Status s = worker.Add(line, lc.path(), lc.line_number());
    if (!s.ok()) lc.Fail(s);
  });
  const Status parsed = worker.Finish(&io.metrics);
  RF_RETURN_IF_ERROR(run);
  return AgreeOnStatus(io.mpi, parsed);
}

// Writes this rank's deduplicated records as the job's parts and counts them (tweets_out,
// records_out, duplicates). Returns this rank's status, not yet agreed.
Status WriteTweets(const JobIo& io, const LoadTweetsOptions& options, const RecordSource& source) {
  LoadOutputOptions out_options;
  out_options.format = options.format;
  out_options.partition_by = options.partition_by;
  out_options.max_open_parts =
      options.partition_by == PartitionBy::kNone ? 1 : static_cast<size_t>(options.max_open_parts);
  out_options.spill_dir = options.shuffle.spill_dir;
  out_options.parquet =
      LoadParquetOptions(options.shuffle.memory_bytes, out_options.max_open_parts);
  TweetPartsWriter out(io.output, io.metrics, out_options);
  Status local = source(
      [&](int64_t timestamp_ms, std::string_view record) { return out.Add(timestamp_ms, record); });
  const Status finished = out.Finish();
  if (local.ok()) local = finished;
  const int64_t rows = static_cast<int64_t>(out.rows());
  io.metrics.Add("tweets_out", rows);
  io.metrics.Add("records_out", rows);
  // Summed over ranks this is the number of records dropped as duplicates.
  io.metrics.Add("duplicates",
                 io.metrics.Get("tweets_in") - rows - static_cast<int64_t>(out.skipped()));
  return local;
}

}  // namespace

Status LoadTweets(const JobIo& io, const LoadTweetsOptions& options, InputPlan* inputs) {
  MapPhase map(io.mpi, io.src_fs, &io.metrics, &io.progress);
  RF_RETURN_IF_ERROR(map.Plan(options.input));
  *inputs = map.plan();
  const RecordEncoding encoding = LoadRecordEncoding(options.format);
  HashShuffle tweets(io.mpi, options.shuffle, KeepEarliest(encoding));
  // Records go into a TweetTable (jobs/load_tweets_dedupe.h) while they fit: at one rank the whole
  // shuffle budget; at more ranks half of it, so that what a rank holds before the exchange plus
  // what it owns after it fit in the budget together. Past that, every record moves into the
  // HashShuffle, which spills (the shuffle's tables are empty meanwhile).
  const int ranks = io.mpi.size();
  const uint64_t table_limit =
      ranks == 1 ? options.shuffle.memory_bytes : options.shuffle.memory_bytes / 2;
  TweetTable table(ranks, io.mpi.rank(), table_limit, encoding);
  bool use_table = true;
  std::string record;
  auto add = [&](Tweet& t) {
    record.clear();
    AppendRecord(encoding, t, &record);
    if (use_table) {
      if (table.Add(t.id, t.timestamp_ms, record)) return Status::OK();
      use_table = false;
      RF_RETURN_IF_ERROR(table.MoveTo(&tweets));
    }
    return tweets.Add(IdKey(t.id), EncodeTweetValue(t.timestamp_ms, record));
  };
  auto phase_start = std::chrono::steady_clock::now();
  auto end_phase = [&](const char* counter) {
    io.metrics.Add(counter, MsSince(phase_start));
    phase_start = std::chrono::steady_clock::now();
  };
  RF_RETURN_IF_ERROR(MapTweets(io, options, map, add));
  end_phase("time_ms.map");
  RecordSource source;
  RF_RETURN_IF_ERROR(
      ExchangeTweets(io, table_limit, use_table, &table, &tweets, end_phase, &source));
  const Status written = WriteTweets(io, options, source);
  end_phase("time_ms.write");
  return AgreeOnStatus(io.mpi, written);
}

}  // namespace rankflow
