// Tweets as sources of the dataflow API (runtime/flow/flow.h): the normalized Tweet of every
// archive shape, and the faster term source for jobs that count hashtags, mentions, urls, words
// or emoji.
//
//   auto tweets = rankflow::ReadTweets(ctx);                       // flow::Dataset<Tweet>
//   auto tags = rankflow::ReadTerms(ctx, {TweetTermKind::kHashtags});  // flow::Dataset<TimedTerm>
//
// Both are lazy line sources over --src (flow::Context::ReadLines): the input is read when a
// collective operation or a sink pulls the dataset, each rank claiming units of the input. A
// dataset read twice reads its input twice and counts twice: Cache() it to read once.
//
// ReadTweets: when the job's --src holds only .parquet files (a load_tweets Parquet table,
// InputsAreParquet; ReadTweets is then collective: it lists --src once, on every rank), every row
// through ReadParquetTweets — the same Tweet its JSON line gives; counter tweets_in. Otherwise
// every line through TweetParser (v1.1 classic/extended, REST wrappers, Gnip, API v2
// pages, load_tweets' own normalized output), operators/tweet_lines.h with its kByKind counters:
// tweets_in, notices and notices.<kind>, bad_lines.<BadKindName> (--strict fails on the first),
// bad_entries.<kind>. Tweet is a RF_FIELDS struct (below), so it can go through every operation;
// to write tweets, Map them to a row struct first (the normalized JSON is AppendTweetJson's).
//
// ReadTerms: the terms of every tweet with the tweet's time (operators/term_lines.h: V1TermScanner
// or V1EntityReader where they cover the request, TweetParser for every other line), term forms
// as operators/terms.h says (lowercased, no sigil, URLs as given). Counters: tweets,
// tweets_full_parser, notices, terms, bad_lines.invalid_json | not_a_tweet, bad_entries.<kind>.
// Semantics differ from ExtractTerms(ReadTweets(…)) in one documented case: hashtags and words
// without need_time come from V1TermScanner, which reads a v1.1 retweet's own hashtags and text.
// When the job's --src holds only .parquet files (a load_tweets Parquet table, InputsAreParquet),
// ReadTerms reads only the term's column (and timestamp_ms with need_time) through
// ReadParquetTerms (operators/tweet_parquet.h): terms as ExtractTerms gives them, counters
// tweets and terms. ReadTerms is then collective (it lists --src once, on every rank).
//
// Not thread-safe (nothing in the flow API is). Cost per line: that of the reader used (about
// 1 GB/s of JSON per core for the fast readers, several times less for TweetParser).
#pragma once

#include <cstdint>
#include <string>

#include "operators/term_lines.h"
#include "operators/terms.h"
#include "operators/tweet.h"
#include "operators/tweet_parser.h"
#include "runtime/flow/flow.h"

namespace rankflow::flow {

// SourceFormat as one byte, its enum value (in the order v1 < gnip < v2).
template <>
struct Codec<SourceFormat> {
  static void Encode(SourceFormat v, std::string* out) {
    out->push_back(static_cast<char>(static_cast<int>(v)));
  }
  static bool Decode(std::string_view* in, SourceFormat* v) {
    if (in->empty() || static_cast<unsigned char>((*in)[0]) > 2) return false;
    *v = static_cast<SourceFormat>((*in)[0]);
    in->remove_prefix(1);
    return true;
  }
};

}  // namespace rankflow::flow

namespace rankflow {

// The codec needs every field; source_format travels as its number (codec above).
RF_FIELDS(Tweet, id, created_at, timestamp_ms, user_id, screen_name, followers, lang, text,
          is_retweet, is_quote, is_reply, retweeted_id, quoted_id, in_reply_to_id, hashtags,
          mentions, urls, media_count, has_coordinates, lon, lat, place, source_format,
          retweeted_user_id, retweeted_screen_name);

// One term of one tweet, with the tweet's time (timestamp_ms; 0 when the source was not asked
// for time and V1TermScanner read the line). count: the occurrences the element stands for, 1
// except from ReadTermCounts.
struct TimedTerm {
  int64_t timestamp_ms = 0;
  std::string term;
  uint64_t count = 1;
};
RF_FIELDS(TimedTerm, timestamp_ms, term, count);

struct ReadTweetsOptions {
  flow::SourceOptions files;  // which files (default: --src, --regex)
  TweetParserOptions parser;
};

flow::Dataset<Tweet> ReadTweets(flow::Context& ctx, const ReadTweetsOptions& options = {});

// options: the kind of term, whether time is needed (e.g. for time buckets), and full_parser_only
// (every line through TweetParser: for checks and timing).
flow::Dataset<TimedTerm> ReadTerms(flow::Context& ctx, const TermLinesOptions& options,
                                   const flow::SourceOptions& files = {});

// ReadTerms' terms for counting: the same multiset when each element is repeated `count` times,
// in fewer elements where the source can tally. Only a Parquet table does, for hashtags, mentions
// and urls without need_time (ReadParquetTermCounts: a term once per batch of rows, with its
// count, instead of once per occurrence; what makes a second query over the table cheap); every
// other element has count 1. Sum the counts (ReduceByKey(&TimedTerm::term,
// Sum(&TimedTerm::count))), never count the elements.
flow::Dataset<TimedTerm> ReadTermCounts(flow::Context& ctx, const TermLinesOptions& options,
                                        const flow::SourceOptions& files = {});

}  // namespace rankflow
