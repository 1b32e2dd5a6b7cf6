#include "jobs/load_tweets_dedupe.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace rankflow {
namespace {

constexpr size_t kHeaderBytes = 4 + 4 + 8;  // key bytes, JSON bytes, timestamp_ms
constexpr size_t kMaxChunkBytes = 4 << 20;
constexpr size_t kMinChunkBytes = 256 << 10;

// A frame: [u32 key bytes][u32 JSON bytes][i64 timestamp_ms][key][JSON].
uint32_t FrameU32(const char* frame, size_t at) {
  uint32_t v = 0;
  std::memcpy(&v, frame + at, 4);
  return v;
}
int64_t FrameTimestamp(const char* frame) {
  int64_t v = 0;
  std::memcpy(&v, frame + 8, 8);
  return v;
}
std::string_view FrameKey(const char* frame) {
  return std::string_view(frame + kHeaderBytes, FrameU32(frame, 0));
}
std::string_view FrameJson(const char* frame) {
  return std::string_view(frame + kHeaderBytes + FrameU32(frame, 0), FrameU32(frame, 4));
}

}  // namespace

std::string IdKey(std::string_view id) {
  std::string key(kIdKeyWidth - std::min(id.size(), kIdKeyWidth), '0');
  key.append(id);
  return key;
}

std::string EncodeTweetValue(int64_t timestamp_ms, std::string_view json) {
  uint64_t biased = static_cast<uint64_t>(timestamp_ms) ^ (uint64_t{1} << 63);
  std::string v(8, '\0');
  for (int i = 7; i >= 0; --i) {
    v[static_cast<size_t>(i)] = static_cast<char>(biased & 0xff);
    biased >>= 8;
  }
  v.append(json);
  return v;
}

int64_t DecodeTweetTimestamp(std::string_view value) {
  uint64_t biased = 0;
  for (size_t i = 0; i < 8 && i < value.size(); ++i) {
    biased = (biased << 8) | static_cast<unsigned char>(value[i]);
  }
  return static_cast<int64_t>(biased ^ (uint64_t{1} << 63));
}

void KeepEarliest(std::string* acc, std::string_view value) {
  if (value < std::string_view(*acc)) acc->assign(value);
}

TweetTable::TweetTable(int ranks, int rank, uint64_t limit_bytes)
    : ranks_(std::max(ranks, 1)),
      rank_(rank),
      limit_bytes_(limit_bytes),
      // One arena per owner: smaller chunks with more ranks, so that the partly filled last
      // chunk of each arena stays a small share of the records.
      chunk_bytes_(
          std::clamp(kMaxChunkBytes / static_cast<size_t>(ranks_), kMinChunkBytes, kMaxChunkBytes)),
      by_owner_(static_cast<size_t>(ranks_)),
      bytes_by_owner_(by_owner_.size(), 0) {}

bool TweetTable::EntryLess(const Entry& a, const Entry& b) {
  const int c = std::memcmp(a.key, b.key, kIdKeyWidth);
  if (c != 0) return c < 0;
  // Equal first 20 bytes: the same id (a duplicate) or ids longer than 20 digits.
  const int full = FrameKey(a.framed).compare(FrameKey(b.framed));
  if (full != 0) return full < 0;
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
  return FrameJson(a.framed) < FrameJson(b.framed);
}

bool TweetTable::SameKey(const Entry& a, const Entry& b) {
  return std::memcmp(a.key, b.key, kIdKeyWidth) == 0 && FrameKey(a.framed) == FrameKey(b.framed);
}

void TweetTable::Unmap::operator()(char* p) const { munmap(p, bytes); }

void TweetTable::AddEntry(const char* framed) {
  Entry e;
  std::memcpy(e.key, framed + kHeaderBytes, kIdKeyWidth);
  e.timestamp_ms = FrameTimestamp(framed);
  e.framed = framed;
  entries_.push_back(e);
}

bool TweetTable::Add(std::string_view id, int64_t timestamp_ms, std::string_view json) {
  const size_t pad = kIdKeyWidth - std::min(id.size(), kIdKeyWidth);
  const size_t key_size = pad + id.size();
  const size_t framed = kHeaderBytes + key_size + json.size();
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
  const auto j = static_cast<uint32_t>(json.size());
  std::memcpy(out, &k, 4);
  std::memcpy(out + 4, &j, 4);
  std::memcpy(out + 8, &timestamp_ms, 8);
  std::memset(out + kHeaderBytes, '0', pad);
  std::memcpy(out + kHeaderBytes + pad, id.data(), id.size());
  std::memcpy(out + kHeaderBytes + key_size, json.data(), json.size());
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

template <typename Fn>
void TweetTable::ForEachFramed(const char* data, size_t size, Fn&& fn) {
  const char* p = data;
  const char* end = data + size;
  while (p < end) {
    RF_CHECK_MSG(static_cast<size_t>(end - p) >= kHeaderBytes, "load_tweets: truncated frame");
    const size_t framed = kHeaderBytes + FrameU32(p, 0) + FrameU32(p, 4);
    RF_CHECK_MSG(static_cast<size_t>(end - p) >= framed, "load_tweets: truncated frame");
    fn(p);
    p += framed;
  }
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
    ForEachFramed(bytes.data(), bytes.size(), [this](const char* frame) { AddEntry(frame); });
  }
  return Status::OK();
}

Status TweetTable::MoveTo(HashShuffle* shuffle) {
  std::vector<Entry>().swap(entries_);
  Status status;
  for (Arena& arena : by_owner_) {
    for (size_t c = 0; c < arena.chunks.size() && status.ok(); ++c) {
      ForEachFramed(arena.chunks[c].get(), arena.used[c], [&](const char* frame) {
        if (!status.ok()) return;
        status = shuffle->Add(FrameKey(frame),
                              EncodeTweetValue(FrameTimestamp(frame), FrameJson(frame)));
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
    const std::function<Status(int64_t timestamp_ms, std::string_view json)>& fn) {
  std::sort(entries_.begin(), entries_.end(), EntryLess);
  for (size_t i = 0; i < entries_.size(); ++i) {
    if (i > 0 && SameKey(entries_[i], entries_[i - 1])) continue;
    RF_RETURN_IF_ERROR(fn(entries_[i].timestamp_ms, FrameJson(entries_[i].framed)));
  }
  return Status::OK();
}

}  // namespace rankflow
