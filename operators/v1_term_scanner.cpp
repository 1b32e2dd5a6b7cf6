#include "operators/v1_term_scanner.h"

#include <algorithm>

namespace rankflow {
namespace {

namespace od = simdjson::ondemand;

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

}  // namespace

V1LineClass V1TermScanner::Classify(std::string_view line) {
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
    return V1LineClass::kInvalidJson;
  }
  od::json_type type;
  if (doc.type().get(type)) return V1LineClass::kInvalidJson;
  if (type != od::json_type::object) {
    // On-Demand only peeked at the first byte ("not json" looks like null): validate fully. Rare.
    simdjson::dom::element ignored;
    if (dom_parser_.parse(padded_.data(), line.size(), false).get(ignored)) {
      return V1LineClass::kInvalidJson;
    }
    return V1LineClass::kNotATweet;
  }
  od::object obj;
  if (doc.get_object().get(obj)) return V1LineClass::kInvalidJson;
  bool has_id = false;
  bool notice = false;
  bool normalized = false;
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return V1LineClass::kInvalidJson;
    if (key == "id_str" || key == "id") {
      has_id = true;
    } else if (key == "text" || key == "full_text") {
      std::string_view* dst = key == "text" ? &text_ : &full_text_;
      if (field.value().get_string().get(*dst)) return V1LineClass::kInvalidJson;
    } else if (key == "entities") {
      if (!ReadHashtags(field.value(), &tags_)) return V1LineClass::kInvalidJson;
    } else if (key == "extended_tweet") {
      od::object ext;
      if (field.value().get_object().get(ext)) return V1LineClass::kInvalidJson;
      has_extended_ = true;
      for (auto ef : ext) {
        std::string_view ekey;
        if (ef.unescaped_key().get(ekey)) return V1LineClass::kInvalidJson;
        if (ekey == "full_text") {
          if (ef.value().get_string().get(extended_text_)) return V1LineClass::kInvalidJson;
        } else if (ekey == "entities") {
          if (!ReadHashtags(ef.value(), &extended_tags_)) return V1LineClass::kInvalidJson;
        }
      }
    } else if (IsNoticeKey(key)) {
      notice = true;
    } else if (key == "hashtags" || key == "source_format") {
      // rankflow's normalized tweet (load_tweets' output): its entities are top-level lists,
      // which this reader does not read; TweetParser does.
      normalized = true;
    }
  }
  // The whole object was consumed: a truncated line or trailing bytes show up here.
  if (doc.current_depth() != 0) return V1LineClass::kInvalidJson;
  const char* rest = nullptr;
  if (!doc.current_location().get(rest)) return V1LineClass::kInvalidJson;
  if (notice) return V1LineClass::kNotice;
  if (normalized) return V1LineClass::kNotATweet;
  bool has_text = !text_.empty() || !full_text_.empty() || has_extended_;
  return has_id && has_text ? V1LineClass::kTweet : V1LineClass::kNotATweet;
}

V1LineClass V1TermScanner::Scan(std::string_view line,
                                const std::function<void(std::string_view)>& fn) {
  V1LineClass c = Classify(line);
  if (c != V1LineClass::kTweet) return c;
  if (kind_ == TweetTermKind::kHashtags) {
    for (std::string_view tag : has_extended_ ? extended_tags_ : tags_) {
      if (EntityTerm(TweetTermKind::kHashtags, tag, &term_)) fn(term_);
    }
    return c;
  }
  std::string_view text = !extended_text_.empty() ? extended_text_
                          : !full_text_.empty()   ? full_text_
                                                  : text_;
  ForEachWord(text, fn);
  return c;
}

}  // namespace rankflow
