#include "jobs/tweetgen.h"

#include <sys/stat.h>
#include <zlib.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "jobs/tweetgen_json.h"
#include "jobs/tweetgen_text.h"
#include "jobs/tweetgen_time.h"
#include "runtime/sys.h"

namespace rankflow {

using tweetgen::AppendJsonString;
using tweetgen::CodePoints;
using tweetgen::Entity;
using tweetgen::Rng;
using tweetgen::Text;
using tweetgen::User;

class TweetSource::Impl {
 public:
  Impl(uint64_t seed, const TweetgenOptions& o, const tweetgen::TweetClock* clock)
      : rng_(seed),
        text_(&rng_),
        clock_(clock),
        bad_(o.bad_share),
        dup_(o.dup_share),
        notice_(o.notice_share) {}

  Kind Next(double position, std::string* out) {
    out->clear();
    time_ms_ = clock_->TimeAt(position);
    double u = rng_.Unit();
    if (u < bad_) {
      WriteBad(out);
      return Kind::kBad;
    }
    u -= bad_;
    if (u < dup_ && !recent_.empty()) {
      *out = recent_[rng_.Below(recent_.size())];
      return Kind::kDuplicate;
    }
    u -= dup_;
    if (u < notice_) {
      WriteNotice(out);
      return Kind::kNotice;
    }
    escape_ = rng_.Chance(0.5);
    WriteTopLevel(out);
    if (recent_.size() < 64) {
      recent_.push_back(*out);
    } else {
      recent_[rng_.Below(64)] = *out;
    }
    return Kind::kTweet;
  }

 private:
  // What a status written at ms talks about: in a burst, mostly the burst's topic, often with
  // profanity; otherwise now and then a topic, and rarely profanity (more at night, and more
  // about a topic than about anything else).
  tweetgen::Mood MoodAt(uint64_t ms) {
    tweetgen::Mood mood;
    int burst_topic = -1;
    if (rng_.Chance(clock_->BurstShare(ms, &burst_topic))) {
      mood.topic = burst_topic;
      mood.profane = rng_.Chance(kBurstProfaneShare);
      return mood;
    }
    if (rng_.Chance(kTopicShare)) mood.topic = text_.RandomTopic();
    const double profane = mood.topic >= 0 ? kTopicProfaneShare : kProfaneShare;
    mood.profane = rng_.Chance(profane * tweetgen::TweetClock::ProfanityFactor(ms));
    return mood;
  }

  uint64_t NewId(uint64_t ms) { return ((ms - 1288834974657ull) << 22) | rng_.Below(1 << 22); }

  struct Status {
    uint64_t id = 0;
    uint64_t ms = 0;
    User user;
    Text text;
  };

  // Common head of a status: created_at, ids, text, source, truncation, reply fields, user.
  void WriteStatusHead(std::string* out, const Status& s, const std::string& text, bool truncated,
                       const User* reply_to, uint64_t reply_id) {
    out->append("{\"created_at\":\"" + tweetgen::CreatedAt(s.ms) + "\",\"id\":" +
                std::to_string(s.id) + ",\"id_str\":\"" + std::to_string(s.id) + "\",\"text\":");
    AppendJsonString(out, text, escape_);
    out->append(",\"source\":");
    AppendJsonString(out, tweetgen::PickSource(rng_), escape_);
    out->append(truncated ? ",\"truncated\":true" : ",\"truncated\":false");
    if (reply_to != nullptr) {
      out->append(",\"in_reply_to_status_id\":" + std::to_string(reply_id) +
                  ",\"in_reply_to_status_id_str\":\"" + std::to_string(reply_id) +
                  "\",\"in_reply_to_user_id\":" + std::to_string(reply_to->id) +
                  ",\"in_reply_to_user_id_str\":\"" + std::to_string(reply_to->id) +
                  "\",\"in_reply_to_screen_name\":");
      AppendJsonString(out, reply_to->screen_name, escape_);
    } else {
      out->append(
          ",\"in_reply_to_status_id\":null,\"in_reply_to_status_id_str\":null,"
          "\"in_reply_to_user_id\":null,\"in_reply_to_user_id_str\":null,"
          "\"in_reply_to_screen_name\":null");
    }
    out->append(",\"user\":");
    tweetgen::WriteUser(out, s.user, escape_);
    out->append(",\"geo\":null,\"coordinates\":null,\"place\":null,\"contributors\":null");
  }

  void WriteCounts(std::string* out, const Status& s) {
    out->append(",\"quote_count\":" + std::to_string(rng_.Below(50)) +
                ",\"reply_count\":" + std::to_string(rng_.Below(100)) +
                ",\"retweet_count\":" + std::to_string(rng_.Skewed(10000)) +
                ",\"favorite_count\":" + std::to_string(rng_.Skewed(50000)));
    (void)s;
  }

  // An extended status's classic text: cut at a token boundary and ended with "… <link>"; its
  // entities are those before the cut plus that link (to the status on twitter.com).
  void CutClassic(const Status& s, std::string* text, std::vector<Entity>* classic) {
    size_t cut = 0;
    size_t cps = 0;
    for (size_t i = 0; i < text->size(); ++i) {
      if ((static_cast<unsigned char>((*text)[i]) & 0xC0) != 0x80) ++cps;
      if ((*text)[i] == ' ' && cps <= 114) cut = i;
    }
    text->resize(cut);
    const size_t visible_cps = CodePoints(*text);
    std::string link = text_.TcoUrl();
    *text += "… " + link;
    for (const Entity& e : s.text.entities) {
      if (e.end <= visible_cps) classic->push_back(e);
    }
    classic->push_back(Entity{Entity::kUrl, link,
                              "https://twitter.com/i/web/status/" + std::to_string(s.id), 0,
                              visible_cps + 2, visible_cps + 2 + CodePoints(link)});
  }

  // An original status (plain, reply, quote or extended), as a top-level line or nested.
  void WriteOriginal(std::string* out, int depth, Status* made) {
    Status s;
    // A retweeted or quoted status is from the last day, mostly from the last few hours.
    s.ms = time_ms_ - (depth > 0 ? rng_.Skewed(86400000) : 0);
    s.id = NewId(s.ms);
    s.user = text_.RandomUser();
    bool reply = rng_.Chance(0.15);
    bool quote = depth == 0 && rng_.Chance(0.12);
    bool extended = rng_.Chance(0.3);
    User reply_to;
    if (reply) {
      reply_to = text_.RandomUser();
      s.text.AppendEntity("@" + reply_to.screen_name, Entity{Entity::kMention, reply_to.screen_name,
                                                             reply_to.name, reply_to.id, 0, 0});
    }
    const size_t body_cps = extended ? 160 + rng_.Below(100) : 40 + rng_.Below(90);
    // What people retweet and quote is what they talk about now: a nested status's text is
    // about the topic of the moment too.
    Text body = text_.MakeText(body_cps, MoodAt(time_ms_));
    for (Entity e : body.entities) {
      size_t shift = s.text.cps + (s.text.s.empty() ? 0 : 1);
      e.begin += shift;
      e.end += shift;
      s.text.entities.push_back(e);
    }
    s.text.Append(body.s);
    if (quote) {
      std::string url = text_.TcoUrl();
      s.text.AppendEntity(
          url, Entity{Entity::kUrl, url, "https://twitter.com/" + s.user.screen_name + "/status/1",
                      0, 0, 0});
    }
    bool truncated = s.text.cps > 140;
    std::string text = s.text.s;
    std::vector<Entity> classic;
    if (truncated) CutClassic(s, &text, &classic);
    WriteStatusHead(out, s, text, truncated, reply ? &reply_to : nullptr,
                    reply ? NewId(s.ms - 1000) : 0);
    if (quote) {
      Status q;
      out->append(",\"is_quote_status\":true,\"quoted_status\":");
      WriteOriginal(out, depth + 1, &q);
      out->append(",\"quoted_status_id\":" + std::to_string(q.id) + ",\"quoted_status_id_str\":\"" +
                  std::to_string(q.id) + "\"");
    } else {
      out->append(",\"is_quote_status\":false");
    }
    if (truncated) {
      out->append(",\"extended_tweet\":{\"full_text\":");
      AppendJsonString(out, s.text.s, escape_);
      out->append(",\"display_text_range\":[0," + std::to_string(s.text.cps) + "],\"entities\":");
      tweetgen::WriteEntities(out, s.text.entities, ~size_t{0}, escape_);
      out->push_back('}');
    }
    WriteCounts(out, s);
    out->append(",\"entities\":");
    tweetgen::WriteEntities(out, truncated ? classic : s.text.entities, ~size_t{0}, escape_);
    out->append(",\"favorited\":false,\"retweeted\":false,\"filter_level\":\"low\",\"lang\":\"");
    out->append(tweetgen::PickLang(rng_));
    out->append("\"");
    if (depth == 0) out->append(",\"timestamp_ms\":\"" + std::to_string(s.ms) + "\"");
    out->push_back('}');
    *made = std::move(s);
  }

  // A retweet: "RT @user: " + the original's text cut to 140 code points; own entities.
  void WriteRetweet(std::string* out) {
    std::string original;
    Status o;
    WriteOriginal(&original, 1, &o);
    Status s;
    s.ms = time_ms_;
    s.id = NewId(s.ms);
    s.user = text_.RandomUser();
    std::string prefix = "RT @" + o.user.screen_name + ":";
    s.text.s = prefix;
    s.text.cps = CodePoints(prefix);
    s.text.entities.push_back(Entity{Entity::kMention, o.user.screen_name, o.user.name, o.user.id,
                                     3, 3 + 1 + CodePoints(o.user.screen_name)});
    size_t shift = s.text.cps + 1;
    s.text.s += " " + o.text.s;
    s.text.cps += 1 + o.text.cps;
    for (Entity e : o.text.entities) {
      e.begin += shift;
      e.end += shift;
      if (e.end <= 139) s.text.entities.push_back(e);
    }
    std::string text = s.text.s;
    if (s.text.cps > 140) {
      size_t cps = 0;
      size_t i = 0;
      for (; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80 && ++cps > 139) break;
      }
      text = text.substr(0, i) + "…";
    }
    WriteStatusHead(out, s, text, false, nullptr, 0);
    out->append(",\"retweeted_status\":");
    out->append(original);
    out->append(",\"is_quote_status\":false");
    WriteCounts(out, s);
    out->append(",\"entities\":");
    tweetgen::WriteEntities(out, s.text.entities, 139, escape_);
    out->append(",\"favorited\":false,\"retweeted\":false,\"filter_level\":\"low\",\"lang\":\"");
    out->append(tweetgen::PickLang(rng_));
    out->append("\",\"timestamp_ms\":\"" + std::to_string(s.ms) + "\"}");
  }

  void WriteTopLevel(std::string* out) {
    if (rng_.Chance(0.49)) {
      WriteRetweet(out);
      return;
    }
    Status s;
    WriteOriginal(out, 0, &s);
  }

  void WriteNotice(std::string* out) {
    if (rng_.Chance(0.8)) {
      uint64_t id = NewId(time_ms_ - rng_.Below(1000000000));
      uint64_t user = 1000 + rng_.Skewed(5000000);
      out->append("{\"delete\":{\"status\":{\"id\":" + std::to_string(id) + ",\"id_str\":\"" +
                  std::to_string(id) + "\",\"user_id\":" + std::to_string(user) +
                  ",\"user_id_str\":\"" + std::to_string(user) + "\"},\"timestamp_ms\":\"" +
                  std::to_string(time_ms_) + "\"}}");
      return;
    }
    out->append("{\"limit\":{\"track\":" + std::to_string(rng_.Below(5000)) +
                ",\"timestamp_ms\":\"" + std::to_string(time_ms_) + "\"}}");
  }

  void WriteBad(std::string* out) {
    switch (rng_.Below(3)) {
      case 0: {  // a tweet cut off mid-line, as when a stream connection drops
        std::string full;
        Status s;
        escape_ = false;
        WriteOriginal(&full, 0, &s);
        *out = full.substr(0, 1 + rng_.Below(full.size() * 9 / 10));
        return;
      }
      case 1:
        out->append("<html><body><h1>503 Service Unavailable</h1></body></html>");
        return;
      default:
        out->append("{\"id_str\":\"12\",\"text\":\"unterminated string}");
        return;
    }
  }

  // Shares of original statuses (a retweet repeats its original's text).
  static constexpr double kTopicShare = 0.05;         // name a topic outside bursts
  static constexpr double kProfaneShare = 0.015;      // profane, no topic (times the hour's factor)
  static constexpr double kTopicProfaneShare = 0.05;  // profane, naming a topic
  static constexpr double kBurstProfaneShare = 0.35;  // profane, in a burst about its topic

  Rng rng_;
  tweetgen::TextMaker text_;
  const tweetgen::TweetClock* clock_;
  double bad_;
  double dup_;
  double notice_;
  uint64_t time_ms_ = 0;
  bool escape_ = false;
  std::vector<std::string> recent_;
};

TweetSource::TweetSource(uint64_t seed, const TweetgenOptions& shares,
                         const tweetgen::TweetClock* clock)
    : impl_(std::make_unique<Impl>(seed, shares, clock)) {}
TweetSource::~TweetSource() = default;
TweetSource::Kind TweetSource::Next(double position, std::string* out) {
  return impl_->Next(position, out);
}

namespace {

constexpr int64_t kDayMs = 86'400'000;
constexpr int64_t kDefaultStartMs = 1'577'836'800'000;   // 2020-01-01T00:00:00Z
constexpr int64_t kEarliestStartMs = 1'293'840'000'000;  // 2011-01-01T00:00:00Z
constexpr int64_t kLatestEndMs = 4'102'444'800'000;      // 2100-01-01T00:00:00Z

// File `index` holds the lines at positions [index, index + 1) / files of the archive.
Status WriteOneFile(const TweetgenOptions& o, const tweetgen::TweetClock& clock, int index,
                    uint64_t target_bytes, TweetgenFileStats* st) {
  char name[64];
  std::snprintf(name, sizeof name, "tweets-%05d.jsonl.gz", index);
  st->path = o.dest + "/" + name;
  std::string tmp = o.dest + "/." + name + ".tmp";
  std::FILE* f = std::fopen(tmp.c_str(), "wb");
  if (f == nullptr) return Status::IOError(tmp + ": cannot create: " + ErrnoText(errno));
  z_stream z{};
  // windowBits 15 + 16: a gzip wrapper; zlib writes mtime 0, so output is reproducible.
  if (deflateInit2(&z, o.gzip_level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    std::fclose(f);
    return Status::Internal("deflateInit2 failed");
  }
  TweetSource source(o.seed * 1000003ull + static_cast<uint64_t>(index), o, &clock);
  std::string line;
  std::string pending;
  std::string zout(1 << 20, '\0');
  bool ok = true;
  auto deflate_some = [&](int flush) {
    z.next_in = reinterpret_cast<Bytef*>(pending.data());
    z.avail_in = static_cast<uInt>(pending.size());
    do {
      z.next_out = reinterpret_cast<Bytef*>(zout.data());
      z.avail_out = static_cast<uInt>(zout.size());
      deflate(&z, flush);
      size_t n = zout.size() - z.avail_out;
      if (n > 0 && std::fwrite(zout.data(), 1, n, f) != n) ok = false;
    } while (z.avail_out == 0);
    pending.clear();
  };
  while (st->bytes < target_bytes) {
    const double in_file = static_cast<double>(st->bytes) / static_cast<double>(target_bytes);
    switch (source.Next((index + in_file) / o.files, &line)) {
      case TweetSource::Kind::kTweet:
        ++st->tweets;
        break;
      case TweetSource::Kind::kNotice:
        ++st->notices;
        break;
      case TweetSource::Kind::kBad:
        ++st->bad_lines;
        break;
      case TweetSource::Kind::kDuplicate:
        ++st->duplicates;
        break;
    }
    pending += line;
    pending += '\n';
    ++st->lines;
    st->bytes += line.size() + 1;
    if (pending.size() >= (1 << 20)) deflate_some(Z_NO_FLUSH);
  }
  deflate_some(Z_FINISH);
  deflateEnd(&z);
  if (std::fclose(f) != 0) ok = false;
  if (!ok) {
    std::remove(tmp.c_str());
    return Status::IOError(st->path + ": write failed: " + ErrnoText(errno));
  }
  if (std::rename(tmp.c_str(), st->path.c_str()) != 0) {
    return Status::IOError(st->path + ": rename failed: " + ErrnoText(errno));
  }
  return Status::OK();
}

}  // namespace

Status GenerateArchive(const TweetgenOptions& options, std::vector<TweetgenFileStats>* stats) {
  if (options.files <= 0) return Status::InvalidArgument("--files must be at least 1");
  // Bounded so that the byte count (total_mb * 10^6) fits a uint64 with room to spare.
  if (!(options.total_mb > 0 && options.total_mb <= 1e9)) {
    return Status::InvalidArgument("--mb must be positive and at most 1000000000");
  }
  if (options.bad_share < 0 || options.dup_share < 0 || options.notice_share < 0 ||
      options.bad_share + options.dup_share + options.notice_share > 1) {
    return Status::InvalidArgument("--bad-share, --dup-share and notices must be shares in [0, 1]");
  }
  TweetgenOptions o = options;
  if (o.start_ms == -1) o.start_ms = kDefaultStartMs + static_cast<int64_t>(o.seed % 1000) * kDayMs;
  if (o.start_ms < kEarliestStartMs || o.start_ms >= kLatestEndMs) {
    return Status::InvalidArgument("--start must be from 2011-01-01 to 2099-12-31");
  }
  if (o.days < 1 || o.days > tweetgen::TweetClock::kMaxDays) {
    return Status::InvalidArgument("--days must be from 1 to " +
                                   std::to_string(tweetgen::TweetClock::kMaxDays));
  }
  std::error_code ec;
  std::filesystem::create_directories(o.dest, ec);
  if (ec) return Status::IOError(o.dest + ": cannot create folder: " + ec.message());
  const tweetgen::TweetClock clock(static_cast<uint64_t>(o.start_ms), o.days, o.seed,
                                   static_cast<int>(tweetgen::Topics().size()));
  const uint64_t total = static_cast<uint64_t>(o.total_mb * 1e6);
  stats->assign(o.files, TweetgenFileStats{});
  for (int i = 0; i < o.files; ++i) {
    uint64_t target = total / o.files + (static_cast<uint64_t>(i) < total % o.files);
    RF_RETURN_IF_ERROR(WriteOneFile(o, clock, i, target, &(*stats)[i]));
  }
  return Status::OK();
}

}  // namespace rankflow