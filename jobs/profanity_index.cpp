#include "jobs/profanity_index.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <memory>

#include "operators/lexicons.h"
#include "operators/targets.h"
#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"
#include "runtime/markup.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

namespace flow = rankflow::flow;

// One (bucket, target) cell: tweets mentioning the target, and how many of them are profane.
struct TargetCount {
  int64_t bucket_ms = 0;
  uint32_t target = 0;  // index in the targets file
  int64_t tweets = 0;
  int64_t profane = 0;
};
RF_FIELDS(TargetCount, bucket_ms, target, tweets, profane);

std::string Rate(int64_t profane, int64_t tweets) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.6f", tweets > 0 ? static_cast<double>(profane) / tweets : 0.0);
  return buf;
}

std::vector<Target> ReadTargets(const std::string& path, Tokenizer* tokenizer) {
  std::string text;
  std::unique_ptr<FileSystem> fs;
  Status read = OpenFileSystem(path, &fs);
  if (read.ok()) read = fs->ReadSmallFile(path, &text);
  flow::ThrowIfError(read.WithPrefix("--targets " + path));
  Result<std::vector<Target>> targets = ParseTargets(text, tokenizer);
  flow::ThrowIfError(targets.status().WithPrefix(path));
  return std::move(targets).value();
}

// The counts per (bucket, target), all on rank 0 in (bucket, target-file) order; empty elsewhere.
std::vector<TargetCount> CountTargets(flow::Context& ctx, const std::vector<Target>& targets,
                                      TimeBucket by, Tokenizer* tokenizer) {
  const ProfanityLexicon profanity = ProfanityLexicon::Embedded();
  int64_t* matched = ctx.Counter("target_mentions");
  std::vector<TargetCount> rows =
      ReadTweets(ctx)
          .FlatMap<TargetCount>([&](const Tweet& t, flow::Emitter<TargetCount>& emit) {
            const std::vector<Token> tokens = tokenizer->Tokenize(t.text);
            int profane = -1;  // counted once per tweet, when a target is mentioned
            for (size_t i = 0; i < targets.size(); ++i) {
              if (!MentionsTarget(targets[i], t, tokens)) continue;
              if (profane < 0) profane = profanity.Count(tokens) > 0 ? 1 : 0;
              ++*matched;
              emit(TargetCount{BucketStartMs(t.timestamp_ms, by), static_cast<uint32_t>(i), 1,
                               profane});
            }
          })
          .ReduceByKey([](const TargetCount& c) { return std::pair(c.bucket_ms, c.target); },
                       [](TargetCount a, const TargetCount& b) {
                         a.tweets += b.tweets;
                         a.profane += b.profane;
                         return a;
                       })
          .Collect();
  std::sort(rows.begin(), rows.end(), [](const TargetCount& a, const TargetCount& b) {
    return std::tie(a.bucket_ms, a.target) < std::tie(b.bucket_ms, b.target);
  });
  return rows;
}

// part-00000.csv on rank 0.
Status WriteTable(JobContext& job, const std::vector<ProfanityRow>& rows) {
  WritableFile* file = job.output().NewPart("csv");
  if (file == nullptr) return Status::IOError(job.dest() + ": cannot create the output files");
  RecordWriter csv(file, OutputFormat::kCsv, {"bucket", "target", "tweets", "profane", "rate"});
  for (const ProfanityRow& r : rows) {
    RF_RETURN_IF_ERROR(csv.WriteCsvRow({r.bucket, r.target, std::to_string(r.tweets),
                                        std::to_string(r.profane), Rate(r.profane, r.tweets)}));
  }
  RF_RETURN_IF_ERROR(csv.Finish());
  job.output().SetRecords(file, rows.size());
  job.metrics().Add("records_out", static_cast<int64_t>(rows.size()));
  return Status::OK();
}

// report.html on rank 0 (one report per output, not one per rank).
Status WriteReport(JobContext& job, const std::vector<ProfanityRow>& rows,
                   const std::vector<std::string>& labels, TimeBucket by) {
  WritableFile* file = job.output().NewFile("report.html");
  if (file == nullptr) return Status::IOError(job.dest() + ": cannot create the output files");
  RF_RETURN_IF_ERROR(file->Append(RenderProfanityReport(
      rows, labels, "Profanity index by " + std::string(TimeBucketName(by)))));
  RF_RETURN_IF_ERROR(file->Finish());
  job.output().SetRecords(file, rows.size());
  return Status::OK();
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

Status RunProfanityIndex(JobContext& job) {
  Result<TimeBucket> by = ParseTimeBucket(job.flags().GetString("by"));
  RF_RETURN_IF_ERROR(by.status());
  const std::string format = job.flags().GetString("format");
  if (!format.empty() && format != "csv") {
    return Status::InvalidArgument("--format must be csv (the only table format), not " + format);
  }
  const std::string targets_path = job.flags().GetString("targets");
  return flow::RunFlow(job, {"profanity_index", "", {}, "csv"}, [&](flow::Context& ctx) {
    Tokenizer tokenizer;
    const std::vector<Target> targets = ReadTargets(targets_path, &tokenizer);
    std::vector<std::string> labels;
    for (const Target& t : targets) labels.push_back(t.label);
    std::vector<ProfanityRow> rows;
    for (const TargetCount& c : CountTargets(ctx, targets, *by, &tokenizer)) {
      rows.push_back({FormatIsoUtc(c.bucket_ms), labels.at(c.target), c.tweets, c.profane});
    }
    if (!job.mpi().is_root()) return;
    // The table is small and written whole by rank 0 (the flow API writes one part per rank).
    flow::ThrowIfError(WriteTable(job, rows));
    flow::ThrowIfError(WriteReport(job, rows, labels, *by));
    job.Print("profanity_index: " + std::to_string(rows.size()) + " (bucket, target) rows, " +
              std::to_string(labels.size()) + " targets\n");
  });
}

}  // namespace rankflow
