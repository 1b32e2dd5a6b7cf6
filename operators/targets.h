// Targets for profanity_index: named sets of terms (names, @handles, #hashtags) and the test
// "does this tweet mention the target".
//
// Targets file, one target per line (UTF-8):
//   Label: term, term, …        e.g.  Biden: biden, joe biden, @JoeBiden, #Biden2020
//   term                        the label is the term itself
// Blank lines and lines starting with "//" are ignored. Terms are case-insensitive:
//   @handle  matches the tweet's mentions (entities) or an @handle token in its text;
//   #tag     matches the tweet's hashtags or a #tag token;
//   anything else is tokenized (operators/tokenizer.h) and matches that word sequence in the
//   tweet's tokens, where a hashtag token also counts as its word ("#trump" matches "trump").
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operators/tokenizer.h"
#include "operators/tweet.h"
#include "runtime/status.h"

namespace rankflow {

struct Target {
  std::string label;
  std::vector<std::string> mentions;              // lowercased, without '@'
  std::vector<std::string> hashtags;              // lowercased, without '#'
  std::vector<std::vector<std::string>> phrases;  // lowercased word sequences
};

// InvalidArgument naming the line for a target without terms, a duplicate label, or no targets.
Result<std::vector<Target>> ParseTargets(std::string_view text, Tokenizer* tokenizer);

// True if the tweet mentions the target. `tokens` are the tokens of tweet.text.
bool MentionsTarget(const Target& target, const Tweet& tweet, const std::vector<Token>& tokens);

}  // namespace rankflow
