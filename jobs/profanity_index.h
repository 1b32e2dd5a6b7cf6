// profanity_index: per time bucket and target (operators/targets.h), how many tweets mention the
// target, how many of those contain profanity (LDNOOBW en, operators/lexicons.h), and the rate.
//
//   mpirun -n 4 build/bin/profanity_index --src DIR --dest DIR --targets FILE [--by hour]
//
// --targets is a local path or s3:// URL. --by minute|hour|day (UTC buckets, default hour).
// Input: raw archives of any shape or load_tweets output (no dedupe here).
// A tweet counts once per target it mentions, in the bucket of its timestamp_ms.
// Output (written by rank 0; the table is small): part-00000.csv with header
// "bucket,target,tweets,profane,rate" sorted by bucket then target order of the targets file
// (rows only where tweets > 0; rate = profane / tweets), and report.html: a self-contained
// page (inline SVG line plot of the rate per target over time, then the table).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/cli.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

struct ProfanityRow {
  std::string bucket;  // ISO-8601 UTC bucket start
  std::string target;
  int64_t tweets = 0;
  int64_t profane = 0;
};

void AddProfanityIndexFlags(FlagSet* flags);
Status RunProfanityIndex(JobContext& ctx);

// The HTML report for rows sorted by bucket (targets in file order). Pure; exposed for tests.
std::string RenderProfanityReport(const std::vector<ProfanityRow>& rows,
                                  const std::vector<std::string>& targets,
                                  const std::string& title);

}  // namespace rankflow
