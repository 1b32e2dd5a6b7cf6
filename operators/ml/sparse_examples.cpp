#include "operators/ml/sparse_examples.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <set>

#include "operators/ml/output_files.h"
#include "runtime/hdf5_file.h"
#include "runtime/scratch_file.h"

namespace rankflow::ml {

void AppendSparseExample(std::string_view id, std::string_view label,
                         const std::vector<float>& values, std::string* wire) {
  wire->append(id).append("\t").append(label).append("\t");
  bool first = true;
  char buf[48];
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0.f) continue;
    const int n = std::snprintf(buf, sizeof(buf), "%s%zu:%.9g", first ? "" : ",", i,
                                static_cast<double>(values[i]));
    wire->append(buf, static_cast<size_t>(n));
    first = false;
  }
  wire->push_back('\n');
}

void ParseSparseExamples(std::string_view wire, std::vector<SparseExample>* out) {
  while (!wire.empty()) {
    const size_t end = std::min(wire.find('\n'), wire.size());
    const std::string_view line = wire.substr(0, end);
    wire.remove_prefix(std::min(end + 1, wire.size()));
    const size_t t1 = line.find('\t');
    const size_t t2 = t1 == std::string_view::npos ? t1 : line.find('\t', t1 + 1);
    if (t2 == std::string_view::npos) continue;
    SparseExample e;
    e.id = line.substr(0, t1);
    e.label = line.substr(t1 + 1, t2 - t1 - 1);
    // Items "slot:value" separated by ','; strtof stops at the ',' that ends an item.
    const std::string items(line.substr(t2 + 1));
    for (size_t at = 0; at < items.size();) {
      const size_t comma = std::min(items.find(',', at), items.size());
      const size_t colon = items.find(':', at);
      if (colon < comma) {
        e.features.emplace_back(std::atoi(items.c_str() + at),
                                std::strtof(items.c_str() + colon + 1, nullptr));
      }
      at = comma + 1;
    }
    out->push_back(std::move(e));
  }
}

std::vector<std::pair<std::string, int64_t>> PoolClasses(
    const std::map<std::string, int64_t>& counts, int64_t min_count, const std::string& other) {
  std::vector<std::pair<std::string, int64_t>> kept;
  int64_t pooled = 0;
  for (const auto& [label, n] : counts) {
    if (n >= min_count) {
      kept.emplace_back(label, n);
    } else {
      pooled += n;
    }
  }
  if (pooled > 0) kept.emplace_back(other, pooled);
  std::sort(kept.begin(), kept.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  return kept;
}

ExampleSplit SplitExamples(std::vector<SparseExample> examples,
                           const std::function<bool(const std::string&)>& keep, int64_t min_count,
                           const std::string& other,
                           const std::function<bool(const std::string&)>& held_out) {
  ExampleSplit split;
  std::set<std::string> seen;
  for (SparseExample& e : examples) {
    if (seen.insert(e.id).second) split.rows.push_back(std::move(e));
  }
  for (const SparseExample& e : split.rows) {
    if (keep(e.label)) ++split.counts[e.label];
  }
  split.classes = PoolClasses(split.counts, min_count, other);
  std::set<std::string> named;
  for (const auto& [label, n] : split.classes) named.insert(label);
  for (SparseExample& e : split.rows) {
    if (!keep(e.label)) continue;
    if (!named.count(e.label)) e.label = other;
    (held_out(e.id) ? split.test : split.train).push_back(&e);
  }
  int64_t majority = 0;
  for (const SparseExample* e : split.test) majority += e->label == split.classes[0].first;
  if (!split.test.empty()) {
    split.majority_baseline =
        static_cast<double>(majority) / static_cast<double>(split.test.size());
  }
  return split;
}

Status WriteSparseDataset(OutputCommitter& out, const std::string& name,
                          const std::vector<const SparseExample*>& rows,
                          const std::vector<std::string>& classes, int dim,
                          const std::string& description, const std::string& scratch_dir) {
  std::map<std::string, int64_t> class_index;
  for (const std::string& c : classes) class_index.emplace(c, class_index.size());
  std::vector<int64_t> indptr{0}, indices, y;
  std::vector<float> values;
  for (const SparseExample* e : rows) {
    double norm = 0;
    for (const auto& [slot, v] : e->features) norm += std::pow(std::log1p(v), 2);
    norm = norm > 0 ? std::sqrt(norm) : 1;
    for (const auto& [slot, v] : e->features) {
      indices.push_back(slot);
      values.push_back(static_cast<float>(std::log1p(v) / norm));
    }
    indptr.push_back(static_cast<int64_t>(indices.size()));
    y.push_back(class_index.at(e->label));
  }
  auto file = Hdf5File::CreateScratch(SpillDirectory(scratch_dir));
  if (!file.ok()) return file.status();
  RF_RETURN_IF_ERROR((*file)->WriteInt64("indptr", {indptr.size()}, indptr.data()));
  RF_RETURN_IF_ERROR((*file)->WriteInt64("indices", {indices.size()}, indices.data()));
  RF_RETURN_IF_ERROR((*file)->WriteFloat32("values", {values.size()}, values.data()));
  RF_RETURN_IF_ERROR((*file)->WriteInt64("y", {y.size()}, y.data()));
  std::string joined;
  for (const std::string& c : classes) joined += (joined.empty() ? "" : ",") + c;
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "classes", joined));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "inputs", std::to_string(dim)));
  RF_RETURN_IF_ERROR((*file)->SetAttribute("/", "features", description));
  RF_RETURN_IF_ERROR((*file)->Close());
  return WriteOutputHdf5(out, name, **file, rows.size());
}

}  // namespace rankflow::ml
