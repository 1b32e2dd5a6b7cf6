#include "jobs/classify_tweets.h"

#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>

#include "operators/features.h"
#include "operators/ml/output_files.h"
#include "operators/ml/report.h"
#include "operators/tweet_parser.h"
#include "runtime/hdf5_file.h"
#include "runtime/input.h"
#include "runtime/line_reader.h"
#include "runtime/log.h"

namespace rankflow {
namespace {

// A language code: two lowercase letters ("und", "qst", "zxx" and "" are not languages).
bool IsLanguageCode(const std::string& lang) {
  return lang.size() == 2 && std::islower(static_cast<unsigned char>(lang[0])) &&
         std::islower(static_cast<unsigned char>(lang[1]));
}

uint64_t Fnv1a(const std::string& s) {
  uint64_t h = 1469598103934665603ULL;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ULL;
  }
  return h;
}

// One example on the wire to rank 0: "id \t lang \t slot:value,slot:value \n".
void AppendExample(const Tweet& t, const TweetFeatures& f, std::string* out) {
  *out += t.id + "\t" + t.lang + "\t";
  bool first = true;
  char buf[48];
  for (size_t i = 0; i < f.ngrams.size(); ++i) {
    if (f.ngrams[i] == 0.f) continue;
    std::snprintf(buf, sizeof(buf), "%s%zu:%.9g", first ? "" : ",", i,
                  static_cast<double>(f.ngrams[i]));
    *out += buf;
    first = false;
  }
  *out += "\n";
}

struct Example {
  std::string id, lang;
  std::vector<std::pair<int32_t, float>> features;
};

Example ParseExample(const std::string& line) {
  Example e;
  const size_t t1 = line.find('\t'), t2 = line.find('\t', t1 + 1);
  e.id = line.substr(0, t1);
  e.lang = line.substr(t1 + 1, t2 - t1 - 1);
  std::stringstream items(line.substr(t2 + 1));
  std::string item;
  while (std::getline(items, item, ',')) {
    const size_t colon = item.find(':');
    if (colon == std::string::npos) continue;
    e.features.emplace_back(std::atoi(item.substr(0, colon).c_str()),
                            std::strtof(item.c_str() + colon + 1, nullptr));
  }
  return e;
}

// Parses this rank's files; appends wire lines to *out.
Status ExtractLocal(const MpiContext& mpi, FileSystem& fs, const std::vector<FileInfo>& files,
                    int dim, std::string* out, int64_t* tweets_read) {
  TweetParser parser;
  FeatureOptions fo;
  fo.dimension = dim;
  FeatureExtractor extractor(fo);
  std::vector<Tweet> tweets;
  auto handle = [&](std::string_view doc) {
    tweets.clear();
    parser.Parse(doc, &tweets);
    for (const Tweet& t : tweets) {
      ++*tweets_read;
      AppendExample(t, extractor.Compute(t), out);
    }
  };
  for (size_t i = mpi.rank(); i < files.size(); i += mpi.size()) {
    const FileInfo& file = files[i];
    const bool whole = file.path.size() > 5 && file.path.substr(file.path.size() - 5) == ".json";
    if (whole) {
      std::string doc;
      RF_RETURN_IF_ERROR(fs.ReadSmallFile(file.path, &doc));
      handle(doc);
      continue;
    }
    std::unique_ptr<LineReader> reader;
    RF_RETURN_IF_ERROR(LineReader::Open(fs, file, &reader));
    std::string_view line;
    while (reader->Next(&line)) handle(line);
    if (!reader->status().ok()) return reader->status();
  }
  return Status::OK();
}

// Writes one sparse data file (operators/ml/dataset.h layout) as `out`'s file `name`.
Status WriteSparse(OutputCommitter* out, const std::string& name,
                   const std::vector<const Example*>& rows,
                   const std::map<std::string, int>& class_index,
                   const std::vector<std::string>& class_names, int dim) {
  std::vector<int64_t> indptr{0}, indices, y;
  std::vector<float> values;
  for (const Example* e : rows) {
    double norm = 0;
    for (const auto& [slot, count] : e->features) norm += std::pow(std::log1p(count), 2);
    norm = norm > 0 ? std::sqrt(norm) : 1;
    for (const auto& [slot, count] : e->features) {
      indices.push_back(slot);
      values.push_back(static_cast<float>(std::log1p(count) / norm));
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
    y.push_back(class_index.at(e->lang));
  }
  auto file = Hdf5File::CreateScratch(SpillDirectory(""));
  if (!file.ok()) return file.status();
  RF_RETURN_IF_ERROR((*file)->WriteInt64("indptr", {indptr.size()}, indptr.data()));
  RF_RETURN_IF_ERROR((*file)->WriteInt64("indices", {indices.size()}, indices.data()));
  RF_RETURN_IF_ERROR((*file)->WriteFloat32("values", {values.size()}, values.data()));
  RF_RETURN_IF_ERROR((*file)->WriteInt64("y", {y.size()}, y.data()));
  std::string classes;
  for (const std::string& c : class_names) classes += (classes.empty() ? "" : ",") + c;
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "classes", classes));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "inputs", std::to_string(dim)));
  RF_RETURN_IF_ERROR((*file)->SetAttribute(
      "/", "features", "tweet_features hashed word 1-2-grams, log(1+count), rows L2-normalised"));
  RF_RETURN_IF_ERROR((*file)->Close());
  return ml::WriteOutputHdf5(*out, name, **file, rows.size());
}

// Rank 0: de-duplicate, choose classes, split, write the two files into `out`.
Status BuildFeatureFiles(const std::vector<std::string>& parts, const ClassifyTweetsOptions& o,
                         OutputCommitter* out, ClassifyTweetsResult* r, std::string* notes) {
  std::vector<Example> examples;
  std::set<std::string> seen;
  for (const std::string& part : parts) {
    std::stringstream lines(part);
    std::string line;
    while (std::getline(lines, line)) {
      Example e = ParseExample(line);
      if (!seen.insert(e.id).second) continue;
      examples.push_back(std::move(e));
    }
  }
  r->unique_tweets = static_cast<int64_t>(examples.size());
  std::map<std::string, int64_t> counts;
  for (const Example& e : examples) {
    if (IsLanguageCode(e.lang)) ++counts[e.lang];
  }
  // Languages with fewer than --min-class tweets are pooled into "other".
  std::vector<std::pair<std::string, int64_t>> kept;
  int64_t other = 0;
  for (const auto& [lang, n] : counts) {
    if (n >= o.min_class) {
      kept.emplace_back(lang, n);
    } else {
      other += n;
    }
  }
  if (other > 0) kept.emplace_back("other", other);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  if (kept.size() < 2) {
    std::string found;
    for (const auto& [lang, n] : counts) found += " " + lang + ":" + std::to_string(n);
    return Status::InvalidArgument(o.src + ": fewer than 2 classes (languages with at least " +
                                   std::to_string(o.min_class) + " tweets, plus 'other'); " +
                                   std::to_string(examples.size()) + " distinct tweets, found" +
                                   (found.empty() ? " none" : found));
  }
  r->class_counts = kept;
  std::map<std::string, int> class_index;
  std::vector<std::string> class_names;
  for (const auto& [lang, n] : kept) {
    class_index[lang] = static_cast<int>(class_names.size());
    class_names.push_back(lang);
  }
  std::vector<const Example*> train, test;
  for (Example& e : examples) {
    if (!IsLanguageCode(e.lang)) continue;
    if (!class_index.count(e.lang)) e.lang = "other";
    (Fnv1a(e.id) % 5 == 0 ? test : train).push_back(&e);
  }
  r->examples = static_cast<int64_t>(train.size() + test.size());
  r->train_rows = static_cast<int64_t>(train.size());
  r->test_rows = static_cast<int64_t>(test.size());
  if (train.empty() || test.empty()) {
    return Status::InvalidArgument(o.src + ": too few tweets to hold some out");
  }
  int64_t majority = 0;
  for (const Example* e : test) majority += class_index.at(e->lang) == 0;
  r->majority_baseline = static_cast<double>(majority) / static_cast<double>(test.size());
  Status st = WriteSparse(out, "train.h5", train, class_index, class_names, o.dim);
  if (st.ok()) st = WriteSparse(out, "test.h5", test, class_index, class_names, o.dim);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.4f", r->majority_baseline);
  *notes = "<h2>Data</h2><p>" + std::to_string(r->tweets_read) + " tweets read from " +
           EscapeMarkup(o.src) + ", " + std::to_string(r->unique_tweets) + " distinct ids; " +
           std::to_string(r->examples) + " kept (languages with at least " +
           std::to_string(o.min_class) + " tweets): " + std::to_string(r->train_rows) + " train, " +
           std::to_string(r->test_rows) + " held out (one in five by id hash).</p>" + "<p>Classes:";
  for (const auto& [lang, n] : kept) *notes += " " + lang + " (" + std::to_string(n) + ")";
  *notes += ". <b>Majority-class baseline on the held-out tweets: " + std::string(buf) +
            "</b> (always '" + kept[0].first + "'). Languages with fewer than " +
            std::to_string(o.min_class) + " tweets are pooled as 'other'.</p>";
  return st;
}

}  // namespace

Status ClassifyTweets(const MpiContext& mpi, const ClassifyTweetsOptions& o,
                      ClassifyTweetsResult* result) {
  if (o.src.empty() || o.dest.empty())
    return Status::InvalidArgument("--src and --dest are required");
  if (o.dim <= 0 || o.dim > (1 << 22)) return Status::InvalidArgument("--dim must be in [1, 2^22]");
  std::unique_ptr<FileSystem> src_fs, dest_fs;
  RF_RETURN_IF_ERROR(OpenFileSystem(o.src, &src_fs));
  RF_RETURN_IF_ERROR(OpenFileSystem(o.dest, &dest_fs));
  const std::string features_dest = FileSystem::Join(o.dest, "features");
  OutputCommitter out(mpi, *dest_fs, features_dest,
                      o.overwrite ? WriteMode::kOverwrite : WriteMode::kError, {o.src});
  RF_RETURN_IF_ERROR(out.status());

  std::vector<FileInfo> files;
  // Collective; in a committed folder only the files its _SUCCESS lists (no leftovers).
  Status st = ListInputs(mpi, *src_fs, o.src, "", &files);
  if (st.ok() && files.empty()) st = Status::NotFound(o.src + ": no input files");
  std::string wire;
  int64_t tweets_read = 0;
  if (st.ok()) st = ExtractLocal(mpi, *src_fs, files, o.dim, &wire, &tweets_read);
  if (!mpi.AllOk(st.ok())) return st.ok() ? Status::Aborted("another rank failed reading") : st;
  result->tweets_read = mpi.AllSum(tweets_read);
  std::vector<std::string> parts = mpi.GatherToRoot(wire);
  std::string notes;
  if (mpi.is_root()) st = BuildFeatureFiles(parts, o, &out, result, &notes);
  const std::string manifest = "\"job\":\"classify_tweets\",\"src\":" + ml::JsonQuoted(o.src) +
                               ",\"ranks\":" + std::to_string(mpi.size());
  Status commit = out.Commit(st.ok(), manifest);
  if (!st.ok()) return st;
  if (!commit.ok()) return commit;
  mpi.Broadcast(&notes);
  if (mpi.is_root()) {
    LogInfo("classify_tweets: " + std::to_string(result->examples) + " examples (" +
            std::to_string(result->train_rows) + " train, " + std::to_string(result->test_rows) +
            " held out), " + std::to_string(result->class_counts.size()) + " languages");
  }
  ml::SweepOptions t = o.train;
  // train_mlp finds the two files through features/_SUCCESS.
  t.train = features_dest;
  t.train_name = "train.h5";
  t.test = features_dest;
  t.test_name = "test.h5";
  t.dest = FileSystem::Join(o.dest, "model");
  t.overwrite = o.overwrite;
  t.grid = 0;
  t.title = "classify_tweets: language identification from hashed n-grams";
  t.notes_html = notes;
  return ml::TrainSweep(mpi, t, &result->training);
}

}  // namespace rankflow
