#include "runtime/aws/retry.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <limits>
#include <optional>
#include <random>
#include <thread>

#include "runtime/log.h"
#include "runtime/sys.h"

namespace rankflow::aws {
namespace {

uint64_t RandomSeed() {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return rng();
}

int RetryCost(TransientKind kind) {
  return kind == TransientKind::kTransport ? RetryQuota::kTransportRetryCost
                                           : RetryQuota::kRetryCost;
}

}  // namespace

RetryQuota::RetryQuota(int tokens) : capacity_(std::max(0, tokens)), tokens_(capacity_) {}

bool RetryQuota::TryAcquire(int cost) {
  std::lock_guard<std::mutex> lock(mu_);
  if (tokens_ < cost) return false;
  tokens_ -= cost;
  return true;
}

void RetryQuota::Release(int tokens) {
  std::lock_guard<std::mutex> lock(mu_);
  tokens_ = std::min(capacity_, tokens_ + std::max(0, tokens));
}

int RetryQuota::available() const {
  std::lock_guard<std::mutex> lock(mu_);
  return tokens_;
}

RetryPolicy RetryPolicy::FromEnv() {
  RetryPolicy p;
  std::optional<int64_t> attempts = EnvInt("RANKFLOW_AWS_MAX_ATTEMPTS");
  if (!attempts) attempts = EnvInt("AWS_MAX_ATTEMPTS");
  if (attempts) p.max_attempts = static_cast<int>(std::clamp<int64_t>(*attempts, 1, 100));
  if (auto base = EnvInt("RANKFLOW_AWS_RETRY_BASE_MS")) {
    p.base_delay_ms = std::min<int64_t>(*base, p.max_delay_ms);
  }
  if (auto tokens = EnvInt("RANKFLOW_AWS_RETRY_QUOTA")) {
    p.quota = *tokens == 0 ? nullptr
                           : std::make_shared<RetryQuota>(
                                 static_cast<int>(std::min<int64_t>(*tokens, 1'000'000'000)));
  }
  return p;
}

AttemptOutcome AttemptOutcome::Transient(std::string summary, TransientKind kind) {
  AttemptOutcome o;
  o.status = Status::Unavailable(summary);
  o.retryable = true;
  o.kind = kind;
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
  // The standard mode's transient and throttling codes. Credential errors (ExpiredToken,
  // InvalidAccessKeyId, SignatureDoesNotMatch …) are deliberately absent: a retry signs with the
  // same credentials and fails the same way.
  static constexpr std::string_view kCodes[] = {"SlowDown",
                                                "RequestTimeout",
                                                "RequestTimeoutException",
                                                "PriorRequestNotComplete",
                                                "Throttling",
                                                "ThrottlingException",
                                                "ThrottledException",
                                                "RequestThrottledException",
                                                "TooManyRequestsException",
                                                "RequestLimitExceeded",
                                                "BandwidthLimitExceeded",
                                                "EC2ThrottledException",
                                                "InternalError",
                                                "ServiceUnavailable",
                                                "RequestThrottled",
                                                "RequestTimeTooSkewed",
                                                "RequestExpired"};
  return std::find(std::begin(kCodes), std::end(kCodes), code) != std::end(kCodes);
}

std::chrono::milliseconds BackoffDelay(const RetryPolicy& policy, int retry, uint64_t random) {
  const int shift = std::clamp(retry - 1, 0, 30);
  const int64_t base = std::max<int64_t>(0, policy.base_delay_ms);
  // base << shift overflows only past 2^33 ms; the cap applies long before.
  constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
  const int64_t grown = base > (kMax >> shift) ? kMax : base << shift;
  const int64_t cap = std::min<int64_t>(policy.max_delay_ms, grown);
  if (cap <= 0) return std::chrono::milliseconds(0);
  const int64_t floor = cap / 2;
  const uint64_t span = static_cast<uint64_t>(cap - floor) + 1;
  return std::chrono::milliseconds(floor + static_cast<int64_t>(random % span));
}

Status RunWithRetries(const RetryPolicy& policy, const std::string& operation,
                      const std::function<AttemptOutcome(int attempt)>& attempt) {
  const int attempts = std::max(1, policy.max_attempts);
  RetryQuota* quota = policy.quota.get();
  int last_retry_cost = 0;  // what the retry in progress took from the quota
  std::string last;
  for (int n = 1; n <= attempts; ++n) {
    AttemptOutcome o = attempt(n);
    if (o.status.ok()) {
      if (quota != nullptr) {
        quota->Release(last_retry_cost > 0 ? last_retry_cost : RetryQuota::kSuccessRefill);
      }
      return Status::OK();
    }
    if (!o.retryable) return o.status;
    last = o.summary;
    if (n == attempts) break;
    const int cost = RetryCost(o.kind);
    if (quota != nullptr && !quota->TryAcquire(cost)) {
      return Status::Unavailable(operation + " failed after " + std::to_string(n) +
                                 " attempts (retry quota exhausted): " + last);
    }
    last_retry_cost = cost;
    const std::chrono::milliseconds delay = BackoffDelay(policy, n, RandomSeed());
    LogDebug(operation + ": attempt " + std::to_string(n) + " of " + std::to_string(attempts) +
             " failed (" + last + "), retrying in " + std::to_string(delay.count()) + " ms");
    std::this_thread::sleep_for(delay);
  }
  return Status::Unavailable(operation + " failed after " + std::to_string(attempts) +
                             " attempts: " + last);
}

}  // namespace rankflow::aws
