#include "jobs/top_terms.h"

#include <algorithm>
#include <cstdio>

#include "jobs/top_terms_text.h"
#include "runtime/pipeline.h"
#include "runtime/shuffle.h"
#include "runtime/writer.h"

namespace rankflow {
namespace {

namespace od = simdjson::ondemand;

constexpr size_t kSamplesPerRank = 1024;
constexpr const char* kNoticeKeys[] = {"delete",          "limit",         "scrub_geo",
                                       "status_withheld", "user_withheld", "disconnect",
                                       "warning",         "event",         "friends"};

bool IsNoticeKey(std::string_view key) {
  for (const char* k : kNoticeKeys) {
    if (key == k) return true;
  }
  return false;
}

// Reads entities.hashtags[].text into *tags; false on a malformed value.
bool ReadHashtags(od::value entities, std::vector<std::string_view>* tags) {
  od::object obj;
  if (entities.get_object().get(obj)) return false;
  od::array list;
  auto found = obj.find_field_unordered("hashtags");
  if (found.error() == simdjson::NO_SUCH_FIELD) return true;
  if (found.get_array().get(list)) return false;
  for (auto item : list) {
    od::object tag;
    if (item.get_object().get(tag)) return false;
    std::string_view text;
    if (tag.find_field_unordered("text").get_string().get(text)) return false;
    tags->push_back(text);
  }
  return true;
}

// Sort key of the ordering shuffle: (2^64-1 - count) big-endian, then the term.
std::string OrderKey(uint64_t count, std::string_view term) {
  std::string key(8, '\0');
  uint64_t inv = ~count;
  for (int i = 0; i < 8; ++i) key[i] = static_cast<char>((inv >> (8 * (7 - i))) & 0xff);
  key.append(term);
  return key;
}

uint64_t OrderKeyCount(std::string_view key) {
  uint64_t inv = 0;
  for (int i = 0; i < 8; ++i) inv = (inv << 8) | static_cast<unsigned char>(key[i]);
  return ~inv;
}

// Deterministic reservoir sample of up to kSamplesPerRank keys.
class Reservoir {
 public:
  explicit Reservoir(uint64_t seed) : state_(seed * 0x9e3779b97f4a7c15ull + 1) {}
  void Offer(std::string_view key) {
    ++seen_;
    if (keys_.size() < kSamplesPerRank) {
      keys_.emplace_back(key);
      return;
    }
    state_ ^= state_ << 13;
    state_ ^= state_ >> 7;
    state_ ^= state_ << 17;
    uint64_t slot = state_ % seen_;
    if (slot < kSamplesPerRank) keys_[slot].assign(key);
  }
  std::string Serialize() const {
    std::string out;
    for (const std::string& k : keys_) {
      out += EncodeU64(k.size());
      out += k;
    }
    return out;
  }

 private:
  uint64_t state_;
  uint64_t seen_ = 0;
  std::vector<std::string> keys_;
};

std::vector<std::string> ChooseSplitters(const std::vector<std::string>& gathered, int ranks) {
  std::vector<std::string> samples;
  for (const std::string& wire : gathered) {
    std::string_view in = wire;
    while (in.size() >= 8) {
      uint64_t n = DecodeU64(in.substr(0, 8));
      samples.emplace_back(in.substr(8, n));
      in.remove_prefix(8 + n);
    }
  }
  std::sort(samples.begin(), samples.end());
  std::vector<std::string> splitters;
  if (samples.empty()) return splitters;
  for (int i = 1; i < ranks; ++i) splitters.push_back(samples[samples.size() * i / ranks]);
  return splitters;
}

struct PartWriters {
  std::vector<std::unique_ptr<RecordWriter>> writers;
  std::vector<WritableFile*> files;
  std::vector<OutputFormat> formats;
};

Status OpenParts(JobContext& ctx, PartWriters* parts) {
  std::vector<OutputFormat> formats;
  if (ctx.flags().GetString("format").empty()) {
    formats = {OutputFormat::kCsv, OutputFormat::kJsonl};
  } else {
    Result<OutputFormat> f = ParseOutputFormat(ctx.flags().GetString("format"));
    RF_RETURN_IF_ERROR(f.status());
    formats = {*f};
  }
  for (OutputFormat format : formats) {
    WritableFile* file = ctx.output().NewPart(OutputFormatExtension(format));
    if (file == nullptr) return Status::IOError(ctx.dest() + ": cannot create an output part");
    parts->files.push_back(file);
    parts->formats.push_back(format);
    parts->writers.push_back(
        std::make_unique<RecordWriter>(file, format, std::vector<std::string>{"term", "count"}));
  }
  return Status::OK();
}

Status WriteRow(PartWriters* parts, std::string_view term, uint64_t count, std::string* json) {
  for (size_t i = 0; i < parts->writers.size(); ++i) {
    RecordWriter* w = parts->writers[i].get();
    if (parts->formats[i] == OutputFormat::kCsv) {
      RF_RETURN_IF_ERROR(w->WriteCsvRow({std::string(term), std::to_string(count)}));
      continue;
    }
    json->assign("{\"term\":");
    AppendJsonString(json, term);
    json->append(",\"count\":" + std::to_string(count) + "}");
    RF_RETURN_IF_ERROR(w->WriteJson(*json));
  }
  return Status::OK();
}

std::string FormatTop(const std::vector<std::string>& gathered, int64_t top, TermKind kind) {
  std::vector<std::pair<std::string, std::string>> rows;
  for (const std::string& part : gathered) {
    size_t pos = 0;
    while (pos < part.size() && static_cast<int64_t>(rows.size()) < top) {
      size_t tab = part.find('\t', pos);
      size_t nl = part.find('\n', tab);
      rows.emplace_back(part.substr(pos, tab - pos), part.substr(tab + 1, nl - tab - 1));
      pos = nl + 1;
    }
  }
  std::string out = "top " + std::to_string(rows.size()) +
                    (kind == TermKind::kHashtags ? " hashtags" : " words") + ":\n";
  for (size_t i = 0; i < rows.size(); ++i) {
    std::string rank = std::to_string(i + 1);
    std::string count = rows[i].second;
    out += std::string(rank.size() < 4 ? 4 - rank.size() : 0, ' ') + rank + "  " +
           std::string(count.size() < 12 ? 12 - count.size() : 0, ' ') + count + "  " +
           rows[i].first + "\n";
  }
  return out;
}

}  // namespace

LineClass TermExtractor::Scan(std::string_view line) {
  tags_.clear();
  extended_tags_.clear();
  text_ = full_text_ = extended_text_ = {};
  has_extended_ = false;
  // simdjson reads up to SIMDJSON_PADDING bytes past the end: parse a padded copy.
  if (padded_.size() < line.size() + simdjson::SIMDJSON_PADDING) {
    padded_.resize(line.size() + simdjson::SIMDJSON_PADDING);
  }
  std::copy(line.begin(), line.end(), padded_.begin());
  od::document doc;
  if (parser_.iterate(padded_.data(), line.size(), padded_.size()).get(doc)) {
    return LineClass::kInvalidJson;
  }
  od::json_type type;
  if (doc.type().get(type)) return LineClass::kInvalidJson;
  if (type != od::json_type::object) {
    // On-Demand only peeked at the first byte ("not json" looks like null): validate fully. Rare.
    simdjson::dom::element ignored;
    if (dom_parser_.parse(padded_.data(), line.size(), false).get(ignored)) {
      return LineClass::kInvalidJson;
    }
    return LineClass::kNotATweet;
  }
  od::object obj;
  if (doc.get_object().get(obj)) return LineClass::kInvalidJson;
  bool has_id = false;
  bool notice = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return LineClass::kInvalidJson;
    if (key == "id_str" || key == "id") {
      has_id = true;
    } else if (key == "text" || key == "full_text") {
      std::string_view* dst = key == "text" ? &text_ : &full_text_;
      if (field.value().get_string().get(*dst)) return LineClass::kInvalidJson;
    } else if (key == "entities") {
      if (!ReadHashtags(field.value(), &tags_)) return LineClass::kInvalidJson;
    } else if (key == "extended_tweet") {
      od::object ext;
      if (field.value().get_object().get(ext)) return LineClass::kInvalidJson;
      has_extended_ = true;
      for (auto ef : ext) {
        std::string_view ekey;
        if (ef.unescaped_key().get(ekey)) return LineClass::kInvalidJson;
        if (ekey == "full_text") {
          if (ef.value().get_string().get(extended_text_)) return LineClass::kInvalidJson;
        } else if (ekey == "entities") {
          if (!ReadHashtags(ef.value(), &extended_tags_)) return LineClass::kInvalidJson;
        }
      }
    } else if (IsNoticeKey(key)) {
      notice = true;
    }
  }
  // The whole object was consumed: a truncated line or trailing bytes show up here.
  if (doc.current_depth() != 0) return LineClass::kInvalidJson;
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return LineClass::kInvalidJson;
  if (notice) return LineClass::kNotice;
  bool has_text = !text_.empty() || !full_text_.empty() || has_extended_;
  return has_id && has_text ? LineClass::kTweet : LineClass::kNotATweet;
}

LineClass TermExtractor::Extract(std::string_view line,
                                 const std::function<void(std::string_view)>& fn) {
  LineClass c = Scan(line);
  if (c != LineClass::kTweet) return c;
  if (kind_ == TermKind::kHashtags) {
    for (std::string_view tag : has_extended_ ? extended_tags_ : tags_) {
      term_.clear();
      AppendLowercaseUtf8(tag, &term_);
      if (!term_.empty()) fn(term_);
    }
    return c;
  }
  std::string_view text = !extended_text_.empty() ? extended_text_
                          : !full_text_.empty()   ? full_text_
                                                  : text_;
  ForEachWord(text, fn);
  return c;
}

void AddTopTermsFlags(FlagSet* flags) {
  flags->AddString("what", "hashtags", "hashtags|words: what to count");
  flags->AddInt("top", 20, "how many of the most frequent terms to print");
}

namespace {

Status CountTerms(JobContext& ctx, TermKind kind, HashShuffle* counts) {
  MapPhase map(ctx.mpi(), ctx.src_fs(), &ctx.metrics(), &ctx.progress());
  RF_RETURN_IF_ERROR(map.Plan(ctx.map_options()));
  ctx.SetInputs(map.plan());
  TermExtractor extractor(kind);
  const std::string one = EncodeU64(1);
  int64_t* tweets = ctx.metrics().Counter("tweets");
  int64_t* notices = ctx.metrics().Counter("notices");
  int64_t* terms = ctx.metrics().Counter("terms");
  Status add_status;
  auto add = [&](std::string_view term) {
    ++*terms;
    if (add_status.ok()) add_status = counts->Add(term, one);
  };
  RF_RETURN_IF_ERROR(map.Run([&](std::string_view line, LineContext& lc) {
    switch (extractor.Extract(line, add)) {
      case LineClass::kTweet:
        ++*tweets;
        break;
      case LineClass::kNotice:
        ++*notices;
        break;
      case LineClass::kInvalidJson:
        lc.BadLine("invalid_json");
        break;
      case LineClass::kNotATweet:
        lc.BadLine("not_a_tweet");
        break;
    }
    if (!add_status.ok()) lc.Fail(add_status);
  }));
  Status s = counts->Exchange();
  const ShuffleStats& st = counts->stats();
  ctx.metrics().Add("shuffle.pairs_sent", static_cast<int64_t>(st.pairs_sent));
  ctx.metrics().Add("shuffle.rounds", static_cast<int64_t>(st.rounds));
  ctx.metrics().Add("shuffle.spilled_runs", static_cast<int64_t>(st.spilled_runs));
  ctx.metrics().Add("shuffle.spilled_bytes", static_cast<int64_t>(st.spilled_bytes));
  return s;
}

// Re-keys the counts for the global order and range-partitions them on sampled splitters.
Status OrderCounts(JobContext& ctx, HashShuffle* counts, HashShuffle** ordered_out,
                   std::unique_ptr<HashShuffle>* holder) {
  const MpiContext& mpi = ctx.mpi();
  Reservoir reservoir(static_cast<uint64_t>(mpi.rank()) + 1);
  Status local = counts->ForEach([&](std::string_view term, std::string_view v) {
    reservoir.Offer(OrderKey(DecodeU64(v), term));
    return Status::OK();
  });
  std::vector<std::string> splitters =
      ChooseSplitters(mpi.AllGather(reservoir.Serialize()), mpi.size());
  ShuffleOptions options = ctx.shuffle_options(2);
  options.partitioner = [splitters](std::string_view key) {
    return static_cast<int>(std::upper_bound(splitters.begin(), splitters.end(), key) -
                            splitters.begin());
  };
  *holder = std::make_unique<HashShuffle>(mpi, options, [](std::string*, std::string_view) {});
  HashShuffle* ordered = holder->get();
  if (local.ok()) {
    local = counts->ForEach([&](std::string_view term, std::string_view v) {
      return ordered->Add(OrderKey(DecodeU64(v), term), {});
    });
  }
  Status s = ordered->Exchange(local.ok());
  if (!local.ok()) return local;
  *ordered_out = ordered;
  return s;
}

}  // namespace

Status RunTopTerms(JobContext& ctx) {
  const std::string what = ctx.flags().GetString("what");
  if (what != "hashtags" && what != "words") {
    return Status::InvalidArgument("--what must be hashtags or words, not " + what);
  }
  const int64_t top = ctx.flags().GetInt("top");
  if (top < 0) return Status::InvalidArgument("--top must not be negative");
  const TermKind kind = what == "hashtags" ? TermKind::kHashtags : TermKind::kWords;
  if (const std::string format = ctx.flags().GetString("format");
      !format.empty() && !ParseOutputFormat(format).ok()) {
    return Status::InvalidArgument("--format: top_terms writes csv, jsonl or jsonl.gz, not " +
                                   format);
  }
  RF_RETURN_IF_ERROR(ctx.OpenOutput());

  HashShuffle counts(ctx.mpi(), ctx.shuffle_options(2), CombineSumU64);
  RF_RETURN_IF_ERROR(CountTerms(ctx, kind, &counts));
  HashShuffle* ordered = nullptr;
  std::unique_ptr<HashShuffle> holder;
  RF_RETURN_IF_ERROR(AgreeOnStatus(ctx.mpi(), OrderCounts(ctx, &counts, &ordered, &holder)));

  PartWriters parts;
  Status local = OpenParts(ctx, &parts);
  uint64_t rows = 0;
  std::string top_rows;
  std::string json;
  if (local.ok()) {
    local = ordered->ForEach([&](std::string_view key, std::string_view) {
      uint64_t count = OrderKeyCount(key);
      std::string_view term = key.substr(8);
      if (static_cast<int64_t>(rows) < top) {
        top_rows.append(term).append("\t").append(std::to_string(count)).append("\n");
      }
      ++rows;
      return WriteRow(&parts, term, count, &json);
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
  if (ctx.mpi().is_root() && top > 0) ctx.Print(FormatTop(gathered, top, kind));
  return Status::OK();
}

}  // namespace rankflow
