#include "jobs/top_terms.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "operators/term_lines.h"
#include "operators/terms.h"
#include "operators/tweet_parquet.h"
#include "runtime/json_string.h"
#include "runtime/parquet/parquet_source.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"
#include "runtime/sort.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

// Sort key of the ordering shuffle: the bucket prefix (0 or 8 bytes), (2^64-1 - count)
// big-endian, then the term.
std::string OrderKey(std::string_view prefix, uint64_t count, std::string_view term) {
  std::string key(prefix);
  key.resize(prefix.size() + 8);
  uint64_t inv = ~count;
  for (size_t i = 0; i < 8; ++i) {
    key[prefix.size() + i] = static_cast<char>((inv >> (8 * (7 - i))) & 0xff);
  }
  key.append(term);
  return key;
}

uint64_t OrderKeyCount(std::string_view key, size_t prefix) {
  uint64_t inv = 0;
  for (size_t i = 0; i < 8; ++i) inv = (inv << 8) | static_cast<unsigned char>(key[prefix + i]);
  return ~inv;
}

// Bucket start as 8 bytes big-endian, biased so that byte order is time order.
std::string BucketPrefix(int64_t bucket_ms) {
  std::string k(8, '\0');
  uint64_t b = static_cast<uint64_t>(bucket_ms) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i, b >>= 8) k[static_cast<size_t>(i)] = static_cast<char>(b & 0xff);
  return k;
}

int64_t DecodeBucketPrefix(std::string_view k) {
  uint64_t b = 0;
  for (size_t i = 0; i < 8; ++i) b = (b << 8) | static_cast<unsigned char>(k[i]);
  return static_cast<int64_t>(b ^ (uint64_t{1} << 63));
}

// What the job counts, from the flags.
struct TermSpec {
  TweetTermKind kind = TweetTermKind::kHashtags;
  bool bucketed = false;
  TimeBucket bucket = TimeBucket::kHour;
  bool full_parser_only = false;
  size_t prefix() const { return bucketed ? 8 : 0; }
};

// Length-prefixed fields for the gather of the top rows.
void AppendField(std::string* out, std::string_view field) {
  out->append(EncodeU64(field.size()));
  out->append(field);
}

bool NextField(std::string_view* in, std::string_view* field) {
  if (in->size() < 8) return false;
  uint64_t n = DecodeU64(in->substr(0, 8));
  if (in->size() < 8 + n) return false;
  *field = in->substr(8, n);
  in->remove_prefix(8 + n);
  return true;
}

struct PartWriters {
  std::vector<std::unique_ptr<RecordWriter>> writers;
  std::vector<WritableFile*> files;
  std::vector<OutputFormat> formats;
};

Status OpenParts(JobContext& ctx, bool bucketed, PartWriters* parts) {
  std::vector<OutputFormat> formats;
  if (ctx.flags().GetString("format").empty()) {
    formats = {OutputFormat::kCsv, OutputFormat::kJsonl};
  } else {
    Result<OutputFormat> f = ParseOutputFormat(ctx.flags().GetString("format"));
    RF_RETURN_IF_ERROR(f.status());
    formats = {*f};
  }
  std::vector<std::string> columns = {"term", "count"};
  if (bucketed) columns.insert(columns.begin(), "bucket");
  for (OutputFormat format : formats) {
    WritableFile* file = ctx.output().NewPart(OutputFormatExtension(format));
    if (file == nullptr) return Status::IOError(ctx.dest() + ": cannot create an output part");
    parts->files.push_back(file);
    parts->formats.push_back(format);
    parts->writers.push_back(std::make_unique<RecordWriter>(file, format, columns));
  }
  return Status::OK();
}

// bucket is empty without --by.
Status WriteRow(PartWriters* parts, std::string_view bucket, std::string_view term, uint64_t count,
                std::string* json) {
  for (size_t i = 0; i < parts->writers.size(); ++i) {
    RecordWriter* w = parts->writers[i].get();
    if (parts->formats[i] == OutputFormat::kCsv) {
      std::vector<std::string> row;
      if (!bucket.empty()) row.emplace_back(bucket);
      row.emplace_back(term);
      row.push_back(std::to_string(count));
      RF_RETURN_IF_ERROR(w->WriteCsvRow(row));
      continue;
    }
    json->assign("{");
    if (!bucket.empty()) {
      json->append("\"bucket\":");
      AppendJsonString(json, bucket);
      json->append(",");
    }
    json->append("\"term\":");
    AppendJsonString(json, term);
    json->append(",\"count\":" + std::to_string(count) + "}");
    RF_RETURN_IF_ERROR(w->WriteJson(*json));
  }
  return Status::OK();
}

std::string Padded(const std::string& s, size_t width) {
  return std::string(s.size() < width ? width - s.size() : 0, ' ') + s;
}

// gathered: per rank, (bucket, term, count) fields in output order. The first `top` rows of each
// bucket in rank order are the bucket's top rows (the parts are globally ordered).
std::string FormatTop(const std::vector<std::string>& gathered, int64_t top, const TermSpec& spec) {
  struct Row {
    std::string bucket, term, count;
  };
  std::vector<Row> rows;
  std::map<std::string, int64_t> per_bucket;
  for (std::string_view in : gathered) {
    std::string_view bucket, term, count;
    while (NextField(&in, &bucket) && NextField(&in, &term) && NextField(&in, &count)) {
      int64_t& n = per_bucket[std::string(bucket)];
      if (n >= top) continue;
      ++n;
      rows.push_back({std::string(bucket), std::string(term), std::string(count)});
    }
  }
  std::string out;
  const std::string what = TweetTermKindName(spec.kind);
  if (!spec.bucketed) {
    out = "top " + std::to_string(rows.size()) + " " + what + ":\n";
  } else {
    out = "top " + std::to_string(top) + " " + what + " per " + TimeBucketName(spec.bucket) + " (" +
          std::to_string(per_bucket.size()) + " buckets):\n";
  }
  int64_t rank = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    if (spec.bucketed && (i == 0 || rows[i].bucket != rows[i - 1].bucket)) {
      out += rows[i].bucket + "\n";
      rank = 0;
    }
    ++rank;
    out += Padded(std::to_string(rank), 4) + "  " + Padded(rows[i].count, 12) + "  " +
           rows[i].term + "\n";
  }
  return out;
}

}  // namespace

void AddTopTermsFlags(FlagSet* flags) {
  flags->AddString("what", "hashtags", "hashtags|mentions|urls|words|emoji: what to count");
  flags->AddString("by", "",
                   "minute|hour|day: count per UTC time bucket of the tweet (top N per bucket); "
                   "empty: one ranking");
  flags->AddInt("top", 20, "how many of the most frequent terms to print (per bucket with --by)");
  flags->AddBool(
      "full-parser", false,
      "read every line with the full TweetParser, no fast v1.1 path (slower; for checks)");
}

namespace {

// The map side: every line -> terms (operators/term_lines.h) -> the count shuffle, keyed by
// (bucket prefix, term).
class TermCounter {
 public:
  TermCounter(JobContext& ctx, const TermSpec& spec, HashShuffle* counts)
      : spec_(spec),
        counts_(counts),
        lines_(&ctx.metrics(), {spec.kind, spec.bucketed, spec.full_parser_only}) {}

  void Handle(std::string_view line, LineContext& lc) {
    lines_.Handle(line, lc, [this](int64_t ms, std::string_view term) { Add(ms, term); });
    if (!status_.ok()) lc.Fail(status_);
  }

  void Add(int64_t ms, std::string_view term) {
    if (!status_.ok()) return;
    if (!spec_.bucketed) {
      status_ = counts_->Add(term, one_);
      return;
    }
    if (prefix_.empty() || ms != prefix_ms_) {
      prefix_ = BucketPrefix(BucketStartMs(ms, spec_.bucket));
      prefix_ms_ = ms;
    }
    key_.assign(prefix_);
    key_.append(term);
    status_ = counts_->Add(key_, one_);
  }

  const Status& status() const { return status_; }

 private:
  TermSpec spec_;
  HashShuffle* counts_;
  TermLines lines_;
  int64_t prefix_ms_ = 0;
  std::string prefix_, key_;
  const std::string one_ = EncodeU64(1);
  Status status_;
};

// The map side over load_tweets' Parquet table: only the kind's column (and timestamp_ms with
// --by) is read; terms as ExtractTerms gives them from the normalized tweet.
Status CountParquetTerms(JobContext& ctx, const TermSpec& spec, TermCounter* counter) {
  ParquetSource source(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  ParquetSourceOptions files;
  files.src = ctx.map_options().src;
  if (!ctx.map_options().name_regex.empty()) files.name_regex = ctx.map_options().name_regex;
  Status s = ReadParquetTerms(source, files, &ctx.metrics(), spec.kind, spec.bucketed,
                              [&](int64_t ms, std::string&& term) { counter->Add(ms, term); });
  ctx.SetInputs(source.plan());
  RF_RETURN_IF_ERROR(s);
  return AgreeOnStatus(ctx.mpi(), counter->status());
}

Status CountTerms(JobContext& ctx, const TermSpec& spec, HashShuffle* counts) {
  TermCounter counter(ctx, spec, counts);
  Result<bool> parquet = InputsAreParquet(ctx.mpi(), ctx.src_fs(), ctx.map_options().src,
                                          ctx.map_options().name_regex);
  RF_RETURN_IF_ERROR(parquet.status());
  if (*parquet) {
    RF_RETURN_IF_ERROR(CountParquetTerms(ctx, spec, &counter));
  } else {
    MapPhase map(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
    RF_RETURN_IF_ERROR(map.Plan(ctx.map_options()));
    ctx.SetInputs(map.plan());
    RF_RETURN_IF_ERROR(
        map.Run([&](std::string_view line, LineContext& lc) { counter.Handle(line, lc); }));
  }
  Status s = counts->Exchange();
  const ShuffleStats& st = counts->stats();
  ctx.metrics().Add("shuffle.pairs_sent", static_cast<int64_t>(st.pairs_sent));
  ctx.metrics().Add("shuffle.rounds", static_cast<int64_t>(st.rounds));
  ctx.metrics().Add("shuffle.spilled_runs", static_cast<int64_t>(st.spilled_runs));
  ctx.metrics().Add("shuffle.spilled_bytes", static_cast<int64_t>(st.spilled_bytes));
  return s;
}

// Re-keys the counts for the global order and sorts them across ranks (GlobalSort: sampled
// splitters, range partitioning).
Status OrderCounts(size_t prefix, HashShuffle* counts, GlobalSort* ordered) {
  Status local = counts->ForEach([&](std::string_view key, std::string_view v) {
    return ordered->Add(OrderKey(key.substr(0, prefix), DecodeU64(v), key.substr(prefix)), {});
  });
  Status s = ordered->Sort(local.ok());
  return local.ok() ? s : local;
}

}  // namespace

Status RunTopTerms(JobContext& ctx) {
  TermSpec spec;
  Result<TweetTermKind> kind = ParseTweetTermKind(ctx.flags().GetString("what"));
  if (!kind.ok()) {
    return Status::InvalidArgument("--what must be hashtags, mentions, urls, words or emoji, not " +
                                   ctx.flags().GetString("what"));
  }
  spec.kind = *kind;
  if (const std::string by = ctx.flags().GetString("by"); !by.empty()) {
    Result<TimeBucket> bucket = ParseTimeBucket(by);
    if (!bucket.ok()) return Status::InvalidArgument("--by must be minute, hour or day, not " + by);
    spec.bucketed = true;
    spec.bucket = *bucket;
  }
  spec.full_parser_only = ctx.flags().GetBool("full-parser");
  const int64_t top = ctx.flags().GetInt("top");
  if (top < 0) return Status::InvalidArgument("--top must not be negative");
  if (const std::string format = ctx.flags().GetString("format");
      !format.empty() && !ParseOutputFormat(format).ok()) {
    return Status::InvalidArgument("--format: top_terms writes csv, jsonl or jsonl.gz, not " +
                                   format);
  }
  RF_RETURN_IF_ERROR(ctx.OpenOutput());

  HashShuffle counts(ctx.mpi(), ctx.shuffle_options(2), CombineSumU64);
  RF_RETURN_IF_ERROR(CountTerms(ctx, spec, &counts));
  GlobalSort ordered(ctx.mpi(), SortOptions{.shuffle = ctx.shuffle_options(2)});
  const size_t prefix = spec.prefix();
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), OrderCounts(prefix, &counts, &ordered)));

  PartWriters parts;
  Status local = OpenParts(ctx, spec.bucketed, &parts);
  uint64_t rows = 0;
  std::string top_rows;
  std::string json;
  std::string bucket_label;
  std::string last_prefix;
  int64_t in_bucket = 0;
  if (local.ok()) {
    local = ordered.ForEach([&](std::string_view key, std::string_view) {
      const uint64_t count = OrderKeyCount(key, prefix);
      const std::string_view term = key.substr(prefix + 8);
      if (spec.bucketed && (rows == 0 || key.substr(0, prefix) != last_prefix)) {
        last_prefix.assign(key.substr(0, prefix));
        bucket_label = BucketLabel(DecodeBucketPrefix(last_prefix), spec.bucket);
        in_bucket = 0;
      }
      if (in_bucket < top) {
        AppendField(&top_rows, bucket_label);
        AppendField(&top_rows, term);
        AppendField(&top_rows, std::to_string(count));
      }
      ++in_bucket;
      ++rows;
      return WriteRow(&parts, bucket_label, term, count, &json);
    });
  }
  for (size_t i = 0; i < parts.writers.size() && local.ok(); ++i) {
    local = parts.writers[i]->Finish();
    ctx.output().SetRecords(parts.files[i], rows);
  }
  ctx.metrics().Add("records_out", static_cast<int64_t>(rows));
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), local));
  std::vector<std::string> gathered = ctx.mpi().GatherToRoot(top_rows);
  RF_RETURN_IF_ERROR(ctx.Commit(true));
  if (ctx.mpi().is_root() && top > 0) ctx.Print(FormatTop(gathered, top, spec));
  return Status::OK();
}

}  // namespace rankflow
