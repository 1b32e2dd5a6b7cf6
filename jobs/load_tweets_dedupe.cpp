#include "jobs/load_tweets_dedupe.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace rankflow {
namespace {

constexpr size_t kMaxChunkBytes = 4 << 20;
constexpr size_t kMinChunkBytes = 256 << 10;

}  // namespace

TweetTable::TweetTable(int ranks, int rank, uint64_t limit_bytes, RecordEncoding encoding)
    : ranks_(std::max(ranks, 1)),
      rank_(rank),
      limit_bytes_(limit_bytes),
      encoding_(encoding),
      // One arena per owner: smaller chunks with more ranks, so that the partly filled last
      // chunk of each arena stays a small share of the records.
      chunk_bytes_(
          std::clamp(kMaxChunkBytes / static_cast<size_t>(ranks_), kMinChunkBytes, kMaxChunkBytes)),
      by_owner_(static_cast<size_t>(ranks_)),
      bytes_by_owner_(by_owner_.size(), 0) {}

bool TweetTable::EntryLess(const Entry& a, const Entry& b) const {
  const int c = std::memcmp(a.key, b.key, kIdKeyWidth);
  if (c != 0) return c < 0;
  // Equal first 20 bytes: the same id (a duplicate) or ids longer than 20 digits.
  const int full = FrameKey(a.framed).compare(FrameKey(b.framed));
  if (full != 0) return full < 0;
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
  return RecordLess(encoding_, FrameRecord(a.framed), FrameRecord(b.framed));
}

bool TweetTable::SameKey(const Entry& a, const Entry& b) {
  return std::memcmp(a.key, b.key, kIdKeyWidth) == 0 && FrameKey(a.framed) == FrameKey(b.framed);
}

void TweetTable::Unmap::operator()(char* p) const { munmap(p, bytes); }

void TweetTable::AddEntry(const char* framed) {
  Entry e;
  std::memcpy(e.key, framed + kFrameHeaderBytes, kIdKeyWidth);
  e.timestamp_ms = FrameTimestamp(framed);
  e.framed = framed;
  entries_.push_back(e);
}

bool TweetTable::Add(std::string_view id, int64_t timestamp_ms, std::string_view record) {
  const size_t pad = kIdKeyWidth - std::min(id.size(), kIdKeyWidth);
  const size_t key_size = pad + id.size();
  const size_t framed = kFrameHeaderBytes + key_size + record.size();
  if (bytes_ + framed + sizeof(Entry) > limit_bytes_) return false;
  const auto owner = static_cast<size_t>(Owner(id));
  Arena& arena = by_owner_[owner];
  if (arena.chunks.empty() || arena.used.back() + framed > chunk_bytes_) {
    // Chunks are mapped with MAP_POPULATE: the kernel fills all their pages in one call instead of
    // a page fault per 4 KiB. (Transparent huge pages were tried for the one-rank path and were
    // slower: zeroing 2 MiB pages showed as 12% of the run.)
    const size_t bytes = std::max(chunk_bytes_, framed);
    void* p = mmap(nullptr, bytes, PROT_READ | PROT_WRITE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
    if (p == MAP_FAILED) throw std::bad_alloc();
    arena.chunks.emplace_back(static_cast<char*>(p), Unmap{bytes});
    arena.used.push_back(0);
  }
  char* out = arena.chunks.back().get() + arena.used.back();
  const auto k = static_cast<uint32_t>(key_size);
  const auto j = static_cast<uint32_t>(record.size());
  std::memcpy(out, &k, 4);
  std::memcpy(out + 4, &j, 4);
  std::memcpy(out + 8, &timestamp_ms, 8);
  std::memset(out + kFrameHeaderBytes, '0', pad);
  std::memcpy(out + kFrameHeaderBytes + pad, id.data(), id.size());
  std::memcpy(out + kFrameHeaderBytes + key_size, record.data(), record.size());
  if (static_cast<int>(owner) == rank_) AddEntry(out);
  arena.used.back() += framed;
  bytes_ += framed + sizeof(Entry);
  bytes_by_owner_[owner] += static_cast<int64_t>(framed + sizeof(Entry));
  return true;
}

int TweetTable::Owner(std::string_view id) const {
  if (ranks_ == 1) return 0;
  if (id.size() > kIdKeyWidth) return HashOwner(id, ranks_);
  char key[kIdKeyWidth];
  const size_t pad = kIdKeyWidth - id.size();
  std::memset(key, '0', pad);
  std::memcpy(key + pad, id.data(), id.size());
  return HashOwner(std::string_view(key, kIdKeyWidth), ranks_);
}

Status TweetTable::Exchange(const MpiContext& mpi, bool local_ok, uint64_t* bytes_sent) {
  std::vector<std::vector<std::string_view>> outgoing(static_cast<size_t>(mpi.size()));
  for (int d = 0; d < mpi.size() && d < ranks_; ++d) {
    if (d == mpi.rank()) continue;
    const Arena& arena = by_owner_[static_cast<size_t>(d)];
    for (size_t c = 0; c < arena.chunks.size(); ++c) {
      outgoing[static_cast<size_t>(d)].emplace_back(arena.chunks[c].get(), arena.used[c]);
    }
  }
  RF_RETURN_IF_ERROR(ExchangeBytes(mpi, outgoing, local_ok, &received_, bytes_sent));
  // What was sent is no longer this rank's to keep.
  for (int d = 0; d < ranks_; ++d) {
    if (d != mpi.rank()) by_owner_[static_cast<size_t>(d)] = Arena();
  }
  for (const std::string& bytes : received_) {
    ForEachFrame(bytes.data(), bytes.size(), [this](const char* frame) { AddEntry(frame); });
  }
  return Status::OK();
}

Status TweetTable::MoveTo(HashShuffle* shuffle) {
  std::vector<Entry>().swap(entries_);
  Status status;
  for (Arena& arena : by_owner_) {
    for (size_t c = 0; c < arena.chunks.size() && status.ok(); ++c) {
      ForEachFrame(arena.chunks[c].get(), arena.used[c], [&](const char* frame) {
        if (!status.ok()) return;
        status = shuffle->Add(FrameKey(frame),
                              EncodeTweetValue(FrameTimestamp(frame), FrameRecord(frame)));
      });
      arena.chunks[c].reset();
    }
    arena = Arena();
  }
  received_.clear();
  bytes_ = 0;
  std::fill(bytes_by_owner_.begin(), bytes_by_owner_.end(), 0);
  return status;
}

Status TweetTable::ForEach(
    const std::function<Status(int64_t timestamp_ms, std::string_view record)>& fn) {
  std::sort(entries_.begin(), entries_.end(),
            [this](const Entry& a, const Entry& b) { return EntryLess(a, b); });
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i > 0 && SameKey(entries_[i], entries_[i - 1])) continue;
    RF_RETURN_IF_ERROR(fn(entries_[i].timestamp_ms, FrameRecord(entries_[i].framed)));
  }
  return Status::OK();
}

}  // namespace rankflow
