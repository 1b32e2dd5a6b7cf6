// V1EntityReader: a fast reader of plain Twitter v1.1 statuses for one kind of entity term
// (hashtags, mentions or urls), with TweetParser's semantics, for jobs that count entities
// (top_terms). It answers only lines it is sure of and declines every other line, which the caller
// then gives to TweetParser; so a job gets the parser's answer on every line, faster.
//
//   V1EntityReader fast(TweetTermKind::kMentions);
//   int64_t ms = 0;
//   if (fast.Read(line, &ms)) { for (std::string_view t : fast.terms()) Count(ms, t); }
//   else { /* TweetParser::Parse(line, …) */ }
//
// Contract: when Read returns true, TweetParser::Parse(line) gives exactly one tweet, whose
// timestamp_ms is *epoch_ms and whose hashtags / mentions / urls list is terms() (raw, as the
// parser's Tweet holds them: not lowercased, empties kept). Checked line by line against the
// parser by v1_entity_reader_test and by the differential libFuzzer target
// tests/operators/fuzz/v1_entity_fuzz.cpp.
//
// What it answers: a line that is valid JSON from its first to its last byte (strict RFC 8259 and
// UTF-8, checked in full with simdjson's DOM parser, depth at most 1024), holding one object with
// a decimal id_str, a v1.1 created_at (and a string timestamp_ms when present), a user object
// with a screen name or id, a non-empty text, an entities object (so no entities come from the
// text), no escaped or repeated key among those it reads, and no key of another shape (Gnip, v2,
// wrappers, notices, the normalized format). Semantics as operators/tweet_assemble.cpp: entities of
// extended_tweet when it has them, else entities; a retweet takes the retweeted status's entities,
// and for mentions its author first.
//
// Cost: one simdjson On-Demand pass over the fields it reads, then (only for lines it answers) one
// full DOM validation; memory bounded by the longest line (a padded copy plus simdjson's
// per-byte index, ~15 bytes per line byte). Not thread-safe; one per thread.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "operators/terms.h"

namespace rankflow {

class V1EntityReader {
 public:
  // kind: kHashtags, kMentions or kUrls (other kinds decline every line).
  explicit V1EntityReader(TweetTermKind kind);
  ~V1EntityReader();
  V1EntityReader(const V1EntityReader&) = delete;
  V1EntityReader& operator=(const V1EntityReader&) = delete;

  // True if the line is such a tweet: *epoch_ms is its time and terms() its terms. False: decline.
  bool Read(std::string_view line, int64_t* epoch_ms);
  // The terms of the line last read with true; the views are valid until the next Read.
  const std::vector<std::string_view>& terms() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace rankflow
