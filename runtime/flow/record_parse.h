// Records back into C++ values: the reading side of record_text.h, for the dataflow sources that
// read JSON lines and CSV (Context::JsonLines, CsvRows, Read in flow.h).
//
// JSON (FromJson): numbers into integers (range-checked; no fraction) and float/double, true/false
// into bool, strings into std::string, null into an empty optional, arrays into vectors, pairs
// and tuples, objects into RF_FIELDS structs by field name (missing fields keep their default,
// unknown members are skipped). Anything else is a mismatch: false.
// CSV cells (FromCell): the text of CellText back: decimal integers, floating point (also "nan",
// "inf", "-inf"), true/false (or 1/0), strings as they are, an empty cell as an empty optional,
// nested values (vectors, structs, pairs) as JSON text.
// SplitCsvLine: one line of RFC 4180 fields (quotes, "" inside quotes; no line breaks in fields).
// Local, pure; a JsonLineParser is not thread-safe.
#pragma once

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#include "runtime/flow/codec.h"
#include "runtime/flow/record_text.h"

namespace rankflow::flow {

template <typename V>
bool FromJson(simdjson::ondemand::value value, V* out);

// Fills the fields of a RF_FIELDS struct from the members of `object` that carry their names.
template <typename T>
bool FromJsonObject(simdjson::ondemand::object object, T* out) {
  for (auto member : object) {
    std::string_view key;
    if (member.unescaped_key().get(key) != simdjson::SUCCESS) return false;
    bool ok = true;
    std::apply(
        [&](const auto&... f) {
          ((key == f.name ? (ok = FromJson(member.value(), &(out->*(f.member)))) : false), ...);
        },
        RfFields(static_cast<const T*>(nullptr)));
    if (!ok) return false;
  }
  return true;
}

template <typename V>
bool FromJson(simdjson::ondemand::value value, V* out) {
  using namespace text_detail;
  if constexpr (std::is_same_v<V, bool>) {
    return value.get_bool().get(*out) == simdjson::SUCCESS;
  } else if constexpr (std::is_integral_v<V> && std::is_signed_v<V>) {
    int64_t v;
    if (value.get_int64().get(v) != simdjson::SUCCESS) return false;
    if (v < std::numeric_limits<V>::min() || v > std::numeric_limits<V>::max()) return false;
    *out = static_cast<V>(v);
    return true;
  } else if constexpr (std::is_integral_v<V>) {
    uint64_t v;
    if (value.get_uint64().get(v) != simdjson::SUCCESS) return false;
    if (v > std::numeric_limits<V>::max()) return false;
    *out = static_cast<V>(v);
    return true;
  } else if constexpr (std::is_floating_point_v<V>) {
    if (value.is_null()) {
      *out = std::numeric_limits<V>::quiet_NaN();  // Write writes non-finite numbers as null
      return true;
    }
    double v;
    if (value.get_double().get(v) != simdjson::SUCCESS) return false;
    *out = static_cast<V>(v);
    return true;
  } else if constexpr (std::is_same_v<V, std::string>) {
    std::string_view s;
    if (value.get_string().get(s) != simdjson::SUCCESS) return false;
    out->assign(s);
    return true;
  } else if constexpr (IsDesc<V>::value) {
    return FromJson(value, &out->value);
  } else if constexpr (IsOptional<V>::value) {
    if (value.is_null()) {
      out->reset();
      return true;
    }
    typename V::value_type inner{};
    if (!FromJson(value, &inner)) return false;
    *out = std::move(inner);
    return true;
  } else if constexpr (IsVector<V>::value) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return false;
    out->clear();
    for (auto element : array) {
      simdjson::ondemand::value v;
      if (element.get(v) != simdjson::SUCCESS) return false;
      typename V::value_type x{};
      if (!FromJson(v, &x)) return false;
      out->push_back(std::move(x));
    }
    return true;
  } else if constexpr (IsTupleLike<V>::value) {
    simdjson::ondemand::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) return false;
    auto it = array.begin();
    bool ok = true;
    std::apply(
        [&](auto&... x) {
          ((ok = ok && it != array.end() && FromJson(simdjson::ondemand::value((*it).value()), &x),
            ok ? (void)++it : (void)0),
           ...);
        },
        *out);
    return ok && it == array.end();
  } else {
    static_assert(HasFields<V>, "not a type the dataflow API can read");
    simdjson::ondemand::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) return false;
    return FromJsonObject(object, out);
  }
}

// Parses JSON text (a line, a CSV cell) with a reused padded buffer and parser.
class JsonLineParser {
 public:
  // Calls fn(document value) on `text`; false if it is not JSON or fn returns false. simdjson
  // errors inside fn (it may use the throwing API) count as false too. On-Demand parsing: what
  // fn does not read is not validated.
  template <typename Fn>
  bool Parse(std::string_view text, Fn&& fn) {
    if (padded_.size() < text.size() + simdjson::SIMDJSON_PADDING) {
      padded_.resize(text.size() + simdjson::SIMDJSON_PADDING);
    }
    std::memcpy(padded_.data(), text.data(), text.size());
    try {
      simdjson::ondemand::document doc;
      if (parser_.iterate(padded_.data(), text.size(), padded_.size()).get(doc) !=
          simdjson::SUCCESS) {
        return false;
      }
      simdjson::ondemand::value value;
      if (doc.get_value().get(value) != simdjson::SUCCESS) return false;
      return fn(value);
    } catch (const simdjson::simdjson_error&) {
      return false;
    }
  }

 private:
  simdjson::ondemand::parser parser_;
  std::string padded_;
};

// Splits one CSV line into fields; quoted fields are unquoted into *storage (which the returned
// views may point into). False for an unterminated quote or text after a closing quote.
inline bool SplitCsvLine(std::string_view line, std::vector<std::string_view>* fields,
                         std::vector<std::string>* storage) {
  fields->clear();
  storage->clear();
  storage->reserve(line.size() / 2 + 1);  // no reallocation: views into it stay valid
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      std::string& s = storage->emplace_back();
      ++i;
      while (true) {
        if (i >= line.size()) return false;
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            s.push_back('"');
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        s.push_back(line[i++]);
      }
      fields->push_back(s);
      if (i < line.size() && line[i] != ',') return false;
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      fields->push_back(line.substr(i, end - i));
      i = end;
    }
    if (i >= line.size()) return true;
    ++i;  // the comma
  }
}

// One CSV cell into a value (see above); `json` parses nested values.
template <typename V>
bool FromCell(std::string_view cell, JsonLineParser* json, V* out) {
  using namespace text_detail;
  if constexpr (std::is_same_v<V, bool>) {
    if (cell == "true" || cell == "1") return *out = true, true;
    if (cell == "false" || cell == "0") return *out = false, true;
    return false;
  } else if constexpr (std::is_integral_v<V>) {
    auto r = std::from_chars(cell.data(), cell.data() + cell.size(), *out);
    return r.ec == std::errc() && r.ptr == cell.data() + cell.size();
  } else if constexpr (std::is_floating_point_v<V>) {
    if (cell == "nan") return *out = std::numeric_limits<V>::quiet_NaN(), true;
    if (cell == "inf") return *out = std::numeric_limits<V>::infinity(), true;
    if (cell == "-inf") return *out = -std::numeric_limits<V>::infinity(), true;
    auto r = std::from_chars(cell.data(), cell.data() + cell.size(), *out);
    return r.ec == std::errc() && r.ptr == cell.data() + cell.size();
  } else if constexpr (std::is_same_v<V, std::string>) {
    out->assign(cell);
    return true;
  } else if constexpr (IsDesc<V>::value) {
    return FromCell(cell, json, &out->value);
  } else if constexpr (IsOptional<V>::value) {
    if (cell.empty()) {
      out->reset();
      return true;
    }
    typename V::value_type inner{};
    if (!FromCell(cell, json, &inner)) return false;
    *out = std::move(inner);
    return true;
  } else {
    return json->Parse(cell, [&](simdjson::ondemand::value v) { return FromJson(v, out); });
  }
}

// Fills a RF_FIELDS struct from a CSV row by header names. Missing columns keep defaults.
template <typename T>
bool FromCsvRow(const std::vector<std::string>& header, const std::vector<std::string_view>& cells,
                JsonLineParser* json, T* out) {
  if (cells.size() != header.size()) return false;
  for (size_t i = 0; i < header.size(); ++i) {
    bool ok = true;
    std::apply(
        [&](const auto&... f) {
          ((header[i] == f.name ? (ok = FromCell(cells[i], json, &(out->*(f.member)))) : false),
           ...);
        },
        RfFields(static_cast<const T*>(nullptr)));
    if (!ok) return false;
  }
  return true;
}

}  // namespace rankflow::flow
