// load_tweets' exchange (jobs/load_tweets.h): after the map phase, the deduplicated records of
// each id move to its owner rank — through the TweetTables while every owner's share fits, else
// through the HashShuffle (which spills) — and come back as a RecordSource.
#pragma once

#include <cstdint>
#include <functional>
#include <string_view>

#include "jobs/load_tweets_dedupe.h"
#include "runtime/job_io.h"
#include "runtime/shuffle.h"
#include "runtime/status.h"

namespace rankflow {

// Calls fn for each of this rank's deduplicated records (jobs/load_tweets_records.h), in id key
// order.
using RecordSource = std::function<Status(
    const std::function<Status(int64_t timestamp_ms, std::string_view record)>& fn)>;

// Collective. After the map phase: every rank learns whether every rank kept its records in the
// table and whether each owner's share fits in `table_limit` (this is also where the ranks that
// finished their map first wait for the others); if so, the tables exchange, else every rank
// moves its records into the HashShuffle and exchanges there. *source then yields this rank's
// deduplicated records in id key order.
// Counters into io.metrics: shuffle.bytes_sent (and shuffle.pairs_sent, shuffle.spilled_runs
// when the HashShuffle ran); end_phase("time_ms.wait"), end_phase("time_ms.exchange") mark the
// phases. *source stays valid while table and tweets live.
Status ExchangeTweets(const JobIo& io, uint64_t table_limit, bool use_table, TweetTable* table,
                      HashShuffle* tweets, const std::function<void(const char*)>& end_phase,
                      RecordSource* source);

}  // namespace rankflow
