// The rows flow_write_job writes and flow_write_duckdb_test expects: one of each column kind.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "runtime/flow/codec.h"

namespace rankflow::testing {

struct FlowRow {
  int64_t id = 0;
  std::string name;
  double x = 0;
  bool flag = false;
  std::optional<std::string> note;
  std::vector<int64_t> tags;
};
RF_FIELDS(FlowRow, id, name, x, flag, note, tags);

inline std::vector<FlowRow> FlowRows(int n) {
  std::vector<FlowRow> rows;
  for (int i = 0; i < n; ++i) {
    FlowRow r;
    r.id = i - n / 2;
    r.name =
        (i % 5 == 0) ? "a, \"quoted\" \xc3\xa9 " + std::to_string(i) : "n" + std::to_string(i % 37);
    r.x = static_cast<double>(i) / 4 - 10;
    r.flag = i % 3 == 0;
    if (i % 4 != 0) r.note = "note " + std::to_string(i % 7);
    for (int t = 0; t < i % 4; ++t) r.tags.push_back(i * 10 + t);
    rows.push_back(r);
  }
  return rows;
}

}  // namespace rankflow::testing
