#include "jobs/classify_tweets.h"

#include <cstdio>

#include "operators/features.h"
#include "operators/ml/sparse_examples.h"
#include "operators/tweet.h"
#include "operators/tweet_lines.h"
#include "runtime/markup.h"

namespace rankflow {
namespace {

// The held-out split: FNV-1a of the id with the offset basis 1469598103934665603 (a digit short
// of the standard one, operators/tokenizer.h's Fnv1a64), kept so that a corpus splits as before.
bool HeldOut(const std::string& id) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : id) h = (h ^ c) * 1099511628211ULL;
  return h % 5 == 0;
}

// The report's paragraph on the data.
std::string DataNotes(const std::string& src, int min_class, const ClassifyTweetsResult& r) {
  const std::string min = std::to_string(min_class);
  std::string classes, baseline(16, '\0');
  for (const auto& [c, n] : r.class_counts) classes += " " + c + " (" + std::to_string(n) + ")";
  baseline.resize(std::snprintf(baseline.data(), baseline.size(), "%.4f", r.majority_baseline));
  return "<h2>Data</h2><p>" + std::to_string(r.tweets_read) + " tweets read from " +
         EscapeMarkup(src) + ", " + std::to_string(r.unique_tweets) + " distinct ids; " +
         std::to_string(r.examples) + " kept (languages with at least " + min +
         " tweets): " + std::to_string(r.train_rows) + " train, " + std::to_string(r.test_rows) +
         " held out (one in five by id hash).</p><p>Classes:" + classes +
         ". <b>Majority-class baseline on the held-out tweets: " + baseline + "</b> (always '" +
         r.class_counts[0].first + "'). Languages with fewer than " + min +
         " tweets are pooled as 'other'.</p>";
}

// Rank 0: de-duplicate, choose classes, split, write train.h5 and test.h5 into ctx's output.
Status BuildFeatureFiles(JobContext& ctx, const std::vector<std::string>& parts,
                         const ClassifyTweetsOptions& o, ClassifyTweetsResult* r) {
  std::vector<ml::SparseExample> all;
  for (const std::string& part : parts) ml::ParseSparseExamples(part, &all);
  const ml::ExampleSplit split =
      ml::SplitExamples(std::move(all), IsLanguageCode, o.min_class, "other", HeldOut);
  r->unique_tweets = static_cast<int64_t>(split.rows.size());
  if (split.classes.size() < 2) {
    std::string found;
    for (const auto& [lang, n] : split.counts) found += " " + lang + ":" + std::to_string(n);
    return Status::InvalidArgument(ctx.src() + ": fewer than 2 classes (languages with at least " +
                                   std::to_string(o.min_class) + " tweets, plus 'other'); " +
                                   std::to_string(split.rows.size()) + " distinct tweets, found" +
                                   (found.empty() ? " none" : found));
  }
  r->class_counts = split.classes;
  r->train_rows = static_cast<int64_t>(split.train.size());
  r->test_rows = static_cast<int64_t>(split.test.size());
  r->examples = r->train_rows + r->test_rows;
  r->majority_baseline = split.majority_baseline;
  if (split.train.empty() || split.test.empty()) {
    return Status::InvalidArgument(ctx.src() + ": too few tweets to hold some out");
  }
  ctx.metrics().Add("records_out", r->examples);
  std::vector<std::string> classes;
  for (const auto& [lang, n] : split.classes) classes.push_back(lang);
  const std::string about =
      "tweet_features hashed word 1-2-grams, log(1+count), rows L2-normalised";
  const std::string& scratch = ctx.settings().spill_dir;
  RF_RETURN_IF_ERROR(ml::WriteSparseDataset(ctx.output(), "train.h5", split.train, classes, o.dim,
                                            about, scratch));
  return ml::WriteSparseDataset(ctx.output(), "test.h5", split.test, classes, o.dim, about,
                                scratch);
}

}  // namespace

Status ClassifyTweets(JobContext& ctx, const ClassifyTweetsOptions& o,
                      ClassifyTweetsResult* result) {
  const MpiContext& mpi = ctx.mpi();
  if (o.dim <= 0 || o.dim > (1 << 22)) return Status::InvalidArgument("--dim must be in [1, 2^22]");
  const std::string features = FileSystem::Join(ctx.dest(), "features");
  RF_RETURN_IF_ERROR(ctx.OpenOutput(features, {ctx.src()}));
  std::vector<FileInfo> files;
  // Collective; in a committed folder only the files its _SUCCESS lists (no leftovers).
  Status st = ListInputs(mpi, ctx.src_fs(), ctx.src(), ctx.settings().regex, &files);
  if (st.ok() && files.empty()) st = Status::NotFound(ctx.src() + ": no input files");
  ctx.SetInputs(files);
  FeatureExtractor extractor(FeatureOptions{.dimension = o.dim});
  std::string wire;  // this rank's examples, on their way to rank 0
  auto add = [&](Tweet& t) {
    ml::AppendSparseExample(t.id, t.lang, extractor.Compute(t).ngrams, &wire);
  };
  const bool strict = ctx.settings().strict;
  if (st.ok()) st = ForEachTweetInFiles(mpi, ctx.src_fs(), files, strict, &ctx.metrics(), add);
  RF_RETURN_IF_ERROR(AgreeOnStatus(mpi, st));  // the failing rank's message on rank 0 too
  result->tweets_read = mpi.AllSum(ctx.metrics().Get("tweets_in"));
  std::vector<std::string> parts = mpi.GatherToRoot(wire);
  if (mpi.is_root()) st = BuildFeatureFiles(ctx, parts, o, result);
  Status commit = ctx.Commit(st.ok());
  if (!st.ok()) return st;
  RF_RETURN_IF_ERROR(commit);
  std::string notes = mpi.is_root() ? DataNotes(ctx.src(), o.min_class, *result) : "";
  mpi.Broadcast(&notes);
  ml::SweepOptions t = o.train;
  // train_mlp finds the two files through features/_SUCCESS.
  t.train = t.test = features;
  t.train_name = "train.h5";
  t.test_name = "test.h5";
  t.dest = FileSystem::Join(ctx.dest(), "model");
  t.grid = 0;
  t.title = "classify_tweets: language identification from hashed n-grams";
  t.notes_html = notes;
  return ml::TrainSweep(ctx, t, &result->training);
}

void AddClassifyTweetsFlags(FlagSet* flags) {
  flags->AddInt("dim", 1024, "hashed n-gram slots");
  flags->AddInt("min-class", 10, "languages with fewer tweets are left out");
  ml::AddSweepFlags(flags,
                    {.hidden = "0,16,64", .epochs = 40, .batch = 32, .lr = 0.01, .l2 = 0.0001});
}

Status RunClassifyTweets(JobContext& ctx) {
  ClassifyTweetsOptions o;
  o.dim = static_cast<int>(ctx.flags().GetInt("dim"));
  o.min_class = static_cast<int>(ctx.flags().GetInt("min-class"));
  ml::ReadSweepFlags(ctx.flags(), &o.train);
  ClassifyTweetsResult r;
  RF_RETURN_IF_ERROR(ClassifyTweets(ctx, o, &r));
  if (!ctx.mpi().is_root()) return Status::OK();
  char line[512];
  std::snprintf(line, sizeof line,
                "classify_tweets: %lld tweets read, %lld distinct, %lld kept in %zu languages "
                "(%lld train / %lld held out)\nmajority-class baseline (held out): %.4f\n",
                static_cast<long long>(r.tweets_read), static_cast<long long>(r.unique_tweets),
                static_cast<long long>(r.examples), r.class_counts.size(),
                static_cast<long long>(r.train_rows), static_cast<long long>(r.test_rows),
                r.majority_baseline);
  ctx.Print(line);
  for (size_t i = 0; i < r.training.models.size(); ++i) {
    const auto& m = r.training.models[i];
    std::snprintf(line, sizeof line, "hidden %-8s held-out accuracy %.4f  train accuracy %.4f%s\n",
                  m.hidden.c_str(), m.test_accuracy, m.train_accuracy,
                  static_cast<int>(i) == r.training.chosen ? "  <- chosen" : "");
    ctx.Print(line);
  }
  ctx.Print("report: " + ctx.dest() + "/model/report.html\n");
  return Status::OK();
}

}  // namespace rankflow
