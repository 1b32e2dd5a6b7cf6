// top_terms: counts hashtags, mentions, urls, words or emoji of a tweet archive (every shape:
// v1.1, Gnip, v2 pages, wrappers), optionally per UTC time bucket, through the shuffle, and writes
// them globally sorted: (bucket,) count descending, ties by term bytes ascending.
//
//   mpirun -n 2 build/bin/top_terms --src DIR --dest DIR
//       [--what hashtags|mentions|urls|words|emoji] [--by minute|hour|day] [--top N]
//
// Readers (jobs/README.md has the details):
//   - fast v1.1 path (TermExtractor below), for --what hashtags|words without --by: a tweet is a
//     JSON object with "id_str" or "id" and "text" or "full_text". Hashtags are
//     extended_tweet.entities.hashtags[].text when extended_tweet is present, else
//     entities.hashtags[].text; a retweet counts its own (top-level) entities. Words come from
//     extended_tweet.full_text, else full_text, else text (rules in top_terms_text.h). Notices: an
//     object with a stream-control key (delete, limit, scrub_geo, status_withheld, user_withheld,
//     disconnect, warning, event, friends). Lines it calls not_a_tweet go to the full parser.
//   - V1EntityReader (operators/v1_entity_reader.h), for hashtags/mentions/urls with --by and
//     mentions/urls without: plain v1.1 statuses, fully valid JSON, with the full parser's
//     semantics; declines anything else, so every line gets the parser's answer.
//   - full parser (operators/tweet_parser.h) for everything else (and all lines with
//     --full-parser): normalized-tweet semantics (retweets count the retweeted tweet's entities
//     and author).
//   Terms are lowercased (#Python == #python); hashtags and mentions have no sigil.
//   Bad lines: "invalid_json" and "not_a_tweet", and "line_too_long" from the map phase (a line
//   over --memory-mb / 16, runtime/job.h). Counted and sampled, or fatal with --strict.
// Global order: a first shuffle sums counts per key ([bucket start, 8 bytes] + term; hash
// partitioned); a second one re-keys each as ([bucket] + ~count big-endian + term) and
// range-partitions on sampled splitters, so every part is sorted and the parts in rank order are
// the whole ranking. Output per rank: part-RRRRR.csv ("term,count" or "bucket,term,count" header)
// and part-RRRRR.jsonl ({"bucket":…,"term":…,"count":…}); --format picks one of them. The top N
// (per bucket with --by) are gathered to rank 0 and printed.
#pragma once

#include <simdjson.h>

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

enum class TermKind { kHashtags, kWords };
enum class LineClass { kTweet, kNotice, kInvalidJson, kNotATweet };

// Not thread-safe; one per thread. Reuses its parser and buffers across lines.
class TermExtractor {
 public:
  explicit TermExtractor(TermKind kind) : kind_(kind) {}
  // Classifies a line; for a tweet calls fn with each term (lowercased; the view is valid only
  // during the call). Terms are emitted only after the whole line was found valid.
  LineClass Extract(std::string_view line, const std::function<void(std::string_view)>& fn);

 private:
  LineClass Scan(std::string_view line);
  TermKind kind_;
  simdjson::ondemand::parser parser_;
  simdjson::dom::parser dom_parser_;  // only for lines that are not objects
  std::string padded_;
  std::vector<std::string_view> tags_;
  std::vector<std::string_view> extended_tags_;
  std::string_view text_, full_text_, extended_text_;
  bool has_extended_ = false;
  std::string term_;
};

// The job's own flags (--what, --top).
void AddTopTermsFlags(FlagSet* flags);
// The job: map phase -> count shuffle -> ordering shuffle -> parts -> commit; prints the top N.
Status RunTopTerms(JobContext& ctx);

}  // namespace rankflow
