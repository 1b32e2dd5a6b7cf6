// HashShuffle (see shuffle.h). Layout of the implementation:
//   - FlatTable (flat_table.h): open addressing over an arena of framed pairs; its exact byte size
//     drives spilling.
//   - SpillFile (spill.h): one unnamed file per shuffle, opened on the first spill; runs are byte
//     ranges of it holding framed records (varint key length, varint value length, key, value).
//   - Map side: when the table passes memory/2 its pairs are written to the spill file grouped
//     by destination rank (one range per rank). Exchange streams each rank's in-memory pairs and
//     its spilled ranges into bounded Alltoallv rounds.
//   - Receive side: arriving pairs are combined into a second table; past memory/2 it is written
//     as a run sorted by key. ForEach k-way merges the sorted runs and the sorted table, combining
//     equal keys (MergeCursor, pulled by ForEach and OpenCursor); more than kMaxFanIn runs are
//     first merged in groups so open buffers stay bounded.
#include "runtime/shuffle.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <queue>
#include <vector>

#include "runtime/flat_table.h"
#include "runtime/log.h"
#include "runtime/spill.h"

namespace rankflow {

using internal::FlatTable;
using internal::KeyHash;

namespace {

constexpr size_t kMaxFanIn = 64;

// A source of pairs in ascending key order, for the k-way merge.
class SortedSource {
 public:
  virtual ~SortedSource() = default;
  virtual Status Advance(bool* has) = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
};

class RunSource : public SortedSource {
 public:
  RunSource(const SpillFile* file, SpillRange range) : reader_(file, range) {}
  Status Advance(bool* has) override { return reader_.Advance(has); }
  std::string_view key() const override { return reader_.key(); }
  std::string_view value() const override { return reader_.value(); }

 private:
  RunReader reader_;
};

class SortedTableSource : public SortedSource {
 public:
  SortedTableSource(const FlatTable* table, std::vector<uint64_t> offsets)
      : table_(table), offsets_(std::move(offsets)) {}
  Status Advance(bool* has) override {
    if (started_) ++pos_;
    started_ = true;
    *has = pos_ < offsets_.size();
    return Status::OK();
  }
  std::string_view key() const override { return table_->Key(offsets_[pos_]); }
  std::string_view value() const override { return table_->Value(offsets_[pos_]); }

 private:
  const FlatTable* table_;
  std::vector<uint64_t> offsets_;
  size_t pos_ = 0;
  bool started_ = false;
};

// K-way merge of sorted sources, pulled one key at a time; equal keys are combined, so each key
// comes out once, in order.
class MergeCursor : public ShuffleCursor {
 public:
  MergeCursor(std::vector<std::unique_ptr<SortedSource>> sources, HashShuffle::Combine combine)
      : sources_(std::move(sources)), combine_(std::move(combine)), heap_(Greater{&sources_}) {}

  Status Next(bool* has) override {
    if (!started_) {
      started_ = true;
      for (size_t i = 0; i < sources_.size(); ++i) RF_RETURN_IF_ERROR(Push(i));
    }
    *has = !heap_.empty();
    if (!*has) return Status::OK();
    size_t i = heap_.top();
    heap_.pop();
    key_.assign(sources_[i]->key());
    acc_.assign(sources_[i]->value());
    RF_RETURN_IF_ERROR(Push(i));
    while (!heap_.empty() && sources_[heap_.top()]->key() == key_) {
      size_t j = heap_.top();
      heap_.pop();
      combine_(&acc_, sources_[j]->value());
      RF_RETURN_IF_ERROR(Push(j));
    }
    return Status::OK();
  }
  std::string_view key() const override { return key_; }
  std::string_view value() const override { return acc_; }

 private:
  struct Greater {
    const std::vector<std::unique_ptr<SortedSource>>* sources;
    bool operator()(size_t a, size_t b) const {
      int c = (*sources)[a]->key().compare((*sources)[b]->key());
      return c != 0 ? c > 0 : a > b;
    }
  };
  // Advances source i and puts it back on the heap unless it is used up.
  Status Push(size_t i) {
    bool has = false;
    RF_RETURN_IF_ERROR(sources_[i]->Advance(&has));
    if (has) heap_.push(i);
    return Status::OK();
  }

  std::vector<std::unique_ptr<SortedSource>> sources_;
  HashShuffle::Combine combine_;
  std::priority_queue<size_t, std::vector<size_t>, Greater> heap_;
  bool started_ = false;
  std::string key_;
  std::string acc_;
};

}  // namespace

uint64_t KeyHash64(std::string_view key) { return KeyHash(key); }

int HashOwner(std::string_view key, int size) {
  RF_CHECK_MSG(size > 0, "HashOwner of " + std::to_string(size) + " ranks");
  return static_cast<int>(KeyHash(key) % static_cast<uint64_t>(size));
}

Status ExchangeBytes(const MpiContext& mpi,
                     const std::vector<std::vector<std::string_view>>& outgoing, bool local_ok,
                     std::vector<std::string>* incoming, uint64_t* bytes_sent) {
  const int size = mpi.size();
  const int me = mpi.rank();
  RF_CHECK_MSG(static_cast<int>(outgoing.size()) == size,
               "ExchangeBytes: outgoing has " + std::to_string(outgoing.size()) + " destinations");
  incoming->assign(size, std::string());
  if (bytes_sent != nullptr) *bytes_sent = 0;
  if (!mpi.AllOk(local_ok)) {
    if (!local_ok)
      return Status::Aborted("shuffle: this rank reported a failure before exchanging");
    return Status::Aborted("shuffle: stopped because another rank failed");
  }
  // Piece counts, then piece sizes, so that every receive is posted at its final offset.
  std::vector<int> send_counts(size, 0), recv_counts(size, 0);
  for (int d = 0; d < size; ++d) {
    if (d != me) send_counts[d] = static_cast<int>(outgoing[d].size());
  }
  CheckMpi(MPI_Alltoall(send_counts.data(), 1, MPI_INT, recv_counts.data(), 1, MPI_INT, mpi.comm()),
           "shuffle: MPI_Alltoall");
  std::vector<int> send_displs(size, 0), recv_displs(size, 0);
  std::vector<uint64_t> send_sizes, recv_sizes;
  for (int d = 0; d < size; ++d) {
    send_displs[d] = static_cast<int>(send_sizes.size());
    if (d == me) continue;
    for (std::string_view piece : outgoing[d]) {
      RF_CHECK_MSG(piece.size() < (1ull << 31), "ExchangeBytes: a piece of 2 GiB or more");
      send_sizes.push_back(piece.size());
    }
  }
  uint64_t pieces_in = 0;
  for (int s = 0; s < size; ++s) {
    recv_displs[s] = static_cast<int>(pieces_in);
    pieces_in += static_cast<uint64_t>(recv_counts[s]);
  }
  recv_sizes.resize(pieces_in);
  CheckMpi(MPI_Alltoallv(send_sizes.data(), send_counts.data(), send_displs.data(), MPI_UINT64_T,
                         recv_sizes.data(), recv_counts.data(), recv_displs.data(), MPI_UINT64_T,
                         mpi.comm()),
           "shuffle: MPI_Alltoallv");
  // One tag: messages between two ranks match receives in the order they were posted (MPI's
  // non-overtaking rule), so piece i of a sender lands in the i-th receive posted for it.
  constexpr int kTag = 7;
  std::vector<MPI_Request> requests;
  requests.reserve(pieces_in + send_sizes.size());
  for (int s = 0; s < size; ++s) {
    uint64_t total = 0;
    for (int i = 0; i < recv_counts[s]; ++i) total += recv_sizes[recv_displs[s] + i];
    (*incoming)[s].resize(total);
    uint64_t offset = 0;
    for (int i = 0; i < recv_counts[s]; ++i) {
      const uint64_t n = recv_sizes[recv_displs[s] + i];
      requests.emplace_back();
      CheckMpi(MPI_Irecv((*incoming)[s].data() + offset, static_cast<int>(n), MPI_BYTE, s, kTag,
                         mpi.comm(), &requests.back()),
               "shuffle: MPI_Irecv");
      offset += n;
    }
  }
  // Sends start with the next rank up, so that every rank is not sending to rank 0 first.
  for (int step = 1; step < size; ++step) {
    const int d = (me + step) % size;
    for (std::string_view piece : outgoing[d]) {
      requests.emplace_back();
      CheckMpi(MPI_Isend(piece.data(), static_cast<int>(piece.size()), MPI_BYTE, d, kTag,
                         mpi.comm(), &requests.back()),
               "shuffle: MPI_Isend");
      if (bytes_sent != nullptr) *bytes_sent += piece.size();
    }
  }
  CheckMpi(MPI_Waitall(static_cast<int>(requests.size()), requests.data(), MPI_STATUSES_IGNORE),
           "shuffle: MPI_Waitall");
  return Status::OK();
}

std::string EncodeU64(uint64_t v) {
  std::string out(8, '\0');
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((v >> (8 * i)) & 0xff);
  return out;
}

uint64_t DecodeU64(std::string_view bytes) {
  RF_CHECK_MSG(bytes.size() == 8, "u64 value of " + std::to_string(bytes.size()) + " bytes");
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= uint64_t{static_cast<unsigned char>(bytes[i])} << (8 * i);
  return v;
}

void CombineSumU64(std::string* acc, std::string_view value) {
  uint64_t sum = DecodeU64(*acc) + DecodeU64(value);
  for (int i = 0; i < 8; ++i) (*acc)[i] = static_cast<char>((sum >> (8 * i)) & 0xff);
}

class HashShuffle::Impl {
 public:
  Impl(const MpiContext& mpi, ShuffleOptions options, Combine combine, ShuffleStats* stats)
      : mpi_(mpi), options_(std::move(options)), combine_(std::move(combine)), stats_(stats) {
    if (const char* debug = std::getenv("RANKFLOW_SHUFFLE_DEBUG"); debug && *debug == '1') {
      // Forces the hard paths: spills after a few entries, one or two records per round.
      options_.memory_bytes = 4096;
      options_.round_bytes = 64;
    }
    if (options_.spill_dir.empty()) options_.spill_dir = SpillDirectory("");
    options_.round_bytes = std::max<uint64_t>(options_.round_bytes, 1);
    table_budget_ = std::max<uint64_t>(options_.memory_bytes / 2, 1);
    send_runs_.resize(mpi_.size());
  }

  Status Add(std::string_view key, std::string_view value) {
    RF_CHECK_MSG(!exchanged_, "HashShuffle::Add after Exchange");
    ++stats_->pairs_added;
    send_table_.Upsert(key, value, combine_, &combine_buf_);
    if (send_table_.bytes() > table_budget_) return SpillSendTable();
    return Status::OK();
  }

  Status Exchange(bool local_ok, Status* local_error) {
    RF_CHECK_MSG(!exchanged_, "HashShuffle::Exchange called twice");
    exchanged_ = true;
    std::vector<DestinationCursor> cursors = DrainSendTable(local_ok);
    const uint64_t quota = std::max<uint64_t>(options_.round_bytes / mpi_.size(), 1);
    // A round overshoots its quota by at most one record per destination; reserving that keeps the
    // string from doubling its capacity past the round size.
    send_buf_.reserve(options_.round_bytes + (64 << 10));
    RoundCounts counts(mpi_.size());
    bool ok = local_ok;
    for (;;) {
      const bool done = FillRound(&cursors, quota, &counts, &ok, local_error);
      SwapRound(&counts);
      if (ok) {
        Status s = Aggregate(std::string_view(recv_buf_.data(), recv_buf_.size()));
        if (!s.ok()) {
          *local_error = s;
          ok = false;
        }
      }
      int flags[2] = {done ? 1 : 0, ok ? 1 : 0};
      int agreed[2] = {0, 0};
      CheckMpi(MPI_Allreduce(flags, agreed, 2, MPI_INT, MPI_MIN, mpi_.comm()),
               "shuffle: MPI_Allreduce");
      if (agreed[1] == 0) {
        if (!ok) return *local_error;
        return Status::Aborted("shuffle: stopped because another rank failed");
      }
      if (agreed[0] == 1) break;
    }
    std::string().swap(send_buf_);
    std::string().swap(recv_buf_);
    stats_->keys_out = recv_table_.size();
    return Status::OK();
  }

  Status ForEach(const std::function<Status(std::string_view, std::string_view)>& fn) {
    Result<std::unique_ptr<ShuffleCursor>> cursor = OpenCursor();
    RF_RETURN_IF_ERROR(cursor.status());
    uint64_t keys = 0;
    for (;;) {
      bool has = false;
      RF_RETURN_IF_ERROR((*cursor)->Next(&has));
      if (!has) break;
      ++keys;
      RF_RETURN_IF_ERROR(fn((*cursor)->key(), (*cursor)->value()));
    }
    stats_->keys_out = keys;
    return Status::OK();
  }

  Result<std::unique_ptr<ShuffleCursor>> OpenCursor() {
    RF_CHECK_MSG(exchanged_, "HashShuffle::ForEach before Exchange");
    RF_RETURN_IF_ERROR(ReduceRunsTo(kMaxFanIn));
    std::vector<std::unique_ptr<SortedSource>> sources;
    sources.push_back(
        std::make_unique<SortedTableSource>(&recv_table_, recv_table_.SortedOffsets()));
    for (const SpillRange& r : recv_runs_) {
      sources.push_back(std::make_unique<RunSource>(spill_.get(), r));
    }
    return std::unique_ptr<ShuffleCursor>(
        std::make_unique<MergeCursor>(std::move(sources), combine_));
  }

 private:
  struct DestinationCursor {
    std::string memory;
    std::vector<SpillRange> runs;
    size_t next_run = 0;
    bool memory_open = false;
    std::unique_ptr<RunReader> reader;
    bool exhausted = false;
  };

  // One round's Alltoallv layout.
  struct RoundCounts {
    explicit RoundCounts(int size) : send(size), recv(size), send_displs(size), recv_displs(size) {}
    std::vector<int> send, recv, send_displs, recv_displs;
  };

  // The in-memory map side becomes one framed buffer per destination (nothing when this rank
  // failed); the table is freed. Each destination's cursor reads that buffer, then its spilled
  // runs.
  std::vector<DestinationCursor> DrainSendTable(bool local_ok) {
    const int size = mpi_.size();
    std::vector<std::string> memory(size);
    if (local_ok) {
      for (uint64_t off : send_table_.Offsets()) {
        std::string_view key = send_table_.Key(off);
        AppendFramedRecord(&memory[Owner(key)], key, send_table_.Value(off));
      }
    }
    send_table_.Release();
    std::vector<DestinationCursor> cursors(size);
    for (int d = 0; d < size; ++d) {
      cursors[d].memory = std::move(memory[d]);
      cursors[d].runs = send_runs_[d];
    }
    return cursors;
  }

  // Fills send_buf_ with up to `quota` bytes per destination and the send counts. A failure
  // clears *ok and keeps the status; a rank that failed sends nothing from then on. Returns true
  // when this rank has nothing more to send.
  bool FillRound(std::vector<DestinationCursor>* cursors, uint64_t quota, RoundCounts* counts,
                 bool* ok, Status* local_error) {
    send_buf_.clear();
    bool done = true;
    for (int d = 0; d < mpi_.size(); ++d) {
      size_t start = send_buf_.size();
      if (*ok) {
        Status s = FillForDestination(&(*cursors)[d], quota);
        if (!s.ok()) {
          *local_error = s;
          *ok = false;
        }
      }
      if (*ok && !(*cursors)[d].exhausted) done = false;
      size_t n = send_buf_.size() - start;
      RF_CHECK_MSG(n < (1u << 31), "shuffle round of more than 2 GiB for one rank");
      counts->send[d] = static_cast<int>(n);
      counts->send_displs[d] = static_cast<int>(start);
    }
    if (!*ok) {
      send_buf_.clear();
      std::fill(counts->send.begin(), counts->send.end(), 0);
      std::fill(counts->send_displs.begin(), counts->send_displs.end(), 0);
      done = true;
    }
    return done;
  }

  // Collective. Sends send_buf_ and receives this rank's share of the round into recv_buf_.
  void SwapRound(RoundCounts* counts) {
    CheckMpi(
        MPI_Alltoall(counts->send.data(), 1, MPI_INT, counts->recv.data(), 1, MPI_INT, mpi_.comm()),
        "shuffle: MPI_Alltoall");
    uint64_t total = 0;
    for (int r = 0; r < mpi_.size(); ++r) {
      RF_CHECK(total < (1ull << 31));
      counts->recv_displs[r] = static_cast<int>(total);
      total += static_cast<uint64_t>(counts->recv[r]);
    }
    RF_CHECK_MSG(total < (1ull << 31), "shuffle round of more than 2 GiB arriving at one rank");
    recv_buf_.resize(total);
    CheckMpi(MPI_Alltoallv(send_buf_.data(), counts->send.data(), counts->send_displs.data(),
                           MPI_BYTE, recv_buf_.data(), counts->recv.data(),
                           counts->recv_displs.data(), MPI_BYTE, mpi_.comm()),
             "shuffle: MPI_Alltoallv");
    stats_->bytes_sent += send_buf_.size();
    ++stats_->rounds;
  }

  int Owner(std::string_view key) const {
    if (options_.partitioner) {
      int owner = options_.partitioner(key);
      RF_CHECK_MSG(owner >= 0 && owner < mpi_.size(),
                   "shuffle partitioner returned rank " + std::to_string(owner));
      return owner;
    }
    return static_cast<int>(KeyHash(key) % static_cast<uint64_t>(mpi_.size()));
  }

  Status EnsureSpillFile() {
    if (spill_ != nullptr) return Status::OK();
    Result<std::unique_ptr<SpillFile>> file = SpillFile::Open(options_.spill_dir, "shuffle");
    RF_RETURN_IF_ERROR(file.status());
    spill_ = std::move(*file);
    return Status::OK();
  }

  // Writes the map-side table to the spill file, one range per destination rank.
  Status SpillSendTable() {
    RF_RETURN_IF_ERROR(EnsureSpillFile());
    std::vector<std::vector<uint64_t>> by_dest(mpi_.size());
    for (uint64_t off : send_table_.Offsets()) by_dest[Owner(send_table_.Key(off))].push_back(off);
    uint64_t before = spill_->size();
    for (int d = 0; d < mpi_.size(); ++d) {
      if (by_dest[d].empty()) continue;
      RunWriter writer(spill_.get());
      for (uint64_t off : by_dest[d]) {
        RF_RETURN_IF_ERROR(writer.Add(send_table_.Key(off), send_table_.Value(off)));
      }
      SpillRange range;
      RF_RETURN_IF_ERROR(writer.Finish(&range));
      send_runs_[d].push_back(range);
    }
    ++stats_->spilled_runs;
    stats_->spilled_bytes += spill_->size() - before;
    send_table_.Release();
    return Status::OK();
  }

  // Appends records for one destination to send_buf_ until `quota` bytes (at least one record).
  Status FillForDestination(DestinationCursor* c, uint64_t quota) {
    const size_t start = send_buf_.size();
    while (!c->exhausted && send_buf_.size() - start < quota) {
      if (!c->reader) {
        if (!c->memory_open) {
          c->memory_open = true;
          c->reader = std::make_unique<RunReader>(c->memory);
        } else if (c->next_run < c->runs.size()) {
          c->reader = std::make_unique<RunReader>(spill_.get(), c->runs[c->next_run++]);
        } else {
          c->exhausted = true;
          std::string().swap(c->memory);
          break;
        }
      }
      bool has = false;
      RF_RETURN_IF_ERROR(c->reader->Advance(&has));
      if (!has) {
        c->reader.reset();
        continue;
      }
      AppendFramedRecord(&send_buf_, c->reader->key(), c->reader->value());
      ++stats_->pairs_sent;
    }
    return Status::OK();
  }

  Status Aggregate(std::string_view bytes) {
    const char* p = bytes.data();
    const char* end = p + bytes.size();
    std::string_view key, value;
    while (p < end) {
      p = ParseFramedRecord(p, end, &key, &value);
      if (p == nullptr) return Status::Corruption("shuffle: malformed record received");
      recv_table_.Upsert(key, value, combine_, &combine_buf_);
      if (recv_table_.bytes() > table_budget_) RF_RETURN_IF_ERROR(SpillRecvTable());
    }
    return Status::OK();
  }

  Status SpillRecvTable() {
    RF_RETURN_IF_ERROR(EnsureSpillFile());
    uint64_t before = spill_->size();
    RunWriter writer(spill_.get());
    for (uint64_t off : recv_table_.SortedOffsets()) {
      RF_RETURN_IF_ERROR(writer.Add(recv_table_.Key(off), recv_table_.Value(off)));
    }
    SpillRange range;
    RF_RETURN_IF_ERROR(writer.Finish(&range));
    recv_runs_.push_back(range);
    ++stats_->spilled_runs;
    stats_->spilled_bytes += spill_->size() - before;
    recv_table_.Release();
    return Status::OK();
  }

  // Merges runs in groups of kMaxFanIn until at most `max_runs` remain.
  Status ReduceRunsTo(size_t max_runs) {
    while (recv_runs_.size() > max_runs) {
      std::vector<std::unique_ptr<SortedSource>> group;
      for (size_t i = 0; i < kMaxFanIn; ++i) {
        group.push_back(std::make_unique<RunSource>(spill_.get(), recv_runs_[i]));
      }
      RunWriter writer(spill_.get());
      MergeCursor merge(std::move(group), combine_);
      for (;;) {
        bool has = false;
        RF_RETURN_IF_ERROR(merge.Next(&has));
        if (!has) break;
        RF_RETURN_IF_ERROR(writer.Add(merge.key(), merge.value()));
      }
      SpillRange merged;
      RF_RETURN_IF_ERROR(writer.Finish(&merged));
      recv_runs_.erase(recv_runs_.begin(), recv_runs_.begin() + kMaxFanIn);
      recv_runs_.push_back(merged);
    }
    return Status::OK();
  }

  const MpiContext& mpi_;
  ShuffleOptions options_;
  Combine combine_;
  ShuffleStats* stats_;
  uint64_t table_budget_ = 0;
  bool exchanged_ = false;

  FlatTable send_table_;
  std::vector<std::vector<SpillRange>> send_runs_;  // per destination rank
  FlatTable recv_table_;
  std::string combine_buf_;
  std::vector<SpillRange> recv_runs_;
  std::unique_ptr<SpillFile> spill_;  // opened on the first spill
  std::string send_buf_;              // reused across rounds
  std::string recv_buf_;
};

HashShuffle::HashShuffle(const MpiContext& mpi, ShuffleOptions options, Combine combine)
    : impl_(std::make_unique<Impl>(mpi, std::move(options), std::move(combine), &stats_)) {}

HashShuffle::~HashShuffle() = default;

Status HashShuffle::Add(std::string_view key, std::string_view value) {
  return impl_->Add(key, value);
}

Status HashShuffle::Exchange(bool local_ok) {
  Status local_error = Status::Aborted("shuffle: this rank reported a failure before exchanging");
  return impl_->Exchange(local_ok, &local_error);
}

Result<std::unique_ptr<ShuffleCursor>> HashShuffle::OpenCursor() { return impl_->OpenCursor(); }

Status HashShuffle::ForEach(
    const std::function<Status(std::string_view key, std::string_view value)>& fn) {
  return impl_->ForEach(fn);
}

}  // namespace rankflow
