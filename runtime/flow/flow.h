// The typed dataflow API (namespace rankflow::flow): a job is a pipeline of typed datasets that
// compiles down to the engine underneath (MapPhase and its claimer, HashShuffle with map-side
// combine and spilling, ExchangeBytes, the OutputCommitter). A whole job:
//
//   #include "runtime/flow/flow.h"
//   namespace flow = rankflow::flow;
//   struct LangHour { std::string lang; int64_t hour = 0; uint64_t tweets = 0; };
//   RF_FIELDS(LangHour, lang, hour, tweets);
//
//   int main(int argc, char** argv) {
//     return flow::Main(argc, argv, {"lang_count", "tweets per language"}, [](flow::Context& ctx) {
//       ctx.Lines()                                              // --src, as std::string
//           .Filter([](const std::string& l) { return !l.empty(); })
//           .Map([](const std::string& l) { return l.substr(0, 2); })
//           .ReduceByKey([](const std::string& lang) { return lang; }, flow::Count())
//           .Map([](const std::pair<std::string, uint64_t>& p) {
//             return LangHour{p.first, 0, p.second}; })
//           .Write("langs");                                     // --dest, --format
//     });
//   }
//
// Flags, commit, manifest (records in/out, bad lines, counters), the summary line, exit codes:
// Main does them. The job never calls Commit, never agrees on a status and never touches MPI.
//
// Execution model (Thrill's): a Dataset<T> is a recipe, not data. Element-wise operations (Map,
// FlatMap, Filter, Union, Sample) are lazy and fused: they add a function to the chain and cost
// nothing until a collective operation or a sink pulls the elements through, one at a time, with
// no buffer between stages. Collective operations (the rest, each marked "Collective") run when
// they are called: every rank calls them, in the same order (jobs do: the job body is the same
// code on every rank). Their result is materialized on each rank as encoded records in memory up
// to 1 MiB and beyond that in a scratch file (spool) that vanishes with the process, and can be
// read any number of times. A dataset read twice runs its chain (and source) twice: call Cache()
// to materialize a source once. (The manifest counts an input source's files, records and bad
// lines at its first read only.)
//
// Elements: plain C++ values (codec.h): integers, float/double, bool, std::string, pairs, tuples,
// vectors, optionals and structs declared with RF_FIELDS(Type, fields...). Keys are any such type
// and compare by value (their order-preserving encoding). Elements passed to user functions are
// owned by the callee for the call (Map may take `T` by value and move from it).
//
// Errors (never a hang): an exception thrown by a user function (Map, Filter, a key function, a
// reduce, a GroupByKey callback, a source callback), a non-ok Result returned by a Map function,
// or a failed engine step (unreadable input, full disk) fails the job: the first failure on a rank
// stops that rank's stage; at the next collective step every rank learns it (AgreeOnStatus before
// every collective), every rank throws flow::JobFailed with the same message, and Main prints ONE
// line on rank 0 — "JOB: error: rank 2: /data/a.jsonl:17: Map: <what()>" (the input file and line
// when the element came from an input line and no collective step lay between) — commits nothing
// (no _SUCCESS) and returns exit code 1 on every rank. The job body itself (code between
// operations) may throw too; Main then agrees the same way at the next collective step. A job must
// not call MPI itself (a rank stuck in a foreign collective cannot be told), and user functions
// must not call operations (a collective operation inside a Map would run on some ranks only: it
// fails the job instead, "Map: an operation was called inside a user function …").
//
// Memory: each operation stays within --memory-mb per rank plus a small constant (the 1 MiB spool
// buffer, 1 MiB writer buffers, 64 KiB read buffers): shuffles spill sorted runs past
// --memory-mb / 2 (HashShuffle), results spool to scratch files. Exceptions, stated per operation:
// TopK holds k elements per rank (rank 0 k per rank while it merges), Collect/Broadcast/Print and
// BroadcastJoin's small side hold what they return.
//
// Determinism: every result is a function of the input and the rank count. Results of SortBy and
// TopK, Count, CountDistinct and ReduceByKey with integer aggregates do not depend on the rank
// count either (order within equal keys aside); a floating-point Sum/Mean may differ in the last
// bits with the rank count (addition order). Order: ReduceByKey, GroupByKey, Distinct and Join
// results are, on each rank, in key order; ranks own keys by hash. Collect concatenates ranks in
// rank order, so after SortBy it is the global order.
//
// Thread-safety: none; everything runs on the main thread, as the engine does.

#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/cli.h"
#include "runtime/flow/codec.h"
#include "runtime/job.h"
#include "runtime/metrics.h"
#include "runtime/mpi_context.h"
#include "runtime/pipeline.h"
#include "runtime/status.h"

namespace rankflow {
class ParquetSource;
struct ParquetSourceOptions;
}  // namespace rankflow

namespace rankflow::flow {

class Context;
template <typename T>
class Dataset;

// ---------------------------------------------------------------------------------------------
// Running a job.

struct JobInfo {
  std::string name;     // the binary's name: flags' program, manifest "job", error prefix
  std::string summary;  // one line for --help
  // The job's own flags (ctx.flags().GetInt("top")); may be empty.
  std::function<void(FlagSet*)> add_flags = {};
  // The format of Write when --format is not given: "jsonl", "jsonl.gz", "csv", "hdf5" (numeric
  // rows only), "parquet", or several joined by commas ("csv,jsonl": each Write writes the same
  // rows in each, one part per format, records_out counted once).
  std::string default_format = "jsonl";
};

// A job's whole main(): RunJob (MPI, common flags + the job's, --help, file systems), opens the
// output (so a dest that holds output fails before any work), runs `body` on every rank, agrees,
// commits every Write's parts with the manifest, prints the summary and then what Print asked for
// (rank 0, stdout). Returns the exit code: 0 committed, 1 failed (one line on stderr, rank 0), 2
// bad flags.
int Main(int argc, char** argv, const JobInfo& info, const std::function<void(Context&)>& body);

// The same inside an existing RunJob job function (what Main does after RunJob's start-up):
// opens the output, runs body, commits. Collective. The same status on every rank; on success
// ctx.stdout_text() holds the summary and the Print output (rank 0).
Status RunFlow(JobContext& job, const JobInfo& info, const std::function<void(Context&)>& body);

// The agreed failure of a collective step: thrown on every rank with the same status. Main and
// RunFlow catch it; a job never needs to.
class JobFailed : public JobError {
 public:
  explicit JobFailed(Status status) : JobError(status), status_(std::move(status)) {}
  const Status& status() const { return status_; }

 private:
  Status status_;
};

// For user functions that call Status-returning code: throws (fails the job) unless ok.
void ThrowIfError(const Status& status);

// ---------------------------------------------------------------------------------------------
// Element-wise helpers.

// What FlatMap and source callbacks emit into. Emitting moves the element down the chain at
// once (no buffering). Valid only during the call it was given to.
template <typename T>
class Emitter {
 public:
  explicit Emitter(const std::function<void(T&&)>& sink) : sink_(&sink) {}
  void operator()(T value) const { (*sink_)(std::move(value)); }
  void Emit(T value) const { (*sink_)(std::move(value)); }

 private:
  const std::function<void(T&&)>* sink_;
};

// Which input files a source reads. Empty src: the job's --src (and --regex unless regex is set).
struct SourceOptions {
  std::string src;
  std::string regex;
  // One unit per file (no byte-range splits): CsvRows and Read set it, since a CSV file's header
  // is its first line.
  bool whole_files = false;
};

// One CSV record (CsvRows): fields by header name or index. Views into the current line: valid
// only during the callback.
class CsvRow {
 public:
  // The field under column `name`; nullopt if the header has no such column.
  std::optional<std::string_view> Get(std::string_view name) const;
  std::string_view operator[](size_t i) const { return fields_[i]; }
  size_t size() const { return fields_.size(); }
  const std::vector<std::string>& header() const { return *header_; }

 private:
  friend class Context;
  const std::vector<std::string>* header_ = nullptr;
  std::vector<std::string_view> fields_;
};

// Options of a context made without a job (tests, embedding).
struct ContextOptions {
  uint64_t memory_bytes = 256ull << 20;  // like --memory-mb
  std::string spill_dir;                 // like --spill-dir
  bool strict = false;                   // like --strict
  bool debug_shuffle = false;            // like --debug-shuffle: tiny tables and rounds
};

// ---------------------------------------------------------------------------------------------
// The context: sources, flags, counters. One per job, made by Main.

class Context {
 public:
  // A job's context (RunFlow makes it): sources read --src, Write writes parts for --dest.
  Context(JobContext& job, const JobInfo& info);
  // A context without a job, for in-process tests of a job's pipeline (Thrill's way): sources
  // need SourceOptions::src; Write keeps each output's rows in the context instead of writing
  // files (Written), Print keeps its text (printed); metrics() holds the counters, records_out
  // included.
  Context(const MpiContext& mpi, ContextOptions options);
  ~Context();
  Context(const Context&) = delete;
  Context& operator=(const Context&) = delete;

  const MpiContext& mpi() const { return mpi_; }
  int rank() const;
  int size() const;
  // The job's flags (common and the job's own). Requires a job context.
  const FlagSet& flags() const;
  Metrics& metrics();
  // A named counter kept in the manifest (summed over ranks): ++*ctx.Counter("replies").
  // Local; the pointer stays valid for the context's life. User code bumps it each time it runs:
  // a chain that runs twice (a dataset used twice without Cache) counts twice.
  int64_t* Counter(const std::string& name);

  // A context without a job only: the rows Write(name) kept on this rank, as a dataset (Collect
  // gives every rank's rows in rank order, the order in which a job's parts of that output hold
  // them). T must be the type of the written elements. Local and cheap (the rows stay spooled:
  // 1 MiB in memory, a scratch file beyond); throws JobFailed, the same on every rank, if no
  // Write kept rows of type T under `name`.
  template <typename T>
  Dataset<T> Written(const std::string& name);
  // A context without a job only: what Print printed (rank 0; empty on the others).
  const std::string& printed() const;

  // -- Sources. Each is lazy: the input is read when a collective operation or sink pulls the
  // dataset (collectively then: MapPhase claims units across ranks; bad lines are counted by kind
  // into the manifest and --strict fails on the first). Every element knows its input file and
  // line for error messages. Order: unspecified (units are claimed dynamically).

  // Every non-empty line of the input (gzip or plain, split into byte ranges per --split-mb).
  Dataset<std::string> Lines(SourceOptions source = {});
  // The generic line source, the hook for domain sources (operators/ builds the tweet source on
  // it): fn(std::string_view line, LineContext& lctx, Emitter<T>& emit) emits any number of
  // elements per line and reports bad lines with lctx.BadLine(kind). No copy of the line is made.
  template <typename T, typename F>
  Dataset<T> ReadLines(F fn, SourceOptions source = {});
  // JSON lines: fn(simdjson::ondemand::object& obj, LineContext& lctx, Emitter<T>& emit) per line
  // (simdjson's On-Demand API; the object is valid during the call). A line that is not a JSON
  // object, or a simdjson error while fn reads it (fn may use the throwing API), is a bad line
  // "invalid_json" (elements it emitted before stand).
  template <typename T, typename F>
  Dataset<T> JsonLines(F fn, SourceOptions source = {});
  // CSV with a header line in every file (as Write writes it; RFC 4180 quotes, but no line breaks
  // inside fields): fn(const CsvRow& row, LineContext& lctx, Emitter<T>& emit). A row whose
  // field count differs from the header's (or with a broken quote) is a bad line "invalid_csv".
  // Files are read whole (no byte-range splits).
  template <typename T, typename F>
  Dataset<T> CsvRows(F fn, SourceOptions source = {});
  // The output of an earlier rankflow job (a committed folder: only the files its _SUCCESS lists;
  // or any folder/file of .jsonl, .jsonl.gz, .csv): each record decoded into T (a RF_FIELDS
  // struct) by field name; a missing field keeps T's default, extra fields are ignored, a value
  // of the wrong type (or a line that is not a record) is a bad line "invalid_record". The format
  // is taken from each file's name: ".csv" is CSV with a header, anything else JSON lines. One
  // output of a job that wrote several: the regex, ctx.Read<Edge>({dir, "^edges-"}).
  // Round trip: Read<T> of what Write of a Dataset<T> wrote gives the same elements, for csv,
  // jsonl and jsonl.gz (floating point exactly: shortest round-trip text).
  template <typename T>
  Dataset<T> Read(SourceOptions source = {});
  // Parquet files (a committed folder through its manifest, as every source; otherwise the files
  // whose base name matches source.regex, by default "\.parquet$"; ours or anyone's): one
  // element per row, T a RF_FIELDS struct whose fields name columns. Only those columns are read
  // (projection); a column the file lacks, or one whose type the field cannot take, fails the job
  // with one line naming the file, column and field. A field takes: bool <- BOOLEAN; integers <-
  // INT32/INT64 (timestamps as stored, in their unit); float/double <- FLOAT/DOUBLE or integers;
  // std::string <- BYTE_ARRAY; optional<those> <- a nullable column; vector<those> <- a list
  // (null elements left out); anything else <- its JSON text in a BYTE_ARRAY column (as Write
  // writes nested values). A null in a field that is not optional, an integer out of the field's
  // range or unreadable JSON text is a bad record "invalid_record" (skipped; --strict fails).
  // Round trip: ReadParquet<T> of what Write of a Dataset<T> wrote as parquet gives the same
  // elements. Row groups are the units ranks claim.
  template <typename T>
  Dataset<T> ReadParquet(SourceOptions source = {});
  // The generic Parquet source, the hook for domain sources (operators/ reads load_tweets' Parquet
  // tables through it): fn(ParquetSource& source, ParquetSourceOptions files, Metrics* metrics,
  // Emitter<T>& emit) -> Status gets the files to read (src and name_regex set from `source` or
  // the job's flags; fn sets the columns), calls source.Plan(files) and source.Run(...)
  // (runtime/parquet/parquet_source.h) and emits elements; counters go to *metrics. fn must not
  // throw: it reports errors as a Status (from Run's callback, so every rank agrees); an exception
  // from downstream code is caught per element and fails this rank's stage.
  template <typename T, typename F>
  Dataset<T> FromParquetSource(F fn, SourceOptions source = {});

  // In-memory sources. Parallelize: every rank passes the same vector; rank r keeps the elements
  // at positions i with i % size == r. Local: each rank passes its own elements.
  template <typename T>
  Dataset<T> Parallelize(std::vector<T> values);
  template <typename T>
  Dataset<T> Local(std::vector<T> values);

  // --- Internal, for the implementation (flow_impl.h); not for jobs.
  struct Internal;
  Internal& internal() { return *internal_; }

 private:
  const MpiContext& mpi_;
  std::unique_ptr<Internal> internal_;
};

// ---------------------------------------------------------------------------------------------
// Aggregates for ReduceByKey, computed in one pass with map-side combine. `f` is a function of
// the element (a lambda or a member pointer such as &Tweet::retweets).
//   Count()        number of elements                      -> uint64_t
//   Sum(f)         sum of f(x)                            -> int64_t (integers, bool) or double
//   Min(f), Max(f) smallest / largest f(x)                -> f's type (any encodable type)
//   Mean(f)        arithmetic mean of f(x)                -> double
//   ArgMin(by, f)  f(x) of the element with the smallest by(x) (ties: the smallest f(x))
//   ArgMax(by, f)  f(x) of the element with the largest by(x) (ties: the smallest f(x))
// Several in one call give a tuple: ReduceByKey(key, Count(), Sum(&T::bytes), Mean(&T::ms)).
// All are deterministic except a floating-point Sum/Mean's last bits (addition order).
struct CountAggregate;
CountAggregate Count();
template <typename F>
auto Sum(F f);
template <typename F>
auto Min(F f);
template <typename F>
auto Max(F f);
template <typename F>
auto Mean(F f);
template <typename By, typename F>
auto ArgMin(By by, F f);
template <typename By, typename F>
auto ArgMax(By by, F f);

// True for the aggregate types above.
template <typename A>
concept Aggregate = requires {
  typename A::IsFlowAggregate;
};

enum class Order { kAscending, kDescending };

// Where a Write goes and how.
struct WriteOptions {
  WriteOptions() = default;
  // Write("edges", {{"from", "to", "weight"}}) or Write("edges", {{}, "csv"}).
  WriteOptions(std::vector<std::string> column_names, std::string output_format = "")
      : columns(std::move(column_names)), format(std::move(output_format)) {}
  // Column names (CSV header, JSON keys) for rows that are tuples or pairs (default "_1", "_2",
  // …) or scalars (default "value"); structs use their RF_FIELDS names unless this is set.
  std::vector<std::string> columns;
  // "jsonl", "jsonl.gz", "csv", "hdf5", "parquet" or several joined by commas (see
  // JobInfo::default_format); empty: --format, else the job's default.
  std::string format;
};

// ---------------------------------------------------------------------------------------------
// The dataset. Cheap to copy (a shared recipe). Every operation is const.

template <typename T>
class Dataset {
 public:
  using value_type = T;

  // -- Element-wise: local, lazy, fused, order-preserving per rank, no memory of their own.

  // f(T) -> U. If U is Result<V>, the dataset is Dataset<V> and a non-ok result fails the job.
  template <typename F>
  auto Map(F f) const;
  // f(T, Emitter<U>&) emits any number of U per element.
  template <typename U, typename F>
  Dataset<U> FlatMap(F f) const;
  // Keeps x when pred(x) is true.
  template <typename F>
  Dataset<T> Filter(F pred) const;
  // This dataset's elements, then other's (per rank).
  Dataset<T> Union(const Dataset<T>& other) const;
  // Keeps each element with probability `fraction`, decided by a hash of its encoding and `seed`:
  // deterministic whatever the rank count (equal elements are kept or dropped together).
  Dataset<T> Sample(double fraction, uint64_t seed = 0) const;

  // -- Keyed. key(x) -> K, any encodable type. All collective; memory: a HashShuffle of
  // --memory-mb, spilling beyond; output in key order per rank.

  // With aggregates: Dataset<std::pair<K, R>> for one, Dataset<std::tuple<K, R1, R2, …>> for
  // several. Map-side combine: one record per key and rank crosses the network. (ReduceByKey and
  // Distinct add their HashShuffle's figures to the manifest's shuffle.* counters.)
  template <typename KF, Aggregate... As>
  requires(sizeof...(As) >= 1) auto ReduceByKey(KF key, As... aggregates) const;
  // With a reduce function reduce(T a, const T& b) -> T (associative and commutative): one T per
  // key. Dataset<T>.
  template <typename KF, typename RF>
  requires(!Aggregate<RF>) Dataset<T> ReduceByKey(KF key, RF reduce)
  const;
  // fn(const K& key, Values<T>& values, Emitter<U>& emit) once per key with all its values,
  // streamed (values.Next(&x) or range-for), any number of them: a key's values are never all in
  // memory (GroupingShuffle, group.h: they spill). K must be decodable (std::string, not
  // std::string_view). Values arrive in (adding rank, order on that rank): do not rely on their
  // order. Dataset<U>, keys in key order per rank.
  template <typename U, typename KF, typename GF>
  Dataset<U> GroupByKey(KF key, GF fn) const;
  // One of each distinct element. Dataset<T>.
  Dataset<T> Distinct() const;
  // Collective. The number of distinct elements (exact, through a shuffle), on every rank.
  uint64_t CountDistinct() const;
  // Collective. HyperLogLog estimate of the distinct elements (hll.h: precision 14, ~0.8%
  // standard error, 16 KiB per rank; small counts nearly exact), on every rank.
  uint64_t ApproxCountDistinct() const;
  // The number of distinct value(x) per key(x), exact: Dataset<std::pair<K, uint64_t>>.
  template <typename KF, typename VF>
  auto CountDistinctByKey(KF key, VF value) const;

  // Inner join on key(x) == other_key(y): Dataset<std::pair<T, U>>, every matching pair. Both
  // sides are shuffled by key; a key's elements spill, so a skewed key is fine (its pairs are
  // produced one at a time; ShuffleJoin, join.h: one side of a key is buffered up to
  // --memory-mb / 4 and spilled beyond). Pairs come in key order per rank.
  template <typename U, typename KF, typename OKF>
  Dataset<std::pair<T, U>> Join(const Dataset<U>& other, KF key, OKF other_key) const;
  // Left join: Dataset<std::pair<T, std::optional<U>>>; nullopt for x without a match.
  template <typename U, typename KF, typename OKF>
  Dataset<std::pair<T, std::optional<U>>> LeftJoin(const Dataset<U>& other, KF key,
                                                   OKF other_key) const;
  // Inner join against a small side sent whole to every rank (no shuffle of this side; order of
  // this dataset kept). The small side must fit in --memory-mb / 2 (else the job fails naming
  // its size). Dataset<std::pair<T, U>>.
  template <typename U, typename KF, typename OKF>
  Dataset<std::pair<T, U>> BroadcastJoin(const Dataset<U>& small, KF key, OKF small_key) const;

  // -- Ordering. Collective.

  // Global sort by key(x) (use flow::Desc inside a tuple key for mixed directions, or `order`
  // for the whole key): rank 0 holds the smallest keys, then rank 1, …; Collect and Write keep
  // that order. Sample-based range partitioning (keys sampled on every rank, splitters chosen on
  // rank 0; GlobalSort, sort.h), then a range-partitioned shuffle that spills. Equal keys: by
  // element encoding (the element's encoding is appended to the sort key), so the order is a
  // function of the elements alone.
  template <typename KF>
  Dataset<T> SortBy(KF key, Order order = Order::kAscending) const;
  // The k elements with the smallest key(x) (flow::Desc or kDescending for the largest), sorted,
  // on rank 0 (other ranks: empty). Without a full sort: each rank keeps its k best in a heap,
  // rank 0 merges. Memory: k elements per rank. Ties: by element encoding.
  template <typename KF>
  Dataset<T> TopK(size_t k, KF key, Order order = Order::kAscending) const;
  // The k smallest by key(x) within every group(x), sorted within the group; groups in group key
  // order per rank, owned by hash. Memory: k elements per group (map-side and after the shuffle).
  template <typename GF, typename KF>
  Dataset<T> TopKPerKey(size_t k, GF group, KF key, Order order = Order::kAscending) const;

  // -- Actions. Collective.

  // The number of elements, on every rank.
  uint64_t Count() const;
  // All elements on rank 0 (rank order, then per-rank order); empty on other ranks. For small
  // results: they are held in memory.
  std::vector<T> Collect() const;
  // All elements on every rank (for small tables); same order as Collect.
  std::vector<T> Broadcast() const;
  // Materializes the dataset (spooled: memory up to 1 MiB, a scratch file beyond) so that later
  // uses do not rerun its chain and source.
  Dataset<T> Cache() const;

  // -- Sinks. Collective.

  // Writes this rank's elements as one part "<name>-RRRRR-<attempt>.<ext>" of --dest in the
  // format of options.format, else --format, else the job's default: csv (header from field
  // names or options.columns), jsonl, jsonl.gz (one JSON object per element, keys from the
  // field names; nested structs become objects, vectors arrays, nullopt null), parquet (one
  // column per field: bool, integers as int64, floating point as double, strings; optionals of
  // those nullable, vectors of those lists, anything nested its JSON text; row groups of at most
  // --memory-mb / 4), hdf5 (numeric columns only: datasets "int64" and "float64", one column per
  // field, attribute "columns" naming them). Records are counted into the manifest (records_out
  // and the file's records). A format the element type cannot be written in (hdf5 with a string
  // column) fails the job with one line naming the output, format and column. Several Writes with
  // different names make several outputs in one commit (a name used twice fails the job). Nothing
  // is visible before the job commits (Main, after the body). Memory: a 1 MiB buffer (parquet: a
  // row group).
  void Write(const std::string& name = "part", const WriteOptions& options = {}) const;
  // Prints up to n elements on rank 0 after the job's summary (a header line, then one
  // tab-separated line per element; `title` first if not empty). Holds n elements on rank 0.
  void Print(size_t n = 20, const std::string& title = "") const;

  // --- Internal, for the implementation (flow_impl.h); not for jobs.
  struct Node;
  Dataset(Context* ctx, std::shared_ptr<Node> node) : ctx_(ctx), node_(std::move(node)) {}
  Context* context() const { return ctx_; }
  const std::shared_ptr<Node>& node() const { return node_; }

 private:
  Context* ctx_ = nullptr;
  std::shared_ptr<Node> node_;
};

// The values of one key in GroupByKey, streamed in encoding order. Valid during the callback.
template <typename T>
class Values {
 public:
  explicit Values(std::function<bool(T*)> next) : next_(std::move(next)) {}
  // The next value into *out; false when the key has no more.
  bool Next(T* out) { return next_(out); }

  class iterator {
   public:
    iterator() = default;
    explicit iterator(Values* v) : v_(v) { ++*this; }
    const T& operator*() const { return value_; }
    iterator& operator++() {
      if (!v_->Next(&value_)) v_ = nullptr;
      return *this;
    }
    bool operator!=(const iterator& o) const { return v_ != o.v_; }

   private:
    Values* v_ = nullptr;
    T value_{};
  };
  iterator begin() { return iterator(this); }
  iterator end() { return iterator(); }

 private:
  std::function<bool(T*)> next_;
};

}  // namespace rankflow::flow

#include "runtime/flow/flow_impl.h"
