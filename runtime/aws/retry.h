// Retries with exponential backoff and full jitter (delay = uniform(0, min(max, base * 2^n))).
//
// An attempt reports what happened; transient outcomes (transport errors, 5xx, 429, SlowDown,
// RequestTimeout, throttling, short bodies) are retried, everything else returns at once. After the
// last attempt the error names the operation and what the last attempt saw:
//   "s3://b/k: GetObject failed after 5 attempts: 503 SlowDown"
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "runtime/status.h"

namespace rankflow::aws {

struct RetryPolicy {
  int max_attempts = 5;
  int64_t base_delay_ms = 50;
  int64_t max_delay_ms = 5000;
  // From RANKFLOW_AWS_MAX_ATTEMPTS / RANKFLOW_AWS_RETRY_BASE_MS when set (tests shorten delays).
  static RetryPolicy FromEnv();
};

// The outcome of one attempt.
struct AttemptOutcome {
  Status status;           // ok: done (success, or a definitive answer the caller handles itself)
  bool retryable = false;  // only looked at when !status.ok()
  // What to print for the last failed attempt: "503 SlowDown", "connection reset", "short body".
  std::string summary;

  static AttemptOutcome Ok() { return {}; }
  static AttemptOutcome Transient(std::string summary);
  static AttemptOutcome Final(Status status);
};

// True for HTTP statuses and S3/EC2 error codes worth another try.
bool IsRetryableHttpStatus(long status);
bool IsRetryableErrorCode(std::string_view code);  // "SlowDown", "RequestTimeout", "Throttling", …

// The delay before retry number `retry` (1 = after the first failure), full jitter.
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, uint64_t random);

// Runs attempt(n) for n = 1 … max_attempts until it returns ok or a final error, sleeping between
// tries. `operation` is "s3://b/k: GetObject"; on exhaustion returns kUnavailable:
// "<operation> failed after <n> attempts: <summary>". Thread-safe; blocking.
Status RunWithRetries(const RetryPolicy& policy, const std::string& operation,
                      const std::function<AttemptOutcome(int attempt)>& attempt);

}  // namespace rankflow::aws
