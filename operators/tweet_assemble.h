// Internal to operators/: turns the raw fields read by raw_tweet_reader.h into normalized Tweets.
// Pure functions, no JSON library; tests reach them through TweetParser.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "operators/raw_tweet.h"
#include "operators/tweet.h"
#include "operators/tweet_parser.h"

namespace rankflow::internal {

// What a top-level document held besides a status: a v2 page, a REST/Gnip wrapper, a notice.
struct V2Page {
  bool has_data = false;
  bool has_errors = false;
  bool has_wrapper = false;  // {"statuses":[…]}, {"activities":[…]} or a top-level array
  std::vector<RawStatus> data;
  std::vector<RawUser> users;
  std::vector<RawStatus> tweets;
  std::vector<std::pair<std::string_view, std::string_view>> places;  // (id, full_name)
  std::vector<RawStatus> wrapped;
};

ParseResult BadResult(BadKind kind, std::string message);

// Decides what the document was and appends its tweets. `notice` is a NoticeKind or -1.
ParseResult Assemble(V2Page* page, RawStatus* top, int notice, bool entities_from_text,
                     std::vector<Tweet>* out);

}  // namespace rankflow::internal
