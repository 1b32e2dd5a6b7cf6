// libFuzzer target for the tweet parser, the normalized writer and the twitter-text extractor.
// Built by tests/operators/fuzz/run_fuzz.sh with clang++ -fsanitize=fuzzer,address,undefined.
// Properties checked (abort = a finding):
//   - TweetParser::Parse never crashes, never throws, and its counts agree with its output;
//   - every tweet it returns, written as normalized JSON, parses back to the same tweet;
//   - EntityExtractor::All and Tokenizer never crash, and entity indices lie inside the text.
#include <unicode/unistr.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "operators/entities.h"
#include "operators/tokenizer.h"
#include "operators/tweet_parser.h"

namespace {

[[noreturn]] void Finding(const char* what, const std::string& detail) {
  std::fprintf(stderr, "fuzz finding: %s\n%s\n", what, detail.c_str());
  std::abort();
}

// Code points as the extractor sees the text: ICU's UTF-8 reading, where each invalid sequence
// becomes one U+FFFD.
size_t CodePoints(std::string_view s) {
  return static_cast<size_t>(
      icu::UnicodeString::fromUTF8(icu::StringPiece(s.data(), static_cast<int32_t>(s.size())))
          .countChar32());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static rankflow::TweetParser* parser = new rankflow::TweetParser();
  static rankflow::TweetParser* reparser = new rankflow::TweetParser();
  static rankflow::EntityExtractor* extractor = new rankflow::EntityExtractor();
  static rankflow::Tokenizer* tokenizer = new rankflow::Tokenizer();
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  std::vector<rankflow::Tweet> tweets;
  const rankflow::ParseResult r = parser->Parse(input, &tweets);
  if (static_cast<size_t>(r.tweets) != tweets.size()) Finding("count mismatch", std::string(input));
  if (r.kind == rankflow::ParseResult::Kind::kTweets && tweets.empty()) {
    Finding("kTweets without tweets", std::string(input));
  }
  for (const rankflow::Tweet& t : tweets) {
    const std::string json = rankflow::TweetToJson(t);
    std::vector<rankflow::Tweet> back;
    reparser->Parse(json, &back);
    if (back.size() != 1 || !(back[0] == t)) {
      Finding("normalized json does not parse back to the same tweet",
              json + "\n" + (back.empty() ? "(none)" : rankflow::TweetToJson(back[0])));
    }
  }

  // The extractor and tokenizer work on text; keep inputs short (ICU regex cost grows with length).
  if (size <= 2048) {
    const size_t cps = CodePoints(input);
    for (const rankflow::Entity& e : extractor->All(input)) {
      if (e.start < 0 || e.end < e.start || static_cast<size_t>(e.end) > cps) {
        Finding("entity indices outside the text", std::string(input));
      }
    }
    tokenizer->Tokenize(input);
  }
  return 0;
}
