#include "operators/tweet_parquet.h"

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "operators/tokenizer.h"
#include "runtime/input.h"

namespace rankflow {
namespace {

// Column indexes of TweetParquetSchema().
enum Column : size_t {
  kId,
  kCreatedAt,
  kTimestampMs,
  kUserId,
  kScreenName,
  kFollowers,
  kLang,
  kText,
  kIsRetweet,
  kIsQuote,
  kIsReply,
  kRetweetedId,
  kQuotedId,
  kInReplyToId,
  kHashtags,
  kMentions,
  kUrls,
  kMediaCount,
  kLon,
  kLat,
  kPlace,
  kSourceFormat,
  kRetweetedUserId,
  kRetweetedScreenName,
};

bool FitsInt64(std::string_view id) {
  if (id.empty()) return true;
  if (!IsDecimalId(id) || (id.size() > 1 && id[0] == '0')) return false;
  constexpr std::string_view kMax = "9223372036854775807";
  return id.size() < kMax.size() || (id.size() == kMax.size() && id <= kMax);
}

int64_t IdValue(std::string_view id) {
  int64_t v = 0;
  for (char c : id) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

const std::vector<ParquetColumn>& TweetParquetSchema() {
  using C = ParquetColumn;
  using T = ParquetType;
  static const std::vector<ParquetColumn> kSchema = {
      C::Required("id", T::kInt64),
      C::Required("created_at", T::kTimestampMillis),
      C::Required("timestamp_ms", T::kInt64),
      C::Optional("user_id", T::kInt64),
      C::Optional("screen_name", T::kString),
      C::Optional("followers", T::kInt64),
      C::Optional("lang", T::kString),
      C::Required("text", T::kString),
      C::Required("is_retweet", T::kBool),
      C::Required("is_quote", T::kBool),
      C::Required("is_reply", T::kBool),
      C::Optional("retweeted_id", T::kInt64),
      C::Optional("quoted_id", T::kInt64),
      C::Optional("in_reply_to_id", T::kInt64),
      C::List("hashtags", T::kString, false),
      C::List("mentions", T::kString, false),
      C::List("urls", T::kString, false),
      C::Required("media_count", T::kInt32),
      C::Optional("lon", T::kDouble),
      C::Optional("lat", T::kDouble),
      C::Optional("place", T::kString),
      C::Required("source_format", T::kString),
      C::Optional("retweeted_user_id", T::kInt64),
      C::Optional("retweeted_screen_name", T::kString),
  };
  return kSchema;
}

bool TweetIdsFitInt64(const Tweet& t) {
  return FitsInt64(t.id) && !t.id.empty() && FitsInt64(t.user_id) && FitsInt64(t.retweeted_id) &&
         FitsInt64(t.quoted_id) && FitsInt64(t.in_reply_to_id) && FitsInt64(t.retweeted_user_id);
}

TweetParquetWriter::TweetParquetWriter(WritableFile* file, ParquetWriterOptions options)
    : writer_(file, TweetParquetSchema(), std::move(options)) {}

Status TweetParquetWriter::Add(const Tweet& t) {
  if (!TweetIdsFitInt64(t)) {
    return Status::InvalidArgument("tweet " + t.id + ": an id does not fit a Parquet INT64");
  }
  ParquetWriter& w = writer_;
  auto id = [&](size_t column, const std::string& v) {
    if (v.empty()) {
      w.AppendNull(column);
    } else {
      w.AppendInt64(column, IdValue(v));
    }
  };
  auto text = [&](size_t column, const std::string& v) {
    if (v.empty()) {
      w.AppendNull(column);
    } else {
      w.AppendString(column, v);
    }
  };
  auto list = [&](size_t column, const std::vector<std::string>& items) {
    w.BeginList(column);
    for (const std::string& s : items) w.AppendString(column, s);
    w.EndList(column);
  };
  w.AppendInt64(kId, IdValue(t.id));
  w.AppendTimestampMillis(kCreatedAt, t.timestamp_ms);
  w.AppendInt64(kTimestampMs, t.timestamp_ms);
  id(kUserId, t.user_id);
  text(kScreenName, t.screen_name);
  if (t.followers < 0) {
    w.AppendNull(kFollowers);
  } else {
    w.AppendInt64(kFollowers, t.followers);
  }
  text(kLang, t.lang);
  w.AppendString(kText, t.text);
  w.AppendBool(kIsRetweet, t.is_retweet);
  w.AppendBool(kIsQuote, t.is_quote);
  w.AppendBool(kIsReply, t.is_reply);
  id(kRetweetedId, t.retweeted_id);
  id(kQuotedId, t.quoted_id);
  id(kInReplyToId, t.in_reply_to_id);
  list(kHashtags, t.hashtags);
  list(kMentions, t.mentions);
  list(kUrls, t.urls);
  w.AppendInt32(kMediaCount, t.media_count);
  if (t.has_coordinates) {
    w.AppendDouble(kLon, t.lon);
    w.AppendDouble(kLat, t.lat);
  } else {
    w.AppendNull(kLon);
    w.AppendNull(kLat);
  }
  text(kPlace, t.place);
  w.AppendString(kSourceFormat, SourceFormatName(t.source_format));
  id(kRetweetedUserId, t.retweeted_user_id);
  text(kRetweetedScreenName, t.retweeted_screen_name);
  return w.EndRow();
}

Status TweetParquetWriter::Finish() { return writer_.Finish(); }

namespace {

pq::PhysicalType PhysicalOf(ParquetType t) {
  switch (t) {
    case ParquetType::kBool:
      return pq::PhysicalType::kBoolean;
    case ParquetType::kInt32:
      return pq::PhysicalType::kInt32;
    case ParquetType::kDouble:
      return pq::PhysicalType::kDouble;
    case ParquetType::kString:
      return pq::PhysicalType::kByteArray;
    case ParquetType::kInt64:
    case ParquetType::kTimestampMillis:
      break;
  }
  return pq::PhysicalType::kInt64;
}

}  // namespace

TweetParquetRows::TweetParquetRows(std::vector<std::string> columns) : names_(std::move(columns)) {
  const std::vector<ParquetColumn>& schema = TweetParquetSchema();
  if (names_.empty()) {
    for (const ParquetColumn& c : schema) names_.push_back(c.name);
  }
  for (const std::string& name : names_) {
    int field = -1;
    for (size_t i = 0; i < schema.size(); ++i) {
      if (schema[i].name == name) field = static_cast<int>(i);
    }
    fields_.push_back(field);
  }
}

Status TweetParquetRows::Check(const ParquetRowBatch& batch) const {
  const std::string file = batch.path != nullptr ? *batch.path : std::string("parquet");
  if (batch.columns.size() != fields_.size()) {
    return Status::InvalidArgument(file + ": " + std::to_string(batch.columns.size()) +
                                   " columns read, " + std::to_string(fields_.size()) +
                                   " expected");
  }
  const std::vector<ParquetColumn>& schema = TweetParquetSchema();
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (fields_[i] < 0) {
      return Status::InvalidArgument(file + ": " + names_[i] +
                                     " is not a column of the normalized tweet");
    }
    const ParquetColumn& want = schema[static_cast<size_t>(fields_[i])];
    const ParquetLeaf* leaf = batch.columns[i].leaf;
    if (leaf == nullptr || leaf->type != PhysicalOf(want.type) || leaf->is_list != want.list) {
      return Status::InvalidArgument(file + ": column " + want.name + " is not " +
                                     (want.list ? "a list of " : "") + ParquetTypeName(want.type) +
                                     " as load_tweets writes it");
    }
  }
  return Status::OK();
}

void TweetParquetRows::Get(const ParquetRowBatch& batch, size_t row, Tweet* t) const {
  for (size_t i = 0; i < fields_.size(); ++i) {
    const ParquetColumnBatch& c = batch.columns[i];
    const bool null = c.IsNull(row);
    const size_t v = c.ValueBegin(row);
    auto id = [&](std::string* out) { *out = null ? std::string() : std::to_string(c.Int(v)); };
    auto text = [&](std::string* out) {
      if (null) {
        out->clear();
      } else {
        out->assign(c.String(v));
      }
    };
    auto list = [&](std::vector<std::string>* out) {
      out->clear();
      for (size_t k = c.ValueBegin(row); k < c.ValueEnd(row); ++k) out->emplace_back(c.String(k));
    };
    switch (static_cast<Column>(fields_[i])) {
      case kId:
        id(&t->id);
        break;
      case kCreatedAt:
        t->created_at = null ? std::string() : FormatIsoUtc(c.Int(v));
        break;
      case kTimestampMs:
        t->timestamp_ms = null ? 0 : c.Int(v);
        break;
      case kUserId:
        id(&t->user_id);
        break;
      case kScreenName:
        text(&t->screen_name);
        break;
      case kFollowers:
        t->followers = null ? -1 : c.Int(v);
        break;
      case kLang:
        text(&t->lang);
        break;
      case kText:
        text(&t->text);
        break;
      case kIsRetweet:
        t->is_retweet = !null && c.Int(v) != 0;
        break;
      case kIsQuote:
        t->is_quote = !null && c.Int(v) != 0;
        break;
      case kIsReply:
        t->is_reply = !null && c.Int(v) != 0;
        break;
      case kRetweetedId:
        id(&t->retweeted_id);
        break;
      case kQuotedId:
        id(&t->quoted_id);
        break;
      case kInReplyToId:
        id(&t->in_reply_to_id);
        break;
      case kHashtags:
        list(&t->hashtags);
        break;
      case kMentions:
        list(&t->mentions);
        break;
      case kUrls:
        list(&t->urls);
        break;
      case kMediaCount:
        t->media_count = null ? 0 : static_cast<int>(c.Int(v));
        break;
      case kLon:
        t->has_coordinates = !null;
        t->lon = null ? 0 : c.Double(v);
        break;
      case kLat:
        t->lat = null ? 0 : c.Double(v);
        break;
      case kPlace:
        text(&t->place);
        break;
      case kSourceFormat: {
        const std::string_view f = null ? std::string_view() : c.String(v);
        t->source_format = f == "gnip" ? SourceFormat::kGnip
                           : f == "v2" ? SourceFormat::kV2
                                       : SourceFormat::kV1;
        break;
      }
      case kRetweetedUserId:
        id(&t->retweeted_user_id);
        break;
      case kRetweetedScreenName:
        text(&t->retweeted_screen_name);
        break;
    }
  }
}

std::vector<std::string> TweetParquetTermColumns(TweetTermKind kind, bool need_time) {
  std::vector<std::string> columns;
  switch (kind) {
    case TweetTermKind::kHashtags:
      columns = {"hashtags"};
      break;
    case TweetTermKind::kMentions:
      columns = {"mentions"};
      break;
    case TweetTermKind::kUrls:
      columns = {"urls"};
      break;
    case TweetTermKind::kWords:
    case TweetTermKind::kEmoji:
      columns = {"text"};
      break;
  }
  if (need_time) columns.push_back("timestamp_ms");
  return columns;
}

Result<bool> InputsAreParquet(const MpiContext& mpi, FileSystem& fs, const std::string& src,
                              const std::string& name_regex) {
  std::vector<FileInfo> files;
  RF_RETURN_IF_ERROR(ListInputs(mpi, fs, src, name_regex, &files));
  if (files.empty()) return false;
  for (const FileInfo& f : files) {
    if (f.path.size() < 8 || f.path.compare(f.path.size() - 8, 8, ".parquet") != 0) return false;
  }
  return true;
}

Status ReadParquetTweets(ParquetSource& source, ParquetSourceOptions files,
                         std::vector<std::string> columns, int64_t* tweets,
                         const std::function<void(Tweet& tweet)>& fn) {
  TweetParquetRows rows(std::move(columns));
  files.columns = rows.columns();
  RF_RETURN_IF_ERROR(source.Plan(files));
  // One Tweet for every row: Get assigns every field of a read column (fn may move from them),
  // and the others keep their defaults, so no per-row construction on this hot path.
  Tweet t;
  return source.Run([&](const ParquetRowBatch& batch) {
    RF_RETURN_IF_ERROR(rows.Check(batch));
    for (size_t r = 0; r < batch.num_rows; ++r) {
      rows.Get(batch, r, &t);
      ++*tweets;
      fn(t);
    }
    return Status::OK();
  });
}

namespace {

using TallyFn = std::function<void(int64_t timestamp_ms, std::string&& term, uint64_t count)>;

// The entity kinds' terms straight from the list column, as TweetParquetRows::Get and ForEachTerm
// would give them (a null timestamp is 0), without a Tweet per row.
Status ReadEntityTerms(ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
                       TweetTermKind kind, bool need_time, const TallyFn& fn) {
  int64_t* tweets = metrics->Counter("tweets");
  int64_t* terms = metrics->Counter("terms");
  TweetParquetRows rows(TweetParquetTermColumns(kind, need_time));
  files.columns = rows.columns();
  RF_RETURN_IF_ERROR(source.Plan(files));
  std::string term;
  return source.Run([&](const ParquetRowBatch& batch) {
    RF_RETURN_IF_ERROR(rows.Check(batch));
    const ParquetColumnBatch& list = batch.columns[0];
    for (size_t r = 0; r < batch.num_rows; ++r) {
      int64_t ms = 0;
      if (need_time && !batch.columns[1].IsNull(r)) {
        ms = batch.columns[1].Int(batch.columns[1].ValueBegin(r));
      }
      ++*tweets;
      for (size_t k = list.ValueBegin(r); k < list.ValueEnd(r); ++k) {
        if (!EntityTerm(kind, list.String(k), &term)) continue;
        ++*terms;
        fn(ms, std::move(term), 1);
      }
    }
    return Status::OK();
  });
}

// The same terms without time, tallied: each row group's list column counted, not read as rows
// (ParquetSource::RunValueCounts): a dictionary value's occurrences come as one count, and each
// distinct stored value is made a term once per row group.
Status CountEntityTerms(ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
                        TweetTermKind kind, const TallyFn& fn) {
  int64_t* tweets = metrics->Counter("tweets");
  int64_t* terms = metrics->Counter("terms");
  TweetParquetRows rows(TweetParquetTermColumns(kind, false));
  files.columns = rows.columns();
  RF_RETURN_IF_ERROR(source.Plan(files));
  std::string term;
  auto emit = [&](std::string_view raw, uint64_t count) {
    if (count == 0 || !EntityTerm(kind, raw, &term)) return;
    *terms += static_cast<int64_t>(count);
    fn(0, std::move(term), count);
  };
  std::unordered_map<std::string_view, uint64_t> others;  // pages without a dictionary
  return source.RunValueCounts([&](const ParquetValueCounts& counts) {
    ParquetRowBatch probe;  // the column, as TweetParquetRows checks it
    probe.path = counts.path;
    probe.columns.resize(1);
    probe.columns[0].leaf = counts.leaf;
    RF_RETURN_IF_ERROR(rows.Check(probe));
    *tweets += static_cast<int64_t>(counts.num_rows);
    for (size_t i = 0; i < counts.dictionary_counts.size(); ++i) {
      emit(counts.dictionary->strings[i], counts.dictionary_counts[i]);
    }
    for (std::string_view v : counts.others.strings) ++others[v];
    for (const auto& [raw, count] : others) emit(raw, count);
    others.clear();
    return Status::OK();
  });
}

bool IsEntityKind(TweetTermKind kind) {
  return kind != TweetTermKind::kWords && kind != TweetTermKind::kEmoji;
}

}  // namespace

Status ReadParquetTerms(ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
                        TweetTermKind kind, bool need_time,
                        const std::function<void(int64_t timestamp_ms, std::string&& term)>& fn) {
  if (IsEntityKind(kind)) {
    return ReadEntityTerms(
        source, std::move(files), metrics, kind, need_time,
        [&](int64_t ms, std::string&& term, uint64_t) { fn(ms, std::move(term)); });
  }
  int64_t* tweets = metrics->Counter("tweets");
  int64_t* terms = metrics->Counter("terms");
  Tokenizer tokenizer;
  return ReadParquetTweets(source, std::move(files), TweetParquetTermColumns(kind, need_time),
                           tweets, [&](Tweet& t) {
                             ForEachTerm(t, kind, &tokenizer, [&](std::string&& term) {
                               ++*terms;
                               fn(t.timestamp_ms, std::move(term));
                             });
                           });
}

Status ReadParquetTermCounts(ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
                             TweetTermKind kind, bool need_time, const TallyFn& fn) {
  if (IsEntityKind(kind)) {
    if (!need_time) return CountEntityTerms(source, std::move(files), metrics, kind, fn);
    return ReadEntityTerms(source, std::move(files), metrics, kind, need_time, fn);
  }
  return ReadParquetTerms(source, std::move(files), metrics, kind, need_time,
                          [&](int64_t ms, std::string&& term) { fn(ms, std::move(term), 1); });
}

}  // namespace rankflow
