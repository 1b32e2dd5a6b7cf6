#include "operators/tweet.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "runtime/json_string.h"

namespace rankflow {
namespace {

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool Digits(std::string_view s, size_t pos, size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (size_t i = pos; i < pos + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

bool ValidClock(int year, int month, int day, int hh, int mm, int ss) {
  return year >= 1970 && year <= 9999 && month >= 1 && month <= 12 && day >= 1 && day <= 31 &&
         hh <= 23 && mm <= 59 && ss <= 60;
}

int64_t EpochMs(int year, int month, int day, int hh, int mm, int ss, int ms, int offset_min) {
  const int64_t days =
      DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day));
  const int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - int64_t{offset_min} * 60;
  return secs * 1000 + ms;
}

// "+0000" / "-0530" -> minutes east of UTC.
bool ParseOffsetCompact(std::string_view s, int* minutes) {
  if (s.size() != 5 || (s[0] != '+' && s[0] != '-')) return false;
  int hh = 0, mm = 0;
  if (!Digits(s, 1, 2, &hh) || !Digits(s, 3, 2, &mm)) return false;
  *minutes = (s[0] == '-' ? -1 : 1) * (hh * 60 + mm);
  return true;
}

}  // namespace

const char* SourceFormatName(SourceFormat f) {
  switch (f) {
    case SourceFormat::kV1:
      return "v1";
    case SourceFormat::kGnip:
      return "gnip";
    case SourceFormat::kV2:
      return "v2";
  }
  return "v1";
}

bool IsDecimalId(std::string_view s) {
  if (s.empty() || s.size() > 20) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

bool IsLanguageCode(std::string_view lang) {
  return lang.size() == 2 && lang[0] >= 'a' && lang[0] <= 'z' && lang[1] >= 'a' && lang[1] <= 'z';
}

namespace {

void AppendKey(const char* key, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":");
}

void AppendStringField(const char* key, std::string_view v, bool null_if_empty, std::string* out) {
  AppendKey(key, out);
  if (null_if_empty && v.empty()) {
    out->append("null");
  } else {
    AppendValidUtf8JsonString(out, v);
  }
  out->push_back(',');
}

void AppendBoolField(const char* key, bool v, std::string* out) {
  AppendKey(key, out);
  out->append(v ? "true," : "false,");
}

void AppendIntField(const char* key, int64_t v, std::string* out) {
  AppendKey(key, out);
  out->append(std::to_string(v));
  out->push_back(',');
}

void AppendListField(const char* key, const std::vector<std::string>& v, std::string* out) {
  AppendKey(key, out);
  out->push_back('[');
  for (size_t i = 0; i < v.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendValidUtf8JsonString(out, v[i]);
  }
  out->append("],");
}

void AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  // %.17g round-trips every double; coordinates are short so trim with %.10g first if exact.
  int n = std::snprintf(buf, sizeof(buf), "%.10g", v);
  if (std::strtod(buf, nullptr) != v) n = std::snprintf(buf, sizeof(buf), "%.17g", v);
  out->append(buf, static_cast<size_t>(n));
}

}  // namespace

void AppendTweetJson(const Tweet& t, std::string* out) {
  out->push_back('{');
  AppendStringField("id", t.id, false, out);
  AppendStringField("created_at", t.created_at, false, out);
  AppendIntField("timestamp_ms", t.timestamp_ms, out);
  AppendStringField("user_id", t.user_id, true, out);
  AppendStringField("screen_name", t.screen_name, true, out);
  AppendKey("followers", out);
  out->append(t.followers < 0 ? "null" : std::to_string(t.followers));
  out->push_back(',');
  AppendStringField("lang", t.lang, true, out);
  AppendStringField("text", t.text, false, out);
  AppendBoolField("is_retweet", t.is_retweet, out);
  AppendBoolField("is_quote", t.is_quote, out);
  AppendBoolField("is_reply", t.is_reply, out);
  AppendStringField("retweeted_id", t.retweeted_id, true, out);
  AppendStringField("quoted_id", t.quoted_id, true, out);
  AppendStringField("in_reply_to_id", t.in_reply_to_id, true, out);
  AppendListField("hashtags", t.hashtags, out);
  AppendListField("mentions", t.mentions, out);
  AppendListField("urls", t.urls, out);
  AppendIntField("media_count", t.media_count, out);
  AppendKey("coordinates", out);
  if (t.has_coordinates) {
    out->push_back('[');
    AppendDouble(t.lon, out);
    out->push_back(',');
    AppendDouble(t.lat, out);
    out->push_back(']');
  } else {
    out->append("null");
  }
  out->push_back(',');
  AppendStringField("place", t.place, true, out);
  AppendKey("source_format", out);
  AppendValidUtf8JsonString(out, SourceFormatName(t.source_format));
  out->push_back(',');
  AppendStringField("retweeted_user_id", t.retweeted_user_id, true, out);
  AppendStringField("retweeted_screen_name", t.retweeted_screen_name, true, out);
  out->back() = '}';  // the last field's comma
}

std::string TweetToJson(const Tweet& t) {
  std::string out;
  AppendTweetJson(t, &out);
  return out;
}

std::string DecodeHtmlEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  size_t i = 0;
  while (i < s.size()) {
    const size_t amp = s.find('&', i);
    if (amp == std::string_view::npos) {
      out.append(s.substr(i));
      break;
    }
    out.append(s.substr(i, amp - i));
    std::string_view rest = s.substr(amp);
    struct Entity {
      std::string_view name;
      char c;
    };
    static constexpr Entity kEntities[] = {{"&amp;", '&'},  {"&lt;", '<'},   {"&gt;", '>'},
                                           {"&quot;", '"'}, {"&#39;", '\''}, {"&apos;", '\''}};
    bool matched = false;
    for (const Entity& e : kEntities) {
      if (rest.substr(0, e.name.size()) == e.name) {
        out.push_back(e.c);
        i = amp + e.name.size();
        matched = true;
        break;
      }
    }
    if (!matched) {
      out.push_back('&');
      i = amp + 1;
    }
  }
  return out;
}

bool ParseTwitterDate(std::string_view s, int64_t* epoch_ms) {
  // "Tue Jul 18 23:25:04 +0000 2017"
  if (s.size() != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[13] != ':' ||
      s[16] != ':' || s[19] != ' ' || s[25] != ' ') {
    return false;
  }
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = 0;
  for (int i = 0; i < 12; ++i) {
    if (s.substr(4, 3) == kMonths[i]) month = i + 1;
  }
  int day = 0, hh = 0, mm = 0, ss = 0, year = 0, offset = 0;
  if (month == 0 || !Digits(s, 8, 2, &day) || !Digits(s, 11, 2, &hh) || !Digits(s, 14, 2, &mm) ||
      !Digits(s, 17, 2, &ss) || !ParseOffsetCompact(s.substr(20, 5), &offset) ||
      !Digits(s, 26, 4, &year) || !ValidClock(year, month, day, hh, mm, ss)) {
    return false;
  }
  *epoch_ms = EpochMs(year, month, day, hh, mm, ss, 0, offset);
  return true;
}

bool ParseIsoDate(std::string_view s, int64_t* epoch_ms) {
  // YYYY-MM-DDTHH:MM:SS[.fff…](Z|+hh:mm|-hh:mm|+hhmm)
  int year = 0, month = 0, day = 0, hh = 0, mm = 0, ss = 0;
  if (s.size() < 20 || s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != ' ') ||
      s[13] != ':' || s[16] != ':' || !Digits(s, 0, 4, &year) || !Digits(s, 5, 2, &month) ||
      !Digits(s, 8, 2, &day) || !Digits(s, 11, 2, &hh) || !Digits(s, 14, 2, &mm) ||
      !Digits(s, 17, 2, &ss) || !ValidClock(year, month, day, hh, mm, ss)) {
    return false;
  }
  size_t pos = 19;
  int ms = 0;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    int scale = 100;
    const size_t start = pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      ms += (s[pos] - '0') * scale;
      scale /= 10;
      ++pos;
    }
    if (pos == start) return false;
  }
  std::string_view zone = s.substr(pos);
  int offset = 0;
  if (zone == "Z") {
    offset = 0;
  } else if (zone.size() == 6 && zone[3] == ':') {
    const std::string compact = std::string(zone.substr(0, 3)) + std::string(zone.substr(4, 2));
    if (!ParseOffsetCompact(compact, &offset)) return false;
  } else if (!ParseOffsetCompact(zone, &offset)) {
    return false;
  }
  *epoch_ms = EpochMs(year, month, day, hh, mm, ss, ms, offset);
  return true;
}

std::string FormatIsoUtc(int64_t epoch_ms) {
  int64_t secs = epoch_ms >= 0 ? epoch_ms / 1000 : (epoch_ms - 999) / 1000;
  int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  int64_t rem = secs - days * 86400;
  int64_t y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(days, &y, &m, &d);
  const int hour = static_cast<int>(rem / 3600), minute = static_cast<int>(rem / 60 % 60),
            second = static_cast<int>(rem % 60);
  if (y >= 0 && y <= 9999) {  // the common case, without snprintf (it is on load_tweets' hot path)
    std::string out = "0000-00-00T00:00:00Z";
    auto put2 = [&out](size_t at, unsigned v) {
      out[at] = static_cast<char>('0' + v / 10);
      out[at + 1] = static_cast<char>('0' + v % 10);
    };
    put2(0, static_cast<unsigned>(y / 100));
    put2(2, static_cast<unsigned>(y % 100));
    put2(5, m);
    put2(8, d);
    put2(11, static_cast<unsigned>(hour));
    put2(14, static_cast<unsigned>(minute));
    put2(17, static_cast<unsigned>(second));
    return out;
  }
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%04lld-%02u-%02uT%02d:%02d:%02dZ", static_cast<long long>(y), m,
                d, hour, minute, second);
  return buf;
}

}  // namespace rankflow
