#include "operators/term_lines.h"

#include <string>
#include <vector>

#include "operators/v1_entity_reader.h"
#include "operators/v1_term_scanner.h"

namespace rankflow {

TermLines::TermLines(Metrics* metrics, const TermLinesOptions& options)
    : options_(options),
      tweets_(metrics->Counter("tweets")),
      notices_(metrics->Counter("notices")),
      terms_(metrics->Counter("terms")),
      full_(metrics, {}, TweetCounting::kTwoKinds) {
  if (options.full_parser_only) return;
  const TweetTermKind kind = options.kind;
  if (!options.need_time && (kind == TweetTermKind::kHashtags || kind == TweetTermKind::kWords)) {
    scanner_ = std::make_unique<V1TermScanner>(kind);
  } else if (kind == TweetTermKind::kHashtags || kind == TweetTermKind::kMentions ||
             kind == TweetTermKind::kUrls) {
    entities_ = std::make_unique<V1EntityReader>(kind);
  }
}

TermLines::~TermLines() = default;

namespace {

// load_tweets' normalized tweets (and Gnip activities) open with a string "id"; a v1.1 status's
// id is a number. The fast readers would decline such a line only after reading all of it.
bool OpensWithStringId(std::string_view line) { return line.starts_with("{\"id\":\""); }

}  // namespace

void TermLines::Handle(std::string_view line, LineContext& ctx, const TermFn& fn) {
  const bool fast = !OpensWithStringId(line);
  if (fast && scanner_ != nullptr) {
    switch (scanner_->Scan(line, [&](std::string_view term) {
      ++*terms_;
      fn(0, term);
    })) {
      case V1LineClass::kTweet:
        ++*tweets_;
        return;
      case V1LineClass::kNotice:
        ++*notices_;
        return;
      case V1LineClass::kInvalidJson:
        ctx.BadLine("invalid_json");
        return;
      case V1LineClass::kNotATweet:
        break;  // TweetParser's
    }
  } else if (int64_t ms = 0; fast && entities_ != nullptr && entities_->Read(line, &ms)) {
    ++*tweets_;
    for (std::string_view raw : entities_->terms()) {
      if (!EntityTerm(options_.kind, raw, &term_)) continue;
      ++*terms_;
      fn(ms, term_);
    }
    return;
  }
  full_.Handle(line, ctx, [&](Tweet& t) {
    if (options_.kind == TweetTermKind::kEmoji && tokenizer_ == nullptr) {
      tokenizer_ = std::make_unique<Tokenizer>();
    }
    ForEachTerm(t, options_.kind, tokenizer_.get(), [&](std::string&& term) {
      ++*terms_;
      fn(t.timestamp_ms, term);
    });
  });
}

}  // namespace rankflow
