// TweetParser: a document is read in one simdjson On-Demand pass into the raw structs of
// operators/raw_tweet.h (operators/raw_tweet_reader.h, the status keys per format in
// operators/status_fields.cpp), then operators/tweet_assemble.cpp turns them into Tweets.
#include "operators/tweet_parser.h"

#include <simdjson.h>

#include <string>
#include <utility>

#include "operators/raw_tweet.h"
#include "operators/raw_tweet_reader.h"
#include "operators/tweet_assemble.h"

namespace rankflow {

namespace od = simdjson::ondemand;
using internal::Fail;
using internal::GetObject;
using internal::RawStatus;
using internal::Reader;
using internal::V2Page;

namespace {

// Reads a scalar document fully, so that "nope" or "12x" are invalid JSON, not scalars.
void ReadScalar(od::document& doc, od::json_type type) {
  simdjson::error_code e = simdjson::SUCCESS;
  if (type == od::json_type::null) {
    bool is_null = false;
    e = doc.is_null().get(is_null);
    if (!e && !is_null) e = simdjson::N_ATOM_ERROR;
  } else if (type == od::json_type::boolean) {
    bool b = false;
    e = doc.get_bool().get(b);
  } else if (type == od::json_type::number) {
    double d = 0;
    e = doc.get_double().get(d);
  } else {
    std::string_view sv;
    e = doc.get_string().get(sv);
  }
  if (e) Fail(e);
}

// True when the whole document was consumed (simdjson 3.0 has no document::at_end()).
bool AtEnd(od::document& doc) { return doc.current_location().error() != simdjson::SUCCESS; }

}  // namespace

class TweetParser::Impl {
 public:
  explicit Impl(TweetParserOptions options) : options_(options) {}

  ParseResult Parse(std::string_view json, std::vector<Tweet>* out) {
    ParseResult result;
    const size_t before = out->size();
    try {
      ParseOrThrow(json, out, &result);
    } catch (const simdjson::simdjson_error& e) {
      out->resize(before);
      result = ParseResult();
      result.kind = ParseResult::Kind::kBad;
      result.bad = BadKind::kInvalidJson;
      result.message = std::string("invalid json: ") + simdjson::error_message(e.error());
    }
    return result;
  }

 private:
  void ParseOrThrow(std::string_view json, std::vector<Tweet>* out, ParseResult* result) {
    buffer_.reserve(json.size() + simdjson::SIMDJSON_PADDING);
    buffer_.assign(json.data(), json.size());
    Reader reader(buffer_.data() + buffer_.size());
    od::document doc;
    if (auto e = parser_.iterate(buffer_.data(), buffer_.size(), buffer_.capacity()).get(doc)) {
      Fail(e);
    }
    od::json_type type;
    if (auto e = doc.type().get(type)) Fail(e);
    V2Page page;
    RawStatus top;
    int notice = -1;
    if (type == od::json_type::object) {
      od::object obj;
      if (auto e = doc.get_object().get(obj)) Fail(e);
      reader.ReadTop(obj, &page, &top, &notice);
    } else if (type == od::json_type::array) {
      od::array arr;
      if (auto e = doc.get_array().get(arr)) Fail(e);
      page.has_wrapper = true;
      bool all_objects = true;
      reader.ForEachElement(arr, [&](od::value& el) {
        od::object o;
        if (!GetObject(el, &o)) {
          all_objects = false;
          return;
        }
        page.wrapped.emplace_back();
        reader.ReadStatusObject(o, &page.wrapped.back(), 0);
      });
      if (!all_objects) {
        if (!AtEnd(doc)) Fail(simdjson::TRAILING_CONTENT);
        *result = internal::BadResult(BadKind::kNotAnObject, "array of non-objects");
        return;
      }
    } else {
      // Scalars: read them so that malformed ones count as invalid JSON.
      ReadScalar(doc, type);
      if (!AtEnd(doc)) Fail(simdjson::TRAILING_CONTENT);
      *result = internal::BadResult(BadKind::kNotAnObject, "json scalar, not an object");
      return;
    }
    if (!AtEnd(doc)) Fail(simdjson::TRAILING_CONTENT);
    *result = internal::Assemble(&page, &top, notice, options_.entities_from_text, out);
  }

  TweetParserOptions options_;
  od::parser parser_;
  std::string buffer_;
};

TweetParser::TweetParser(TweetParserOptions options) : impl_(std::make_unique<Impl>(options)) {}
TweetParser::~TweetParser() = default;

ParseResult TweetParser::Parse(std::string_view json, std::vector<Tweet>* out) {
  return impl_->Parse(json, out);
}

const char* NoticeKindName(NoticeKind kind) {
  static const char* const kNames[kNoticeKindCount] = {
      "delete",     "limit",         "scrub_geo", "status_withheld", "user_withheld", "warning",
      "disconnect", "friends",       "event",     "direct_message",  "control",       "gnip_info",
      "gnip_error", "v2_compliance", "v2_errors", "empty_page"};
  const int i = static_cast<int>(kind);
  return i >= 0 && i < kNoticeKindCount ? kNames[i] : "unknown";
}

const char* BadKindName(BadKind kind) {
  static const char* const kNames[kBadKindCount] = {
      "invalid_json", "not_an_object", "unknown_shape", "missing_id",
      "missing_time", "missing_text",  "missing_user"};
  const int i = static_cast<int>(kind);
  return i >= 0 && i < kBadKindCount ? kNames[i] : "unknown";
}

bool SnowflakeTimeMs(std::string_view id, int64_t* epoch_ms) {
  if (!IsDecimalId(id) || id.size() > 19) return false;
  const uint64_t v = std::stoull(std::string(id));
  // Snowflake ids began in November 2010; older sequential ids are below 2^32 * 8 or so.
  constexpr uint64_t kFirstSnowflake = 29700859247ull;
  if (v < kFirstSnowflake) return false;
  *epoch_ms = static_cast<int64_t>(v >> 22) + 1288834974657ll;
  return true;
}

}  // namespace rankflow
