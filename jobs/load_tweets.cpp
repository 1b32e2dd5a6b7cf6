#include "jobs/load_tweets.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
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

constexpr size_t kIdKeyWidth = 20;  // ids zero-padded to 20 digits: byte order = numeric order

std::string IdKey(const std::string& id) {
  return std::string(kIdKeyWidth - std::min(id.size(), kIdKeyWidth), '0') + id;
}

// Shuffle value: 8 bytes big-endian (timestamp_ms + 2^63, so byte order = time order), then the
// normalized JSON.
std::string EncodeValue(int64_t timestamp_ms, std::string_view json) {
  uint64_t biased = static_cast<uint64_t>(timestamp_ms) ^ (uint64_t{1} << 63);
  std::string v(8, '\0');
  for (int i = 7; i >= 0; --i) {
    v[static_cast<size_t>(i)] = static_cast<char>(biased & 0xff);
    biased >>= 8;
  }
  v.append(json);
  return v;
}

// Keeps the earliest record: (timestamp, JSON bytes) smallest. Associative and commutative.
void KeepEarliest(std::string* acc, std::string_view value) {
  if (value < std::string_view(*acc)) acc->assign(value);
}

// The records of a one-rank job, deduplicated here instead of in a HashShuffle: one copy of each
// normalized record in an arena and a 40-byte entry per record, sorted at the end. The same
// answer as the shuffle (key byte order, KeepEarliest among equal keys) without serializing every
// pair into the map-side table, the exchange buffers and the receive-side table. Holds at most
// `limit` bytes; past that the job hands everything to the shuffle (which can spill).
class LocalTweets {
 public:
  explicit LocalTweets(uint64_t limit) : limit_(limit) {}
  // False (and nothing kept) once the arena and entries would pass the limit.
  bool Add(std::string_view id, int64_t timestamp_ms, std::string_view json) {
    if (bytes_ + json.size() + (entries_.size() + 1) * sizeof(Entry) > limit_) return false;
    if (chunks_.empty() || chunk_used_ + json.size() > chunk_size_) {
      chunk_size_ = std::max(kChunkBytes, json.size());
      chunks_.push_back(NewChunk(chunk_size_));
      chunk_used_ = 0;
    }
    Entry e;
    const size_t pad = kIdKeyWidth - std::min(id.size(), kIdKeyWidth);
    std::memset(e.key, '0', pad);
    std::memcpy(e.key + pad, id.data(), kIdKeyWidth - pad);
    e.timestamp_ms = timestamp_ms;
    e.chunk = static_cast<uint32_t>(chunks_.size() - 1);
    e.offset = static_cast<uint32_t>(chunk_used_);
    e.size = static_cast<uint32_t>(json.size());
    std::memcpy(chunks_.back().get() + chunk_used_, json.data(), json.size());
    chunk_used_ += json.size();
    bytes_ += json.size();
    entries_.push_back(e);
    return true;
  }
  // Moves every record into `shuffle` (as RunLoadTweets would have added them) and empties this.
  // Entries are still in insertion order, so each chunk is unmapped as soon as its records are
  // in the shuffle: records move rather than being held twice.
  Status MoveTo(HashShuffle* shuffle) {
    for (const Entry& e : entries_) {
      if (e.chunk > 0 && chunks_[e.chunk - 1]) chunks_[e.chunk - 1].reset();
      RF_RETURN_IF_ERROR(
          shuffle->Add(std::string_view(e.key, kIdKeyWidth), EncodeValue(e.timestamp_ms, Json(e))));
    }
    entries_.clear();
    entries_.shrink_to_fit();
    chunks_.clear();
    bytes_ = 0;
    return Status::OK();
  }
  // Calls fn(json) for the earliest record of each id, in key byte order (the shuffle's order).
  Status ForEach(const std::function<Status(std::string_view json)>& fn) {
    std::sort(entries_.begin(), entries_.end(), [this](const Entry& a, const Entry& b) {
      const int c = std::memcmp(a.key, b.key, kIdKeyWidth);
      if (c != 0) return c < 0;
      if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
      return Json(a) < Json(b);
    });
    for (size_t i = 0; i < entries_.size(); ++i) {
      if (i > 0 && std::memcmp(entries_[i].key, entries_[i - 1].key, kIdKeyWidth) == 0) continue;
      RF_RETURN_IF_ERROR(fn(Json(entries_[i])));
    }
    return Status::OK();
  }

 private:
  struct Entry {
    char key[kIdKeyWidth];
    uint32_t size;
    int64_t timestamp_ms;
    uint32_t chunk;
    uint32_t offset;
  };
  static constexpr size_t kChunkBytes = 4 << 20;
  // Chunks are mapped with MAP_POPULATE: the kernel fills all their pages in one call instead of
  // ~1,000 page faults per chunk (~15k per 400 MB of input). Transparent huge pages were tried and
  // were slower here (zeroing 2 MiB pages showed as 12% of the run).
  struct Unmap {
    size_t bytes;
    void operator()(char* p) const { munmap(p, bytes); }
  };
  using Chunk = std::unique_ptr<char, Unmap>;
  static Chunk NewChunk(size_t bytes) {
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    return Chunk(static_cast<char*>(p), Unmap{bytes});
  }
  std::string_view Json(const Entry& e) const {
    return std::string_view(chunks_[e.chunk].get() + e.offset, e.size);
  }
  uint64_t limit_;
  uint64_t bytes_ = 0;  // JSON bytes kept
  std::vector<Chunk> chunks_;
  size_t chunk_size_ = 0;
  size_t chunk_used_ = 0;
  std::vector<Entry> entries_;
};

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
  // One rank: dedupe locally, without the shuffle, while the records fit in the shuffle budget
  // (the shuffle's tables are empty meanwhile); past it, move them into the shuffle (which spills).
  // More ranks: the shuffle.
  const bool single_rank = ctx.mpi().size() == 1;
  LocalTweets local_tweets(single_rank ? shuffle_options.memory_bytes : 0);
  bool use_local = single_rank;
  std::string json;
  auto add = [&](Tweet& t) {
    json.clear();
    AppendTweetJson(t, &json);
    if (use_local) {
      if (local_tweets.Add(t.id, t.timestamp_ms, json)) return Status::OK();
      use_local = false;
      RF_RETURN_IF_ERROR(local_tweets.MoveTo(&tweets));
    }
    return tweets.Add(IdKey(t.id), EncodeValue(t.timestamp_ms, json));
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
  JsonSource source;
  if (use_local) {
    source = [&](const std::function<Status(std::string_view)>& fn) {
      return local_tweets.ForEach(fn);
    };
  } else {
    RF_RETURN_IF_ERROR(tweets.Exchange());
    const ShuffleStats& st = tweets.stats();
    ctx.metrics().Add("shuffle.pairs_sent", static_cast<int64_t>(st.pairs_sent));
    ctx.metrics().Add("shuffle.spilled_runs", static_cast<int64_t>(st.spilled_runs));
    source = [&](const std::function<Status(std::string_view)>& fn) {
      return tweets.ForEach(
          [&](std::string_view, std::string_view value) { return fn(value.substr(8)); });
    };
  }

  uint64_t rows = 0;
  Status local = WritePart(ctx, *format, source, &rows);
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
