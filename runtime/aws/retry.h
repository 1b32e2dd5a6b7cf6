// Retries in the AWS SDKs' "standard" mode: exponential backoff with jitter, capped at 20 s, and a
// client-side retry quota (a token bucket) that stops retrying when most calls fail.
//
// An attempt reports what happened; transient outcomes (transport errors, 5xx, 429, SlowDown,
// RequestTimeout, throttling, short bodies) are retried, everything else returns at once — in
// particular credential errors (a missing or invalid credentials configuration, a bad profile, an
// expired token): another try cannot fix them. After the last attempt the error names the
// operation and what the last attempt saw:
//   "s3://b/k: GetObject failed after 10 attempts: 503 SlowDown"
//   "s3://b/k: GetObject failed after 3 attempts (retry quota exhausted): 503 SlowDown"
//
// Defaults (see runtime/aws/README.md for why): 10 attempts, delays drawn from [cap/2, cap] with
// cap = min(20 s, 100 ms * 2^(retry-1)), so the waits before the 6th attempt add up to 1.55–3.1 s
// and before the 10th to 22.75–45.5 s. A quota of 500 tokens per client: a retry after an error
// answer costs 5, after a transport failure (refused, reset, timeout) 10; a success gives back
// what its last retry cost, or 1 when it needed none.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "runtime/status.h"

namespace rankflow::aws {

// The token bucket of the standard retry mode. Thread-safe; shared (through RetryPolicy copies) by
// every request of one client, so a failing endpoint stops all of that client's retries, not just
// one request's.
class RetryQuota {
 public:
  static constexpr int kDefaultTokens = 500;
  static constexpr int kRetryCost = 5;            // after an error answer (503, SlowDown …)
  static constexpr int kTransportRetryCost = 10;  // after a refused/reset/timed-out connection
  static constexpr int kSuccessRefill = 1;        // a first-try success

  explicit RetryQuota(int tokens = kDefaultTokens);
  // Takes `cost` tokens for one more retry; false (nothing taken) when fewer are left.
  bool TryAcquire(int cost);
  // Gives back `tokens` (a success), never beyond the initial amount.
  void Release(int tokens);
  int available() const;
  int capacity() const { return capacity_; }

 private:
  const int capacity_;
  mutable std::mutex mu_;
  int tokens_;
};

struct RetryPolicy {
  static constexpr int kDefaultMaxAttempts = 10;
  static constexpr int64_t kDefaultBaseDelayMs = 100;
  static constexpr int64_t kDefaultMaxDelayMs = 20000;

  int max_attempts = kDefaultMaxAttempts;  // attempts in all, the first included
  int64_t base_delay_ms = kDefaultBaseDelayMs;
  int64_t max_delay_ms = kDefaultMaxDelayMs;
  // Shared by this policy and all its copies (a client and the per-request clients it makes);
  // null: no quota.
  std::shared_ptr<RetryQuota> quota = std::make_shared<RetryQuota>();

  // The defaults, overridden by the environment: max_attempts from RANKFLOW_AWS_MAX_ATTEMPTS, else
  // AWS_MAX_ATTEMPTS (as the AWS CLI and SDKs read it); base_delay_ms from
  // RANKFLOW_AWS_RETRY_BASE_MS (tests shorten delays); the quota's tokens from
  // RANKFLOW_AWS_RETRY_QUOTA (0: no quota). Values that are not non-negative integers are ignored.
  static RetryPolicy FromEnv();
};

// Why an attempt failed transiently; decides what its retry costs from the quota.
enum class TransientKind { kErrorAnswer, kTransport };

// The outcome of one attempt.
struct AttemptOutcome {
  Status status;           // ok: done (success, or a definitive answer the caller handles itself)
  bool retryable = false;  // only looked at when !status.ok()
  TransientKind kind = TransientKind::kErrorAnswer;
  // What to print for the last failed attempt: "503 SlowDown", "connection reset", "short body".
  std::string summary;

  static AttemptOutcome Ok() { return {}; }
  static AttemptOutcome Transient(std::string summary,
                                  TransientKind kind = TransientKind::kErrorAnswer);
  static AttemptOutcome Final(Status status);
};

// True for HTTP statuses and S3/EC2 error codes worth another try.
bool IsRetryableHttpStatus(long status);
bool IsRetryableErrorCode(std::string_view code);  // "SlowDown", "RequestTimeout", "Throttling", …

// The delay before retry number `retry` (1 = after the first failure): with
// cap = min(max_delay_ms, base_delay_ms * 2^(retry-1)), uniform in [cap/2, cap] ("equal jitter":
// spread out like full jitter, but with a floor, so N attempts always wait a known minimum).
std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, uint64_t random);

// Runs attempt(n) for n = 1 … max_attempts until it returns ok or a final error, sleeping between
// tries and taking each retry's cost from policy.quota (when the quota cannot pay, it stops).
// `operation` is "s3://b/k: GetObject"; on exhaustion returns kUnavailable:
// "<operation> failed after <n> attempts: <summary>" (with "(retry quota exhausted)" after
// "attempts" when the quota ran out). Thread-safe; blocking.
Status RunWithRetries(const RetryPolicy& policy, const std::string& operation,
                      const std::function<AttemptOutcome(int attempt)>& attempt);

}  // namespace rankflow::aws
