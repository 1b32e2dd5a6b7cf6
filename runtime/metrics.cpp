#include "runtime/metrics.h"

#include <cstring>

#include "runtime/json_string.h"

namespace rankflow {
namespace {

void PutU64(std::string* out, uint64_t v) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  out->append(b, 8);
}

void PutBytes(std::string* out, std::string_view s) {
  PutU64(out, s.size());
  out->append(s);
}

class ByteReader {
 public:
  explicit ByteReader(std::string_view bytes) : in_(bytes) {}
  bool U64(uint64_t* v) {
    if (in_.size() < 8) return false;
    *v = 0;
    for (int i = 0; i < 8; ++i) *v |= uint64_t{static_cast<unsigned char>(in_[i])} << (8 * i);
    in_.remove_prefix(8);
    return true;
  }
  bool Bytes(std::string* s) {
    uint64_t n = 0;
    if (!U64(&n) || in_.size() < n) return false;
    s->assign(in_.data(), n);
    in_.remove_prefix(n);
    return true;
  }
  bool done() const { return in_.empty(); }

 private:
  std::string_view in_;
};

}  // namespace

std::string_view TruncateUtf8(std::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t end = max_bytes;
  // Step back over continuation bytes so the cut lands on a sequence start.
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return text.substr(0, end);
}

int64_t* Metrics::Counter(std::string_view name) {
  auto it = counters_.find(name);
  if (it == counters_.end()) it = counters_.emplace(std::string(name), 0).first;
  return &it->second;
}

int64_t Metrics::Get(std::string_view name) const {
  auto it = counters_.find(name);
  return it == counters_.end() ? 0 : it->second;
}

std::string Metrics::BadLine(std::string_view kind, std::string_view file, uint64_t line,
                             std::string_view text) {
  std::string counter = kBadLinePrefix;
  counter.append(kind);
  ++*Counter(counter);
  std::string sample;
  sample.append(file);
  sample += ':';
  sample += std::to_string(line);
  sample += ": ";
  sample.append(TruncateUtf8(text, kSampleBytes));
  auto it = samples_.find(kind);
  if (it == samples_.end())
    it = samples_.emplace(std::string(kind), std::vector<std::string>{}).first;
  if (it->second.size() < max_samples_) it->second.push_back(sample);
  return sample;
}

int64_t Metrics::BadLinesTotal() const {
  int64_t total = 0;
  const size_t n = std::strlen(kBadLinePrefix);
  for (auto it = counters_.lower_bound(std::string_view(kBadLinePrefix));
       it != counters_.end() && it->first.compare(0, n, kBadLinePrefix) == 0; ++it) {
    total += it->second;
  }
  return total;
}

void Metrics::MergeFrom(const Metrics& other) {
  for (const auto& [name, value] : other.counters_) *Counter(name) += value;
  for (const auto& [kind, list] : other.samples_) {
    auto& mine = samples_[kind];
    for (const std::string& s : list) {
      if (mine.size() >= max_samples_) break;
      mine.push_back(s);
    }
  }
}

std::string Metrics::Serialize() const {
  std::string out;
  PutU64(&out, counters_.size());
  for (const auto& [name, value] : counters_) {
    PutBytes(&out, name);
    PutU64(&out, static_cast<uint64_t>(value));
  }
  PutU64(&out, samples_.size());
  for (const auto& [kind, list] : samples_) {
    PutBytes(&out, kind);
    PutU64(&out, list.size());
    for (const std::string& s : list) PutBytes(&out, s);
  }
  return out;
}

Status Metrics::Deserialize(std::string_view bytes, Metrics* out) {
  ByteReader in(bytes);
  Status bad = Status::Corruption("metrics: malformed serialized metrics");
  uint64_t n = 0;
  if (!in.U64(&n)) return bad;
  for (uint64_t i = 0; i < n; ++i) {
    std::string name;
    uint64_t v = 0;
    if (!in.Bytes(&name) || !in.U64(&v)) return bad;
    *out->Counter(name) += static_cast<int64_t>(v);
  }
  if (!in.U64(&n)) return bad;
  for (uint64_t i = 0; i < n; ++i) {
    std::string kind;
    uint64_t count = 0;
    if (!in.Bytes(&kind) || !in.U64(&count)) return bad;
    auto& list = out->samples_[kind];
    for (uint64_t j = 0; j < count; ++j) {
      std::string s;
      if (!in.Bytes(&s)) return bad;
      if (list.size() < out->max_samples_) list.push_back(std::move(s));
    }
  }
  return in.done() ? Status::OK() : bad;
}

void Metrics::MergeToRoot(const MpiContext& mpi) {
  std::vector<std::string> all = mpi.GatherToRoot(mpi.is_root() ? std::string() : Serialize());
  if (!mpi.is_root()) return;
  for (size_t r = 1; r < all.size(); ++r) {
    Metrics other(max_samples_);
    Status s = Deserialize(all[r], &other);
    RF_CHECK_MSG(s.ok(), "rank " + std::to_string(r) + ": " + s.message());
    MergeFrom(other);
  }
}

std::string Metrics::ToJsonMembers() const {
  std::string out = "\"counters\":{";
  bool first = true;
  for (const auto& [name, value] : counters_) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(&out, name);
    out += ':';
    out += std::to_string(value);
  }
  out += "},\"bad_line_samples\":{";
  first = true;
  for (const auto& [kind, list] : samples_) {
    if (!first) out += ',';
    first = false;
    AppendJsonString(&out, kind);
    out += ":[";
    for (size_t i = 0; i < list.size(); ++i) {
      if (i > 0) out += ',';
      AppendJsonString(&out, list[i]);
    }
    out += ']';
  }
  out += '}';
  return out;
}

}  // namespace rankflow
