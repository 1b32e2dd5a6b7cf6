// Entity extraction from tweet text by the twitter-text rules (github.com/twitter/twitter-text,
// conformance/extract.yml): hashtags, cashtags, mentions, lists, URLs and the reply target.
// Indices are [start, end) in Unicode code points of the text as given, like tweet JSON entities.
//
// Regular expressions are ICU's (Java-compatible syntax, Unicode properties); the URL rule uses
// the TLD lists of twitter-text's tld_lib.yml, compiled into the library
// (operators/data/twitter-text/). Construction compiles the patterns (~ms): keep one
// EntityExtractor per thread and reuse it. Not thread-safe; the free functions use a
// thread-local extractor. Never throws on any input; invalid UTF-8 is read as U+FFFD.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace rankflow {

enum class EntityType { kUrl, kHashtag, kMention, kCashtag };

struct Entity {
  EntityType type = EntityType::kUrl;
  std::string value;      // hashtag/cashtag without '#'/'$', screen name without '@', the URL
  std::string list_slug;  // mentions of lists: "/slug"; else ""
  int start = 0;          // code points, [start, end), including the '#', '@' or '$'
  int end = 0;

  bool operator==(const Entity&) const = default;
};

class EntityExtractor {
 public:
  EntityExtractor();
  ~EntityExtractor();
  EntityExtractor(const EntityExtractor&) = delete;
  EntityExtractor& operator=(const EntityExtractor&) = delete;

  // URLs (with or without protocol, t.co slugs at most 40 characters).
  std::vector<Entity> Urls(std::string_view text);
  // Hashtags that do not overlap a URL.
  std::vector<Entity> Hashtags(std::string_view text);
  std::vector<Entity> Cashtags(std::string_view text);
  // Mentions and lists (list_slug set).
  std::vector<Entity> MentionsOrLists(std::string_view text);
  // Mentions only (entities with a list slug are left out).
  std::vector<Entity> Mentions(std::string_view text);
  // The screen name a tweet replies to ("@user …" at the start), or "" if none.
  std::string ReplyScreenName(std::string_view text);
  // Everything, sorted by start, overlaps removed (the earlier entity wins).
  std::vector<Entity> All(std::string_view text);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

// EntityExtractor::All with a thread-local extractor.
std::vector<Entity> ExtractEntities(std::string_view text);

}  // namespace rankflow
