// Raw fields -> normalized Tweet. The choices here are documented in operators/README.md
// ("Normalized tweet"): full text wins over truncated text, retweets read as "RT @user: " plus the
// retweeted tweet's full text with its entities, ids come from strings only.
#include "operators/tweet_assemble.h"

#include <string_view>
#include <unordered_map>

#include "operators/entities.h"
#include "operators/retweet_rule.h"

namespace rankflow::internal {
namespace {

std::string TrailingDigits(std::string_view s) {
  const size_t cut = s.find_last_of(":/");
  std::string_view tail = cut == std::string_view::npos ? s : s.substr(cut + 1);
  return IsDecimalId(tail) ? std::string(tail) : std::string();
}

std::string StatusId(const RawStatus& s) {
  if (IsDecimalId(s.id_str)) return std::string(s.id_str);
  std::string id = TrailingDigits(s.id_string);
  // Numeric ids only when no string is given and the number is small enough that no producer
  // can have rounded it (tweets from before id_str existed, 2009-2010).
  if (id.empty() && s.id_number > 0) id = std::to_string(s.id_number);
  return id;
}

bool StatusTime(const RawStatus& s, const std::string& id, int64_t* ms) {
  if (s.timestamp_ms >= 0) {
    *ms = s.timestamp_ms;
    return true;
  }
  if (ParseTwitterDate(s.created_at, ms) || ParseIsoDate(s.created_at, ms) ||
      ParseIsoDate(s.posted_time, ms)) {
    return true;
  }
  return SnowflakeTimeMs(id, ms);
}

// The full text as delivered (still HTML-escaped): extended_tweet.full_text, long_object.body,
// full_text, text, body — the first one present.
const std::string_view* FullText(const RawStatus& s) {
  if (s.extended) {
    if (s.extended->full_text_present) return &s.extended->full_text;
    if (s.extended->body_present) return &s.extended->body;
    if (s.extended->text_present) return &s.extended->text;
  }
  if (s.full_text_present) return &s.full_text;
  if (s.text_present) return &s.text;
  if (s.body_present) return &s.body;
  return nullptr;
}

bool HasEntities(const RawEntities& e) {
  return e.present || !e.hashtags.empty() || !e.mentions.empty() || !e.urls.empty();
}

const RawEntities& FullEntities(const RawStatus& s) {
  return PreferredEntities(s.extended != nullptr, s.extended && HasEntities(s.extended->entities),
                           s.extended ? s.extended->entities : s.entities, s.entities);
}

int MediaCount(const RawStatus& s) {
  if (s.extended) {
    if (s.extended->extended_media >= 0) return s.extended->extended_media;
    if (s.extended->entities.present) return s.extended->entities.media;
  }
  if (s.extended_media >= 0) return s.extended_media;
  return s.entities.media;
}

// "RT @user: " + the retweeted tweet's full text, decoded.
std::string RetweetText(std::string_view screen_name, std::string_view text) {
  std::string out = "RT @";
  out.append(screen_name);
  out.append(": ");
  out.append(DecodeHtmlEntities(text));
  return out;
}

// lon/lat only with has_coordinates (a failed second "coordinates" key may leave stale numbers).
void SetCoordinates(const RawStatus& s, Tweet* t) {
  t->has_coordinates = s.has_coordinates;
  t->lon = s.has_coordinates ? s.lon : 0;
  t->lat = s.has_coordinates ? s.lat : 0;
}

void FillEntities(const RawEntities& e, bool from_text, Tweet* t) {
  if (HasEntities(e) || !from_text) {
    t->hashtags.assign(e.hashtags.begin(), e.hashtags.end());
    t->mentions.assign(e.mentions.begin(), e.mentions.end());
    t->urls.assign(e.urls.begin(), e.urls.end());
    return;
  }
  for (const Entity& x : ExtractEntities(t->text)) {
    switch (x.type) {
      case EntityType::kHashtag:
        t->hashtags.push_back(x.value);
        break;
      case EntityType::kMention:
        t->mentions.push_back(x.value);
        break;
      case EntityType::kUrl:
        t->urls.push_back(x.value);
        break;
      default:
        break;
    }
  }
}

// Checks id, time and text, fills them. False with *bad set otherwise.
bool FillCore(const RawStatus& s, const std::string_view* text, Tweet* t, ParseResult* bad) {
  t->id = StatusId(s);
  if (t->id.empty()) {
    *bad = BadResult(BadKind::kMissingId, "no tweet id string");
    return false;
  }
  if (!StatusTime(s, t->id, &t->timestamp_ms)) {
    *bad = BadResult(BadKind::kMissingTime, "tweet " + t->id + ": no parseable created_at");
    return false;
  }
  if (text == nullptr) {
    *bad = BadResult(BadKind::kMissingText, "tweet " + t->id + ": no text");
    return false;
  }
  t->created_at = FormatIsoUtc(t->timestamp_ms);
  return true;
}

bool AssembleNormalized(const RawStatus& s, Tweet* t, ParseResult* bad) {
  if (!FillCore(s, s.text_present ? &s.text : nullptr, t, bad)) return false;
  t->text = s.text;  // already decoded
  t->user_id = s.user_id;
  t->screen_name = s.screen_name;
  t->followers = s.followers < 0 ? -1 : s.followers;
  t->lang = s.lang;
  t->is_retweet = s.is_retweet;
  t->is_quote = s.is_quote;
  t->is_reply = s.is_reply;
  t->retweeted_id = s.retweeted_id;
  t->retweeted_user_id = s.retweeted_user_id;
  t->retweeted_screen_name = s.retweeted_screen_name;
  t->quoted_id = s.quoted_id;
  t->in_reply_to_id = s.in_reply_to_id;
  t->hashtags.assign(s.entities.hashtags.begin(), s.entities.hashtags.end());
  t->mentions.assign(s.entities.mentions.begin(), s.entities.mentions.end());
  t->urls.assign(s.entities.urls.begin(), s.entities.urls.end());
  t->media_count = s.media_count;
  SetCoordinates(s, t);
  t->place = s.place;
  t->source_format = s.normalized_format;
  return true;
}

// v1.1 status or Gnip activity.
bool AssembleStatus(const RawStatus& s, bool from_text, Tweet* t, ParseResult* bad) {
  if (s.normalized) return AssembleNormalized(s, t, bad);
  const bool gnip = !s.verb.empty() || !s.posted_time.empty();
  t->source_format = gnip ? SourceFormat::kGnip : SourceFormat::kV1;
  const RawStatus* rt = s.retweeted.get();
  if (rt == nullptr && s.verb == "share" && s.object) rt = s.object.get();
  const std::string_view* own_text = FullText(s);
  if (!FillCore(s, own_text, t, bad)) return false;
  if (!s.user.present || (s.user.Id().empty() && s.user.screen_name.empty())) {
    *bad = BadResult(BadKind::kMissingUser, "tweet " + t->id + (gnip ? ": no actor" : ": no user"));
    return false;
  }
  t->user_id = s.user.Id();
  t->screen_name = s.user.screen_name;
  t->followers = s.user.followers < 0 ? -1 : s.user.followers;
  t->lang = s.lang;
  SetCoordinates(s, t);
  t->place = s.place;
  const std::string_view* rt_text = rt ? FullText(*rt) : nullptr;
  if (rt != nullptr) {
    t->is_retweet = true;
    t->retweeted_id = StatusId(*rt);
    t->retweeted_user_id = rt->user.Id();
    t->retweeted_screen_name = rt->user.screen_name;
  }
  if (rt != nullptr && ReadsAsRetweeted(rt_text != nullptr, rt->user.screen_name)) {
    t->text = RetweetText(rt->user.screen_name, *rt_text);
    FillEntities(FullEntities(*rt), from_text, t);
    LeadWithRetweetedAuthor(rt->user.screen_name, HasEntities(FullEntities(*rt)), &t->mentions);
    t->media_count = MediaCount(*rt);
  } else {
    t->text = DecodeHtmlEntities(*own_text);
    FillEntities(FullEntities(s), from_text, t);
    t->media_count = MediaCount(s);
  }
  if (!t->is_retweet) {
    t->quoted_id = IsDecimalId(s.quoted_id_str) ? std::string(s.quoted_id_str)
                   : s.quoted                   ? StatusId(*s.quoted)
                                                : std::string();
    t->is_quote = !t->quoted_id.empty();
  }
  if (IsDecimalId(s.in_reply_to)) {
    t->is_reply = true;
    t->in_reply_to_id = s.in_reply_to;
  }
  return true;
}

struct V2Index {
  std::unordered_map<std::string_view, const RawUser*> users;
  std::unordered_map<std::string_view, const RawStatus*> tweets;
  std::unordered_map<std::string_view, std::string_view> places;

  explicit V2Index(const V2Page& page) {
    for (const RawUser& u : page.users) users.emplace(u.Id(), &u);
    for (const RawStatus& s : page.tweets) tweets.emplace(s.id_string, &s);
    for (const auto& [id, name] : page.places) places.emplace(id, name);
  }
  const RawUser* User(std::string_view id) const {
    auto it = users.find(id);
    return it == users.end() ? nullptr : it->second;
  }
};

bool AssembleV2(const RawStatus& d, const V2Index& index, bool from_text, Tweet* t,
                ParseResult* bad) {
  if (d.normalized) return AssembleNormalized(d, t, bad);
  t->source_format = SourceFormat::kV2;
  if (!FillCore(d, d.text_present ? &d.text : nullptr, t, bad)) return false;
  if (IsDecimalId(d.author_id)) t->user_id = d.author_id;
  if (const RawUser* u = index.User(d.author_id)) {
    t->screen_name = u->screen_name;
    t->followers = u->followers < 0 ? -1 : u->followers;
  }
  t->lang = d.lang;
  std::string_view rt_id;
  for (const auto& [type, id] : d.referenced) {
    if (!IsDecimalId(id)) continue;
    if (type == "retweeted") rt_id = id;
    if (type == "quoted") t->quoted_id = id;
    if (type == "replied_to") t->in_reply_to_id = id;
  }
  const RawStatus* rt = nullptr;
  const RawUser* rt_author = nullptr;
  if (!rt_id.empty()) {
    t->is_retweet = true;
    t->retweeted_id = rt_id;
    t->quoted_id.clear();
    auto it = index.tweets.find(rt_id);
    if (it != index.tweets.end()) {
      if (IsDecimalId(it->second->author_id)) t->retweeted_user_id = it->second->author_id;
      rt_author = index.User(it->second->author_id);
      if (rt_author != nullptr) t->retweeted_screen_name = rt_author->screen_name;
      if (ReadsAsRetweeted(it->second->text_present, t->retweeted_screen_name)) rt = it->second;
    }
  }
  t->is_quote = !t->quoted_id.empty();
  t->is_reply = !t->in_reply_to_id.empty();
  if (rt != nullptr) {
    t->text = RetweetText(rt_author->screen_name, rt->text);
    FillEntities(rt->entities, from_text, t);
    LeadWithRetweetedAuthor(rt_author->screen_name, HasEntities(rt->entities), &t->mentions);
    t->media_count = rt->v2_media;
  } else {
    t->text = DecodeHtmlEntities(d.text);
    FillEntities(d.entities, from_text, t);
    t->media_count = d.v2_media;
  }
  SetCoordinates(d, t);
  auto place = index.places.find(d.place_id);
  if (place != index.places.end()) t->place = place->second;
  return true;
}

// Adds one entry's outcome to a page result.
void Count(bool ok, const ParseResult& entry_bad, ParseResult* r) {
  if (ok) {
    ++r->tweets;
    return;
  }
  if (r->bad_entries++ == 0) {
    r->bad = entry_bad.bad;
    r->message = entry_bad.message;
  }
}

ParseResult Finish(ParseResult r) {
  if (r.tweets > 0) {
    r.kind = ParseResult::Kind::kTweets;
  } else {
    r.kind = ParseResult::Kind::kBad;
  }
  return r;
}

ParseResult NoticeResult(NoticeKind kind) {
  ParseResult r;
  r.kind = ParseResult::Kind::kNotice;
  r.notice = kind;
  return r;
}

}  // namespace

ParseResult BadResult(BadKind kind, std::string message) {
  ParseResult r;
  r.kind = ParseResult::Kind::kBad;
  r.bad = kind;
  r.message = std::move(message);
  return r;
}

ParseResult Assemble(V2Page* page, RawStatus* top, int notice, bool entities_from_text,
                     std::vector<Tweet>* out) {
  ParseResult r;
  if (top->normalized) {
    Tweet t;
    if (!AssembleNormalized(*top, &t, &r)) return r;
    out->push_back(std::move(t));
    r.kind = ParseResult::Kind::kTweets;
    r.tweets = 1;
    return r;
  }
  if (page->has_data) {
    if (page->data.empty()) {
      return NoticeResult(page->has_errors ? NoticeKind::kV2Errors : NoticeKind::kEmptyPage);
    }
    const V2Index index(*page);
    for (const RawStatus& d : page->data) {
      Tweet t;
      ParseResult bad;
      const bool ok = AssembleV2(d, index, entities_from_text, &t, &bad);
      if (ok) out->push_back(std::move(t));
      Count(ok, bad, &r);
    }
    return Finish(std::move(r));
  }
  if (page->has_wrapper) {
    if (page->wrapped.empty()) return NoticeResult(NoticeKind::kEmptyPage);
    for (const RawStatus& s : page->wrapped) {
      Tweet t;
      ParseResult bad;
      const bool ok = AssembleStatus(s, entities_from_text, &t, &bad);
      if (ok) out->push_back(std::move(t));
      Count(ok, bad, &r);
    }
    return Finish(std::move(r));
  }
  if (notice >= 0 && !top->tweetish) return NoticeResult(static_cast<NoticeKind>(notice));
  if (page->has_errors && !top->tweetish) return NoticeResult(NoticeKind::kV2Errors);
  if (!top->tweetish)
    return BadResult(BadKind::kUnknownShape, "object is neither tweet nor notice");
  Tweet t;
  if (!AssembleStatus(*top, entities_from_text, &t, &r)) return r;
  out->push_back(std::move(t));
  r.kind = ParseResult::Kind::kTweets;
  r.tweets = 1;
  return r;
}

}  // namespace rankflow::internal
