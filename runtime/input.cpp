#include "runtime/input.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>
#include <numeric>
#include <regex>
#include <set>
#include <thread>

#include "runtime/log.h"
#include "runtime/manifest.h"

namespace rankflow {
namespace {

// The file list travels from rank 0 as one string: a status code and message, then per file the
// length of the prefix shared with the previous path, the rest of the path and the size, all
// lengths as LEB128 varints. Sorted paths share long prefixes, so a list of 100k files under one
// folder costs a few bytes per file beyond the distinct part of its name.
void PutVarint(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

bool GetVarint(std::string_view* in, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift < 64 && !in->empty(); shift += 7) {
    auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    *v |= static_cast<uint64_t>(byte & 0x7f) << shift;
    if ((byte & 0x80) == 0) return true;
  }
  return false;
}

bool GetBytes(std::string_view* in, uint64_t n, std::string_view* out) {
  if (in->size() < n) return false;
  *out = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

std::string EncodeListing(const Status& status, const std::vector<FileInfo>& files) {
  std::string out;
  PutVarint(&out, static_cast<uint64_t>(status.code()));
  PutVarint(&out, status.message().size());
  out += status.message();
  PutVarint(&out, files.size());
  std::string_view prev;
  for (const FileInfo& f : files) {
    size_t shared = 0;
    while (shared < prev.size() && shared < f.path.size() && prev[shared] == f.path[shared]) {
      ++shared;
    }
    PutVarint(&out, shared);
    PutVarint(&out, f.path.size() - shared);
    out.append(f.path, shared, std::string::npos);
    PutVarint(&out, f.size);
    prev = f.path;
  }
  return out;
}

Status DecodeListing(std::string_view in, std::vector<FileInfo>* files) {
  const Status bad = Status::Internal("input listing: malformed broadcast");
  uint64_t code = 0;
  uint64_t len = 0;
  std::string_view message;
  if (!GetVarint(&in, &code) || !GetVarint(&in, &len) || !GetBytes(&in, len, &message)) return bad;
  if (code != 0) return Status(static_cast<StatusCode>(code), std::string(message));
  uint64_t count = 0;
  if (!GetVarint(&in, &count)) return bad;
  files->clear();
  files->reserve(count);
  for (uint64_t i = 0; i < count; ++i) {
    uint64_t shared = 0;
    uint64_t rest = 0;
    std::string_view suffix;
    FileInfo f;
    if (!GetVarint(&in, &shared) || !GetVarint(&in, &rest) || !GetBytes(&in, rest, &suffix) ||
        !GetVarint(&in, &f.size)) {
      return bad;
    }
    if (i == 0 ? shared != 0 : shared > (*files)[i - 1].path.size()) return bad;
    if (shared > 0) f.path = (*files)[i - 1].path.substr(0, shared);
    f.path.append(suffix);
    files->push_back(std::move(f));
  }
  return in.empty() ? Status::OK() : bad;
}

std::string ParentOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? std::string() : path.substr(0, slash);
}

// Where a listed folder (or one inside it) is a committed rankflow output, only the files its
// manifest lists are inputs: leftovers of killed attempts and stray files never leak into a
// result. A listed file missing is Corruption. A _SUCCESS that is not a rankflow manifest (Spark
// and Hadoop write an empty one) leaves its folder as it is.
Status KeepCommittedFiles(FileSystem& fs, const std::string& src, const std::regex* filter,
                          std::vector<FileInfo>* files) {
  std::vector<std::string> markers;
  RF_RETURN_IF_ERROR(fs.ListManifests(src, &markers));
  std::map<std::string, std::set<std::string>> committed;  // folder -> files its manifest lists
  for (const std::string& marker : markers) {
    const std::string dir = ParentOf(marker);
    std::string json;
    RF_RETURN_IF_ERROR(fs.ReadSmallFile(marker, &json));
    Manifest manifest;
    if (!ParseManifest(dir, json, &manifest).ok()) continue;
    std::set<std::string>& listed = committed[dir];
    for (const ManifestFile& f : manifest.files) listed.insert(f.file);
  }
  if (committed.empty()) return Status::OK();
  std::map<std::string, std::set<std::string>> seen;
  std::vector<FileInfo> kept;
  for (FileInfo& f : *files) {
    auto owner = committed.end();
    for (std::string dir = ParentOf(f.path); !dir.empty() && owner == committed.end();
         dir = ParentOf(dir)) {
      owner = committed.find(dir);
    }
    if (owner != committed.end()) {
      const std::string rel = f.path.substr(owner->first.size() + 1);
      if (owner->second.count(rel) == 0) continue;  // not part of the committed output
      seen[owner->first].insert(rel);
    }
    kept.push_back(std::move(f));
  }
  *files = std::move(kept);
  for (const auto& [dir, listed] : committed) {
    for (const std::string& rel : listed) {
      std::string base = rel.substr(rel.rfind('/') == std::string::npos ? 0 : rel.rfind('/') + 1);
      if (filter != nullptr && !std::regex_search(base, *filter)) continue;
      if (seen[dir].count(rel) == 0) {
        return Status::Corruption(dir + "/" + kManifestName + " lists " + rel +
                                  ", which is missing: the committed output is incomplete");
      }
    }
  }
  return Status::OK();
}

Status ListOnRoot(FileSystem& fs, const std::string& src, const std::string& name_regex,
                  std::vector<FileInfo>* files) {
  std::regex re;
  if (!name_regex.empty()) {
    try {
      re = std::regex(name_regex, std::regex::ECMAScript);
    } catch (const std::regex_error& e) {
      return Status::InvalidArgument("bad file name regex '" + name_regex + "': " + e.what());
    }
  }
  const std::regex* filter = name_regex.empty() ? nullptr : &re;
  RF_RETURN_IF_ERROR(fs.List(src, filter, files));
  return KeepCommittedFiles(fs, src, filter, files);
}

uint64_t UnitBytes(const InputUnit& u) { return u.end - u.begin; }

constexpr int kRequestTag = 1;
constexpr int kReplyTag = 2;
constexpr std::chrono::microseconds kPollInterval(50);

constexpr uint64_t kFrontOne = 1;
constexpr uint64_t kBackOne = uint64_t{1} << 32;
uint64_t Front(uint64_t word) { return word & 0xffffffffu; }
uint64_t Back(uint64_t word) { return word >> 32; }

// One claim on owner's `list` through its window word: adds kFrontOne (the front unit) or kBackOne
// (the back unit) and returns that unit, or nullopt when the two ends had met already.
std::optional<size_t> ClaimEnd(MPI_Win win, int owner, const std::vector<size_t>& list,
                               uint64_t add) {
  uint64_t old = 0;
  CheckMpi(MPI_Fetch_and_op(&add, &old, MPI_UINT64_T, 0, owner, MPI_SUM, win),
           "unit claimer: MPI_Fetch_and_op");
  CheckMpi(MPI_Win_flush(0, win), "unit claimer: MPI_Win_flush");
  if (Front(old) + Back(old) >= list.size()) return std::nullopt;
  return add == kFrontOne ? list[Front(old)] : list[list.size() - 1 - Back(old)];
}

// Collective.
bool AllRanksOnOneNode(const MpiContext& mpi) {
  MPI_Comm node = MPI_COMM_NULL;
  CheckMpi(MPI_Comm_split_type(mpi.comm(), MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node),
           "unit claimer: MPI_Comm_split_type");
  int node_size = 0;
  MPI_Comm_size(node, &node_size);
  MPI_Comm_free(&node);
  return mpi.AllOk(node_size == mpi.size());
}

}  // namespace

bool IsGzipName(const std::string& path) {
  return path.size() >= 3 && path.compare(path.size() - 3, 3, ".gz") == 0;
}

Status ListInputs(const MpiContext& mpi, FileSystem& fs, const std::string& src,
                  const std::string& name_regex, std::vector<FileInfo>* files) {
  std::string wire;
  if (mpi.is_root()) {
    std::vector<FileInfo> listed;
    Status s = ListOnRoot(fs, src, name_regex, &listed);
    if (!s.ok()) listed.clear();
    wire = EncodeListing(s, listed);
  }
  mpi.Broadcast(&wire);
  return DecodeListing(wire, files);
}

InputPlan PlanUnits(std::vector<FileInfo> files, uint64_t split_bytes) {
  InputPlan plan;
  plan.files = std::move(files);
  for (size_t i = 0; i < plan.files.size(); ++i) {
    const FileInfo& f = plan.files[i];
    plan.total_bytes += f.size;
    if (IsGzipName(f.path) || split_bytes == 0 || f.size <= split_bytes) {
      plan.units.push_back({i, 0, f.size});
      continue;
    }
    for (uint64_t b = 0; b < f.size; b += split_bytes) {
      plan.units.push_back({i, b, std::min(f.size, b + split_bytes)});
    }
  }
  return plan;
}

std::vector<std::vector<size_t>> DealUnits(const InputPlan& plan, int ranks) {
  RF_CHECK(ranks > 0);
  std::vector<size_t> order(plan.units.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return UnitBytes(plan.units[a]) > UnitBytes(plan.units[b]);
  });
  std::vector<std::vector<size_t>> lists(ranks);
  std::vector<uint64_t> load(ranks, 0);
  for (size_t u : order) {
    int r = static_cast<int>(std::min_element(load.begin(), load.end()) - load.begin());
    lists[r].push_back(u);
    // An empty unit still costs an open: count it as one byte so they spread out too.
    load[r] += std::max<uint64_t>(1, UnitBytes(plan.units[u]));
  }
  return lists;
}

UnitClaimer::UnitClaimer(const MpiContext& mpi, const InputPlan& plan)
    : mpi_(mpi), plan_(plan), lists_(DealUnits(plan, mpi.size())) {
  RF_CHECK_MSG(plan.units.size() < (uint64_t{1} << 31), "too many input units for one claimer");
  // Rank 0 decides the mode for everyone (both modes start with collectives).
  // The window pays off where its atomics need no help from the target (Open MPI's osc/sm, all
  // ranks on one node); across nodes a claim could wait on rank 0, so messages are used there.
  std::string mode;
  bool one_node = AllRanksOnOneNode(mpi);
  if (mpi.is_root()) {
    const char* env = std::getenv("RANKFLOW_CLAIMER");
    std::string forced = env != nullptr ? env : "";
    mode = forced == "messages" || forced == "window" ? forced : one_node ? "window" : "messages";
  }
  mpi.Broadcast(&mode);
  if (mode == "window" && CreateWindow()) return;
  CheckMpi(MPI_Comm_dup(mpi.comm(), &comm_), "unit claimer: MPI_Comm_dup");
  MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN);
  empty_.assign(mpi.size(), false);
  empty_[mpi.rank()] = true;
  next_victim_ = (mpi.rank() + 1) % mpi.size();
}

// Collective. False on every rank (and nothing to free) if any rank could not create it.
bool UnitClaimer::CreateWindow() {
  MPI_Info info;
  MPI_Info_create(&info);
  MPI_Info_set(info, "accumulate_ops", "same_op_no_op");
  MPI_Aint bytes = mpi_.is_root() ? static_cast<MPI_Aint>(mpi_.size() * sizeof(uint64_t)) : 0;
  void* base = nullptr;
  MPI_Win win = MPI_WIN_NULL;
  int rc = MPI_Win_allocate(bytes, sizeof(uint64_t), info, mpi_.comm(), &base, &win);
  MPI_Info_free(&info);
  if (!mpi_.AllOk(rc == MPI_SUCCESS)) {
    // Ranks that did get a window cannot free it without the others: leave it (rare, small).
    LogDebug("unit claimer: no MPI window here (" +
             std::string(rc == MPI_SUCCESS ? "ok" : "failed") +
             " on this rank); claiming by messages");
    return false;
  }
  win_ = win;
  MPI_Win_set_errhandler(win_, MPI_ERRORS_RETURN);
  if (mpi_.is_root()) {
    counter_ = static_cast<uint64_t*>(base);
    std::fill(counter_, counter_ + mpi_.size(), 0);
  }
  CheckMpi(MPI_Win_lock_all(MPI_MODE_NOCHECK, win_), "unit claimer: MPI_Win_lock_all");
  if (mpi_.is_root()) CheckMpi(MPI_Win_sync(win_), "unit claimer: MPI_Win_sync");
  mpi_.Barrier();  // nobody claims before rank 0's counters are zero
  return true;
}

UnitClaimer::~UnitClaimer() {
  if (win_ != MPI_WIN_NULL) {
    MPI_Win_unlock_all(win_);
    MPI_Win_free(&win_);
  }
  if (comm_ == MPI_COMM_NULL) return;
  // Keep answering steal requests until every rank is here: a peer may still be asking for our
  // units (a rank that failed and stopped calling Next() lends its units to the others this way).
  MPI_Request barrier = MPI_REQUEST_NULL;
  if (MPI_Ibarrier(comm_, &barrier) == MPI_SUCCESS) {
    int done = 0;
    while (!done) {
      ServeStealRequests();
      if (MPI_Test(&barrier, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) break;
      if (!done) std::this_thread::sleep_for(kPollInterval);
    }
  }
  MPI_Comm_free(&comm_);
}

std::optional<size_t> UnitClaimer::ClaimFromFront(int owner) {
  return ClaimEnd(win_, owner, lists_[owner], kFrontOne);
}

std::optional<size_t> UnitClaimer::ClaimFromBack(int owner) {
  return ClaimEnd(win_, owner, lists_[owner], kBackOne);
}

// The other rank with the most unclaimed units, read atomically from the window; nullopt if none
// has any left.
std::optional<int> UnitClaimer::FullestOtherList() {
  int n = mpi_.size();
  std::vector<uint64_t> words(n);
  CheckMpi(MPI_Get_accumulate(nullptr, 0, MPI_UINT64_T, words.data(), n, MPI_UINT64_T, 0, 0, n,
                              MPI_UINT64_T, MPI_NO_OP, win_),
           "unit claimer: MPI_Get_accumulate");
  CheckMpi(MPI_Win_flush(0, win_), "unit claimer: MPI_Win_flush");
  std::optional<int> best;
  uint64_t best_left = 0;
  for (int r = 0; r < n; ++r) {
    if (r == mpi_.rank()) continue;
    uint64_t used = Front(words[r]) + Back(words[r]);
    uint64_t left = used >= lists_[r].size() ? 0 : lists_[r].size() - used;
    if (left > best_left) {
      best_left = left;
      best = r;
    }
  }
  return best;
}

// Answers every pending steal request from the back of this rank's list (-1: nothing left).
void UnitClaimer::ServeStealRequests() {
  const std::vector<size_t>& mine = lists_[mpi_.rank()];
  for (;;) {
    int pending = 0;
    MPI_Status st;
    if (MPI_Iprobe(MPI_ANY_SOURCE, kRequestTag, comm_, &pending, &st) != MPI_SUCCESS || !pending) {
      return;
    }
    int64_t request = 0;
    CheckMpi(
        MPI_Recv(&request, 1, MPI_INT64_T, st.MPI_SOURCE, kRequestTag, comm_, MPI_STATUS_IGNORE),
        "unit claimer: MPI_Recv");
    int64_t answer = -1;
    if (front_ + back_ < mine.size()) {
      answer = static_cast<int64_t>(mine[mine.size() - 1 - back_]);
      ++back_;
    }
    // The asker posted its receive before sending, so this cannot block for long.
    CheckMpi(MPI_Send(&answer, 1, MPI_INT64_T, st.MPI_SOURCE, kReplyTag, comm_),
             "unit claimer: MPI_Send");
  }
}

// One unit from `victim`'s list, or -1. Serves requests to this rank while it waits, so two ranks
// asking each other cannot deadlock.
int64_t UnitClaimer::AskVictim(int victim) {
  int64_t reply = -1;
  int64_t request = 0;
  MPI_Request reqs[2];
  CheckMpi(MPI_Irecv(&reply, 1, MPI_INT64_T, victim, kReplyTag, comm_, &reqs[0]),
           "unit claimer: MPI_Irecv");
  CheckMpi(MPI_Isend(&request, 1, MPI_INT64_T, victim, kRequestTag, comm_, &reqs[1]),
           "unit claimer: MPI_Isend");
  for (;;) {
    int done = 0;
    CheckMpi(MPI_Testall(2, reqs, &done, MPI_STATUSES_IGNORE), "unit claimer: MPI_Testall");
    if (done) return reply;
    ServeStealRequests();
    std::this_thread::sleep_for(kPollInterval);
  }
}

std::optional<size_t> UnitClaimer::NextByMessages() {
  ServeStealRequests();
  const std::vector<size_t>& mine = lists_[mpi_.rank()];
  if (front_ + back_ < mine.size()) return mine[front_++];
  for (int tries = 0; tries < mpi_.size(); ++tries) {
    int victim = next_victim_;
    while (empty_[victim]) {
      victim = (victim + 1) % mpi_.size();
      if (victim == next_victim_) return std::nullopt;  // every peer is used up
    }
    next_victim_ = victim;
    int64_t unit = AskVictim(victim);
    if (unit >= 0) return static_cast<size_t>(unit);
    empty_[victim] = true;
  }
  return std::nullopt;
}

std::optional<InputUnit> UnitClaimer::Next() {
  if (comm_ != MPI_COMM_NULL) {
    std::optional<size_t> u = NextByMessages();
    if (!u) return std::nullopt;
    return plan_.units[*u];
  }
  if (!own_done_) {
    std::optional<size_t> u = ClaimFromFront(mpi_.rank());
    if (u) return plan_.units[*u];
    own_done_ = true;
  }
  // Another thief may win the race for the last unit of a list: then look again.
  while (std::optional<int> victim = FullestOtherList()) {
    std::optional<size_t> u = ClaimFromBack(*victim);
    if (u) return plan_.units[*u];
  }
  return std::nullopt;
}

}  // namespace rankflow
