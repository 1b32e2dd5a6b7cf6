#include "runtime/aws/retry.h"

#include <algorithm>
#include <cstdlib>
#include <random>
#include <thread>

#include "runtime/log.h"

namespace rankflow::aws {
namespace {

int64_t EnvInt(const char* name, int64_t fallback) {
  const char* v = std::getenv(name);
  if (v == nullptr || *v == '\0') return fallback;
  char* end = nullptr;
  long long x = std::strtoll(v, &end, 10);
  if (*end != '\0' || x < 0) return fallback;
  return x;
}

uint64_t RandomSeed() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

}  // namespace

RetryPolicy RetryPolicy::FromEnv() {
  RetryPolicy p;
  p.max_attempts =
      static_cast<int>(std::max<int64_t>(1, EnvInt("RANKFLOW_AWS_MAX_ATTEMPTS", p.max_attempts)));
  p.base_delay_ms = EnvInt("RANKFLOW_AWS_RETRY_BASE_MS", p.base_delay_ms);
  return p;
}

AttemptOutcome AttemptOutcome::Transient(std::string summary) {
  AttemptOutcome o;
  o.status = Status::Unavailable(summary);
  o.retryable = true;
  o.summary = std::move(summary);
  return o;
}

AttemptOutcome AttemptOutcome::Final(Status status) {
  AttemptOutcome o;
  o.summary = status.message();
  o.status = std::move(status);
  return o;
}

bool IsRetryableHttpStatus(long status) { return status >= 500 || status == 429 || status == 408; }

bool IsRetryableErrorCode(std::string_view code) {
  static constexpr std::string_view kCodes[] = {"SlowDown",
                                                "RequestTimeout",
                                                "Throttling",
                                                "ThrottlingException",
                                                "RequestLimitExceeded",
                                                "InternalError",
                                                "ServiceUnavailable",
                                                "RequestThrottled",
                                                "RequestTimeTooSkewed",
                                                "ExpiredToken",
                                                "RequestExpired"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, uint64_t random) {
  int shift = std::clamp(retry - 1, 0, 30);
  int64_t cap = std::min<int64_t>(policy.max_delay_ms, policy.base_delay_ms << shift);
  if (cap <= 0) return std::chrono::milliseconds(0);
  return std::chrono::milliseconds(static_cast<int64_t>(random % static_cast<uint64_t>(cap + 1)));
}

Status RunWithRetries(const RetryPolicy& policy, const std::string& operation,
                      const std::function<AttemptOutcome(int attempt)>& attempt) {
  const int attempts = std::max(1, policy.max_attempts);
  std::string last;
  for (int n = 1; n <= attempts; ++n) {
    AttemptOutcome o = attempt(n);
    if (o.status.ok()) return Status::OK();
    if (!o.retryable) return o.status;
    last = o.summary;
    if (n < attempts) {
      const std::chrono::milliseconds delay = BackoffDelay(policy, n, RandomSeed());
      LogDebug(operation + ": attempt " + std::to_string(n) + " of " + std::to_string(attempts) +
               " failed (" + last + "), retrying in " + std::to_string(delay.count()) + " ms");
      std::this_thread::sleep_for(delay);
    }
  }
  return Status::Unavailable(operation + " failed after " + std::to_string(attempts) +
                             " attempts: " + last);
}

}  // namespace rankflow::aws
