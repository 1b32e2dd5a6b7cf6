#include "jobs/tweetgen_time.h"

#include <algorithm>
#include <cmath>

#include "jobs/tweetgen_text.h"

namespace rankflow::tweetgen {
namespace {

constexpr uint64_t kMinuteMs = 60'000;
constexpr uint64_t kDayMs = 86'400'000;
constexpr double kPi = 3.14159265358979323846;

// Relative tweet rate per UTC hour (hour h covers [h, h+1)): a stream of mostly American and
// European users, quiet at dawn in Europe, busiest in the European evening / American afternoon.
constexpr double kHourly[24] = {0.95, 0.85, 0.72, 0.60, 0.50, 0.45, 0.46, 0.52,
                                0.62, 0.72, 0.80, 0.86, 0.92, 0.98, 1.04, 1.10,
                                1.16, 1.22, 1.28, 1.32, 1.30, 1.24, 1.14, 1.04};

// The daily curve at a time of day, interpolated between hour midpoints.
double Daily(uint64_t ms_of_day) {
  const double h = static_cast<double>(ms_of_day) / 3'600'000.0 - 0.5;
  const double lo = std::floor(h);
  const double f = h - lo;
  const int a = (static_cast<int>(lo) + 24) % 24;
  return kHourly[a] * (1 - f) + kHourly[(a + 1) % 24] * f;
}

// A burst's shape over its life x in [0, 1): up in the first tenth, then fading.
double Shape(double x) { return x < 0.1 ? x / 0.1 : std::exp(-3 * (x - 0.1) / 0.9); }

}  // namespace

TweetClock::TweetClock(uint64_t start_ms, int days, uint64_t seed, int topics)
    : start_ms_(start_ms), end_ms_(start_ms + static_cast<uint64_t>(days) * kDayMs) {
  Rng rng(seed * 0x2545f4914f6cdd1dull + 0x7c1);
  const uint64_t span_ms = end_ms_ - start_ms_;
  const int bursts = (days + 3) / 2;
  const uint64_t first_topic = rng.Below(static_cast<uint64_t>(std::max(1, topics)));
  for (int i = 0; i < bursts; ++i) {
    Burst b;
    const uint64_t length_ms = (30 + rng.Below(151)) * kMinuteMs;
    b.start_ms = start_ms_ + rng.Below(span_ms - length_ms);
    b.end_ms = b.start_ms + length_ms;
    b.peak = 2 + 4 * rng.Unit();
    b.topic = static_cast<int>((first_topic + i) % std::max(1, topics));  // each another topic
    bursts_.push_back(b);
  }
  std::vector<double> day_factor(static_cast<size_t>(days));
  for (int d = 0; d < days; ++d) {
    const uint64_t epoch_day = start_ms_ / kDayMs + static_cast<uint64_t>(d);
    const bool weekend = (epoch_day + 4) % 7 == 0 || (epoch_day + 4) % 7 == 6;  // Sun, Sat
    day_factor[d] = (0.9 + 0.2 * rng.Unit()) * (weekend ? 0.9 : 1.0);
  }
  const size_t minutes = span_ms / kMinuteMs;
  cumulative_.assign(minutes + 1, 0);
  for (size_t m = 0; m < minutes; ++m) {
    const uint64_t mid = start_ms_ + m * kMinuteMs + kMinuteMs / 2;
    int topic = 0;
    const double rate = Daily(mid % kDayMs) * day_factor[m / 1440] * (1 + BurstBoost(mid, &topic));
    cumulative_[m + 1] = cumulative_[m] + rate;
  }
}

uint64_t TweetClock::TimeAt(double position) const {
  position = std::clamp(position, 0.0, 1.0);
  const double target = position * cumulative_.back();
  size_t m = static_cast<size_t>(std::upper_bound(cumulative_.begin(), cumulative_.end(), target) -
                                 cumulative_.begin());
  m = std::clamp<size_t>(m, 1, cumulative_.size() - 1) - 1;  // the minute holding target
  const double width = cumulative_[m + 1] - cumulative_[m];
  const double f = width > 0 ? std::clamp((target - cumulative_[m]) / width, 0.0, 1.0) : 0;
  const uint64_t ms = start_ms_ + m * kMinuteMs + static_cast<uint64_t>(f * (kMinuteMs - 1));
  return std::min(ms, end_ms_ - 1);
}

double TweetClock::BurstBoost(uint64_t ms, int* topic) const {
  double total = 0;
  double best = 0;
  for (const Burst& b : bursts_) {
    if (ms < b.start_ms || ms >= b.end_ms) continue;
    const double boost = b.peak * Shape(static_cast<double>(ms - b.start_ms) /
                                        static_cast<double>(b.end_ms - b.start_ms));
    total += boost;
    if (boost > best) {
      best = boost;
      *topic = b.topic;
    }
  }
  return total;
}

double TweetClock::BurstShare(uint64_t ms, int* topic) const {
  const double boost = BurstBoost(ms, topic);
  return boost / (1 + boost);
}

double TweetClock::ProfanityFactor(uint64_t ms) {
  const double hour = static_cast<double>(ms % kDayMs) / 3'600'000.0;
  return 1 + 0.5 * std::cos(2 * kPi * (hour - 3) / 24);  // 1.5 at 03:00 UTC, 0.5 at 15:00
}

}  // namespace rankflow::tweetgen
