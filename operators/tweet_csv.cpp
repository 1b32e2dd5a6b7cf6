#include "operators/tweet_csv.h"

#include <cstdio>

namespace rankflow {
namespace {

std::string Join(const std::vector<std::string>& items) {
  std::string out;
  for (const std::string& s : items) {
    if (!out.empty()) out.push_back(' ');
    out += s;
  }
  return out;
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

}  // namespace

// The normalized keys in AppendTweetJson's order, coordinates as two columns lon, lat.
const std::vector<std::string>& TweetCsvHeader() {
  static const std::vector<std::string> kHeader = {"id",
                                                   "created_at",
                                                   "timestamp_ms",
                                                   "user_id",
                                                   "screen_name",
                                                   "followers",
                                                   "lang",
                                                   "text",
                                                   "is_retweet",
                                                   "is_quote",
                                                   "is_reply",
                                                   "retweeted_id",
                                                   "quoted_id",
                                                   "in_reply_to_id",
                                                   "hashtags",
                                                   "mentions",
                                                   "urls",
                                                   "media_count",
                                                   "lon",
                                                   "lat",
                                                   "place",
                                                   "source_format",
                                                   "retweeted_user_id",
                                                   "retweeted_screen_name"};
  return kHeader;
}

std::vector<std::string> TweetCsvRow(const Tweet& t) {
  auto flag = [](bool b) { return std::string(b ? "true" : "false"); };
  return {t.id,
          t.created_at,
          std::to_string(t.timestamp_ms),
          t.user_id,
          t.screen_name,
          t.followers < 0 ? "" : std::to_string(t.followers),
          t.lang,
          t.text,
          flag(t.is_retweet),
          flag(t.is_quote),
          flag(t.is_reply),
          t.retweeted_id,
          t.quoted_id,
          t.in_reply_to_id,
          Join(t.hashtags),
          Join(t.mentions),
          Join(t.urls),
          std::to_string(t.media_count),
          t.has_coordinates ? Number(t.lon) : "",
          t.has_coordinates ? Number(t.lat) : "",
          t.place,
          SourceFormatName(t.source_format),
          t.retweeted_user_id,
          t.retweeted_screen_name};
}

}  // namespace rankflow
