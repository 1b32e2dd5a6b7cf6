#include "jobs/load_tweets_exchange.h"

#include <algorithm>
#include <vector>

namespace rankflow {

Status ExchangeTweets(const JobIo& io, uint64_t table_limit, bool use_table, TweetTable* table,
                      HashShuffle* tweets, const std::function<void(const char*)>& end_phase,
                      RecordSource* source) {
  Status moved;
  if (io.mpi.size() > 1) {
    std::vector<int64_t> owned = table->BytesByOwner();
    owned.push_back(use_table ? 0 : 1);
    owned = io.mpi.AllSum(owned);
    end_phase("time_ms.wait");
    const bool fits =
        owned.back() == 0 && std::all_of(owned.begin(), owned.end() - 1, [&](int64_t bytes) {
          return static_cast<uint64_t>(bytes) <= table_limit;
        });
    if (!fits && use_table) {
      use_table = false;
      moved = table->MoveTo(tweets);  // a spill error: this rank fails the Exchange below
    }
  }
  if (use_table) {
    if (io.mpi.size() > 1) {
      uint64_t bytes_sent = 0;
      RF_RETURN_IF_ERROR(table->Exchange(io.mpi, true, &bytes_sent));
      io.metrics.Add("shuffle.bytes_sent", static_cast<int64_t>(bytes_sent));
      end_phase("time_ms.exchange");
    }
    *source = [table](const std::function<Status(int64_t, std::string_view)>& fn) {
      return table->ForEach(fn);
    };
    return Status::OK();
  }
  const Status exchanged = tweets->Exchange(moved.ok());
  RF_RETURN_IF_ERROR(moved);
  RF_RETURN_IF_ERROR(exchanged);
  const ShuffleStats& st = tweets->stats();
  io.metrics.Add("shuffle.pairs_sent", static_cast<int64_t>(st.pairs_sent));
  io.metrics.Add("shuffle.spilled_runs", static_cast<int64_t>(st.spilled_runs));
  io.metrics.Add("shuffle.bytes_sent", static_cast<int64_t>(st.bytes_sent));
  end_phase("time_ms.exchange");
  *source = [tweets](const std::function<Status(int64_t, std::string_view)>& fn) {
    return tweets->ForEach([&](std::string_view, std::string_view value) {
      return fn(DecodeTweetTimestamp(value), value.substr(8));
    });
  };
  return Status::OK();
}

}  // namespace rankflow
