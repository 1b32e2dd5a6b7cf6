#include "jobs/load_tweets_dedupe.h"

#include <algorithm>
#include <cstring>
#include <new>
#include <utility>

namespace rankflow {
namespace {

constexpr size_t kHeaderBytes = 4 + 4 + 8;  // key bytes, JSON bytes, timestamp_ms
constexpr size_t kMaxChunkBytes = 4 << 20;
constexpr size_t kMinChunkBytes = 256 << 10;

// One record of ForEach's sort: the key's first 20 bytes inline (ids are padded to 20, so every
// key has them), so that comparing two entries seldom leaves the entry array.
struct Entry {
  char key[kIdKeyWidth];
  uint32_t key_size;
  uint32_t json_size;
  int64_t timestamp_ms;
  const char* key_ptr;  // the whole key; the JSON follows it
  std::string_view Key() const { return std::string_view(key_ptr, key_size); }
  std::string_view Json() const { return std::string_view(key_ptr + key_size, json_size); }
};

bool EntryLess(const Entry& a, const Entry& b) {
  const int c = std::memcmp(a.key, b.key, kIdKeyWidth);
  if (c != 0) return c < 0;
  if (a.key_size != kIdKeyWidth || b.key_size != kIdKeyWidth) {
    const int full = a.Key().compare(b.Key());
    if (full != 0) return full < 0;
  }
  if (a.timestamp_ms != b.timestamp_ms) return a.timestamp_ms < b.timestamp_ms;
  return a.Json() < b.Json();
}

bool SameKey(const Entry& a, const Entry& b) {
  return std::memcmp(a.key, b.key, kIdKeyWidth) == 0 && a.Key() == b.Key();
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

void KeepEarliest(std::string* acc, std::string_view value) {
  if (value < std::string_view(*acc)) acc->assign(value);
}

TweetTable::TweetTable(int ranks, uint64_t limit_bytes)
    : ranks_(ranks),
      limit_bytes_(limit_bytes),
      // One arena per owner: smaller chunks with more ranks, so that the partly filled last
      // chunk of each arena stays a small share of the records.
      chunk_bytes_(std::clamp(kMaxChunkBytes / static_cast<size_t>(std::max(ranks, 1)),
                              kMinChunkBytes, kMaxChunkBytes)),
      by_owner_(static_cast<size_t>(std::max(ranks, 1))),
      bytes_by_owner_(by_owner_.size(), 0) {}

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
    uint32_t k = 0;
    uint32_t j = 0;
    int64_t timestamp_ms = 0;
    std::memcpy(&k, p, 4);
    std::memcpy(&j, p + 4, 4);
    std::memcpy(&timestamp_ms, p + 8, 8);
    RF_CHECK_MSG(static_cast<size_t>(end - p) >= kHeaderBytes + k + j,
                 "load_tweets: truncated record in the tweet table");
    fn(p + kHeaderBytes, k, j, timestamp_ms);
    p += kHeaderBytes + k + j;
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
  return Status::OK();
}

Status TweetTable::MoveTo(HashShuffle* shuffle) {
  Status status;
  for (Arena& arena : by_owner_) {
    for (size_t c = 0; c < arena.chunks.size() && status.ok(); ++c) {
      ForEachFramed(arena.chunks[c].get(), arena.used[c],
                    [&](const char* key, uint32_t k, uint32_t j, int64_t timestamp_ms) {
                      if (!status.ok()) return;
                      status = shuffle->Add(
                          std::string_view(key, k),
                          EncodeTweetValue(timestamp_ms, std::string_view(key + k, j)));
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

Status TweetTable::ForEach(const std::function<Status(std::string_view json)>& fn) {
  std::vector<Entry> entries;
  entries.reserve(static_cast<size_t>(bytes_ / 512 + 16));
  auto add_entry = [&](const char* key, uint32_t k, uint32_t j, int64_t timestamp_ms) {
    Entry e;
    std::memcpy(e.key, key, kIdKeyWidth);
    e.key_size = k;
    e.json_size = j;
    e.timestamp_ms = timestamp_ms;
    e.key_ptr = key;
    entries.push_back(e);
  };
  for (const Arena& arena : by_owner_) {
    for (size_t c = 0; c < arena.chunks.size(); ++c) {
      ForEachFramed(arena.chunks[c].get(), arena.used[c], add_entry);
    }
  }
  for (const std::string& bytes : received_) ForEachFramed(bytes.data(), bytes.size(), add_entry);
  std::sort(entries.begin(), entries.end(), EntryLess);
  for (size_t i = 0; i < entries.size(); ++i) {
    if (i > 0 && SameKey(entries[i], entries[i - 1])) continue;
    RF_RETURN_IF_ERROR(fn(entries[i].Json()));
  }
  return Status::OK();
}

}  // namespace rankflow
