// The keys of a status and what each one fills in RawStatus: one table per input format (v1.1
// status, Gnip activity, v2 tweet, rankflow's normalized tweet), each entry a key and a small
// named handler. The reader does not know the format until the whole object is read (one forward
// pass), so every key of every table is looked up in every status object: the tables are merged at
// compile time into one open-addressing hash table. A key shared by several formats ("id",
// "text", "geo" …) has one handler, which reads every format's form of it; the merge fails to
// compile if two tables give one key different handlers.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "operators/raw_tweet_reader.h"

namespace rankflow::internal {

namespace {

using Handler = void (*)(Reader& r, od::value& v, RawStatus* s, int depth);

// Handlers of one kind of field, by the RawStatus member they fill.
template <std::string_view RawStatus::*kField>
void String(Reader&, od::value& v, RawStatus* s, int) {
  GetString(v, &(s->*kField));
}

template <bool RawStatus::*kField>
void Bool(Reader&, od::value& v, RawStatus* s, int) {
  GetBool(v, &(s->*kField));
}

// A text that only tweets carry; *_present tells an empty text from a missing one.
template <std::string_view RawStatus::*kField, bool RawStatus::*kPresent>
void Text(Reader&, od::value& v, RawStatus* s, int) {
  s->*kPresent = GetString(v, &(s->*kField));
  s->tweetish = true;
}

template <std::unique_ptr<RawStatus> RawStatus::*kField>
void Nested(Reader& r, od::value& v, RawStatus* s, int depth) {
  s->*kField = r.ReadNested(v, depth);
}

void QuotedStatus(Reader& r, od::value& v, RawStatus* s, int) { s->quoted = r.ReadIdOnly(v); }

void Author(Reader& r, od::value& v, RawStatus* s, int) {
  r.ReadUser(v, &s->user);
  s->tweetish = true;
}

void Entities(Reader& r, od::value& v, RawStatus* s, int) { r.ReadEntities(v, &s->entities); }

void ExtendedMedia(Reader& r, od::value& v, RawStatus* s, int) {
  s->extended_media = r.ReadMediaCount(v);
}

// Entity lists at the status level (normalized), or an entities object's lists.
void Hashtags(Reader& r, od::value& v, RawStatus* s, int) {
  r.ReadNames(v, "text", "tag", &s->entities.hashtags);
}

void Mentions(Reader& r, od::value& v, RawStatus* s, int) {
  r.ReadNames(v, "screen_name", "username", &s->entities.mentions);
}

void Urls(Reader& r, od::value& v, RawStatus* s, int) {
  r.ReadNames(v, "expanded_url", "url", &s->entities.urls);
}

// A string id (v1 "id_str" aside: Gnip tag, v2, normalized), else a number of at most 2^53.
void Id(Reader&, od::value& v, RawStatus* s, int) {
  if (IsString(v)) {
    GetString(v, &s->id_string);
    return;
  }
  int64_t n = -1;
  if (GetInt(v, &n) && n > 0 && n <= (int64_t{1} << 53)) s->id_number = n;
}

// v1: a string of digits; normalized: a number.
void TimestampMs(Reader&, od::value& v, RawStatus* s, int) {
  if (!IsString(v)) {
    GetInt(v, &s->timestamp_ms);
    return;
  }
  std::string str;
  if (GetString(v, &str) && IsDecimalId(str) && str.size() < 16) s->timestamp_ms = std::stoll(str);
}

void Coordinates(Reader& r, od::value& v, RawStatus* s, int) { r.ReadCoordinates(v, s); }
void Geo(Reader& r, od::value& v, RawStatus* s, int) { r.ReadGeo(v, s); }

// v1 {"full_name":…}; normalized: the name itself.
void Place(Reader& r, od::value& v, RawStatus* s, int) { r.ReadMember(v, "full_name", &s->place); }

// Gnip "location": {"displayName":…}.
void Location(Reader& r, od::value& v, RawStatus* s, int) {
  r.ReadMember(v, "displayName", &s->place);
}

// Gnip "inReplyTo": {"link": ".../statuses/<id>"}.
void InReplyToLink(Reader& r, od::value& v, RawStatus* s, int) {
  std::string_view link;
  r.ReadMember(v, "link", &link);
  s->in_reply_to = TrailingId(link);
}

void ReferencedTweets(Reader& r, od::value& v, RawStatus* s, int) { r.ReadReferenced(v, s); }
void Attachments(Reader& r, od::value& v, RawStatus* s, int) { r.ReadAttachments(v, s); }

void Followers(Reader&, od::value& v, RawStatus* s, int) { GetInt(v, &s->followers); }

void MediaCount(Reader&, od::value& v, RawStatus* s, int) {
  int64_t n = 0;
  if (GetInt(v, &n) && n >= 0 && n < (1 << 30)) s->media_count = static_cast<int>(n);
}

// Its presence marks the line as rankflow's normalized tweet.
void NormalizedFormat(Reader&, od::value& v, RawStatus* s, int) {
  std::string str;
  if (!GetString(v, &str)) return;
  s->normalized = true;
  s->normalized_format = str == "gnip" ? SourceFormat::kGnip
                         : str == "v2" ? SourceFormat::kV2
                                       : SourceFormat::kV1;
}

struct KeyHandler {
  std::string_view key;
  Handler read;
};

// v1.1 status (REST, streaming, extended_tweet).
constexpr KeyHandler kV1Status[] = {
    {"id_str", String<&RawStatus::id_str>},
    {"id", Id},
    {"created_at", String<&RawStatus::created_at>},
    {"timestamp_ms", TimestampMs},
    {"text", Text<&RawStatus::text, &RawStatus::text_present>},
    {"full_text", Text<&RawStatus::full_text, &RawStatus::full_text_present>},
    {"lang", String<&RawStatus::lang>},
    {"user", Author},
    {"entities", Entities},
    {"extended_entities", ExtendedMedia},
    {"extended_tweet", Nested<&RawStatus::extended>},
    {"retweeted_status", Nested<&RawStatus::retweeted>},
    {"quoted_status", QuotedStatus},
    {"quoted_status_id_str", String<&RawStatus::quoted_id_str>},
    {"in_reply_to_status_id_str", String<&RawStatus::in_reply_to>},
    {"coordinates", Coordinates},
    {"geo", Geo},
    {"place", Place},
};

// Gnip Activity Streams activity.
constexpr KeyHandler kGnipActivity[] = {
    {"id", Id},
    {"postedTime", String<&RawStatus::posted_time>},
    {"body", Text<&RawStatus::body, &RawStatus::body_present>},
    {"actor", Author},
    {"verb", String<&RawStatus::verb>},
    {"object", Nested<&RawStatus::object>},
    {"long_object", Nested<&RawStatus::extended>},
    {"twitter_entities", Entities},
    {"twitter_extended_entities", ExtendedMedia},
    {"twitter_quoted_status", QuotedStatus},
    {"twitter_lang", String<&RawStatus::lang>},
    {"inReplyTo", InReplyToLink},
    {"location", Location},
    {"geo", Geo},
};

// API v2 tweet (a page's data[] or includes.tweets[]).
constexpr KeyHandler kV2Tweet[] = {
    {"id", Id},
    {"created_at", String<&RawStatus::created_at>},
    {"text", Text<&RawStatus::text, &RawStatus::text_present>},
    {"author_id", String<&RawStatus::author_id>},
    {"lang", String<&RawStatus::lang>},
    {"entities", Entities},
    {"referenced_tweets", ReferencedTweets},
    {"attachments", Attachments},
    {"geo", Geo},
};

// rankflow's normalized tweet (operators/README.md), read back; "user_mentions" is also taken
// for "mentions".
constexpr KeyHandler kNormalizedTweet[] = {
    {"id", Id},
    {"created_at", String<&RawStatus::created_at>},
    {"timestamp_ms", TimestampMs},
    {"user_id", String<&RawStatus::user_id>},
    {"screen_name", String<&RawStatus::screen_name>},
    {"followers", Followers},
    {"lang", String<&RawStatus::lang>},
    {"text", Text<&RawStatus::text, &RawStatus::text_present>},
    {"is_retweet", Bool<&RawStatus::is_retweet>},
    {"is_quote", Bool<&RawStatus::is_quote>},
    {"is_reply", Bool<&RawStatus::is_reply>},
    {"retweeted_id", String<&RawStatus::retweeted_id>},
    {"quoted_id", String<&RawStatus::quoted_id>},
    {"in_reply_to_id", String<&RawStatus::in_reply_to_id>},
    {"hashtags", Hashtags},
    {"mentions", Mentions},
    {"user_mentions", Mentions},
    {"urls", Urls},
    {"media_count", MediaCount},
    {"coordinates", Coordinates},
    {"place", Place},
    {"source_format", NormalizedFormat},
    {"retweeted_user_id", String<&RawStatus::retweeted_user_id>},
    {"retweeted_screen_name", String<&RawStatus::retweeted_screen_name>},
};

// The merged table: 128 slots for the ~50 keys, linear probing. The hash of length, first and
// last byte puts all but one pair of today's keys in distinct slots, and most keys that no
// table reads (v1's "source", "retweet_count" …) in an empty one: one probe per key.
constexpr size_t kSlots = 128;

constexpr size_t SlotOf(std::string_view key) {
  return (key.size() * 37 + static_cast<unsigned char>(key.front()) * 31 +
          static_cast<unsigned char>(key.back())) &
         (kSlots - 1);
}

struct KeyTable {
  std::array<KeyHandler, kSlots> slots{};
  size_t used = 0;  // distinct keys
};

template <size_t N>
constexpr void Insert(const KeyHandler (&entries)[N], KeyTable* table) {
  for (const KeyHandler& e : entries) {
    size_t i = SlotOf(e.key);
    while (table->slots[i].read != nullptr && table->slots[i].key != e.key) {
      i = (i + 1) & (kSlots - 1);
    }
    KeyHandler& slot = table->slots[i];
    // Not a constant expression, so a compile error: one key, two meanings.
    if (slot.read != nullptr && slot.read != e.read) throw "two handlers for one status key";
    if (slot.read == nullptr) ++table->used;
    slot = e;
  }
}

constexpr KeyTable MergeFormats() {
  KeyTable table;
  Insert(kV1Status, &table);
  Insert(kGnipActivity, &table);
  Insert(kV2Tweet, &table);
  Insert(kNormalizedTweet, &table);
  return table;
}

constexpr KeyTable kStatusKeys = MergeFormats();
static_assert(kStatusKeys.used <= kSlots / 2, "the status key table wants more slots");

Handler FindHandler(std::string_view key) {
  if (key.empty()) return nullptr;
  for (size_t i = SlotOf(key);; i = (i + 1) & (kSlots - 1)) {
    const KeyHandler& slot = kStatusKeys.slots[i];
    if (slot.read == nullptr || slot.key == key) return slot.read;
  }
}

}  // namespace

bool Reader::ReadStatusField(std::string_view key, od::value& v, RawStatus* s, int depth) {
  const Handler read = FindHandler(key);
  if (read == nullptr) return false;
  read(*this, v, s, depth);
  return true;
}

bool IsStatusKey(std::string_view key) { return FindHandler(key) != nullptr; }

void Reader::ReadStatusObject(od::object& obj, RawStatus* s, int depth) {
  ForEachField(obj,
               [&](std::string_view key, od::value& fv) { ReadStatusField(key, fv, s, depth); });
}

}  // namespace rankflow::internal
