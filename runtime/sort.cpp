// GlobalSort (see sort.h): staged, sampled records are range-partitioned by a HashShuffle whose
// keys are unique keys (unique_key.h), so equal keys are kept, ordered by their tie-break, and cut
// between ranks like any other records.
#include "runtime/sort.h"

#include <algorithm>

#include "runtime/spill.h"
#include "runtime/unique_key.h"

namespace rankflow {

SampleReservoir::SampleReservoir(uint64_t seed, size_t capacity)
    : state_(seed * 0x9e3779b97f4a7c15ull + 1), capacity_(capacity) {}

void SampleReservoir::Offer(std::string_view item) {
  ++seen_;
  if (items_.size() < capacity_) {
    items_.emplace_back(item);
    return;
  }
  state_ ^= state_ << 13;
  state_ ^= state_ >> 7;
  state_ ^= state_ << 17;
  const uint64_t slot = state_ % seen_;
  if (slot < capacity_) items_[slot].assign(item);
}

std::vector<std::string> ChooseSplitters(const MpiContext& mpi,
                                         const std::vector<std::string>& sample) {
  std::string wire;
  for (const std::string& s : sample) {
    wire += EncodeU64(s.size());
    wire += s;
  }
  std::vector<std::string> all;
  for (const std::string& part : mpi.AllGather(wire)) {
    std::string_view in = part;
    while (in.size() >= 8) {
      const uint64_t n = DecodeU64(in.substr(0, 8));
      all.emplace_back(in.substr(8, n));
      in.remove_prefix(8 + n);
    }
  }
  std::sort(all.begin(), all.end());
  std::vector<std::string> splitters;
  if (all.empty()) return splitters;
  for (int i = 1; i < mpi.size(); ++i) {
    splitters.push_back(all[all.size() * static_cast<size_t>(i) / static_cast<size_t>(mpi.size())]);
  }
  return splitters;
}

class GlobalSort::Impl {
 public:
  Impl(const MpiContext& mpi, SortOptions options)
      : mpi_(mpi),
        options_(std::move(options)),
        staging_(options_.shuffle.memory_bytes / 4, SpillDirectory(options_.shuffle.spill_dir),
                 "sort"),
        reservoir_(static_cast<uint64_t>(mpi.rank()) + 1, options_.samples_per_rank) {
    options_.shuffle.partitioner = nullptr;
  }

  Status Add(std::string_view key, std::string_view value) {
    RF_CHECK_MSG(shuffle_ == nullptr, "GlobalSort::Add after Sort");
    unique_.clear();
    AppendEscapedKey(&unique_, key, options_.descending);
    AppendTieBreak(&unique_, static_cast<uint32_t>(mpi_.rank()), seq_++);
    reservoir_.Offer(unique_);
    return staging_.Add(unique_, value);
  }

  Status Sort(bool local_ok) {
    RF_CHECK_MSG(shuffle_ == nullptr, "GlobalSort::Sort called twice");
    std::vector<std::string> splitters = ChooseSplitters(mpi_, reservoir_.items());
    reservoir_ = SampleReservoir(0, 0);
    ShuffleOptions shuffle_options = options_.shuffle;
    shuffle_options.partitioner = [splitters = std::move(splitters)](std::string_view key) {
      return static_cast<int>(std::upper_bound(splitters.begin(), splitters.end(), key) -
                              splitters.begin());
    };
    shuffle_ = std::make_unique<HashShuffle>(mpi_, std::move(shuffle_options), CombineNever);
    Status local = local_ok ? Feed() : Status::Aborted("sort: this rank failed before sorting");
    Status cleared = staging_.Clear();
    if (local.ok()) local = cleared;
    Status s = shuffle_->Exchange(local.ok());
    if (!local.ok()) return local;
    if (s.ok()) sorted_ = true;
    return s;
  }

  Status ForEach(const std::function<Status(std::string_view, std::string_view)>& fn,
                 uint64_t* records) {
    RF_CHECK_MSG(sorted_, "GlobalSort::ForEach without a successful Sort");
    uint64_t n = 0;
    RF_RETURN_IF_ERROR(shuffle_->ForEach([&](std::string_view unique, std::string_view value) {
      if (ParseEscapedKey(unique, options_.descending, &key_) == 0) {
        return Status::Corruption("sort: malformed record key");
      }
      ++n;
      return fn(key_, value);
    }));
    *records = n;
    return Status::OK();
  }

  const ShuffleStats& stats() const {
    RF_CHECK_MSG(shuffle_ != nullptr, "GlobalSort::shuffle_stats before Sort");
    return shuffle_->stats();
  }

 private:
  // Replays the staged records into the range-partitioned shuffle.
  Status Feed() {
    Result<RunReader> reader = staging_.Read();
    RF_RETURN_IF_ERROR(reader.status());
    for (;;) {
      bool has = false;
      RF_RETURN_IF_ERROR(reader->Advance(&has));
      if (!has) return Status::OK();
      RF_RETURN_IF_ERROR(shuffle_->Add(reader->key(), reader->value()));
    }
  }

  const MpiContext& mpi_;
  SortOptions options_;
  RecordBuffer staging_;
  SampleReservoir reservoir_;
  uint64_t seq_ = 0;
  std::string unique_;
  std::string key_;
  std::unique_ptr<HashShuffle> shuffle_;
  bool sorted_ = false;
};

GlobalSort::GlobalSort(const MpiContext& mpi, SortOptions options)
    : impl_(std::make_unique<Impl>(mpi, std::move(options))) {}

GlobalSort::~GlobalSort() = default;

Status GlobalSort::Add(std::string_view key, std::string_view value) {
  return impl_->Add(key, value);
}

Status GlobalSort::Sort(bool local_ok) { return impl_->Sort(local_ok); }

Status GlobalSort::ForEach(
    const std::function<Status(std::string_view key, std::string_view value)>& fn) {
  return impl_->ForEach(fn, &records_out_);
}

const ShuffleStats& GlobalSort::shuffle_stats() const { return impl_->stats(); }

}  // namespace rankflow
