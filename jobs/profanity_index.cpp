#include "jobs/profanity_index.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "operators/lexicons.h"
#include "operators/targets.h"
#include "operators/terms.h"
#include "operators/tweet_lines.h"
#include "runtime/markup.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

// Key: bucket start (8 bytes big-endian, biased so byte order = time order), target index
// (4 bytes big-endian). Value: tweets and profane as two u64.
std::string Key(int64_t bucket_ms, uint32_t target) {
  std::string k(12, '\0');
  uint64_t b = static_cast<uint64_t>(bucket_ms) ^ (uint64_t{1} << 63);
  for (int i = 7; i >= 0; --i, b >>= 8) k[static_cast<size_t>(i)] = static_cast<char>(b & 0xff);
  for (int i = 11; i >= 8; --i, target >>= 8)
    k[static_cast<size_t>(i)] = static_cast<char>(target & 0xff);
  return k;
}

void DecodeKey(std::string_view k, int64_t* bucket_ms, uint32_t* target) {
  uint64_t b = 0;
  for (int i = 0; i < 8; ++i) b = (b << 8) | static_cast<unsigned char>(k[static_cast<size_t>(i)]);
  *bucket_ms = static_cast<int64_t>(b ^ (uint64_t{1} << 63));
  uint32_t t = 0;
  for (int i = 8; i < 12; ++i) t = (t << 8) | static_cast<unsigned char>(k[static_cast<size_t>(i)]);
  *target = t;
}

void SumPairs(std::string* acc, std::string_view v) {
  const uint64_t a = DecodeU64(std::string_view(*acc).substr(0, 8)) + DecodeU64(v.substr(0, 8));
  const uint64_t b = DecodeU64(std::string_view(*acc).substr(8, 8)) + DecodeU64(v.substr(8, 8));
  *acc = EncodeU64(a) + EncodeU64(b);
}

std::string Rate(int64_t profane, int64_t tweets) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", tweets > 0 ? static_cast<double>(profane) / tweets : 0.0);
  return buf;
}

// Serialized rows for the gather to rank 0: "bucket_ms\ttarget\ttweets\tprofane\n".
std::string SerializeRows(HashShuffle* counts, Status* status) {
  std::string out;
  *status = counts->ForEach([&](std::string_view key, std::string_view value) {
    int64_t bucket = 0;
    uint32_t target = 0;
    DecodeKey(key, &bucket, &target);
    out += std::to_string(bucket) + "\t" + std::to_string(target) + "\t" +
           std::to_string(DecodeU64(value.substr(0, 8))) + "\t" +
           std::to_string(DecodeU64(value.substr(8, 8))) + "\n";
    return Status::OK();
  });
  return out;
}

}  // namespace

void AddProfanityIndexFlags(FlagSet* flags) {
  flags->AddString("targets", "", "file of targets, one per line: \"Label: term, @handle, #tag\"",
                   FlagSet::kRequired);
  flags->AddString("by", "hour", "time bucket: minute|hour|day (UTC)");
}

std::string RenderProfanityReport(const std::vector<ProfanityRow>& rows,
                                  const std::vector<std::string>& targets,
                                  const std::string& title) {
  static const char* const kColors[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd",
                                        "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};
  std::vector<std::string> buckets;
  for (const ProfanityRow& r : rows) {
    if (buckets.empty() || buckets.back() != r.bucket) buckets.push_back(r.bucket);
  }
  double max_rate = 0;
  for (const ProfanityRow& r : rows) {
    if (r.tweets > 0) max_rate = std::max(max_rate, static_cast<double>(r.profane) / r.tweets);
  }
  if (max_rate <= 0) max_rate = 1;
  const double w = 900, h = 360, left = 60, right = 180, top = 20, bottom = 50;
  const double pw = w - left - right, ph = h - top - bottom;
  auto x_of = [&](size_t i) {
    return left +
           (buckets.size() > 1 ? pw * static_cast<double>(i) / (buckets.size() - 1) : pw / 2);
  };
  auto y_of = [&](double rate) { return top + ph * (1 - rate / max_rate); };
  char buf[128];
  std::string svg =
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"900\" height=\"360\" "
      "viewBox=\"0 0 900 360\" font-family=\"sans-serif\" font-size=\"11\">\n";
  std::snprintf(buf, sizeof(buf),
                "<rect x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\" fill=\"#fafafa\" "
                "stroke=\"#999\"/>\n",
                left, top, pw, ph);
  svg += buf;
  for (int i = 0; i <= 4; ++i) {
    const double rate = max_rate * i / 4;
    std::snprintf(buf, sizeof(buf),
                  "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\">%.1f%%</text>\n", left - 6,
                  y_of(rate) + 4, rate * 100);
    svg += buf;
  }
  if (!buckets.empty()) {
    svg += "<text x=\"" + std::to_string(static_cast<int>(left)) + "\" y=\"" +
           std::to_string(static_cast<int>(h - bottom + 18)) + "\">" +
           EscapeMarkup(buckets.front()) + "</text>\n";
    svg += "<text x=\"" + std::to_string(static_cast<int>(left + pw)) + "\" y=\"" +
           std::to_string(static_cast<int>(h - bottom + 18)) + "\" text-anchor=\"end\">" +
           EscapeMarkup(buckets.back()) + "</text>\n";
  }
  svg += "<text x=\"" + std::to_string(static_cast<int>(left + pw / 2)) + "\" y=\"" +
         std::to_string(static_cast<int>(h - 8)) +
         "\" text-anchor=\"middle\">time bucket (UTC)</text>\n";
  for (size_t t = 0; t < targets.size(); ++t) {
    const char* color = kColors[t % 10];
    std::string points;
    for (const ProfanityRow& r : rows) {
      if (r.target != targets[t] || r.tweets == 0) continue;
      const size_t i = static_cast<size_t>(
          std::lower_bound(buckets.begin(), buckets.end(), r.bucket) - buckets.begin());
      std::snprintf(buf, sizeof(buf), "%.1f,%.1f ", x_of(i),
                    y_of(static_cast<double>(r.profane) / r.tweets));
      points += buf;
    }
    if (!points.empty()) {
      svg += "<polyline fill=\"none\" stroke=\"" + std::string(color) +
             "\" stroke-width=\"2\" points=\"" + points + "\"/>\n";
    }
    std::snprintf(buf, sizeof(buf),
                  "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
                  w - right + 15, top + 18.0 * t, color);
    svg += buf;
    std::snprintf(buf, sizeof(buf), "<text x=\"%.0f\" y=\"%.0f\">", w - right + 32,
                  top + 18.0 * t + 10);
    svg += buf + EscapeMarkup(targets[t]) + "</text>\n";
  }
  svg += "</svg>\n";
  std::string page = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" +
                     EscapeMarkup(title) +
                     "</title>\n<style>body{font-family:sans-serif;margin:2em}table{border-"
                     "collapse:collapse}td,th{border:1px solid #ccc;padding:2px 8px;text-align:"
                     "right}</style></head><body>\n<h1>" +
                     EscapeMarkup(title) +
                     "</h1>\n<p>Share of tweets mentioning each target that "
                     "contain profanity (LDNOOBW en list), per time bucket.</p>\n" +
                     svg +
                     "<table><tr><th>bucket</th><th>target</th><th>tweets</th><th>profane</th>"
                     "<th>rate</th></tr>\n";
  for (const ProfanityRow& r : rows) {
    page += "<tr><td>" + EscapeMarkup(r.bucket) + "</td><td>" + EscapeMarkup(r.target) +
            "</td><td>" + std::to_string(r.tweets) + "</td><td>" + std::to_string(r.profane) +
            "</td><td>" + Rate(r.profane, r.tweets) + "</td></tr>\n";
  }
  page += "</table>\n</body></html>\n";
  return page;
}

Status RunProfanityIndex(JobContext& ctx) {
  Result<TimeBucket> by = ParseTimeBucket(ctx.flags().GetString("by"));
  RF_RETURN_IF_ERROR(by.status());
  const std::string format = ctx.flags().GetString("format");
  if (!format.empty() && format != "csv") {
    return Status::InvalidArgument("--format must be csv (the only table format), not " + format);
  }
  // Every rank reads the targets file (small); errors are agreed.
  const std::string targets_path = ctx.flags().GetString("targets");
  std::string targets_text;
  std::unique_ptr<FileSystem> tfs;
  Status read = OpenFileSystem(targets_path, &tfs);
  if (read.ok()) read = tfs->ReadSmallFile(targets_path, &targets_text);
  if (!read.ok()) read = read.WithPrefix("--targets " + targets_path);
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), read));
  Tokenizer tokenizer;
  Result<std::vector<Target>> targets = ParseTargets(targets_text, &tokenizer);
  if (!targets.ok()) return targets.status().WithPrefix(targets_path);
  RF_RETURN_IF_ERROR(ctx.OpenOutput());

  MapPhase map(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  RF_RETURN_IF_ERROR(map.Plan(ctx.map_options()));
  ctx.SetInputs(map.plan());
  HashShuffle counts(ctx.mpi(), ctx.shuffle_options(), SumPairs);
  const ProfanityLexicon profanity = ProfanityLexicon::Embedded();
  TweetLines lines(&ctx.metrics());
  int64_t* matched = ctx.metrics().Counter("target_mentions");
  Status add_status;
  RF_RETURN_IF_ERROR(map.Run([&](std::string_view line, LineContext& lc) {
    lines.Handle(line, lc, [&](Tweet& t) {
      const std::vector<Token> tokens = tokenizer.Tokenize(t.text);
      bool profane_known = false, profane = false;
      const int64_t bucket = BucketStartMs(t.timestamp_ms, *by);
      for (size_t i = 0; i < targets->size(); ++i) {
        if (!MentionsTarget((*targets)[i], t, tokens)) continue;
        if (!profane_known) {
          profane = profanity.Count(tokens) > 0;
          profane_known = true;
        }
        ++*matched;
        if (add_status.ok()) {
          add_status = counts.Add(Key(bucket, static_cast<uint32_t>(i)),
                                  EncodeU64(1) + EncodeU64(profane ? 1 : 0));
        }
      }
    });
    if (!add_status.ok()) lc.Fail(add_status);
  }));
  RF_RETURN_IF_ERROR(counts.Exchange());

  Status local;
  const std::vector<std::string> gathered = ctx.mpi().GatherToRoot(SerializeRows(&counts, &local));
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), local));
  std::vector<std::string> labels;
  for (const Target& t : *targets) labels.push_back(t.label);
  if (ctx.mpi().is_root()) {
    struct Raw {
      int64_t bucket;
      uint32_t target;
      int64_t tweets, profane;
    };
    std::vector<Raw> raw;
    for (const std::string& part : gathered) {
      for (size_t pos = 0; pos < part.size();) {
        const size_t nl = part.find('\n', pos);
        Raw r{};
        unsigned long long tw = 0, pr = 0;
        long long b = 0;
        std::sscanf(part.c_str() + pos, "%lld\t%u\t%llu\t%llu", &b, &r.target, &tw, &pr);
        r.bucket = b;
        r.tweets = static_cast<int64_t>(tw);
        r.profane = static_cast<int64_t>(pr);
        raw.push_back(r);
        pos = nl + 1;
      }
    }
    std::sort(raw.begin(), raw.end(), [](const Raw& a, const Raw& b) {
      return a.bucket != b.bucket ? a.bucket < b.bucket : a.target < b.target;
    });
    std::vector<ProfanityRow> rows;
    for (const Raw& r : raw) {
      rows.push_back({FormatIsoUtc(r.bucket), labels.at(r.target), r.tweets, r.profane});
    }
    WritableFile* csv_file = ctx.output().NewPart("csv");
    WritableFile* html_file = ctx.output().NewPart("html", "report");
    if (csv_file == nullptr || html_file == nullptr) {
      local = Status::IOError(ctx.dest() + ": cannot create the output files");
    }
    if (local.ok()) {
      RecordWriter csv(csv_file, OutputFormat::kCsv,
                       {"bucket", "target", "tweets", "profane", "rate"});
      for (const ProfanityRow& r : rows) {
        if (local.ok()) {
          local = csv.WriteCsvRow({r.bucket, r.target, std::to_string(r.tweets),
                                   std::to_string(r.profane), Rate(r.profane, r.tweets)});
        }
      }
      if (local.ok()) local = csv.Finish();
      ctx.output().SetRecords(csv_file, rows.size());
    }
    if (local.ok()) {
      local = html_file->Append(RenderProfanityReport(
          rows, labels, "Profanity index by " + std::string(TimeBucketName(*by))));
    }
    if (local.ok()) local = html_file->Finish();
    if (local.ok()) ctx.output().SetRecords(html_file, rows.size());
    ctx.metrics().Add("records_out", static_cast<int64_t>(rows.size()));
    if (local.ok()) {
      ctx.Print("profanity_index: " + std::to_string(rows.size()) + " (bucket, target) rows, " +
                std::to_string(labels.size()) + " targets\n");
    }
  }
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), local));
  return ctx.Commit(true);
}

}  // namespace rankflow
