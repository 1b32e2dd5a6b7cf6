// Metrics: a job's named int64 counters ("records_in", "records_out", "bad_lines.invalid_json", …)
// and, per bad-line kind, up to max_samples sampled lines (truncated to kSampleBytes, with
// "file:line"), merged across ranks to rank 0 for the summary and the _SUCCESS manifest.
//
// Hot path: Counter(name) returns a stable pointer; bump it directly instead of calling Add per
// record. Not thread-safe (one Metrics per rank, used by the main thread).
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "runtime/mpi_context.h"
#include "runtime/status.h"

namespace rankflow {

class Metrics {
 public:
  static constexpr size_t kSampleBytes = 200;
  static constexpr const char* kBadLinePrefix = "bad_lines.";

  explicit Metrics(size_t max_samples_per_kind = 5) : max_samples_(max_samples_per_kind) {}

  // A counter's storage, created at 0 on first use; the pointer stays valid for this object's life.
  int64_t* Counter(std::string_view name);
  void Add(std::string_view name, int64_t delta) { *Counter(name) += delta; }
  // 0 for a counter never touched.
  int64_t Get(std::string_view name) const;

  // Counts a bad line under "bad_lines.<kind>" and keeps it as a sample ("file:line: text",
  // text truncated to kSampleBytes bytes on a UTF-8 boundary) while fewer than max_samples of
  // that kind are kept. Returns the sample text (for --strict error messages).
  std::string BadLine(std::string_view kind, std::string_view file, uint64_t line,
                      std::string_view text);
  // Sum of every "bad_lines.*" counter.
  int64_t BadLinesTotal() const;

  const std::map<std::string, int64_t, std::less<>>& counters() const { return counters_; }
  // kind -> samples ("file:line: text").
  const std::map<std::string, std::vector<std::string>, std::less<>>& samples() const {
    return samples_;
  }

  // Collective: every rank calls it, in the same order. Sums every rank's counters and concatenates
  // samples (rank order, capped at max_samples per kind) into rank 0's object; the other ranks'
  // objects are left unchanged. Cost: one gather of the serialized metrics.
  void MergeToRoot(const MpiContext& mpi);

  // Adds another Metrics' counters and samples into this one (samples capped).
  void MergeFrom(const Metrics& other);
  // Compact binary form for MergeToRoot; Deserialize is Corruption on malformed bytes.
  std::string Serialize() const;
  static Status Deserialize(std::string_view bytes, Metrics* out);

  // JSON object members without braces: "counters":{…},"bad_line_samples":{kind:[…]}.
  std::string ToJsonMembers() const;

 private:
  size_t max_samples_;
  std::map<std::string, int64_t, std::less<>> counters_;
  std::map<std::string, std::vector<std::string>, std::less<>> samples_;
};

// Truncates to at most max_bytes, never splitting a UTF-8 sequence.
std::string_view TruncateUtf8(std::string_view text, size_t max_bytes);

}  // namespace rankflow
