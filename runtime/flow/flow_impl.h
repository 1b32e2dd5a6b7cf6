// Template implementation of the dataflow API; included by flow.h only. The contracts are in
// flow.h; this file says how they are kept.
//
// A Dataset<T> is a shared Node whose Produce(in, sink) pushes this rank's elements into `sink`.
// Element-wise operations are Nodes that wrap their parent's sink (fused, no buffer). Sources
// are Nodes too: an input source runs MapPhase (collective), a spool or vector source is local.
// A collective operation runs "a stage": BeginCollective (agree that no rank failed before),
// Produce of its input(s) into a byte-level engine piece (HashShuffle, GroupingShuffle,
// ShuffleJoin, GlobalSort, TopK, …), EndStage (agree on the stage's failures, throw JobFailed on
// every rank if any), then the piece's collective step and the local read-out into a spool.
//
// Failures inside a stage never propagate as exceptions past a collective call: user code runs
// inside the source's element loop, which catches everything and turns it into this rank's
// stage failure (naming rank, input file:line when known, and the operation); an input source
// whose rank already failed still takes part in MapPhase's collectives, doing no work.
#pragma once

#include <algorithm>
#include <charconv>
#include <cmath>
#include <exception>
#include <map>
#include <utility>

#include "runtime/flow/record_parse.h"
#include "runtime/flow/record_text.h"
#include "runtime/group.h"
#include "runtime/hll.h"
#include "runtime/join.h"
#include "runtime/parquet/parquet_writer.h"
#include "runtime/shuffle.h"
#include "runtime/sort.h"
#include "runtime/spill.h"
#include "runtime/topk.h"

namespace rankflow::flow {

namespace detail {

template <typename T>
using Sink = std::function<void(T&&)>;
template <typename T>
using NodePtr = std::shared_ptr<typename Dataset<T>::Node>;

// A Status carried through user-code frames as an exception (ThrowIfError, a non-ok Result from
// Map, an engine error inside a stage). Its message is used as is.
class StatusException : public std::exception {
 public:
  explicit StatusException(Status s) : status_(std::move(s)) {}
  const char* what() const noexcept override { return status_.message().c_str(); }
  const Status& status() const { return status_; }

 private:
  Status status_;
};

inline void ThrowIfNotOk(const Status& s) {
  if (!s.ok()) throw StatusException(s);
}

template <typename T>
struct IsResult : std::false_type {};
template <typename T>
struct IsResult<Result<T>> : std::true_type {
  using type = T;
};

// The element type of ReduceByKey with aggregates: a pair for one, a tuple for several.
template <typename K, typename... Rs>
struct ReduceOut {
  using type = std::tuple<K, Rs...>;
};
template <typename K, typename R>
struct ReduceOut<K, R> {
  using type = std::pair<K, R>;
};

// The empty value of records that are all key (spools, Distinct). Not std::string_view(): its
// null data() would reach memcpy (undefined even for 0 bytes).
inline constexpr std::string_view kNoValue("", 0);

// The spool of a collective result: encoded elements (RecordBuffer keys, empty values).
using Spool = std::shared_ptr<RecordBuffer>;

}  // namespace detail

// Shared state of a context (flow.cpp implements the non-template members).
struct Context::Internal {
  Internal(const MpiContext& mpi, JobContext* job, JobInfo info, ContextOptions options);
  ~Internal();

  const MpiContext& mpi;
  JobContext* job;  // null for a test context
  JobInfo info;
  ContextOptions options;
  Metrics own_metrics;
  Metrics* metrics;
  const char* op = "source";          // the operation whose code runs now (for messages)
  const LineContext* line = nullptr;  // the input line being processed, if any
  Status stage_failure;               // this rank's first failure in the current stage
  int user_code_depth = 0;            // > 0 while a stage or read-out runs user code
  std::string print_text;             // rank 0: Print output, shown after the summary
  std::vector<FileInfo> inputs;       // every source's files, for the manifest
  std::vector<std::string> outputs;   // the names Write has used
  std::map<std::string, std::unique_ptr<FileSystem>> file_systems;  // sources off --src

  ShuffleOptions shuffle_options(int shares = 1) const;
  uint64_t memory_bytes() const;
  // Collective: plans a source's inputs (MapPhase::Plan); agreed status. `rerun_metrics`, if not
  // null, takes the figures instead of the job's metrics (a source read again).
  Status PlanSource(const SourceOptions& source, Metrics* rerun_metrics,
                    std::unique_ptr<MapPhase>* map);
  // Local: this rank's failure from the exception being handled (call in a catch block).
  Status CurrentFailure(const LineContext* where);
  // Collective: agree that no rank has failed so far; resets the stage failure.
  void BeginCollective();
  // Collective: agree on this rank's stage failure (and `local`); throws JobFailed on every rank
  // if any rank failed.
  void EndStage(const Status& local = Status::OK());
  // Collective helper for an engine step whose status is already agreed: throws JobFailed if not
  // ok.
  static void ThrowIfFailed(const Status& agreed);
  detail::Spool NewSpool() const;
  // Records a failure of this rank (keeps the first).
  void Fail(const Status& s) {
    if (stage_failure.ok()) stage_failure = s;
  }
  // Adds a HashShuffle's figures to the manifest's counters (shuffle.pairs_sent, .rounds,
  // .spilled_runs, .spilled_bytes; summed over operations and ranks).
  void AddShuffleStats(const ShuffleStats& stats);
  // The output format of a Write.
  std::string ResolveFormat(const WriteOptions& options) const;
};

template <typename T>
struct Dataset<T>::Node {
  virtual ~Node() = default;
  // Pushes this rank's elements into sink. Collective when the chain reads input (every rank
  // calls it in the same stage). Never throws: failures come back as this rank's status.
  virtual Status Produce(Context::Internal& in, const detail::Sink<T>& sink) = 0;
};

namespace detail {

// Marks that user code may run (an operation called from it is refused: see BeginCollective).
struct UserCodeScope {
  explicit UserCodeScope(Context::Internal& in) : in_(in) { ++in_.user_code_depth; }
  ~UserCodeScope() { --in_.user_code_depth; }
  UserCodeScope(const UserCodeScope&) = delete;
  UserCodeScope& operator=(const UserCodeScope&) = delete;
  Context::Internal& in_;
};

// Runs `loop` (which calls user code), turning any exception into this rank's failure.
template <typename L>
Status Guard(Context::Internal& in, L&& loop) {
  UserCodeScope scope(in);
  try {
    return loop();
  } catch (...) {
    return in.CurrentFailure(nullptr);
  }
}

// Reads a stage's input into sink; records the failure in in.stage_failure.
template <typename T>
void RunStage(Context::Internal& in, const NodePtr<T>& node, const Sink<T>& sink) {
  UserCodeScope scope(in);
  Status s = node->Produce(in, sink);
  in.Fail(s);
}

template <typename T>
struct SpoolNode : Dataset<T>::Node {
  explicit SpoolNode(Spool s) : spool(std::move(s)) {}
  Spool spool;
  Status Produce(Context::Internal& in, const Sink<T>& sink) override {
    if (!in.stage_failure.ok()) return in.stage_failure;
    return Guard(in, [&]() -> Status {
      Result<RunReader> reader = spool->Read();
      RF_RETURN_IF_ERROR(reader.status());
      bool has = false;
      while (true) {
        RF_RETURN_IF_ERROR(reader->Advance(&has));
        if (!has) return Status::OK();
        T x{};
        if (!DecodeAll(reader->key(), &x)) {
          return Status::Corruption("flow: a spooled element does not decode (a bug)");
        }
        sink(std::move(x));
      }
    });
  }
};

template <typename T>
struct VectorNode : Dataset<T>::Node {
  explicit VectorNode(std::vector<T> v) : values(std::move(v)) {}
  std::vector<T> values;
  Status Produce(Context::Internal& in, const Sink<T>& sink) override {
    if (!in.stage_failure.ok()) return in.stage_failure;
    return Guard(in, [&]() -> Status {
      for (const T& x : values) {
        T copy = x;
        sink(std::move(copy));
      }
      return Status::OK();
    });
  }
};

template <typename T, typename F>
struct LineSourceNode : Dataset<T>::Node {
  LineSourceNode(SourceOptions s, F f) : source(std::move(s)), fn(std::move(f)) {}
  SourceOptions source;
  F fn;
  bool read_before = false;
  Status Produce(Context::Internal& in, const Sink<T>& sink) override {
    // The manifest counts the input once: a second read (a dataset used twice without Cache)
    // counts into a scratch Metrics.
    Metrics rerun;
    std::unique_ptr<MapPhase> map;
    RF_RETURN_IF_ERROR(in.PlanSource(source, read_before ? &rerun : nullptr, &map));
    read_before = true;
    const Status before = in.stage_failure;  // a rank that failed earlier only takes part
    Emitter<T> emit(sink);
    Status s = map->Run([&](std::string_view line, LineContext& lctx) {
      if (!before.ok()) return lctx.Fail(before);
      in.line = &lctx;
      in.op = "source";
      try {
        fn(line, lctx, emit);
      } catch (...) {
        lctx.Fail(in.CurrentFailure(&lctx));
      }
      in.line = nullptr;
    });
    in.line = nullptr;
    return s;
  }
};

template <typename T, typename U, typename F>
struct MapNode : Dataset<U>::Node {
  MapNode(NodePtr<T> p, F f) : parent(std::move(p)), fn(std::move(f)) {}
  NodePtr<T> parent;
  F fn;
  Status Produce(Context::Internal& in, const Sink<U>& sink) override {
    return parent->Produce(in, [&](T&& x) {
      in.op = "Map";
      if constexpr (IsResult<std::invoke_result_t<F&, T&&>>::value) {
        auto r = fn(std::move(x));
        if (!r.ok()) throw StatusException(r.status());
        sink(std::move(r).value());
      } else {
        sink(fn(std::move(x)));
      }
    });
  }
};

template <typename T, typename U, typename F>
struct FlatMapNode : Dataset<U>::Node {
  FlatMapNode(NodePtr<T> p, F f) : parent(std::move(p)), fn(std::move(f)) {}
  NodePtr<T> parent;
  F fn;
  Status Produce(Context::Internal& in, const Sink<U>& sink) override {
    Emitter<U> emit(sink);
    return parent->Produce(in, [&](T&& x) {
      in.op = "FlatMap";
      fn(std::move(x), emit);
    });
  }
};

template <typename T, typename F>
struct FilterNode : Dataset<T>::Node {
  FilterNode(NodePtr<T> p, F f) : parent(std::move(p)), fn(std::move(f)) {}
  NodePtr<T> parent;
  F fn;
  Status Produce(Context::Internal& in, const Sink<T>& sink) override {
    return parent->Produce(in, [&](T&& x) {
      in.op = "Filter";
      if (fn(std::as_const(x))) sink(std::move(x));
    });
  }
};

template <typename T>
struct UnionNode : Dataset<T>::Node {
  UnionNode(NodePtr<T> a, NodePtr<T> b) : first(std::move(a)), second(std::move(b)) {}
  NodePtr<T> first, second;
  Status Produce(Context::Internal& in, const Sink<T>& sink) override {
    Status a = first->Produce(in, sink);
    in.Fail(a);
    Status b = second->Produce(in, sink);
    return a.ok() ? b : a;
  }
};

template <typename T>
Dataset<T> FromSpool(Context* ctx, Spool spool) {
  return Dataset<T>(ctx, std::make_shared<SpoolNode<T>>(std::move(spool)));
}

// Encodes a sort key, complemented for descending order.
template <typename K>
void EncodeOrdered(const K& key, Order order, std::string* out) {
  const size_t at = out->size();
  Encode(key, out);
  if (order == Order::kDescending) {
    for (size_t i = at; i < out->size(); ++i) (*out)[i] = static_cast<char>(~(*out)[i]);
  }
}

// kbuf = encoding of key(x), vbuf = encoding of x.
template <typename KF, typename T>
void EncodeKeyed(const KF& key, const T& x, std::string* kbuf, std::string* vbuf) {
  kbuf->clear();
  vbuf->clear();
  Encode(std::invoke(key, x), kbuf);
  Encode(x, vbuf);
}

// Appends an encoded element to a spool; throws on a spill error (inside a Guard).
inline void SpoolAdd(const Spool& spool, std::string_view encoded) {
  ThrowIfNotOk(spool->Add(encoded, detail::kNoValue));
}

template <typename T>
void SpoolValue(const Spool& spool, const T& value, std::string* buf) {
  buf->clear();
  Encode(value, buf);
  SpoolAdd(spool, *buf);
}

// Encoded elements of this rank, framed, for gathers (Collect, Broadcast, Print).
template <typename T>
std::string FrameLocal(Context::Internal& in, const NodePtr<T>& node, size_t limit) {
  std::string framed, buf;
  size_t n = 0;
  RunStage<T>(in, node, [&](T&& x) {
    if (n >= limit) return;
    ++n;
    buf.clear();
    Encode(x, &buf);
    AppendFramedRecord(&framed, buf, detail::kNoValue);
  });
  return framed;
}

template <typename T>
bool UnframeAppend(std::string_view framed, std::vector<T>* out, size_t limit);

// Up to `limit` elements of every rank, in rank order, on rank 0 (or on every rank).
template <typename T>
std::vector<T> Gather(Context::Internal& in, const NodePtr<T>& node, size_t limit, bool all_ranks) {
  in.BeginCollective();
  std::string framed = FrameLocal<T>(in, node, limit);
  in.EndStage();
  std::vector<T> out;
  for (const std::string& part :
       all_ranks ? in.mpi.AllGather(framed) : in.mpi.GatherToRoot(framed)) {
    RF_CHECK_MSG(UnframeAppend(part, &out, limit),
                 "flow: a gathered record does not decode (a bug)");
  }
  return out;
}

template <typename T>
bool UnframeAppend(std::string_view framed, std::vector<T>* out, size_t limit) {
  const char* p = framed.data();
  const char* end = p + framed.size();
  while (p < end && out->size() < limit) {
    std::string_view key, value;
    p = ParseFramedRecord(p, end, &key, &value);
    if (p == nullptr) return false;
    T x{};
    if (!DecodeAll(key, &x)) return false;
    out->push_back(std::move(x));
  }
  return true;
}

}  // namespace detail

// ---------------------------------------------------------------------------------------------
// Context templates.

template <typename T, typename F>
Dataset<T> Context::ReadLines(F fn, SourceOptions source) {
  return Dataset<T>(
      this, std::make_shared<detail::LineSourceNode<T, F>>(std::move(source), std::move(fn)));
}

template <typename T, typename F>
Dataset<T> Context::JsonLines(F fn, SourceOptions source) {
  auto parser = std::make_shared<JsonLineParser>();
  return ReadLines<T>(
      [fn = std::move(fn), parser](std::string_view line, LineContext& lctx, Emitter<T>& emit) {
        const bool parsed = parser->Parse(line, [&](simdjson::ondemand::value value) {
          simdjson::ondemand::object object;
          if (value.get_object().get(object) != simdjson::SUCCESS) return false;
          fn(object, lctx, emit);
          return true;
        });
        if (!parsed) lctx.BadLine("invalid_json");
      },
      std::move(source));
}

namespace detail {
// Per-source state of the CSV readers: the current file's header.
struct CsvFileState {
  std::string path;
  bool need_header = true;
  std::vector<std::string> header;
  std::vector<std::string_view> fields;
  std::vector<std::string> storage;
  // True when `line` was the header of a new file (consumed); false for a data line.
  bool TakeHeader(std::string_view line, LineContext& lctx) {
    if (lctx.path() != path) {
      path = lctx.path();
      need_header = true;
    }
    if (!need_header) return false;
    need_header = false;
    header.clear();
    if (!SplitCsvLine(line, &fields, &storage)) {
      lctx.BadLine("invalid_csv");
      return true;
    }
    for (std::string_view f : fields) header.emplace_back(f);
    return true;
  }
};
}  // namespace detail

template <typename T, typename F>
Dataset<T> Context::CsvRows(F fn, SourceOptions source) {
  source.whole_files = true;
  auto state = std::make_shared<detail::CsvFileState>();
  return ReadLines<T>(
      [fn = std::move(fn), state](std::string_view line, LineContext& lctx, Emitter<T>& emit) {
        if (state->TakeHeader(line, lctx)) return;
        CsvRow row;
        if (!SplitCsvLine(line, &row.fields_, &state->storage) ||
            row.fields_.size() != state->header.size()) {
          return lctx.BadLine("invalid_csv");
        }
        row.header_ = &state->header;
        fn(std::as_const(row), lctx, emit);
      },
      std::move(source));
}

template <typename T>
Dataset<T> Context::Read(SourceOptions source) {
  static_assert(HasFields<T>, "Read<T> decodes records by field name: T needs RF_FIELDS");
  source.whole_files = true;
  auto state = std::make_shared<detail::CsvFileState>();
  auto parser = std::make_shared<JsonLineParser>();
  return ReadLines<T>(
      [state, parser](std::string_view line, LineContext& lctx, Emitter<T>& emit) {
        T x{};
        const std::string& path = lctx.path();
        bool ok;
        if (path.size() >= 4 && path.compare(path.size() - 4, 4, ".csv") == 0) {
          if (state->TakeHeader(line, lctx)) return;
          std::vector<std::string> storage;
          ok = SplitCsvLine(line, &state->fields, &storage) &&
               FromCsvRow(state->header, state->fields, parser.get(), &x);
        } else {
          ok = parser->Parse(line, [&](simdjson::ondemand::value v) { return FromJson(v, &x); });
        }
        if (!ok) return lctx.BadLine("invalid_record");
        emit(std::move(x));
      },
      std::move(source));
}

template <typename T>
Dataset<T> Context::Parallelize(std::vector<T> values) {
  std::vector<T> mine;
  for (size_t i = static_cast<size_t>(rank()); i < values.size();
       i += static_cast<size_t>(size())) {
    mine.push_back(std::move(values[i]));
  }
  return Local(std::move(mine));
}

template <typename T>
Dataset<T> Context::Local(std::vector<T> values) {
  return Dataset<T>(this, std::make_shared<detail::VectorNode<T>>(std::move(values)));
}

// ---------------------------------------------------------------------------------------------
// Aggregates.

struct CountAggregate {
  using IsFlowAggregate = void;
  template <typename T>
  uint64_t Init(const T&) const {
    return 1;
  }
  static void Merge(uint64_t* a, const uint64_t& b) { *a += b; }
  static uint64_t Finish(uint64_t s) { return s; }
};
inline CountAggregate Count() { return {}; }

namespace detail {
template <typename V>
using SumType = std::conditional_t<std::is_floating_point_v<V>, double, int64_t>;
}

template <typename F>
struct SumAggregate {
  using IsFlowAggregate = void;
  F f;
  template <typename T>
  auto Init(const T& x) const {
    using V = std::decay_t<std::invoke_result_t<const F&, const T&>>;
    return static_cast<detail::SumType<V>>(std::invoke(f, x));
  }
  template <typename S>
  static void Merge(S* a, const S& b) {
    *a += b;
  }
  template <typename S>
  static S Finish(const S& s) {
    return s;
  }
};
template <typename F>
auto Sum(F f) {
  return SumAggregate<F>{std::move(f)};
}

template <typename F, bool kMax>
struct ExtremeAggregate {
  using IsFlowAggregate = void;
  F f;
  template <typename T>
  auto Init(const T& x) const {
    return std::decay_t<std::invoke_result_t<const F&, const T&>>(std::invoke(f, x));
  }
  template <typename S>
  static void Merge(S* a, const S& b) {
    if (kMax ? (*a < b) : (b < *a)) *a = b;
  }
  template <typename S>
  static S Finish(const S& s) {
    return s;
  }
};
template <typename F>
auto Min(F f) {
  return ExtremeAggregate<F, false>{std::move(f)};
}
template <typename F>
auto Max(F f) {
  return ExtremeAggregate<F, true>{std::move(f)};
}

template <typename F>
struct MeanAggregate {
  using IsFlowAggregate = void;
  F f;
  template <typename T>
  std::pair<double, uint64_t> Init(const T& x) const {
    return {static_cast<double>(std::invoke(f, x)), 1};
  }
  static void Merge(std::pair<double, uint64_t>* a, const std::pair<double, uint64_t>& b) {
    a->first += b.first;
    a->second += b.second;
  }
  static double Finish(const std::pair<double, uint64_t>& s) {
    return s.second == 0 ? 0.0 : s.first / static_cast<double>(s.second);
  }
};
template <typename F>
auto Mean(F f) {
  return MeanAggregate<F>{std::move(f)};
}

// State: (by, value); the better one by (by, encoding of value), so ties are deterministic.
template <typename By, typename F, bool kMax>
struct ArgAggregate {
  using IsFlowAggregate = void;
  By by;
  F f;
  template <typename T>
  auto Init(const T& x) const {
    using B = std::decay_t<std::invoke_result_t<const By&, const T&>>;
    using V = std::decay_t<std::invoke_result_t<const F&, const T&>>;
    return std::pair<B, V>(std::invoke(by, x), std::invoke(f, x));
  }
  template <typename S>
  static void Merge(S* a, const S& b) {
    const std::string ea = EncodeToString(a->first), eb = EncodeToString(b.first);
    const bool b_better = kMax ? (eb > ea) : (eb < ea);
    if (b_better || (ea == eb && EncodeToString(b.second) < EncodeToString(a->second))) *a = b;
  }
  template <typename S>
  static auto Finish(const S& s) {
    return s.second;
  }
};
template <typename By, typename F>
auto ArgMin(By by, F f) {
  return ArgAggregate<By, F, false>{std::move(by), std::move(f)};
}
template <typename By, typename F>
auto ArgMax(By by, F f) {
  return ArgAggregate<By, F, true>{std::move(by), std::move(f)};
}

// ---------------------------------------------------------------------------------------------
// Element-wise operations.

template <typename T>
template <typename F>
auto Dataset<T>::Map(F f) const {
  using R = std::decay_t<std::invoke_result_t<F&, T&&>>;
  using U = typename std::conditional_t<detail::IsResult<R>::value, detail::IsResult<R>,
                                        std::type_identity<R>>::type;
  return Dataset<U>(ctx_, std::make_shared<detail::MapNode<T, U, F>>(node_, std::move(f)));
}

template <typename T>
template <typename U, typename F>
Dataset<U> Dataset<T>::FlatMap(F f) const {
  return Dataset<U>(ctx_, std::make_shared<detail::FlatMapNode<T, U, F>>(node_, std::move(f)));
}

template <typename T>
template <typename F>
Dataset<T> Dataset<T>::Filter(F pred) const {
  return Dataset<T>(ctx_, std::make_shared<detail::FilterNode<T, F>>(node_, std::move(pred)));
}

template <typename T>
Dataset<T> Dataset<T>::Union(const Dataset<T>& other) const {
  return Dataset<T>(ctx_, std::make_shared<detail::UnionNode<T>>(node_, other.node_));
}

template <typename T>
Dataset<T> Dataset<T>::Sample(double fraction, uint64_t seed) const {
  const double threshold = std::clamp(fraction, 0.0, 1.0) * 18446744073709551616.0;
  std::string seed_bytes = EncodeToString(seed);
  return Filter([threshold, seed_bytes, buf = std::string()](const T& x) mutable {
    buf = seed_bytes;
    Encode(x, &buf);
    return static_cast<double>(KeyHash64(buf)) < threshold;
  });
}

// ---------------------------------------------------------------------------------------------
// Keyed operations.

template <typename T>
template <typename KF, Aggregate... As>
requires(sizeof...(As) >= 1) auto Dataset<T>::ReduceByKey(KF key, As... aggregates) const {
  using K = std::decay_t<std::invoke_result_t<KF&, const T&>>;
  using States = std::tuple<decltype(aggregates.Init(std::declval<const T&>()))...>;
  using Out = typename detail::ReduceOut<
      K, decltype(As::Finish(
             std::declval<const decltype(aggregates.Init(std::declval<const T&>()))&>()))...>::type;
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  Status combine_failure;
  HashShuffle shuffle(in.mpi, in.shuffle_options(),
                      [&combine_failure](std::string* acc, std::string_view v) {
                        States a, b;
                        if (!DecodeAll(*acc, &a) || !DecodeAll(v, &b)) {
                          combine_failure = Status::Corruption("flow: ReduceByKey state (a bug)");
                          return;
                        }
                        [&]<size_t... I>(std::index_sequence<I...>) {
                          (As::Merge(&std::get<I>(a), std::get<I>(b)), ...);
                        }
                        (std::index_sequence_for<As...>{});
                        acc->clear();
                        Encode(a, acc);
                      });
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "ReduceByKey";
    kbuf.clear();
    vbuf.clear();
    Encode(std::invoke(key, std::as_const(x)), &kbuf);
    Encode(States(aggregates.Init(std::as_const(x))...), &vbuf);
    detail::ThrowIfNotOk(shuffle.Add(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(shuffle.Exchange(true));
  in.AddShuffleStats(shuffle.stats());
  detail::Spool out = in.NewSpool();
  Status s = shuffle.ForEach([&](std::string_view kb, std::string_view vb) -> Status {
    Out row;
    States st;
    if (!DecodeAll(kb, &std::get<0>(row)) || !DecodeAll(vb, &st)) {
      return Status::Corruption("flow: ReduceByKey record (a bug)");
    }
    [&]<size_t... I>(std::index_sequence<I...>) {
      ((std::get<I + 1>(row) = As::Finish(std::get<I>(st))), ...);
    }
    (std::index_sequence_for<As...>{});
    vbuf.clear();
    Encode(row, &vbuf);
    return out->Add(vbuf, detail::kNoValue);
  });
  in.EndStage(combine_failure.ok() ? s : combine_failure);
  return detail::FromSpool<Out>(ctx_, std::move(out));
}

template <typename T>
template <typename KF, typename RF>
requires(!Aggregate<RF>) Dataset<T> Dataset<T>::ReduceByKey(KF key, RF reduce)
const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  Status combine_failure;
  HashShuffle shuffle(in.mpi, in.shuffle_options(), [&](std::string* acc, std::string_view v) {
    if (!combine_failure.ok()) return;
    T a{}, b{};
    if (!DecodeAll(*acc, &a) || !DecodeAll(v, &b)) {
      combine_failure = Status::Corruption("flow: ReduceByKey value (a bug)");
      return;
    }
    try {
      in.op = "ReduceByKey";
      T r = reduce(std::move(a), std::as_const(b));
      acc->clear();
      Encode(r, acc);
    } catch (...) {
      combine_failure = in.CurrentFailure(nullptr);
    }
  });
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "ReduceByKey";
    detail::EncodeKeyed(key, std::as_const(x), &kbuf, &vbuf);
    detail::ThrowIfNotOk(shuffle.Add(kbuf, vbuf));
  });
  // A reduce that threw during the map-side combine is this rank's failure.
  in.EndStage(combine_failure);
  Context::Internal::ThrowIfFailed(shuffle.Exchange(true));
  in.AddShuffleStats(shuffle.stats());
  detail::Spool out = in.NewSpool();
  Status s = shuffle.ForEach([&](std::string_view, std::string_view vb) -> Status {
    return out->Add(vb, detail::kNoValue);
  });
  in.EndStage(combine_failure.ok() ? s : combine_failure);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

template <typename T>
template <typename U, typename KF, typename GF>
Dataset<U> Dataset<T>::GroupByKey(KF key, GF fn) const {
  using K = std::decay_t<std::invoke_result_t<KF&, const T&>>;
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  GroupingShuffle groups(in.mpi, in.shuffle_options());
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "GroupByKey";
    detail::EncodeKeyed(key, std::as_const(x), &kbuf, &vbuf);
    detail::ThrowIfNotOk(groups.Add(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(groups.Exchange(true));
  detail::Spool out = in.NewSpool();
  detail::Sink<U> sink = [&](U&& u) { detail::SpoolValue(out, u, &vbuf); };
  Emitter<U> emit(sink);
  Status s = detail::Guard(in, [&]() -> Status {
    return groups.ForEachGroup([&](std::string_view kb, GroupValues& gv) -> Status {
      K k{};
      if (!DecodeAll(kb, &k)) return Status::Corruption("flow: GroupByKey key (a bug)");
      Status bad;
      Values<T> values([&](T* x) {
        std::string_view v;
        if (!gv.Next(&v)) return false;
        if (!DecodeAll(v, x))
          throw detail::StatusException(Status::Corruption("flow: GroupByKey value (a bug)"));
        return true;
      });
      in.op = "GroupByKey";
      fn(std::as_const(k), values, emit);
      return Status::OK();
    });
  });
  in.EndStage(s);
  return detail::FromSpool<U>(ctx_, std::move(out));
}

template <typename T>
Dataset<T> Dataset<T>::Distinct() const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  HashShuffle shuffle(in.mpi, in.shuffle_options(), [](std::string*, std::string_view) {});
  std::string buf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    buf.clear();
    Encode(x, &buf);
    detail::ThrowIfNotOk(shuffle.Add(buf, detail::kNoValue));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(shuffle.Exchange(true));
  in.AddShuffleStats(shuffle.stats());
  detail::Spool out = in.NewSpool();
  Status s = shuffle.ForEach([&](std::string_view kb, std::string_view) -> Status {
    return out->Add(kb, detail::kNoValue);
  });
  in.EndStage(s);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

template <typename T>
uint64_t Dataset<T>::CountDistinct() const {
  return Distinct().Count();
}

template <typename T>
uint64_t Dataset<T>::ApproxCountDistinct() const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  HyperLogLog hll(14);
  std::string buf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    buf.clear();
    Encode(x, &buf);
    hll.Add(buf);
  });
  in.EndStage();
  hll.AllMerge(in.mpi);
  return static_cast<uint64_t>(std::llround(hll.Estimate()));
}

template <typename T>
template <typename KF, typename VF>
auto Dataset<T>::CountDistinctByKey(KF key, VF value) const {
  using K = std::decay_t<std::invoke_result_t<KF&, const T&>>;
  using V = std::decay_t<std::invoke_result_t<VF&, const T&>>;
  return Map([key, value](const T& x) {
           return std::pair<K, V>(std::invoke(key, x), std::invoke(value, x));
         })
      .Distinct()
      .ReduceByKey([](const std::pair<K, V>& p) { return p.first; }, flow::Count());
}

namespace detail {
template <typename T, typename U, typename KF, typename OKF, typename Out, typename MakeOut>
Dataset<Out> ShuffledJoin(Context* ctx, const NodePtr<T>& left, const NodePtr<U>& right,
                          const KF& key, const OKF& other_key, JoinKind kind, MakeOut make) {
  Context::Internal& in = ctx->internal();
  in.BeginCollective();
  JoinOptions options;
  options.kind = kind;
  options.shuffle = in.shuffle_options();
  ShuffleJoin join(in.mpi, options);
  std::string kbuf, vbuf;
  RunStage<T>(in, left, [&](T&& x) {
    in.op = "Join";
    detail::EncodeKeyed(key, std::as_const(x), &kbuf, &vbuf);
    ThrowIfNotOk(join.AddLeft(kbuf, vbuf));
  });
  RunStage<U>(in, right, [&](U&& y) {
    in.op = "Join";
    detail::EncodeKeyed(other_key, std::as_const(y), &kbuf, &vbuf);
    ThrowIfNotOk(join.AddRight(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(join.Exchange(true));
  Spool out = in.NewSpool();
  Status s = join.ForEach(
      [&](std::string_view, std::string_view lb, const std::string_view* rb) -> Status {
        Out row;
        if (!make(lb, rb, &row)) return Status::Corruption("flow: Join record (a bug)");
        vbuf.clear();
        Encode(row, &vbuf);
        return out->Add(vbuf, detail::kNoValue);
      });
  in.EndStage(s);
  return FromSpool<Out>(ctx, std::move(out));
}
}  // namespace detail

template <typename T>
template <typename U, typename KF, typename OKF>
Dataset<std::pair<T, U>> Dataset<T>::Join(const Dataset<U>& other, KF key, OKF other_key) const {
  using Out = std::pair<T, U>;
  return detail::ShuffledJoin<T, U, KF, OKF, Out>(
      ctx_, node_, other.node(), key, other_key, JoinKind::kInner,
      [](std::string_view lb, const std::string_view* rb, Out* row) {
        return rb != nullptr && DecodeAll(lb, &row->first) && DecodeAll(*rb, &row->second);
      });
}

template <typename T>
template <typename U, typename KF, typename OKF>
Dataset<std::pair<T, std::optional<U>>> Dataset<T>::LeftJoin(const Dataset<U>& other, KF key,
                                                             OKF other_key) const {
  using Out = std::pair<T, std::optional<U>>;
  return detail::ShuffledJoin<T, U, KF, OKF, Out>(
      ctx_, node_, other.node(), key, other_key, JoinKind::kLeft,
      [](std::string_view lb, const std::string_view* rb, Out* row) {
        if (!DecodeAll(lb, &row->first)) return false;
        if (rb == nullptr) {
          row->second.reset();
          return true;
        }
        U u{};
        if (!DecodeAll(*rb, &u)) return false;
        row->second = std::move(u);
        return true;
      });
}

namespace detail {
template <typename T, typename U, typename KF>
struct BroadcastJoinNode : Dataset<std::pair<T, U>>::Node {
  BroadcastJoinNode(NodePtr<T> p, std::shared_ptr<BroadcastTable> t, KF k)
      : parent(std::move(p)), table(std::move(t)), key(std::move(k)) {}
  NodePtr<T> parent;
  std::shared_ptr<BroadcastTable> table;
  KF key;
  Status Produce(Context::Internal& in, const Sink<std::pair<T, U>>& sink) override {
    std::string kbuf;
    return parent->Produce(in, [&](T&& x) {
      in.op = "BroadcastJoin";
      kbuf.clear();
      Encode(std::invoke(key, std::as_const(x)), &kbuf);
      table->ForEachMatch(kbuf, [&](std::string_view vb) {
        U y{};
        if (!DecodeAll(vb, &y)) {
          throw StatusException(Status::Corruption("flow: BroadcastJoin value (a bug)"));
        }
        sink(std::pair<T, U>(x, std::move(y)));
      });
    });
  }
};
}  // namespace detail

template <typename T>
template <typename U, typename KF, typename OKF>
Dataset<std::pair<T, U>> Dataset<T>::BroadcastJoin(const Dataset<U>& small, KF key,
                                                   OKF small_key) const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  auto table = std::make_shared<BroadcastTable>();
  std::string kbuf, vbuf;
  int64_t bytes = 0;
  detail::RunStage<U>(in, small.node(), [&](U&& y) {
    in.op = "BroadcastJoin";
    detail::EncodeKeyed(small_key, std::as_const(y), &kbuf, &vbuf);
    bytes += static_cast<int64_t>(kbuf.size() + vbuf.size()) + 64;
    table->Add(kbuf, vbuf);
  });
  in.EndStage();
  const int64_t total = in.mpi.AllSum(bytes);
  if (static_cast<uint64_t>(total) > in.memory_bytes() / 2) {
    throw JobFailed(Status::InvalidArgument("BroadcastJoin: the small side holds " +
                                            std::to_string(total) +
                                            " bytes, more than half of --memory-mb (" +
                                            std::to_string(in.memory_bytes() / 2) + "); use Join"));
  }
  table->Broadcast(in.mpi);
  return Dataset<std::pair<T, U>>(ctx_, std::make_shared<detail::BroadcastJoinNode<T, U, KF>>(
                                            node_, std::move(table), std::move(key)));
}

// ---------------------------------------------------------------------------------------------
// Ordering.

template <typename T>
template <typename KF>
Dataset<T> Dataset<T>::SortBy(KF key, Order order) const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  SortOptions options;
  options.shuffle = in.shuffle_options();
  GlobalSort sort(in.mpi, options);
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "SortBy";
    kbuf.clear();
    vbuf.clear();
    detail::EncodeOrdered(std::invoke(key, std::as_const(x)), order, &kbuf);
    Encode(x, &vbuf);
    kbuf += vbuf;  // ties by element encoding
    detail::ThrowIfNotOk(sort.Add(kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(sort.Sort(true));
  detail::Spool out = in.NewSpool();
  Status s = sort.ForEach([&](std::string_view, std::string_view vb) -> Status {
    return out->Add(vb, detail::kNoValue);
  });
  in.EndStage(s);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

template <typename T>
template <typename KF>
Dataset<T> Dataset<T>::TopK(size_t k, KF key, Order order) const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  rankflow::TopK top(in.mpi, k, /*largest=*/false);
  std::string kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "TopK";
    kbuf.clear();
    vbuf.clear();
    detail::EncodeOrdered(std::invoke(key, std::as_const(x)), order, &kbuf);
    Encode(x, &vbuf);
    kbuf += vbuf;
    top.Add(kbuf, vbuf);
  });
  in.EndStage();
  std::vector<TopKRow> rows;
  Context::Internal::ThrowIfFailed(top.Gather(in.mpi, true, &rows));
  detail::Spool out = in.NewSpool();
  Status s = detail::Guard(in, [&]() -> Status {
    for (const TopKRow& row : rows) detail::SpoolAdd(out, row.value);
    return Status::OK();
  });
  in.EndStage(s);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

template <typename T>
template <typename GF, typename KF>
Dataset<T> Dataset<T>::TopKPerKey(size_t k, GF group, KF key, Order order) const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  GroupTopK top(in.mpi, k, /*largest=*/false, in.shuffle_options());
  std::string gbuf, kbuf, vbuf;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "TopKPerKey";
    gbuf.clear();
    kbuf.clear();
    vbuf.clear();
    Encode(std::invoke(group, std::as_const(x)), &gbuf);
    detail::EncodeOrdered(std::invoke(key, std::as_const(x)), order, &kbuf);
    Encode(x, &vbuf);
    kbuf += vbuf;
    detail::ThrowIfNotOk(top.Add(gbuf, kbuf, vbuf));
  });
  in.EndStage();
  Context::Internal::ThrowIfFailed(top.Exchange(true));
  detail::Spool out = in.NewSpool();
  Status s = top.ForEach([&](std::string_view, const std::vector<TopKRow>& rows) -> Status {
    for (const TopKRow& row : rows) RF_RETURN_IF_ERROR(out->Add(row.value, detail::kNoValue));
    return Status::OK();
  });
  in.EndStage(s);
  return detail::FromSpool<T>(ctx_, std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Actions.

template <typename T>
uint64_t Dataset<T>::Count() const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  int64_t n = 0;
  detail::RunStage<T>(in, node_, [&](T&&) { ++n; });
  in.EndStage();
  return static_cast<uint64_t>(in.mpi.AllSum(n));
}

template <typename T>
std::vector<T> Dataset<T>::Collect() const {
  return detail::Gather<T>(ctx_->internal(), node_, SIZE_MAX, false);
}

template <typename T>
std::vector<T> Dataset<T>::Broadcast() const {
  return detail::Gather<T>(ctx_->internal(), node_, SIZE_MAX, true);
}

template <typename T>
Dataset<T> Dataset<T>::Cache() const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  detail::Spool out = in.NewSpool();
  std::string buf;
  detail::RunStage<T>(in, node_, [&](T&& x) { detail::SpoolValue(out, x, &buf); });
  in.EndStage();
  return detail::FromSpool<T>(ctx_, std::move(out));
}

// ---------------------------------------------------------------------------------------------
// Sinks (flow.cpp holds the format-independent part: PartSink).

namespace detail {

// The Parquet type of a row column: bool, integers as int64, float/double as double, strings;
// optional<scalar> nullable, vector<scalar> a list; anything else its JSON text (string).
template <typename V>
constexpr ParquetType ParquetTypeOf() {
  if constexpr (std::is_same_v<V, bool>) {
    return ParquetType::kBool;
  } else if constexpr (std::is_integral_v<V>) {
    return ParquetType::kInt64;
  } else if constexpr (std::is_floating_point_v<V>) {
    return ParquetType::kDouble;
  } else {
    return ParquetType::kString;
  }
}
template <typename V>
constexpr bool kParquetScalar = std::is_arithmetic_v<V> || std::is_same_v<V, std::string> ||
                                std::is_same_v<V, std::string_view>;

template <typename V>
struct ParquetOptional : std::false_type {};
template <typename S>
struct ParquetOptional<std::optional<S>> : std::bool_constant<kParquetScalar<S>> {};
template <typename V>
struct ParquetList : std::false_type {};
template <typename S>
struct ParquetList<std::vector<S>> : std::bool_constant<kParquetScalar<S>> {};

template <typename V>
ParquetColumn ParquetColumnOf(const std::string& name) {
  if constexpr (ParquetOptional<V>::value) {
    return ParquetColumn::Optional(name, ParquetTypeOf<typename V::value_type>());
  } else if constexpr (ParquetList<V>::value) {
    return ParquetColumn::List(name, ParquetTypeOf<typename V::value_type>(), false);
  } else if constexpr (kParquetScalar<V>) {
    return ParquetColumn::Required(name, ParquetTypeOf<V>());
  } else {
    return ParquetColumn::Required(name, ParquetType::kString);
  }
}

template <typename T>
std::vector<ParquetColumn> ParquetSchemaOf(const std::vector<std::string>& names) {
  std::vector<ParquetColumn> schema;
  T sample{};
  text_detail::ForEachColumn(sample, [&](const auto& v) {
    schema.push_back(ParquetColumnOf<std::remove_cvref_t<decltype(v)>>(names.at(schema.size())));
  });
  return schema;
}

template <typename V>
void AppendParquetScalar(ParquetWriter* w, size_t column, const V& v) {
  if constexpr (std::is_same_v<V, bool>) {
    w->AppendBool(column, v);
  } else if constexpr (std::is_integral_v<V>) {
    w->AppendInt64(column, static_cast<int64_t>(v));
  } else if constexpr (std::is_floating_point_v<V>) {
    w->AppendDouble(column, static_cast<double>(v));
  } else if constexpr (std::is_same_v<V, std::string> || std::is_same_v<V, std::string_view>) {
    w->AppendString(column, v);
  } else {
    std::string json;
    AppendJsonValue(v, &json);
    w->AppendString(column, json);
  }
}

template <typename T>
void AppendParquetRow(ParquetWriter* w, const T& row) {
  size_t column = 0;
  text_detail::ForEachColumn(row, [&](const auto& v) {
    using V = std::remove_cvref_t<decltype(v)>;
    if constexpr (ParquetOptional<V>::value) {
      if (v) {
        AppendParquetScalar(w, column, *v);
      } else {
        w->AppendNull(column);
      }
    } else if constexpr (ParquetList<V>::value) {
      w->BeginList(column);
      for (const auto& x : v) AppendParquetScalar(w, column, x);
      w->EndList(column);
    } else {
      AppendParquetScalar(w, column, v);
    }
    ++column;
  });
}

// One output part of a Write, in any format; rows arrive as text cells or as JSON or numbers.
class PartSink {
 public:
  // Collective-free; errors are returned by Add*/Finish. `parquet_schema`: for format parquet.
  PartSink(Context::Internal& in, const std::string& name, const std::string& format,
           const std::vector<std::string>& columns, const std::vector<bool>& floating,
           std::vector<ParquetColumn> parquet_schema, bool count_records_out);
  ~PartSink();
  const std::string& format() const { return format_; }
  // The Parquet writer (format parquet); AddParquetRow ends the row the caller appended.
  ParquetWriter* parquet();
  Status EndParquetRow();
  Status AddJson(std::string_view json);
  Status AddCsv(const std::vector<std::string>& cells);
  Status AddNumbers(const std::vector<double>& reals, const std::vector<int64_t>& ints);
  Status Finish();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string format_;
};

// The agreed check that a dataset's rows can be written in `format` (same on every rank: it
// depends on the type only). Throws JobFailed otherwise.
void CheckWritable(const std::string& job, const std::string& name, const std::string& format,
                   const std::vector<std::string>& columns, const std::vector<int>& kinds);
// "csv,jsonl" -> {"csv", "jsonl"}: a Write may write the same rows in several formats.
std::vector<std::string> SplitFormats(const std::string& formats);
// The same for the name: each Write of a job needs its own (parts are named by it).
void CheckNewOutput(Context::Internal& in, const std::string& name);

}  // namespace detail

template <typename T>
void Dataset<T>::Write(const std::string& name, const WriteOptions& options) const {
  Context::Internal& in = ctx_->internal();
  in.BeginCollective();
  const std::vector<std::string> formats = detail::SplitFormats(in.ResolveFormat(options));
  const std::vector<std::string> columns = RowColumns<T>(options.columns);
  for (const std::string& format : formats) {
    detail::CheckWritable(in.info.name, name, format, columns, RowColumnKinds<T>());
  }
  detail::CheckNewOutput(in, name);
  std::vector<bool> floating;
  for (int kind : RowColumnKinds<T>()) floating.push_back(kind == kColumnFloating);
  // One part per format, written in one pass; the first one counts records_out.
  std::vector<std::unique_ptr<detail::PartSink>> parts;
  for (const std::string& format : formats) {
    parts.push_back(std::make_unique<detail::PartSink>(
        in, name, format, columns, floating,
        format == "parquet" ? detail::ParquetSchemaOf<T>(columns) : std::vector<ParquetColumn>{},
        /*count_records_out=*/parts.empty()));
  }
  std::string json;
  std::vector<std::string> cells;
  std::vector<double> reals;
  std::vector<int64_t> ints;
  detail::RunStage<T>(in, node_, [&](T&& x) {
    in.op = "Write";
    for (const auto& part : parts) {
      if (part->format() == "csv") {
        cells.clear();
        AppendRowCells(x, &cells);
        detail::ThrowIfNotOk(part->AddCsv(cells));
      } else if (part->format() == "parquet") {
        if (part->parquet() == nullptr) detail::ThrowIfNotOk(part->EndParquetRow());
        detail::AppendParquetRow(part->parquet(), x);
        detail::ThrowIfNotOk(part->EndParquetRow());
      } else if (part->format() == "hdf5") {
        reals.clear();
        ints.clear();
        AppendRowNumbers(x, &reals, &ints);
        detail::ThrowIfNotOk(part->AddNumbers(reals, ints));
      } else {
        json.clear();
        AppendJsonRow(x, columns, &json);
        detail::ThrowIfNotOk(part->AddJson(json));
      }
    }
  });
  for (const auto& part : parts) in.Fail(part->Finish());
  in.EndStage();
}

template <typename T>
void Dataset<T>::Print(size_t n, const std::string& title) const {
  Context::Internal& in = ctx_->internal();
  std::vector<T> rows = detail::Gather<T>(in, node_, n, false);
  if (!in.mpi.is_root()) return;
  if (!title.empty()) in.print_text += title + "\n";
  std::vector<std::string> cells = RowColumns<T>({});
  auto line = [&](const std::vector<std::string>& c) {
    for (size_t i = 0; i < c.size(); ++i) in.print_text += (i ? "\t" : "") + c[i];
    in.print_text += "\n";
  };
  line(cells);
  for (const T& row : rows) {
    cells.clear();
    AppendRowCells(row, &cells);
    line(cells);
  }
}

}  // namespace rankflow::flow
