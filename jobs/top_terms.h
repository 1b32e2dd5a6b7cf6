// top_terms: counts hashtags or words of a tweet archive through the shuffle and writes them
// globally sorted by count (descending, ties by term bytes ascending).
//
//   mpirun -n 2 build/bin/top_terms --src DIR --dest DIR [--what hashtags|words] [--top N]
//
// Lines (TermExtractor, simdjson On-Demand over a padded copy of the line):
//   - tweet: a JSON object with "id_str" or "id" and "text" or "full_text". Hashtags are
//     extended_tweet.entities.hashtags[].text when extended_tweet is present, else
//     entities.hashtags[].text; a retweet counts its own (top-level) entities, not those of
//     retweeted_status. Words come from extended_tweet.full_text, else full_text, else text
//     (rules in top_terms_text.h). Terms are lowercased, so #Python and #python are one term.
//   - notice: an object with a stream-control key (delete, limit, scrub_geo, status_withheld,
//     user_withheld, disconnect, warning, event, friends): counted under "notices".
//   - bad line "invalid_json": not JSON (also truncated lines, trailing garbage);
//     "not_a_tweet": JSON that is neither of the above. Counted and sampled, or fatal with
//     --strict.
// Global order: a first shuffle sums counts per term (hash partitioned); a second one re-keys each
// term as (~count big-endian, term) and range-partitions on sampled splitters, so part-00000 holds
// the largest counts and every part is sorted. Output per rank: part-RRRRR.csv ("term,count"
// header) and part-RRRRR.jsonl ({"term":…,"count":…}); --format picks one of them. The top N
// are gathered to rank 0 and printed.
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
