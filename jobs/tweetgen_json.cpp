#include "jobs/tweetgen_json.h"

#include <ctime>

namespace rankflow::tweetgen {
namespace {

// What Twitter shows of a link: no scheme, no "www.", at most 26 characters, then "…".
std::string DisplayUrl(std::string_view url) {
  for (std::string_view head : {"https://", "http://", "www."}) {
    if (url.starts_with(head)) url.remove_prefix(head.size());
  }
  return url.size() > 26 ? std::string(url.substr(0, 26)) + "…" : std::string(url);
}

}  // namespace

std::string CreatedAt(uint64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::strftime(buf, sizeof buf, "%a %b %d %H:%M:%S +0000 %Y", &tm);
  return buf;
}

void WriteEntities(std::string* out, const std::vector<Entity>& entities, size_t limit_cps,
                   bool escape) {
  auto list = [&](Entity::Type type, const char* name) {
    out->append("\"").append(name).append("\":[");
    bool first = true;
    for (const Entity& e : entities) {
      if (e.type != type || e.end > limit_cps) continue;
      if (!first) out->push_back(',');
      first = false;
      out->push_back('{');
      if (type == Entity::kHashtag) {
        out->append("\"text\":");
        AppendJsonString(out, e.text, escape);
      } else if (type == Entity::kMention) {
        out->append("\"screen_name\":");
        AppendJsonString(out, e.text, escape);
        out->append(",\"name\":");
        AppendJsonString(out, e.extra, escape);
        out->append(",\"id\":" + std::to_string(e.id) + ",\"id_str\":\"" + std::to_string(e.id) +
                    "\"");
      } else {
        out->append("\"url\":");
        AppendJsonString(out, e.text.empty() ? "https://t.co/x" : e.text, escape);
        out->append(",\"expanded_url\":");
        AppendJsonString(out, e.extra, escape);
        out->append(",\"display_url\":");
        AppendJsonString(out, DisplayUrl(e.extra), escape);
      }
      out->append(",\"indices\":[" + std::to_string(e.begin) + "," + std::to_string(e.end) + "]}");
    }
    out->push_back(']');
  };
  out->push_back('{');
  list(Entity::kHashtag, "hashtags");
  out->push_back(',');
  list(Entity::kUrl, "urls");
  out->push_back(',');
  list(Entity::kMention, "user_mentions");
  out->append(",\"symbols\":[]}");
}

void WriteUser(std::string* out, const User& u, bool escape) {
  Rng r(u.id * 31 + 7);
  std::string description;
  while (CodePoints(description) < 30 + r.Below(60)) {
    if (!description.empty()) description.push_back(' ');
    description += r.Chance(0.15) ? PickIntlWord(r) : PickWord(r);
  }
  std::string img = "https://pbs.twimg.com/profile_images/" + std::to_string(u.id * 7919) + "/" +
                    u.screen_name + "_normal.jpg";
  out->append("{\"id\":" + std::to_string(u.id) + ",\"id_str\":\"" + std::to_string(u.id) +
              "\",\"name\":");
  AppendJsonString(out, u.name, escape);
  out->append(",\"screen_name\":");
  AppendJsonString(out, u.screen_name, escape);
  out->append(",\"location\":");
  AppendJsonString(out, PickLocation(r), escape);
  out->append(",\"url\":null,\"description\":");
  AppendJsonString(out, description, escape);
  out->append(",\"translator_type\":\"none\",\"protected\":false,\"verified\":");
  out->append(r.Chance(0.02) ? "true" : "false");
  out->append(",\"followers_count\":" + std::to_string(r.Skewed(2000000)) + ",\"friends_count\":" +
              std::to_string(r.Below(5000)) + ",\"listed_count\":" + std::to_string(r.Below(300)) +
              ",\"favourites_count\":" + std::to_string(r.Below(90000)) +
              ",\"statuses_count\":" + std::to_string(r.Below(200000)) +
              ",\"created_at\":\"Tue Mar 2" + std::to_string(r.Below(10)) + " 1" +
              std::to_string(r.Below(10)) + ":0" + std::to_string(r.Below(10)) +
              ":33 +0000 2011\",\"utc_offset\":null,\"time_zone\":null,\"geo_enabled\":");
  out->append(r.Chance(0.3) ? "true" : "false");
  out->append(
      ",\"lang\":null,\"contributors_enabled\":false,\"is_translator\":false,"
      "\"profile_background_color\":\"C0DEED\",\"profile_background_image_url\":");
  AppendJsonString(out, "http://abs.twimg.com/images/themes/theme1/bg.png", escape);
  out->append(",\"profile_background_image_url_https\":");
  AppendJsonString(out, "https://abs.twimg.com/images/themes/theme1/bg.png", escape);
  out->append(
      ",\"profile_background_tile\":false,\"profile_link_color\":\"1DA1F2\","
      "\"profile_sidebar_border_color\":\"C0DEED\",\"profile_sidebar_fill_color\":"
      "\"DDEEF6\",\"profile_text_color\":\"333333\",\"profile_use_background_image\":true,"
      "\"profile_image_url\":");
  AppendJsonString(out, "http" + img.substr(5), escape);
  out->append(",\"profile_image_url_https\":");
  AppendJsonString(out, img, escape);
  out->append(",\"profile_banner_url\":");
  AppendJsonString(out,
                   "https://pbs.twimg.com/profile_banners/" + std::to_string(u.id) + "/1585" +
                       std::to_string(r.Below(1000000)),
                   escape);
  out->append(
      ",\"default_profile\":true,\"default_profile_image\":false,\"following\":null,"
      "\"follow_request_sent\":null,\"notifications\":null}");
}

}  // namespace rankflow::tweetgen
