// tweetgen's clock: when the archive's tweets happen. Internal to tweetgen.
//
// The span [start, start + days) has a rate per minute: a daily curve over the UTC hours (quietest
// around 05:00, busiest around 19:00-20:00, as a stream of mostly American and European users),
// weekends 10% quieter, each day within ±10% of the next, plus a few bursts ((days + 3) / 2:
// two in one or two days, five in a week): 30 minutes to 3 hours in which tweets about one topic
// (each burst another) add 2 to 6 times the rate, rising fast and fading slowly. The tweet at
// position p in [0, 1) of the archive gets the time where the cumulative rate reaches p of the
// total, so an archive's lines are in time order, within and across its files, and busy minutes get
// more of them. Deterministic given the seed.
#pragma once

#include <cstdint>
#include <vector>

namespace rankflow::tweetgen {

struct Burst {
  uint64_t start_ms = 0;
  uint64_t end_ms = 0;
  double peak = 0;  // the burst adds peak times the usual rate at its top
  int topic = 0;    // in [0, topics)
};

class TweetClock {
 public:
  static constexpr int kMaxDays = 366;
  // days in [1, kMaxDays]; topics >= 1 (what bursts are about).
  TweetClock(uint64_t start_ms, int days, uint64_t seed, int topics);

  // The time (ms since the epoch) of the tweet at position in [0, 1); non-decreasing in it.
  uint64_t TimeAt(double position) const;
  // The share of the tweets at ms that belong to a burst (0 outside bursts), and its topic.
  double BurstShare(uint64_t ms, int* topic) const;
  // How much likelier profanity is at this hour of the day than on average (late night: more).
  static double ProfanityFactor(uint64_t ms);

  const std::vector<Burst>& bursts() const { return bursts_; }
  uint64_t start_ms() const { return start_ms_; }
  uint64_t end_ms() const { return end_ms_; }

 private:
  double BurstBoost(uint64_t ms, int* topic) const;

  uint64_t start_ms_;
  uint64_t end_ms_;
  std::vector<Burst> bursts_;
  std::vector<double> cumulative_;  // cumulative_[m]: the rate summed over minutes [0, m)
};

}  // namespace rankflow::tweetgen
