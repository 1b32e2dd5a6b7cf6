// Hand-run throughput check of ParquetWriter (issue 12): the same synthetic tweet-shaped rows
// written as Parquet with each codec and as jsonl.gz (RecordWriter, ISA-L level 1, the codec
// load_tweets uses), to a local folder. Rows (typed, and as JSON text for jsonl.gz) are built once
// in memory, so the figures are the writers' own cost: encoding, dictionaries, compression and
// the file appends.
//
//   parquet_writer_bench [ROWS] [DIR] [ONLY]   (default 1000000 rows, $TMPDIR or /tmp; ONLY: run
//                                               just the writers whose name holds it, for perf)
//
//   parquet_writer_bench --replay FILE.parquet [REPEATS] [DIR] [COLUMNS]
//
// --replay: real rows instead of synthetic ones. Reads every column of FILE (a flat or list-of-
// primitives Parquet file, e.g. a load_tweets --format parquet part) into memory, then writes the
// same rows with the same schema through ParquetWriter (snappy, load_tweets' options) REPEATS times
// (default 5), printing the best CPU seconds, rows per CPU second and the output bytes. Use it to
// compare writer builds on load_tweets' own data without the job's parsing around it; COLUMNS
// (comma-separated names) replays only those columns, to see what each costs.
//
// Checks first that every file has the rows (records()) and that the Parquet files end in PAR1,
// then prints one table: wall and CPU seconds (best of 3 each), rows and MB of jsonl text per CPU
// second, output bytes, and the CPU time relative to jsonl.gz (the fair figure on a shared,
// loaded machine: the writers are single-threaded).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <random>
#include <string>
#include <vector>

#include "runtime/fs.h"
#include "runtime/json_string.h"
#include "runtime/parquet/parquet_reader.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/writer.h"

namespace {

using rankflow::FileInfo;
using rankflow::FileSystem;
using rankflow::ParquetColumn;
using rankflow::ParquetCompression;
using rankflow::ParquetType;
using rankflow::ParquetWriter;
using rankflow::ParquetWriterOptions;
using rankflow::Status;
using rankflow::WritableFile;

struct Tweet {
  int64_t id, user_id, followers, created_ms;
  std::string screen_name, lang, text;
  bool is_retweet;
  std::vector<std::string> hashtags;
};

std::vector<Tweet> MakeTweets(size_t n) {
  std::mt19937_64 rng(42);
  static const char* kWords[] = {
      "the",  "a",      "rankflow", "parquet", "data",        "tweet",
      "#mpi", "column", "page",     "the",     "of",          "and",
      "to",   "in",     "is",       "it",      "caf\xC3\xA9", "\xE6\x97\xA5\xE6\x9C\xAC",
      "you",  "that"};
  static const char* kLangs[] = {"en", "en", "en", "ja", "es", "pt", "und", "ar"};
  std::vector<Tweet> out(n);
  for (size_t i = 0; i < n; ++i) {
    Tweet& t = out[i];
    t.id =
        629000000000000000LL + static_cast<int64_t>(i) * 1000 + static_cast<int64_t>(rng() % 997);
    t.user_id = static_cast<int64_t>(rng() % 5000000);
    t.followers = static_cast<int64_t>(rng() % 100000);
    t.created_ms = 1438819200000LL + static_cast<int64_t>(i) * 10;
    t.screen_name = "user" + std::to_string(t.user_id % 200000);
    t.lang = kLangs[rng() % 8];
    const int words = 5 + static_cast<int>(rng() % 20);
    for (int w = 0; w < words; ++w) {
      if (w > 0) t.text.push_back(' ');
      t.text += kWords[rng() % 20];
    }
    t.text += " " + std::to_string(rng() % 100000);
    t.is_retweet = rng() % 4 == 0;
    const int tags = static_cast<int>(rng() % 3);
    for (int h = 0; h < tags; ++h) t.hashtags.push_back("tag" + std::to_string(rng() % 300));
  }
  return out;
}

std::string Json(const Tweet& t) {
  std::string j = "{\"id\":" + std::to_string(t.id) +
                  ",\"created_at_ms\":" + std::to_string(t.created_ms) +
                  ",\"user_id\":" + std::to_string(t.user_id) + ",\"screen_name\":";
  rankflow::AppendJsonString(&j, t.screen_name);
  j += ",\"followers\":" + std::to_string(t.followers) + ",\"lang\":";
  rankflow::AppendJsonString(&j, t.lang);
  j += ",\"text\":";
  rankflow::AppendJsonString(&j, t.text);
  j += std::string(",\"is_retweet\":") + (t.is_retweet ? "true" : "false") + ",\"hashtags\":[";
  for (size_t h = 0; h < t.hashtags.size(); ++h) {
    if (h > 0) j.push_back(',');
    rankflow::AppendJsonString(&j, t.hashtags[h]);
  }
  return j + "]}";
}

// CPU time of this process (user + system): what a loaded, shared machine still measures fairly.
double CpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void Check(const Status& s) {
  if (s.ok()) return;
  std::fprintf(stderr, "parquet_writer_bench: %s\n", s.ToString().c_str());
  std::exit(1);
}

std::unique_ptr<WritableFile> NewFile(FileSystem& fs, const std::string& path) {
  std::unique_ptr<WritableFile> f;
  Check(fs.NewWritableFile(path, &f));
  return f;
}

// Writes every tweet as Parquet; returns the output bytes.
uint64_t WriteParquet(FileSystem& fs, const std::string& path, const std::vector<Tweet>& tweets,
                      ParquetCompression codec) {
  ParquetWriterOptions o;
  o.compression = codec;
  ParquetWriter w(NewFile(fs, path),
                  {ParquetColumn::Required("id", ParquetType::kInt64),
                   ParquetColumn::Required("created_at", ParquetType::kTimestampMillis),
                   ParquetColumn::Required("user_id", ParquetType::kInt64),
                   ParquetColumn::Optional("screen_name", ParquetType::kString),
                   ParquetColumn::Optional("followers", ParquetType::kInt64),
                   ParquetColumn::Optional("lang", ParquetType::kString),
                   ParquetColumn::Optional("text", ParquetType::kString),
                   ParquetColumn::Required("is_retweet", ParquetType::kBool),
                   ParquetColumn::List("hashtags", ParquetType::kString)},
                  o);
  Check(w.status());
  for (const Tweet& t : tweets) {
    w.AppendInt64(0, t.id);
    w.AppendTimestampMillis(1, t.created_ms);
    w.AppendInt64(2, t.user_id);
    w.AppendString(3, t.screen_name);
    w.AppendInt64(4, t.followers);
    w.AppendString(5, t.lang);
    w.AppendString(6, t.text);
    w.AppendBool(7, t.is_retweet);
    w.BeginList(8);
    for (const std::string& h : t.hashtags) w.AppendString(8, h);
    w.EndList(8);
    Check(w.EndRow());
  }
  Check(w.Finish());
  if (w.records() != tweets.size()) Check(Status::Internal(path + ": wrong row count"));
  Check(w.file().Publish());
  return w.bytes();
}

// jsonl.gz of the records as JSON text already (load_tweets has its normalized JSON at hand).
uint64_t WriteJsonlGz(FileSystem& fs, const std::string& path,
                      const std::vector<std::string>& json) {
  rankflow::RecordWriter w(NewFile(fs, path), rankflow::OutputFormat::kJsonlGz, {},
                           rankflow::GzipCodec::kIsal);
  for (const std::string& j : json) Check(w.WriteJson(j));
  Check(w.Finish());
  if (w.records() != json.size()) Check(Status::Internal(path + ": wrong row count"));
  Check(w.file().Publish());
  return w.bytes();
}

// --replay: one column of a Parquet file, held in memory (strings owned by `arena`).
struct ReplayColumn {
  ParquetColumn spec;
  std::vector<uint8_t> row_null;
  std::vector<uint32_t> value_offsets = {0};
  std::vector<int64_t> ints;
  std::vector<double> doubles;
  std::vector<std::string_view> strings;
  std::vector<std::unique_ptr<std::string>> arena;
};

ParquetType ReplayType(const rankflow::ParquetLeaf& leaf) {
  using rankflow::pq::PhysicalType;
  switch (leaf.type) {
    case PhysicalType::kBoolean:
      return ParquetType::kBool;
    case PhysicalType::kInt32:
      return ParquetType::kInt32;
    case PhysicalType::kInt64:
      return leaf.time_unit == rankflow::ParquetTimeUnit::kMillis ? ParquetType::kTimestampMillis
                                                                  : ParquetType::kInt64;
    case PhysicalType::kDouble:
      return ParquetType::kDouble;
    case PhysicalType::kByteArray:
      return ParquetType::kString;
    default:
      Check(Status::InvalidArgument(leaf.path + ": a type --replay does not write"));
  }
  return ParquetType::kString;
}

void AppendBatch(const rankflow::ParquetColumnBatch& b, size_t rows, ReplayColumn* c) {
  const uint32_t base = c->value_offsets.back();
  for (size_t r = 0; r < rows; ++r) {
    c->row_null.push_back(b.IsNull(r) ? 1 : 0);
    c->value_offsets.push_back(base + static_cast<uint32_t>(b.ValueEnd(r)));
  }
  const auto& v = b.values;
  c->ints.insert(c->ints.end(), v.ints.begin(), v.ints.end());
  c->doubles.insert(c->doubles.end(), v.doubles.begin(), v.doubles.end());
  if (v.strings.empty()) return;
  auto& arena = *c->arena.emplace_back(std::make_unique<std::string>());
  for (std::string_view s : v.strings) arena.append(s);
  size_t at = 0;
  for (std::string_view s : v.strings) {
    c->strings.emplace_back(arena.data() + at, s.size());
    at += s.size();
  }
}

std::vector<ReplayColumn> ReadReplay(FileSystem& fs, const std::string& path,
                                     const std::vector<std::string>& names, uint64_t* rows) {
  rankflow::Result<uint64_t> size = fs.Size(path);
  Check(size.status());
  const FileInfo info{path, *size};
  std::unique_ptr<rankflow::ParquetFileReader> reader;
  Check(rankflow::ParquetFileReader::Open(fs, info, {}, &reader));
  std::vector<int> leaves;
  Check(reader->ResolveColumns(names, &leaves));
  std::vector<ReplayColumn> cols(leaves.size());
  for (size_t i = 0; i < leaves.size(); ++i) {
    const rankflow::ParquetLeaf& leaf = reader->leaves()[leaves[i]];
    const ParquetType type = ReplayType(leaf);
    cols[i].spec = leaf.is_list       ? ParquetColumn::List(leaf.top_name, type, leaf.row_def > 0)
                   : leaf.max_def > 0 ? ParquetColumn::Optional(leaf.top_name, type)
                                      : ParquetColumn::Required(leaf.top_name, type);
  }
  for (int rg = 0; rg < reader->num_row_groups(); ++rg) {
    Check(reader->ReadRowGroup(rg, leaves, 1 << 16, [&](const rankflow::ParquetRowBatch& b) {
      for (size_t i = 0; i < cols.size(); ++i) AppendBatch(b.columns[i], b.num_rows, &cols[i]);
      return Status::OK();
    }));
  }
  *rows = static_cast<uint64_t>(reader->num_rows());
  return cols;
}

void AppendReplayValue(const ReplayColumn& c, uint32_t v, size_t column, ParquetWriter* w) {
  switch (c.spec.type) {
    case ParquetType::kBool:
      return w->AppendBool(column, c.ints[v] != 0);
    case ParquetType::kInt32:
      return w->AppendInt32(column, static_cast<int32_t>(c.ints[v]));
    case ParquetType::kInt64:
      return w->AppendInt64(column, c.ints[v]);
    case ParquetType::kTimestampMillis:
      return w->AppendTimestampMillis(column, c.ints[v]);
    case ParquetType::kDouble:
      return w->AppendDouble(column, c.doubles[v]);
    case ParquetType::kString:
      return w->AppendString(column, c.strings[v]);
  }
}

// Writes the replayed rows (null list elements, if any, are left out); returns the output bytes.
uint64_t WriteReplay(FileSystem& fs, const std::string& path, const std::vector<ReplayColumn>& cols,
                     uint64_t rows) {
  std::vector<ParquetColumn> schema;
  for (const ReplayColumn& c : cols) schema.push_back(c.spec);
  // load_tweets' options at its default --memory-mb 256 (jobs/load_tweets_output.cpp).
  ParquetWriterOptions o;
  o.row_group_bytes = uint64_t{64} << 20;
  o.dictionary_bytes = uint64_t{4} << 20;
  ParquetWriter w(NewFile(fs, path), schema, o);
  Check(w.status());
  for (uint64_t r = 0; r < rows; ++r) {
    for (size_t i = 0; i < cols.size(); ++i) {
      const ReplayColumn& c = cols[i];
      if (c.row_null[r] != 0) {
        w.AppendNull(i);
        continue;
      }
      if (c.spec.list) w.BeginList(i);
      for (uint32_t v = c.value_offsets[r]; v < c.value_offsets[r + 1]; ++v) {
        AppendReplayValue(c, v, i, &w);
      }
      if (c.spec.list) w.EndList(i);
    }
    Check(w.EndRow());
  }
  Check(w.Finish());
  if (w.records() != rows) Check(Status::Internal(path + ": wrong row count"));
  Check(w.file().Publish());
  return w.bytes();
}

int Replay(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: parquet_writer_bench --replay FILE.parquet [REPEATS] [DIR] [COLUMNS]\n");
    return 2;
  }
  const int repeats = argc > 3 ? std::atoi(argv[3]) : 5;
  std::string dir = argc > 4 ? argv[4] : "";
  if (dir.empty()) dir = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  std::unique_ptr<FileSystem> fs = rankflow::NewLocalFileSystem();
  uint64_t rows = 0;
  std::vector<std::string> names;  // COLUMNS: a comma-separated subset (default: all)
  for (std::string_view list = argc > 5 ? argv[5] : ""; !list.empty();) {
    const size_t comma = std::min(list.find(','), list.size());
    names.emplace_back(list.substr(0, comma));
    list.remove_prefix(std::min(comma + 1, list.size()));
  }
  const std::vector<ReplayColumn> cols = ReadReplay(*fs, argv[2], names, &rows);
  double best_cpu_s = 1e9;
  uint64_t bytes = 0;
  for (int i = 0; i < std::max(1, repeats); ++i) {
    const double cpu_start = CpuSeconds();
    bytes = WriteReplay(*fs, dir + "/rankflow-parquet-replay.parquet", cols, rows);
    best_cpu_s = std::min(best_cpu_s, CpuSeconds() - cpu_start);
  }
  std::printf("replay of %s: %llu rows, %zu columns, best of %d\n", argv[2],
              static_cast<unsigned long long>(rows), cols.size(), std::max(1, repeats));
  std::printf("| CPU s | rows per CPU s | output bytes |\n|---|---|---|\n");
  std::printf("| %.4f | %.0f | %llu |\n", best_cpu_s, rows / best_cpu_s,
              static_cast<unsigned long long>(bytes));
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "--replay") return Replay(argc, argv);
  const size_t rows = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  std::string dir = argc > 2 ? argv[2] : "";
  if (dir.empty()) dir = std::getenv("TMPDIR") != nullptr ? std::getenv("TMPDIR") : "/tmp";
  dir += "/rankflow-parquet-bench";
  std::unique_ptr<FileSystem> fs = rankflow::NewLocalFileSystem();
  const std::vector<Tweet> tweets = MakeTweets(rows);
  std::vector<std::string> json;
  uint64_t json_bytes = 0;
  for (const Tweet& t : tweets) {
    json.push_back(Json(t));
    json_bytes += json.back().size() + 1;
  }

  struct Run {
    const char* name;
    double best_s = 1e9;
    double best_cpu_s = 1e9;
    uint64_t bytes = 0;
  };
  std::vector<Run> runs = {{"jsonl.gz (isal)"},
                           {"parquet snappy"},
                           {"parquet zstd"},
                           {"parquet gzip"},
                           {"parquet uncompressed"}};
  const ParquetCompression codecs[] = {ParquetCompression::kSnappy, ParquetCompression::kZstd,
                                       ParquetCompression::kGzip,
                                       ParquetCompression::kUncompressed};
  const std::string only = argc > 3 ? argv[3] : "";
  for (int repeat = 0; repeat < 3; ++repeat) {
    for (size_t r = 0; r < runs.size(); ++r) {
      if (std::string(runs[r].name).find(only) == std::string::npos) continue;
      const auto start = std::chrono::steady_clock::now();
      const double cpu_start = CpuSeconds();
      const std::string path = dir + "/out" + std::to_string(r);
      runs[r].bytes =
          r == 0 ? WriteJsonlGz(*fs, path, json) : WriteParquet(*fs, path, tweets, codecs[r - 1]);
      const double s =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      runs[r].best_s = std::min(runs[r].best_s, s);
      runs[r].best_cpu_s = std::min(runs[r].best_cpu_s, CpuSeconds() - cpu_start);
    }
  }
  std::printf("%zu rows, %.1f MB as jsonl; best of 3\n", rows, json_bytes / 1e6);
  std::printf(
      "| writer | wall s | CPU s | rows per CPU s | jsonl MB per CPU s | output bytes | CPU vs "
      "jsonl.gz |\n");
  std::printf("|---|---|---|---|---|---|---|\n");
  for (const Run& r : runs) {
    if (r.bytes == 0) continue;  // not run (ONLY)
    const std::string ratio =
        runs[0].bytes == 0 ? "-" : std::to_string(r.best_cpu_s / runs[0].best_cpu_s).substr(0, 4);
    std::printf("| %s | %.3f | %.3f | %.0f | %.1f | %llu | %s |\n", r.name, r.best_s, r.best_cpu_s,
                rows / r.best_cpu_s, json_bytes / 1e6 / r.best_cpu_s,
                static_cast<unsigned long long>(r.bytes), ratio.c_str());
  }
  return 0;
}
