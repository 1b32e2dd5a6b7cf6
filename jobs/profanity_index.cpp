#include "jobs/profanity_index.h"

#include <algorithm>
#include <memory>

#include "operators/lexicons.h"
#include "operators/targets.h"
#include "operators/terms.h"
#include "operators/tweet_source.h"
#include "runtime/flow/flow.h"
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

// part-00000.csv on rank 0.
Status WriteTable(JobContext& job, const std::vector<ProfanityRow>& rows) {
  WritableFile* file = job.output().NewPart("csv");
  if (file == nullptr) return Status::IOError(job.dest() + ": cannot create the output files");
  RecordWriter csv(file, OutputFormat::kCsv, {"bucket", "target", "tweets", "profane", "rate"});
  for (const ProfanityRow& r : rows) {
    RF_RETURN_IF_ERROR(
        csv.WriteCsvRow({r.bucket, r.target, std::to_string(r.tweets), std::to_string(r.profane),
                         ProfanityRate(r.profane, r.tweets)}));
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

std::vector<ProfanityRow> ProfanityIndex(flow::Context& ctx, const ProfanityIndexOptions& options,
                                         const flow::SourceOptions& files) {
  const ProfanityLexicon profanity = ProfanityLexicon::Embedded();
  const std::vector<Target>& targets = options.targets;
  const TimeBucket by = options.by;
  Tokenizer tokenizer;
  int64_t* matched = ctx.Counter("target_mentions");
  std::vector<TargetCount> counts =
      ReadTweets(ctx, {files, {}})
          .FlatMap<TargetCount>([&](const Tweet& t, flow::Emitter<TargetCount>& emit) {
            const std::vector<Token> tokens = tokenizer.Tokenize(t.text);
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
  std::sort(counts.begin(), counts.end(), [](const TargetCount& a, const TargetCount& b) {
    return std::tie(a.bucket_ms, a.target) < std::tie(b.bucket_ms, b.target);
  });
  std::vector<ProfanityRow> rows;
  for (const TargetCount& c : counts) {
    rows.push_back({FormatIsoUtc(c.bucket_ms), targets.at(c.target).label, c.tweets, c.profane});
  }
  return rows;
}

void AddProfanityIndexFlags(FlagSet* flags) {
  flags->AddString("targets", "", "file of targets, one per line: \"Label: term, @handle, #tag\"",
                   FlagSet::kRequired);
  flags->AddString("by", "hour", "time bucket: minute|hour|day (UTC)");
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
    const ProfanityIndexOptions options{ReadTargets(targets_path, &tokenizer), *by};
    std::vector<std::string> labels;
    for (const Target& t : options.targets) labels.push_back(t.label);
    const std::vector<ProfanityRow> rows = ProfanityIndex(ctx, options);
    if (!job.mpi().is_root()) return;
    // The table is small and written whole by rank 0 (the flow API writes one part per rank).
    flow::ThrowIfError(WriteTable(job, rows));
    flow::ThrowIfError(WriteReport(job, rows, labels, *by));
    job.Print("profanity_index: " + std::to_string(rows.size()) + " (bucket, target) rows, " +
              std::to_string(labels.size()) + " targets\n");
  });
}

}  // namespace rankflow
