// Template implementation of the Parquet sources of the dataflow API (Context::FromParquetSource,
// Context::ReadParquet; contracts in flow.h). Included by flow_impl.h only.
#pragma once

#include <limits>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

#include "runtime/parquet/parquet_source.h"

namespace rankflow::flow {
namespace detail {

template <typename T, typename F>
struct ParquetSourceNode : Dataset<T>::Node {
  ParquetSourceNode(SourceOptions s, F f) : source(std::move(s)), fn(std::move(f)) {}
  SourceOptions source;
  F fn;
  bool read_before = false;

  Status Produce(Context::Internal& in, const Sink<T>& sink) override {
    // As LineSourceNode: the manifest counts the input once, a rank that failed earlier only
    // takes part, an exception from downstream code fails this rank's stage (never the source's
    // collective steps).
    Metrics rerun;
    Metrics* metrics = read_before ? &rerun : in.metrics;
    FileSystem* fs = nullptr;
    MapPhaseOptions o;
    RF_RETURN_IF_ERROR(in.SourceFiles(source, &fs, &o));
    ParquetSourceOptions files;
    files.src = o.src;
    if (!o.name_regex.empty()) files.name_regex = o.name_regex;
    ParquetSource parquet(in.mpi, *fs, metrics,
                          read_before || in.job == nullptr ? nullptr : &in.job->progress());
    const Status before = in.stage_failure;
    in.op = "source";
    const std::function<void(T &&)> guarded = [&](T&& value) {
      if (!before.ok() || !in.stage_failure.ok()) return;
      try {
        sink(std::move(value));
      } catch (...) {
        in.Fail(in.CurrentFailure(nullptr));
      }
    };
    Emitter<T> emit(guarded);
    Status s = fn(parquet, std::move(files), metrics, emit);
    if (!read_before) in.AddInputs(parquet.plan().files);
    read_before = true;
    if (!before.ok()) return before;
    return s;
  }
};

// The Parquet column a field of type V needs: 'b' BOOLEAN, 'i' integers, 'f' floating point
// (integers too), 's' BYTE_ARRAY (strings, and JSON text of anything else).
template <typename V>
constexpr char ParquetKindOf() {
  if constexpr (std::is_same_v<V, bool>) {
    return 'b';
  } else if constexpr (std::is_integral_v<V>) {
    return 'i';
  } else if constexpr (std::is_floating_point_v<V>) {
    return 'f';
  } else {
    return 's';
  }
}

template <typename V>
struct ParquetFieldShape {  // a flat, required value
  using Scalar = V;
  static constexpr bool kOptional = false;
  static constexpr bool kList = false;
};
template <typename S>
struct ParquetFieldShape<std::optional<S>> {
  using Scalar = S;
  static constexpr bool kOptional = true;
  static constexpr bool kList = false;
};
template <typename S>
requires kParquetScalar<S>
struct ParquetFieldShape<std::vector<S>> {
  using Scalar = S;
  static constexpr bool kOptional = false;
  static constexpr bool kList = true;
};

// Empty if column `c` can fill a field of type V, else why not.
template <typename V>
std::string ParquetFieldMismatch(const ParquetColumnBatch& c) {
  using Shape = ParquetFieldShape<V>;
  const ParquetLeaf& leaf = *c.leaf;
  if (leaf.is_list != Shape::kList) {
    return Shape::kList ? "a list field needs a list column" : "a list column needs a vector field";
  }
  using P = pq::PhysicalType;
  switch (ParquetKindOf<typename Shape::Scalar>()) {
    case 'b':
      return leaf.type == P::kBoolean ? "" : "a bool field needs a BOOLEAN column";
    case 'i':
      return leaf.type == P::kInt32 || leaf.type == P::kInt64
                 ? ""
                 : "an integer field needs an INT32 or INT64 column";
    case 'f':
      return leaf.type == P::kFloat || leaf.type == P::kDouble || leaf.type == P::kInt32 ||
                     leaf.type == P::kInt64
                 ? ""
                 : "a floating-point field needs a FLOAT, DOUBLE or integer column";
    default:
      return leaf.type == P::kByteArray || leaf.type == P::kFixedLenByteArray
                 ? ""
                 : "a string (or nested) field needs a BYTE_ARRAY column";
  }
}

// Value i of a checked column into *out; false if it does not fit (range, JSON text).
template <typename S>
bool ParquetValue(const ParquetColumnBatch& c, size_t i, JsonLineParser* json, S* out) {
  if constexpr (std::is_same_v<S, bool>) {
    *out = c.Int(i) != 0;
  } else if constexpr (std::is_integral_v<S>) {
    const int64_t v = c.Int(i);
    if constexpr (std::is_signed_v<S>) {
      if (v < std::numeric_limits<S>::min() || v > std::numeric_limits<S>::max()) return false;
    } else {
      if (v < 0 || static_cast<uint64_t>(v) > std::numeric_limits<S>::max()) return false;
    }
    *out = static_cast<S>(v);
  } else if constexpr (std::is_floating_point_v<S>) {
    const pq::PhysicalType t = c.leaf->type;
    *out = static_cast<S>(t == pq::PhysicalType::kFloat || t == pq::PhysicalType::kDouble
                              ? c.Double(i)
                              : static_cast<double>(c.Int(i)));
  } else if constexpr (std::is_same_v<S, std::string>) {
    out->assign(c.String(i));
  } else {
    return json->Parse(c.String(i), [&](simdjson::ondemand::value v) { return FromJson(v, out); });
  }
  return true;
}

// Row `row` of column c into the field *out; false for a bad record.
template <typename V>
bool ParquetField(const ParquetColumnBatch& c, size_t row, JsonLineParser* json, V* out) {
  using Shape = ParquetFieldShape<V>;
  if constexpr (Shape::kList) {
    out->clear();
    for (size_t i = c.ValueBegin(row); i < c.ValueEnd(row); ++i) {
      typename Shape::Scalar v{};
      if (!ParquetValue(c, i, json, &v)) return false;
      out->push_back(std::move(v));
    }
    return true;
  } else if constexpr (Shape::kOptional) {
    if (c.IsNull(row)) {
      out->reset();
      return true;
    }
    return ParquetValue(c, c.ValueBegin(row), json, &out->emplace());
  } else {
    return !c.IsNull(row) && ParquetValue(c, c.ValueBegin(row), json, out);
  }
}

}  // namespace detail

template <typename T, typename F>
Dataset<T> Context::FromParquetSource(F fn, SourceOptions source) {
  return Dataset<T>(
      this, std::make_shared<detail::ParquetSourceNode<T, F>>(std::move(source), std::move(fn)));
}

template <typename T>
Dataset<T> Context::ReadParquet(SourceOptions source) {
  static_assert(HasFields<T>, "ReadParquet<T> reads columns by field name: T needs RF_FIELDS");
  const bool strict =
      internal().job != nullptr ? internal().job->map_options().strict : internal().options.strict;
  return FromParquetSource<T>(
      [strict](ParquetSource& parquet, ParquetSourceOptions files, Metrics* metrics,
               Emitter<T>& emit) -> Status {
        files.columns = FieldNames<T>();
        RF_RETURN_IF_ERROR(parquet.Plan(files));
        JsonLineParser json;
        return parquet.Run([&](const ParquetRowBatch& batch) -> Status {
          // Types once per batch (a file may differ from the others).
          size_t c = 0;
          Status types;
          T probe{};
          text_detail::ForEachColumn(probe, [&](const auto& v) {
            const std::string why =
                detail::ParquetFieldMismatch<std::remove_cvref_t<decltype(v)>>(batch.columns[c]);
            if (!why.empty() && types.ok()) {
              types = Status::InvalidArgument(*batch.path + ": column " + files.columns[c] + " (" +
                                              batch.columns[c].leaf->path + "): " + why);
            }
            ++c;
          });
          RF_RETURN_IF_ERROR(types);
          for (size_t row = 0; row < batch.num_rows; ++row) {
            T x{};
            bool ok = true;
            c = 0;
            std::apply(
                [&](const auto&... f) {
                  ((ok = ok &&
                         detail::ParquetField(batch.columns[c++], row, &json, &(x.*(f.member)))),
                   ...);
                },
                RfFields(static_cast<const T*>(nullptr)));
            if (ok) {
              emit(std::move(x));
              continue;
            }
            // "PATH (row group G):N" with N the row's number in its row group, from 1.
            const uint64_t n = batch.first_row + row + 1;
            const std::string group =
                *batch.path + " (row group " + std::to_string(batch.row_group) + ")";
            metrics->BadLine("invalid_record", group, n, "");
            if (strict) {
              return Status::InvalidArgument("--strict: invalid_record at " + group + ":" +
                                             std::to_string(n));
            }
          }
          return Status::OK();
        });
      },
      std::move(source));
}

}  // namespace rankflow::flow
