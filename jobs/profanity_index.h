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
// page (inline SVG line plot of the rate per target over time, then the table;
// operators/profanity_report.h).
//
// Thrill's shape: the pipeline is ProfanityIndex, a function of a flow::Context and the typed
// ProfanityIndexOptions (tests call it directly at 1, 2 and 4 ranks); RunProfanityIndex turns the
// flags into options and writes the two files.
#pragma once

#include <string>
#include <vector>

#include "operators/profanity_report.h"
#include "operators/targets.h"
#include "operators/terms.h"
#include "runtime/cli.h"
#include "runtime/flow/flow.h"
#include "runtime/job.h"
#include "runtime/status.h"

namespace rankflow {

struct ProfanityIndexOptions {
  std::vector<Target> targets;  // in file order (ParseTargets)
  TimeBucket by = TimeBucket::kHour;
};

// Collective. The index of the input `files` (default: the job's --src and --regex): one row per
// (bucket, target) mentioned at least once, on rank 0 sorted by bucket, then target order; empty
// on the other ranks. Counter "target_mentions": (tweet, target) pairs counted.
std::vector<ProfanityRow> ProfanityIndex(flow::Context& ctx, const ProfanityIndexOptions& options,
                                         const flow::SourceOptions& files = {});

void AddProfanityIndexFlags(FlagSet* flags);
Status RunProfanityIndex(JobContext& ctx);

}  // namespace rankflow
