// TopK and GroupTopK (see topk.h). A record's rank among others is its "order" string: the escaped
// key (complemented when the largest are wanted) and the tie-break; smaller is better.
#include "runtime/topk.h"

#include <algorithm>

#include "runtime/spill.h"
#include "runtime/unique_key.h"

namespace rankflow {
namespace {

std::string OrderOf(std::string_view key, bool largest, uint32_t rank, uint64_t seq) {
  std::string order;
  AppendEscapedKey(&order, key, largest);
  AppendTieBreak(&order, rank, seq);
  return order;
}

// A list of entries: framed (order, framed (key, value)) records, best first.
struct ListEntry {
  std::string_view order;
  std::string_view payload;
};

std::vector<ListEntry> ParseList(std::string_view list) {
  std::vector<ListEntry> out;
  const char* p = list.data();
  const char* end = p + list.size();
  ListEntry e;
  while (p < end) {
    p = ParseFramedRecord(p, end, &e.order, &e.payload);
    RF_CHECK_MSG(p != nullptr, "topk: damaged list of entries");
    out.push_back(e);
  }
  return out;
}

TopKRow RowOf(std::string_view payload) {
  std::string_view key, value;
  const char* end = payload.data() + payload.size();
  RF_CHECK_MSG(ParseFramedRecord(payload.data(), end, &key, &value) == end, "topk: damaged entry");
  return TopKRow{std::string(key), std::string(value)};
}

// Merges two lists (each best first) and keeps the best n.
void MergeLists(std::string* acc, std::string_view other, size_t n) {
  std::vector<ListEntry> a = ParseList(*acc);
  std::vector<ListEntry> b = ParseList(other);
  std::string merged;
  size_t i = 0, j = 0;
  for (size_t k = 0; k < n && (i < a.size() || j < b.size()); ++k) {
    const bool take_a = j == b.size() || (i < a.size() && a[i].order < b[j].order);
    const ListEntry& e = take_a ? a[i++] : b[j++];
    AppendFramedRecord(&merged, e.order, e.payload);
  }
  acc->swap(merged);
}

}  // namespace

TopK::TopK(const MpiContext& mpi, size_t n, bool largest)
    : n_(n), largest_(largest), rank_(static_cast<uint32_t>(mpi.rank())) {}

void TopK::Add(std::string_view key, std::string_view value) {
  const uint64_t seq = seq_++;
  if (n_ == 0) return;
  order_buf_.clear();
  AppendEscapedKey(&order_buf_, key, largest_);
  AppendTieBreak(&order_buf_, rank_, seq);
  if (heap_.size() == n_) {
    if (!(order_buf_ < heap_.top().order)) return;
    heap_.pop();
  }
  heap_.push(Entry{order_buf_, std::string(key), std::string(value)});
}

std::vector<TopKRow> TopK::Local() const {
  auto copy = heap_;
  std::vector<TopKRow> rows;
  rows.reserve(copy.size());
  while (!copy.empty()) {
    rows.push_back(TopKRow{copy.top().key, copy.top().value});
    copy.pop();
  }
  std::reverse(rows.begin(), rows.end());
  return rows;
}

Status TopK::Gather(const MpiContext& mpi, bool local_ok, std::vector<TopKRow>* rows,
                    bool all_ranks) const {
  rows->clear();
  if (!mpi.AllOk(local_ok)) {
    if (!local_ok) return Status::Aborted("topk: this rank failed before gathering");
    return Status::Aborted("topk: stopped because another rank failed");
  }
  std::string wire;
  auto copy = heap_;
  std::string payload;
  while (!copy.empty()) {
    payload.clear();
    AppendFramedRecord(&payload, copy.top().key, copy.top().value);
    AppendFramedRecord(&wire, copy.top().order, payload);
    copy.pop();
  }
  std::vector<std::string> parts = all_ranks ? mpi.AllGather(wire) : mpi.GatherToRoot(wire);
  std::vector<ListEntry> entries;
  for (const std::string& part : parts) {
    for (const ListEntry& e : ParseList(part)) entries.push_back(e);
  }
  std::sort(entries.begin(), entries.end(),
            [](const ListEntry& a, const ListEntry& b) { return a.order < b.order; });
  if (entries.size() > n_) entries.resize(n_);
  for (const ListEntry& e : entries) rows->push_back(RowOf(e.payload));
  return Status::OK();
}

GroupTopK::GroupTopK(const MpiContext& mpi, size_t n, bool largest, ShuffleOptions options)
    : mpi_(mpi), n_(n), largest_(largest) {
  options.partitioner = nullptr;
  shuffle_ = std::make_unique<HashShuffle>(
      mpi, std::move(options),
      [n](std::string* acc, std::string_view other) { MergeLists(acc, other, n); });
}

GroupTopK::~GroupTopK() = default;

Status GroupTopK::Add(std::string_view group, std::string_view key, std::string_view value) {
  const uint64_t seq = seq_++;
  if (n_ == 0) return Status::OK();
  std::string payload;
  AppendFramedRecord(&payload, key, value);
  entry_buf_.clear();
  AppendFramedRecord(&entry_buf_, OrderOf(key, largest_, static_cast<uint32_t>(mpi_.rank()), seq),
                     payload);
  return shuffle_->Add(group, entry_buf_);
}

Status GroupTopK::Exchange(bool local_ok) { return shuffle_->Exchange(local_ok); }

Status GroupTopK::ForEach(
    const std::function<Status(std::string_view group, const std::vector<TopKRow>& rows)>& fn) {
  std::vector<TopKRow> rows;
  return shuffle_->ForEach([&](std::string_view group, std::string_view list) {
    rows.clear();
    for (const ListEntry& e : ParseList(list)) rows.push_back(RowOf(e.payload));
    return fn(group, rows);
  });
}

}  // namespace rankflow
