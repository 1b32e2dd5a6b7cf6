// GroupingShuffle (see group.h): a HashShuffle over unique keys, read back through a cursor and
// cut into groups where the escaped key changes.
#include "runtime/group.h"

#include "runtime/unique_key.h"

namespace rankflow {

// Walks the shuffle's merged records; one group at a time is open for GroupValues.
class GroupValues::Walker {
 public:
  explicit Walker(std::unique_ptr<ShuffleCursor> cursor) : cursor_(std::move(cursor)) {}

  // Moves to the next record; false at the end or on an error (kept in status_).
  bool Advance() {
    if (!status_.ok()) return has_ = false;
    status_ = cursor_->Next(&has_);
    if (!status_.ok()) has_ = false;
    return has_;
  }

  // Opens the group of the current record: its key into *key. False on a malformed record.
  bool OpenGroup(std::string* key) {
    const size_t n = ParseEscapedKey(cursor_->key(), false, key);
    if (n == 0 || cursor_->key().size() != n + kTieBreakBytes) {
      status_ = Status::Corruption("group: malformed record key");
      return false;
    }
    escaped_.assign(cursor_->key().substr(0, n));
    first_pending_ = true;
    in_group_ = true;
    return true;
  }

  bool InGroup() const {
    std::string_view k = cursor_->key();
    return k.size() == escaped_.size() + kTieBreakBytes && k.substr(0, escaped_.size()) == escaped_;
  }

  bool NextValue(std::string_view* value) {
    if (!in_group_) return false;
    if (first_pending_) {
      first_pending_ = false;
    } else if (!Advance() || !InGroup()) {
      in_group_ = false;
      return false;
    }
    *value = cursor_->value();
    return true;
  }

  // Skips what the callback left of the current group; afterwards the current record (if any) is
  // the next group's first.
  void CloseGroup() {
    if (in_group_ && first_pending_) Advance();
    in_group_ = false;
    while (has_ && InGroup()) Advance();
  }

  bool has() const { return has_; }
  const Status& status() const { return status_; }

 private:
  std::unique_ptr<ShuffleCursor> cursor_;
  bool has_ = false;
  Status status_;
  std::string escaped_;
  bool first_pending_ = false;
  bool in_group_ = false;
};

bool GroupValues::Next(std::string_view* value) { return walker_->NextValue(value); }

namespace {

ShuffleOptions ByKeyPart(ShuffleOptions options, int size) {
  options.partitioner = [size](std::string_view unique) {
    return HashOwner(unique.substr(0, unique.size() - kTieBreakBytes), size);
  };
  return options;
}

}  // namespace

GroupingShuffle::GroupingShuffle(const MpiContext& mpi, ShuffleOptions options)
    : mpi_(mpi), shuffle_(mpi, ByKeyPart(std::move(options), mpi.size()), CombineNever) {}

GroupingShuffle::~GroupingShuffle() = default;

Status GroupingShuffle::Add(std::string_view key, std::string_view value) {
  key_buf_.clear();
  AppendEscapedKey(&key_buf_, key);
  AppendTieBreak(&key_buf_, static_cast<uint32_t>(mpi_.rank()), seq_++);
  return shuffle_.Add(key_buf_, value);
}

Status GroupingShuffle::Exchange(bool local_ok) { return shuffle_.Exchange(local_ok); }

Status GroupingShuffle::ForEachGroup(
    const std::function<Status(std::string_view key, GroupValues& values)>& fn) {
  Result<std::unique_ptr<ShuffleCursor>> cursor = shuffle_.OpenCursor();
  RF_RETURN_IF_ERROR(cursor.status());
  GroupValues::Walker walker(std::move(*cursor));
  std::string key;
  walker.Advance();
  while (walker.has()) {
    if (!walker.OpenGroup(&key)) break;
    GroupValues values(&walker);
    RF_RETURN_IF_ERROR(fn(key, values));
    walker.CloseGroup();
  }
  return walker.status();
}

}  // namespace rankflow
