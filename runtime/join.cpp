// ShuffleJoin and BroadcastTable (see join.h).
#include "runtime/join.h"

#include <algorithm>

#include "runtime/spill.h"
#include "runtime/unique_key.h"

namespace rankflow {
namespace {

constexpr char kRight = '\0';  // right records of a key sort before its left records
constexpr char kLeft = '\1';
constexpr size_t kSuffixBytes = 1 + kTieBreakBytes;

ShuffleOptions JoinShuffleOptions(ShuffleOptions options, int size) {
  options.memory_bytes = std::max<uint64_t>(options.memory_bytes / 2, 1);
  options.partitioner = [size](std::string_view unique) {
    return HashOwner(unique.substr(0, unique.size() - kSuffixBytes), size);
  };
  return options;
}

}  // namespace

class ShuffleJoin::Impl {
 public:
  Impl(const MpiContext& mpi, JoinOptions options, JoinStats* stats)
      : mpi_(mpi),
        kind_(options.kind),
        block_limit_(std::max<uint64_t>(options.shuffle.memory_bytes / 4, 1)),
        spill_dir_(SpillDirectory(options.shuffle.spill_dir)),
        shuffle_(mpi, JoinShuffleOptions(options.shuffle, mpi.size()), CombineNever),
        stats_(stats) {}

  Status Add(char side, std::string_view key, std::string_view value) {
    unique_.clear();
    AppendEscapedKey(&unique_, key);
    unique_.push_back(side);
    AppendTieBreak(&unique_, static_cast<uint32_t>(mpi_.rank()), seq_++);
    return shuffle_.Add(unique_, value);
  }

  Status Exchange(bool local_ok) { return shuffle_.Exchange(local_ok); }

  Status ForEach(const Fn& fn) {
    Result<std::unique_ptr<ShuffleCursor>> opened = shuffle_.OpenCursor();
    RF_RETURN_IF_ERROR(opened.status());
    ShuffleCursor& cursor = **opened;
    RecordBuffer right(block_limit_, spill_dir_, "join");
    std::string escaped;  // the current key's escaped bytes
    std::string key;
    std::string block;  // framed left values of the current block
    bool has = false;
    RF_RETURN_IF_ERROR(cursor.Next(&has));
    while (has) {
      // A new key: its right values, then its left values in blocks.
      const size_t n = ParseEscapedKey(cursor.key(), false, &key);
      if (n == 0 || cursor.key().size() != n + kSuffixBytes) {
        return Status::Corruption("join: malformed record key");
      }
      escaped.assign(cursor.key().substr(0, n));
      RF_RETURN_IF_ERROR(right.Clear());
      block.clear();
      char side = kRight;
      while (has && SideOf(cursor.key(), escaped, &side)) {
        if (side == kRight) {
          RF_RETURN_IF_ERROR(right.Add({}, cursor.value()));
        } else {
          AppendFramedRecord(&block, {}, cursor.value());
          if (block.size() >= block_limit_) {
            RF_RETURN_IF_ERROR(EmitBlock(key, block, right, fn));
            block.clear();
          }
        }
        RF_RETURN_IF_ERROR(cursor.Next(&has));
      }
      if (right.spilled()) ++stats_->right_spilled_keys;
      if (!block.empty()) RF_RETURN_IF_ERROR(EmitBlock(key, block, right, fn));
    }
    return Status::OK();
  }

  const ShuffleStats& shuffle_stats() const { return shuffle_.stats(); }

 private:
  // True if `unique` belongs to the key whose escaped bytes are `escaped`; then *side is its side.
  static bool SideOf(std::string_view unique, const std::string& escaped, char* side) {
    if (unique.size() != escaped.size() + kSuffixBytes) return false;
    if (unique.substr(0, escaped.size()) != escaped) return false;
    *side = unique[escaped.size()];
    return true;
  }

  // Pairs a block of left values with every right value of the key (one replay of the right side).
  Status EmitBlock(const std::string& key, const std::string& block, RecordBuffer& right,
                   const Fn& fn) {
    if (right.records() == 0) {
      if (kind_ != JoinKind::kLeft) return Status::OK();
      return ForEachValue(RunReader(block), [&](std::string_view left) {
        ++stats_->pairs_out;
        return fn(key, left, nullptr);
      });
    }
    Result<RunReader> rights = right.Read();
    RF_RETURN_IF_ERROR(rights.status());
    return ForEachValue(std::move(*rights), [&](std::string_view r) {
      return ForEachValue(RunReader(block), [&](std::string_view left) {
        ++stats_->pairs_out;
        return fn(key, left, &r);
      });
    });
  }

  static Status ForEachValue(RunReader reader, const std::function<Status(std::string_view)>& fn) {
    for (;;) {
      bool has = false;
      RF_RETURN_IF_ERROR(reader.Advance(&has));
      if (!has) return Status::OK();
      RF_RETURN_IF_ERROR(fn(reader.value()));
    }
  }

  const MpiContext& mpi_;
  JoinKind kind_;
  uint64_t block_limit_;
  std::string spill_dir_;
  HashShuffle shuffle_;
  JoinStats* stats_;
  uint64_t seq_ = 0;
  std::string unique_;
};

ShuffleJoin::ShuffleJoin(const MpiContext& mpi, JoinOptions options)
    : impl_(std::make_unique<Impl>(mpi, std::move(options), &stats_)) {}

ShuffleJoin::~ShuffleJoin() = default;

Status ShuffleJoin::AddLeft(std::string_view key, std::string_view value) {
  return impl_->Add(kLeft, key, value);
}

Status ShuffleJoin::AddRight(std::string_view key, std::string_view value) {
  return impl_->Add(kRight, key, value);
}

Status ShuffleJoin::Exchange(bool local_ok) { return impl_->Exchange(local_ok); }

Status ShuffleJoin::ForEach(const Fn& fn) { return impl_->ForEach(fn); }

const ShuffleStats& ShuffleJoin::shuffle_stats() const { return impl_->shuffle_stats(); }

void BroadcastTable::Add(std::string_view key, std::string_view value) {
  AppendFramedRecord(&local_, key, value);
}

void BroadcastTable::Broadcast(const MpiContext& mpi) {
  std::vector<std::string> parts = mpi.AllGather(local_);
  std::string().swap(local_);
  for (std::string& part : parts) {
    const char* p = part.data();
    const char* end = p + part.size();
    std::string_view key, value;
    while (p < end) {
      p = ParseFramedRecord(p, end, &key, &value);
      RF_CHECK_MSG(p != nullptr, "BroadcastTable: a damaged record arrived");
      table_[std::string(key)].emplace_back(value);
      ++records_;
    }
    std::string().swap(part);
  }
}

size_t BroadcastTable::ForEachMatch(std::string_view key,
                                    const std::function<void(std::string_view)>& fn) const {
  auto it = table_.find(std::string(key));
  if (it == table_.end()) return 0;
  for (const std::string& v : it->second) fn(v);
  return it->second.size();
}

}  // namespace rankflow
