#include "operators/tweet_parquet.h"

#include <cstdlib>
#include <string>

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

}  // namespace rankflow
