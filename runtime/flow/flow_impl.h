// Template implementation of the dataflow API; included by flow.h only. The contracts are in
// flow.h; this file says how they are kept. This file: the machinery (nodes, stages, spools) and
// the context's templates; flow_impl_ops.h: aggregates, element-wise and keyed operations;
// flow_impl_output.h: ordering, actions, Write's sinks.
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
#include <typeindex>
#include <typeinfo>
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
  // A test context's outputs (Write without a job): name -> element type and this rank's rows.
  std::map<std::string, std::pair<std::type_index, detail::Spool>> written;
  std::map<std::string, std::unique_ptr<FileSystem>> file_systems;  // sources off --src

  ShuffleOptions shuffle_options(int shares = 1) const;
  uint64_t memory_bytes() const;
  // Collective: plans a source's inputs (MapPhase::Plan); agreed status. `rerun_metrics`, if not
  // null, takes the figures instead of the job's metrics (a source read again).
  Status PlanSource(const SourceOptions& source, Metrics* rerun_metrics,
                    std::unique_ptr<MapPhase>* map);
  // Collective: the file system and map options (src, name_regex, limits) a source reads: its
  // own src (opened once per context) or the job's --src; agreed status.
  Status SourceFiles(const SourceOptions& source, FileSystem** fs, MapPhaseOptions* o);
  // Adds a source's files to the manifest's inputs (on its first read).
  void AddInputs(const std::vector<FileInfo>& files);
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

}  // namespace rankflow::flow

// The operations, in two parts (each under the size target of scripts/check_sizes.sh).
#include "runtime/flow/flow_impl_ops.h"
#include "runtime/flow/flow_impl_output.h"
#include "runtime/flow/flow_impl_parquet.h"
