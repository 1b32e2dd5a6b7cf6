#include "jobs/load_tweets.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <memory>
#include <new>
#include <string>
#include <vector>

#include "jobs/load_tweets_dedupe.h"
#include "jobs/load_tweets_output.h"
#include "jobs/load_tweets_worker.h"
#include "operators/tweet.h"
#include "operators/tweet_lines.h"
#include "operators/tweet_parser.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"

namespace rankflow {
namespace {

// Wall milliseconds since `start`; the job's phase counters (time_ms.*) are sums over ranks.
int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

// Calls fn for each of this rank's deduplicated normalized records, in id key order.
using JsonSource = std::function<Status(
    const std::function<Status(int64_t timestamp_ms, std::string_view json)>& fn)>;

// The buffers of one open part (ParquetWriter: a row group, and per column an open page and a
// dictionary) so that max_open_parts of them stay within about half of the budget: the row group
// gets a quarter of the budget over the open parts (1 to 128 MiB, Spark's size when one part is
// open), pages 1/48 of that each (64 KiB to the writer's default 1 MiB), for the 24 columns of
// the normalized tweet.
ParquetWriterOptions ParquetOptions(uint64_t memory_bytes, size_t max_open_parts) {
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

// Collective. After the map phase: every rank learns whether every rank kept its records in the
// table and whether each owner's share fits in `table_limit` (this is also where the ranks that
// finished their map first wait for the others); if so, the tables exchange, else every rank
// moves its records into the HashShuffle and exchanges there. *source then yields this rank's
// deduplicated records in id key order.
Status ExchangeTweets(JobContext& ctx, uint64_t table_limit, bool use_table, TweetTable* table,
                      HashShuffle* tweets, const std::function<void(const char*)>& end_phase,
                      JsonSource* source) {
  Status moved;
  if (ctx.mpi().size() > 1) {
    std::vector<int64_t> owned = table->BytesByOwner();
    owned.push_back(use_table ? 0 : 1);
    owned = ctx.mpi().AllSum(owned);
    end_phase("time_ms.wait");
    const bool fits =
        owned.back() == 0 && std::all_of(owned.begin(), owned.end() - 1, [&](int64_t bytes) {
          return static_cast<uint64_t>(bytes) <= table_limit;
        });
    if (!fits && use_table) {
      use_table = false;
      moved = table->MoveTo(tweets);  // a spill error: this rank fails the Exchange below
    }
  }
  if (use_table) {
    if (ctx.mpi().size() > 1) {
      uint64_t bytes_sent = 0;
      RF_RETURN_IF_ERROR(table->Exchange(ctx.mpi(), true, &bytes_sent));
      ctx.metrics().Add("shuffle.bytes_sent", static_cast<int64_t>(bytes_sent));
      end_phase("time_ms.exchange");
    }
    *source = [table](const std::function<Status(int64_t, std::string_view)>& fn) {
      return table->ForEach(fn);
    };
    return Status::OK();
  }
  const Status exchanged = tweets->Exchange(moved.ok());
  RF_RETURN_IF_ERROR(moved);
  RF_RETURN_IF_ERROR(exchanged);
  const ShuffleStats& st = tweets->stats();
  ctx.metrics().Add("shuffle.pairs_sent", static_cast<int64_t>(st.pairs_sent));
  ctx.metrics().Add("shuffle.spilled_runs", static_cast<int64_t>(st.spilled_runs));
  ctx.metrics().Add("shuffle.bytes_sent", static_cast<int64_t>(st.bytes_sent));
  end_phase("time_ms.exchange");
  *source = [tweets](const std::function<Status(int64_t, std::string_view)>& fn) {
    return tweets->ForEach([&](std::string_view, std::string_view value) {
      return fn(DecodeTweetTimestamp(value), value.substr(8));
    });
  };
  return Status::OK();
}

// Collective. The map phase: every line's tweets go to `add`, parsed on this thread, or with
// --parse-thread on a second one while this one inflates and splits the next lines.
Status MapTweets(JobContext& ctx, MapPhase& map, const std::function<Status(Tweet&)>& add) {
  if (ctx.flags().GetBool("strict") || !ctx.flags().GetBool("parse-thread")) {
    // --strict parses here so that the first bad line stops the job where it is.
    TweetLines lines(&ctx.metrics());
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
  const Status parsed = worker.Finish(&ctx.metrics());
  RF_RETURN_IF_ERROR(run);
  return AgreeOnStatus(ctx.mpi(), parsed);
}

// Writes this rank's deduplicated records as the job's parts and counts them (tweets_out,
// records_out, duplicates); *rows: the records this rank wrote. Returns this rank's status, not
// yet agreed.
Status WriteTweets(JobContext& ctx, const JsonSource& source, LoadFormat format,
                   PartitionBy partition_by, const ShuffleOptions& shuffle_options,
                   uint64_t* rows) {
  LoadOutputOptions out_options;
  out_options.format = format;
  out_options.partition_by = partition_by;
  out_options.max_open_parts =
      partition_by == PartitionBy::kNone ? 1 : ctx.flags().GetInt("max-open-parts");
  out_options.spill_dir = shuffle_options.spill_dir;
  out_options.parquet = ParquetOptions(shuffle_options.memory_bytes, out_options.max_open_parts);
  TweetPartsWriter out(ctx.output(), ctx.metrics(), out_options);
  Status local = source(
      [&](int64_t timestamp_ms, std::string_view json) { return out.Add(timestamp_ms, json); });
  const Status finished = out.Finish();
  if (local.ok()) local = finished;
  *rows = out.rows();
  const int64_t tweets_in = ctx.metrics().Get("tweets_in");
  ctx.metrics().Add("tweets_out", static_cast<int64_t>(*rows));
  ctx.metrics().Add("records_out", static_cast<int64_t>(*rows));
  // Summed over ranks this is the number of records dropped as duplicates.
  ctx.metrics().Add("duplicates",
                    tweets_in - static_cast<int64_t>(*rows) - static_cast<int64_t>(out.skipped()));
  return local;
}

}  // namespace

void AddLoadTweetsFlags(FlagSet* flags) {
  flags->AddString("partition-by", "",
                   "day or hour: write Hive-style partition folders dt=YYYY-MM-DD/ (and hr=HH/) "
                   "by created_at (UTC)");
  flags->AddInt("max-open-parts", 16, 1, 4096,
                "with --partition-by: parts open at once per rank (the least recently used is "
                "closed and the partition gets another part later)");
  flags->AddBool("parse-thread", false,
                 "parse on a second thread while the first reads and inflates (ignored with "
                 "--strict); helps only where the rank has a spare core");
}

Status RunLoadTweets(JobContext& ctx) {
  Result<LoadFormat> format = ParseLoadFormat(ctx.flags().GetString("format"));
  RF_RETURN_IF_ERROR(format.status());
  Result<PartitionBy> partition_by = ParsePartitionBy(ctx.flags().GetString("partition-by"));
  RF_RETURN_IF_ERROR(partition_by.status());
  RF_RETURN_IF_ERROR(ctx.OpenOutput());

  MapPhase map(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  RF_RETURN_IF_ERROR(map.Plan(ctx.map_options()));
  ctx.SetInputs(map.plan());
  const ShuffleOptions shuffle_options = ctx.shuffle_options();
  HashShuffle tweets(ctx.mpi(), shuffle_options, KeepEarliest);
  // Records go into a TweetTable (jobs/load_tweets_dedupe.h) while they fit: at one rank the whole
  // shuffle budget; at more ranks half of it, so that what a rank holds before the exchange plus
  // what it owns after it fit in the budget together. Past that, every record moves into the
  // HashShuffle, which spills (the shuffle's tables are empty meanwhile).
  const int ranks = ctx.mpi().size();
  const uint64_t table_limit =
      ranks == 1 ? shuffle_options.memory_bytes : shuffle_options.memory_bytes / 2;
  TweetTable table(ranks, ctx.mpi().rank(), table_limit);
  bool use_table = true;
  std::string json;
  auto add = [&](Tweet& t) {
    json.clear();
    AppendTweetJson(t, &json);
    if (use_table) {
      if (table.Add(t.id, t.timestamp_ms, json)) return Status::OK();
      use_table = false;
      RF_RETURN_IF_ERROR(table.MoveTo(&tweets));
    }
    return tweets.Add(IdKey(t.id), EncodeTweetValue(t.timestamp_ms, json));
  };
  auto phase_start = std::chrono::steady_clock::now();
  auto end_phase = [&](const char* counter) {
    ctx.metrics().Add(counter, MsSince(phase_start));
    phase_start = std::chrono::steady_clock::now();
  };
  RF_RETURN_IF_ERROR(MapTweets(ctx, map, add));
  end_phase("time_ms.map");
  JsonSource source;
  RF_RETURN_IF_ERROR(
      ExchangeTweets(ctx, table_limit, use_table, &table, &tweets, end_phase, &source));

  uint64_t rows = 0;
  const Status written = WriteTweets(ctx, source, *format, *partition_by, shuffle_options, &rows);
  end_phase("time_ms.write");
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), written));
  const int64_t tweets_in = ctx.metrics().Get("tweets_in");

  const std::vector<int64_t> totals =
      ctx.mpi().AllSum({tweets_in, static_cast<int64_t>(rows), ctx.metrics().Get("notices"),
                        ctx.metrics().BadLinesTotal()});
  RF_RETURN_IF_ERROR(ctx.Commit(true));
  if (ctx.mpi().is_root()) {
    ctx.Print("load_tweets: " + std::to_string(totals[0]) + " tweets in, " +
              std::to_string(totals[1]) + " out, " + std::to_string(totals[0] - totals[1]) +
              " duplicates dropped, " + std::to_string(totals[2]) + " notices, " +
              std::to_string(totals[3]) + " bad lines\n");
  }
  return Status::OK();
}

}  // namespace rankflow
