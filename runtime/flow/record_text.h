// Rows of the dataflow API as text: how Write and Print turn an element into columns (CSV cells,
// JSON object members, HDF5 numbers). Part of flow.h's contract:
//
//   a RF_FIELDS struct   one column per field, named by the field;
//   a pair or tuple      one column per element, nested pairs/tuples flattened, named "_1", "_2",
//   …; anything else        one column "value".
// WriteOptions::columns renames the columns (its size must match: else the Write fails).
// Cell text: integers in decimal, float/double in the shortest form that reads back exactly
// (std::to_chars; NaN and infinities as "nan", "inf", "-inf" in CSV and null in JSON), bools as
// true/false, strings as they are, nullopt as an empty cell (JSON null), and anything nested
// (vectors, structs, optionals of those) as its JSON text. JSON strings are escaped by
// AppendJsonString (invalid UTF-8 becomes U+FFFD).
// Local, pure, thread-safe.
#pragma once

#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/flow/codec.h"
#include "runtime/json_string.h"

namespace rankflow::flow {

// Column kinds (RowColumnKinds): what hdf5 can store.
constexpr int kColumnInteger = 0;   // integers and bool: int64
constexpr int kColumnFloating = 1;  // float, double: float64
constexpr int kColumnOther = 2;     // strings and nested values: not numeric

namespace text_detail {

template <typename T>
struct IsTupleLike : std::false_type {};
template <typename A, typename B>
struct IsTupleLike<std::pair<A, B>> : std::true_type {};
template <typename... Ts>
struct IsTupleLike<std::tuple<Ts...>> : std::true_type {};
template <typename T>
struct IsOptional : std::false_type {};
template <typename T>
struct IsOptional<std::optional<T>> : std::true_type {};
template <typename T>
struct IsVector : std::false_type {};
template <typename T>
struct IsVector<std::vector<T>> : std::true_type {};
template <typename T>
struct IsDesc : std::false_type {};
template <typename T>
struct IsDesc<Desc<T>> : std::true_type {};

template <typename T>
constexpr bool kIsText = std::is_same_v<T, std::string> || std::is_same_v<T, std::string_view>;

inline void AppendNumber(double v, std::string* out, bool json) {
  if (!std::isfinite(v)) {
    if (json) {
      *out += "null";
    } else {
      *out += std::isnan(v) ? "nan" : (v > 0 ? "inf" : "-inf");
    }
    return;
  }
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

}  // namespace text_detail

// Appends `v` as a JSON value.
template <typename V>
void AppendJsonValue(const V& v, std::string* out) {
  using namespace text_detail;
  if constexpr (std::is_same_v<V, bool>) {
    *out += v ? "true" : "false";
  } else if constexpr (std::is_integral_v<V>) {
    *out += std::to_string(v);
  } else if constexpr (std::is_floating_point_v<V>) {
    AppendNumber(static_cast<double>(v), out, true);
  } else if constexpr (kIsText<V>) {
    AppendJsonString(out, v);
  } else if constexpr (IsDesc<V>::value) {
    AppendJsonValue(v.value, out);
  } else if constexpr (IsOptional<V>::value) {
    if (v) {
      AppendJsonValue(*v, out);
    } else {
      *out += "null";
    }
  } else if constexpr (IsVector<V>::value) {
    out->push_back('[');
    for (size_t i = 0; i < v.size(); ++i) {
      if (i > 0) out->push_back(',');
      AppendJsonValue(v[i], out);
    }
    out->push_back(']');
  } else if constexpr (IsTupleLike<V>::value) {
    out->push_back('[');
    bool first = true;
    std::apply(
        [&](const auto&... x) {
          ((out->append(first ? "" : ","), first = false, AppendJsonValue(x, out)), ...);
        },
        v);
    out->push_back(']');
  } else {
    static_assert(HasFields<V>, "not a type the dataflow API can write");
    out->push_back('{');
    bool first = true;
    std::apply(
        [&](const auto&... f) {
          ((out->append(first ? "" : ","), first = false, AppendJsonString(out, f.name),
            out->push_back(':'), AppendJsonValue(v.*(f.member), out)),
           ...);
        },
        RfFields(static_cast<const V*>(nullptr)));
    out->push_back('}');
  }
}

// The text of one cell (CSV, Print).
template <typename V>
std::string CellText(const V& v) {
  using namespace text_detail;
  if constexpr (kIsText<V>) {
    return std::string(v);
  } else if constexpr (std::is_floating_point_v<V>) {
    std::string s;
    AppendNumber(static_cast<double>(v), &s, false);
    return s;
  } else if constexpr (IsOptional<V>::value) {
    return v ? CellText(*v) : std::string();
  } else if constexpr (IsDesc<V>::value) {
    return CellText(v.value);
  } else {
    std::string s;
    AppendJsonValue(v, &s);
    return s;
  }
}

namespace text_detail {

// Calls fn(value) for each top-level column of a row (flattening pairs/tuples; fields of a struct).
template <typename T, typename Fn>
void ForEachColumn(const T& row, Fn&& fn) {
  if constexpr (IsTupleLike<T>::value) {
    std::apply([&](const auto&... x) { (ForEachColumn(x, fn), ...); }, row);
  } else if constexpr (HasFields<T>) {
    std::apply([&](const auto&... f) { (fn(row.*(f.member)), ...); },
               RfFields(static_cast<const T*>(nullptr)));
  } else {
    fn(row);
  }
}

template <typename V>
constexpr int KindOf() {
  if constexpr (std::is_integral_v<V>) {
    return kColumnInteger;
  } else if constexpr (std::is_floating_point_v<V>) {
    return kColumnFloating;
  } else {
    return kColumnOther;
  }
}

}  // namespace text_detail

// The kinds of a row type's columns (kColumnInteger, kColumnFloating, kColumnOther).
template <typename T>
std::vector<int> RowColumnKinds() {
  std::vector<int> kinds;
  T sample{};
  text_detail::ForEachColumn(sample, [&](const auto& v) {
    kinds.push_back(text_detail::KindOf<std::remove_cvref_t<decltype(v)>>());
  });
  return kinds;
}

// The column names of a row type: `override` if not empty, else as described above.
template <typename T>
std::vector<std::string> RowColumns(const std::vector<std::string>& override_names) {
  if (!override_names.empty()) return override_names;
  if constexpr (HasFields<T>) {
    return FieldNames<T>();
  } else if constexpr (text_detail::IsTupleLike<T>::value) {
    std::vector<std::string> names;
    for (size_t i = 1; i <= RowColumnKinds<T>().size(); ++i)
      names.push_back("_" + std::to_string(i));
    return names;
  } else {
    return {"value"};
  }
}

// Appends the cells of a row.
template <typename T>
void AppendRowCells(const T& row, std::vector<std::string>* cells) {
  text_detail::ForEachColumn(row, [&](const auto& v) { cells->push_back(CellText(v)); });
}

// Appends a row's numeric columns: integers (and bools) to *ints, floating point to *reals.
template <typename T>
void AppendRowNumbers(const T& row, std::vector<double>* reals, std::vector<int64_t>* ints) {
  text_detail::ForEachColumn(row, [&](const auto& v) {
    using V = std::remove_cvref_t<decltype(v)>;
    if constexpr (std::is_integral_v<V>) {
      ints->push_back(static_cast<int64_t>(v));
    } else if constexpr (std::is_floating_point_v<V>) {
      reals->push_back(static_cast<double>(v));
    }
  });
}

// Appends a row as one JSON object with the given column names (one per column).
template <typename T>
void AppendJsonRow(const T& row, const std::vector<std::string>& columns, std::string* out) {
  out->push_back('{');
  size_t i = 0;
  text_detail::ForEachColumn(row, [&](const auto& v) {
    if (i > 0) out->push_back(',');
    AppendJsonString(out, i < columns.size() ? columns[i] : "_" + std::to_string(i + 1));
    out->push_back(':');
    AppendJsonValue(v, out);
    ++i;
  });
  out->push_back('}');
}

}  // namespace rankflow::flow
