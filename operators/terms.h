// Terms of a tweet by kind, and time buckets: the operators behind top_terms and profanity_index.
// This is the one place that says what a term is: how it is lowercased (LowercaseTerm), whether a
// hashtag or mention keeps its sigil (AppendEntityTerm: it does not), and what a word is
// (ForEachWord). The fast v1.1 readers (operators/v1_term_scanner.h, v1_entity_reader.h) and
// ExtractTerms over a normalized Tweet all give terms through these functions.
// Pure functions, thread-safe except where a Tokenizer is passed (one per thread).
//
// Lowercasing (LowercaseTerm): ASCII; Latin-1 letters U+00C0–U+00DE (not U+00D7); Latin
// Extended-A U+0100–U+017F (pairs; U+0130 -> "i", U+0178 -> U+00FF); Greek U+0386–U+03AB
// (including accented capitals); Cyrillic U+0400–U+042F. Everything else is kept as is
// (so ß, CJK and emoji are unchanged). Invalid UTF-8 bytes are kept as they are. (The Tokenizer
// has its own, ICU full case mapping, for matching lexicons and targets against its tokens.)
//
// Words (ForEachWord): maximal runs of word code points, lowercased. Word code points are ASCII
// letters, digits and '_', and every code point >= U+00C0 except U+00D7, U+00F7, the general
// punctuation / symbol / arrow / dingbat blocks U+2000–U+2BFF, CJK punctuation U+3000–U+303F,
// variation selectors U+FE00–U+FE0F, specials U+FFF0–U+FFFF, emoji and pictographs
// U+1F000–U+1FAFF and tags U+E0000–U+E007F. So "RT @Ann: Café—naïve #Python 😀" gives
// rt, ann, café, naïve, python.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "operators/tokenizer.h"
#include "operators/tweet.h"
#include "runtime/status.h"

namespace rankflow {

enum class TweetTermKind { kHashtags, kMentions, kUrls, kWords, kEmoji };
// "hashtags" | "mentions" | "urls" | "words" | "emoji"; InvalidArgument naming the value otherwise.
Result<TweetTermKind> ParseTweetTermKind(const std::string& name);
const char* TweetTermKindName(TweetTermKind kind);

// Appends the lowercase form of text to *out (rules above).
void AppendLowercaseTerm(std::string_view text, std::string* out);
std::string LowercaseTerm(std::string_view text);
// The lowercase code point for cp under the rules above.
uint32_t LowercaseCodePoint(uint32_t cp);

bool IsWordCodePoint(uint32_t cp);
// Calls fn with each word of text, lowercased; the view is valid only during the call.
void ForEachWord(std::string_view text, const std::function<void(std::string_view)>& fn);

// The term of one raw entity as a Tweet (or a fast reader) holds it: hashtags and mentions
// lowercased (LowercaseTerm) and WITHOUT their '#' / '@' sigil; URLs as given. Other kinds:
// the text as given. Appends to *out (which it clears first); false, with *out empty, for an empty
// term, which is not counted.
bool EntityTerm(TweetTermKind kind, std::string_view raw, std::string* out);

// The terms of one normalized tweet, in text order, duplicates kept, empties dropped:
//   hashtags, mentions, urls: EntityTerm of the tweet's entities (a retweet's are the retweeted
//                             tweet's, its author first among the mentions: operators/README.md);
//   words:    ForEachWord of the text;
//   emoji:    Tokenizer emoji tokens (the tokenizer is used only for them; may be null otherwise).
std::vector<std::string> ExtractTerms(const Tweet& tweet, TweetTermKind kind, Tokenizer* tokenizer);
// The same terms, in the same order, each handed to fn as it is made (fn may move the string): no
// vector per tweet, for the readers' per-term loops.
void ForEachTerm(const Tweet& tweet, TweetTermKind kind, Tokenizer* tokenizer,
                 const std::function<void(std::string&&)>& fn);

enum class TimeBucket { kMinute, kHour, kDay };
// "minute" | "hour" | "day".
Result<TimeBucket> ParseTimeBucket(const std::string& name);
const char* TimeBucketName(TimeBucket bucket);
// Start of the UTC bucket holding epoch_ms.
int64_t BucketStartMs(int64_t epoch_ms, TimeBucket bucket);
// The bucket start as ISO-8601 UTC ("2017-05-24T20:00:00Z"); sorts in time order.
std::string BucketLabel(int64_t epoch_ms, TimeBucket bucket);

}  // namespace rankflow
