// The profanity index as people read it: the rows of profanity_index (jobs/profanity_index.h) and
// the self-contained HTML page that plots them (inline SVG, one line per target, then the table;
// no scripts, nothing fetched). Pure functions; no I/O.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rankflow {

// One (bucket, target) row of the index.
struct ProfanityRow {
  std::string bucket;   // ISO-8601 UTC bucket start
  std::string target;   // the target's label
  int64_t tweets = 0;   // tweets mentioning the target
  int64_t profane = 0;  // of those, tweets with an LDNOOBW term
};

// profane / tweets as "%.6f" (0.000000 when tweets is 0): the table's and the page's rate.
std::string ProfanityRate(int64_t profane, int64_t tweets);

// The page for rows sorted by bucket (targets in file order); `targets` are the labels, in file
// order (each gets a colour and a legend entry).
std::string RenderProfanityReport(const std::vector<ProfanityRow>& rows,
                                  const std::vector<std::string>& targets,
                                  const std::string& title);

}  // namespace rankflow
