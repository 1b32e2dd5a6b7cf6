// Internal to operators/: the retweet rule of the normalized tweet, written once
// (operators/README.md, "Retweets"), for TweetParser's assembler (v1.1, Gnip shares, v2) and the
// fast V1EntityReader.
//   - A status's entities are its extended ones (extended_tweet / long_object) when those hold any,
//     else its classic ones (PreferredEntities).
//   - A retweet reads as the retweeted tweet when that tweet's text and its author's screen name
//     are known (ReadsAsRetweeted): text "RT @<author>: " + the retweeted full text, the retweeted
//     tweet's entities and media. Otherwise it reads as itself (its own, truncated text).
//   - Read as the retweeted tweet, its mentions start with the retweeted author, when the retweeted
//     tweet carries an entities object (without one, entities come from the "RT @<author>: " text,
//     which already names the author first): LeadWithRetweetedAuthor.
// Header-only (the fuzz targets compile the readers by hand).
#pragma once

#include <string_view>

namespace rankflow::internal {

// has_extended: the status has an extended_tweet / long_object; extended_has_any: its entities
// object is present or holds any entity.
template <typename Entities>
const Entities& PreferredEntities(bool has_extended, bool extended_has_any,
                                  const Entities& extended, const Entities& classic) {
  return has_extended && extended_has_any ? extended : classic;
}

inline bool ReadsAsRetweeted(bool retweeted_text_known, std::string_view retweeted_screen_name) {
  return retweeted_text_known && !retweeted_screen_name.empty();
}

// Strings: a vector of std::string or std::string_view.
template <typename Strings>
void LeadWithRetweetedAuthor(std::string_view screen_name, bool retweeted_has_entities,
                             Strings* mentions) {
  if (retweeted_has_entities) {
    mentions->insert(mentions->begin(), typename Strings::value_type(screen_name));
  }
}

}  // namespace rankflow::internal
