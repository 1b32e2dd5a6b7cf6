// Part of the dataflow API's template implementation: ordering, actions and the sinks of Write.
// flow_impl.h includes it at its end, after the machinery it uses; not to be included on its
// own.
#pragma once

namespace rankflow::flow {

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

// Write in a context without a job: this rank's rows spooled under the output's name, counted
// into records_out (Context::Written reads them back).
template <typename T>
void KeepWritten(Context::Internal& in, const NodePtr<T>& node, const std::string& name) {
  Spool rows = in.NewSpool();
  std::string buf;
  int64_t records = 0;
  RunStage<T>(in, node, [&](T&& x) {
    in.op = "Write";
    SpoolValue(rows, x, &buf);
    ++records;
  });
  in.EndStage();
  in.metrics->Add("records_out", records);
  in.written.insert_or_assign(name, std::pair(std::type_index(typeid(T)), std::move(rows)));
}

}  // namespace detail

template <typename T>
Dataset<T> Context::Written(const std::string& name) {
  auto it = internal_->written.find(name);
  if (it == internal_->written.end()) {
    throw JobFailed(Status::NotFound("flow: Written: no Write kept rows under \"" + name +
                                     "\" (a job's Write writes files instead)"));
  }
  if (it->second.first != std::type_index(typeid(T))) {
    throw JobFailed(Status::InvalidArgument("flow: Written: output \"" + name +
                                            "\" holds rows of another type"));
  }
  return detail::FromSpool<T>(this, it->second.second);
}

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
  if (in.job == nullptr) return detail::KeepWritten<T>(in, node_, name);
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
