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
#include "jobs/load_tweets_worker.h"
#include "operators/tweet.h"
#include "operators/tweet_lines.h"
#include "operators/tweet_parser.h"
#include "runtime/hdf5_part_writer.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

// Wall milliseconds since `start`; the job's phase counters (time_ms.*) are sums over ranks.
int64_t MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                               start)
      .count();
}

enum class LoadFormat { kJsonlGz, kJsonl, kCsv, kHdf5 };

Result<LoadFormat> ParseLoadFormat(const std::string& name) {
  if (name.empty() || name == "jsonl.gz") return LoadFormat::kJsonlGz;
  if (name == "jsonl") return LoadFormat::kJsonl;
  if (name == "csv") return LoadFormat::kCsv;
  if (name == "hdf5") return LoadFormat::kHdf5;
  return Status::InvalidArgument("--format must be jsonl.gz, jsonl, csv or hdf5, not \"" + name +
                                 "\"");
}

const std::vector<std::string>& CsvHeader() {
  static const std::vector<std::string> kHeader = {
      "id",          "created_at",     "timestamp_ms", "user_id",
      "screen_name", "followers",      "lang",         "text",
      "is_retweet",  "is_quote",       "is_reply",     "retweeted_id",
      "quoted_id",   "in_reply_to_id", "hashtags",     "mentions",
      "urls",        "media_count",    "lon",          "lat",
      "place",       "source_format"};
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
          SourceFormatName(t.source_format)};
}

// 0 for no id, -1 for an id that does not fit in int64 (no tweet id so far comes close).
int64_t IdNumber(const std::string& id) {
  if (id.empty()) return 0;
  if (id.size() > 19) return -1;
  const unsigned long long v = std::strtoull(id.c_str(), nullptr, 10);
  return v > static_cast<unsigned long long>(INT64_MAX) ? -1 : static_cast<int64_t>(v);
}

// The HDF5 table: numeric columns only (text stays in the JSON formats).
//   /ids      int64 [n, 5]: id, user_id, retweeted_id, quoted_id, in_reply_to_id (0 = none,
//                           -1 = does not fit in int64)
//   /numbers  int64 [n, 8]: timestamp_ms, followers (-1 unknown), is_retweet, is_quote,
//                           is_reply, media_count, hashtag count, mention count
//   /coordinates float64 [n, 2]: lon, lat (NaN when none)
// Attribute "columns_<dataset>" on "/" lists the column names.
std::unique_ptr<Hdf5PartWriter> NewHdf5Part(WritableFile* file, const std::string& spill_dir) {
  auto w = std::make_unique<Hdf5PartWriter>(
      file,
      std::vector<Hdf5RowDataset>{{"ids", Hdf5Type::kInt64, 5},
                                  {"numbers", Hdf5Type::kInt64, 8},
                                  {"coordinates", Hdf5Type::kFloat64, 2}},
      spill_dir, 4096);
  (void)w->SetAttribute("/", "columns_ids", "id,user_id,retweeted_id,quoted_id,in_reply_to_id");
  (void)w->SetAttribute(
      "/", "columns_numbers",
      "timestamp_ms,followers,is_retweet,is_quote,is_reply,media_count,hashtags,mentions");
  (void)w->SetAttribute("/", "columns_coordinates", "lon,lat");
  return w;  // a failure above is sticky: AddRow and Finish return it
}

Status AddHdf5Row(Hdf5PartWriter& w, const Tweet& t) {
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
  return w.AddRow({ids, nums, coordinates});
}

// Calls fn for each of this rank's deduplicated normalized records, in id key order.
using JsonSource = std::function<Status(const std::function<Status(std::string_view json)>& fn)>;

// Writes this rank's deduplicated tweets (shuffle order = id order) in the chosen format.
Status WritePart(JobContext& ctx, LoadFormat format, const JsonSource& tweets, uint64_t* rows) {
  TweetParser parser;
  std::vector<Tweet> one;
  auto parse_back = [&](std::string_view json) -> Status {
    one.clear();
    parser.Parse(json, &one);
    return one.size() == 1 ? Status::OK()
                           : Status::Internal("normalized tweet does not parse back");
  };
  if (format == LoadFormat::kHdf5) {
    WritableFile* file = ctx.output().NewPart("h5");
    std::unique_ptr<Hdf5PartWriter> part = NewHdf5Part(file, ctx.shuffle_options().spill_dir);
    RF_RETURN_IF_ERROR(tweets([&](std::string_view value) {
      RF_RETURN_IF_ERROR(parse_back(value));
      ++*rows;
      return AddHdf5Row(*part, one[0]);
    }));
    RF_RETURN_IF_ERROR(part->Finish());
    ctx.output().SetRecords(file, *rows);
    return Status::OK();
  }
  const OutputFormat of = format == LoadFormat::kCsv     ? OutputFormat::kCsv
                          : format == LoadFormat::kJsonl ? OutputFormat::kJsonl
                                                         : OutputFormat::kJsonlGz;
  WritableFile* file = ctx.output().NewPart(OutputFormatExtension(of));
  // ISA-L level 1: zlib -6 alone would cost as much CPU as reading and parsing the input.
  RecordWriter writer(file, of, CsvHeader(), GzipCodec::kIsal);
  RF_RETURN_IF_ERROR(tweets([&](std::string_view value) {
    ++*rows;
    if (of != OutputFormat::kCsv) return writer.WriteJson(value);
    RF_RETURN_IF_ERROR(parse_back(value));
    return writer.WriteCsvRow(CsvRow(one[0]));
  }));
  RF_RETURN_IF_ERROR(writer.Finish());
  ctx.output().SetRecords(file, *rows);
  return Status::OK();
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
    *source = [table](const std::function<Status(std::string_view)>& fn) {
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
  *source = [tweets](const std::function<Status(std::string_view)>& fn) {
    return tweets->ForEach(
        [&](std::string_view, std::string_view value) { return fn(value.substr(8)); });
  };
  return Status::OK();
}

}  // namespace

void AddLoadTweetsFlags(FlagSet* flags) {
  flags->AddBool("parse-thread", false,
                 "parse on a second thread while the first reads and inflates (ignored with "
                 "--strict); helps only where the rank has a spare core");
}

Status RunLoadTweets(JobContext& ctx) {
  Result<LoadFormat> format = ParseLoadFormat(ctx.flags().GetString("format"));
  RF_RETURN_IF_ERROR(format.status());
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
  if (ctx.flags().GetBool("strict") || !ctx.flags().GetBool("parse-thread")) {
    // Parse on this thread (--strict: so that the first bad line stops the job where it is).
    TweetLines lines(&ctx.metrics());
    Status add_status;
    RF_RETURN_IF_ERROR(map.Run([&](std::string_view line, LineContext& lc) {
      lines.Handle(line, lc, [&](Tweet& t) {
        if (add_status.ok()) add_status = add(t);
      });
      if (!add_status.ok()) lc.Fail(add_status);
    }));
  } else {
    // Parse on a second thread while this one inflates and splits the next lines.
    ParseWorker worker(add);
    const Status run = map.Run([&](std::string_view line, LineContext& lc) {
      const Status s = worker.Add(line, lc.path(), lc.line_number());
      if (!s.ok()) lc.Fail(s);
    });
    const Status parsed = worker.Finish(&ctx.metrics());
    RF_RETURN_IF_ERROR(run);
    RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), parsed));
  }
  end_phase("time_ms.map");
  JsonSource source;
  RF_RETURN_IF_ERROR(
      ExchangeTweets(ctx, table_limit, use_table, &table, &tweets, end_phase, &source));

  uint64_t rows = 0;
  Status local = WritePart(ctx, *format, source, &rows);
  end_phase("time_ms.write");
  const int64_t tweets_in = ctx.metrics().Get("tweets_in");
  ctx.metrics().Add("tweets_out", static_cast<int64_t>(rows));
  ctx.metrics().Add("records_out", static_cast<int64_t>(rows));
  // Summed over ranks this is the number of records dropped as duplicates.
  ctx.metrics().Add("duplicates", tweets_in - static_cast<int64_t>(rows));
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), local));

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
