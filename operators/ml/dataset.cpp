#include "operators/ml/dataset.h"

#include <algorithm>
#include <cstring>

#include "runtime/hdf5_file.h"

namespace rankflow::ml {

RowRange ShardRange(int64_t rows, int index, int count) {
  const int64_t base = rows / count, extra = rows % count;
  RowRange r;
  r.begin = index * base + std::min<int64_t>(index, extra);
  r.end = r.begin + base + (index < extra ? 1 : 0);
  return r;
}

BatchView Dataset::Slice(int64_t begin, int64_t end) const {
  BatchView v;
  v.rows = end - begin;
  v.labels = labels.data() + begin;
  if (sparse) {
    v.indptr = indptr.data() + begin;
    v.indices = indices.data();
    v.values = values.data();
  } else {
    v.dense = dense.data() + begin * inputs;
  }
  return v;
}

Dataset Dataset::SubRange(int64_t begin, int64_t end) const {
  Dataset d;
  d.inputs = inputs;
  d.class_names = class_names;
  d.global_rows = global_rows;
  d.first_row = first_row + begin;
  d.sparse = sparse;
  d.labels.assign(labels.begin() + begin, labels.begin() + end);
  if (!sparse) {
    d.dense.assign(dense.begin() + begin * inputs, dense.begin() + end * inputs);
    return d;
  }
  const int64_t lo = indptr[begin], hi = indptr[end];
  d.indptr.clear();
  for (int64_t r = begin; r <= end; ++r) d.indptr.push_back(indptr[r] - lo);
  d.indices.assign(indices.begin() + lo, indices.begin() + hi);
  d.values.assign(values.begin() + lo, values.begin() + hi);
  return d;
}

Status Dataset::Validate() const {
  if (inputs <= 0) return Status::InvalidArgument("data set has no input columns");
  if (class_names.size() < 2) return Status::InvalidArgument("data set needs at least 2 classes");
  for (int32_t y : labels) {
    if (y < 0 || y >= classes()) {
      return Status::InvalidArgument("label " + std::to_string(y) + " outside [0, " +
                                     std::to_string(classes()) + ")");
    }
  }
  if (sparse) {
    for (int32_t j : indices) {
      if (j < 0 || j >= inputs) {
        return Status::InvalidArgument("feature index " + std::to_string(j) + " outside [0, " +
                                       std::to_string(inputs) + ")");
      }
    }
  }
  return Status::OK();
}

BatchView BatchBuffer::Gather(const Dataset& data, const std::vector<int64_t>& local_rows) {
  const int64_t n = static_cast<int64_t>(local_rows.size());
  labels_.resize(n);
  BatchView v;
  v.rows = n;
  for (int64_t i = 0; i < n; ++i) labels_[i] = data.labels[local_rows[i]];
  v.labels = labels_.data();
  if (!data.sparse) {
    const int64_t d = data.inputs;
    dense_.resize(n * d);
    for (int64_t i = 0; i < n; ++i) {
      std::memcpy(dense_.data() + i * d, data.dense.data() + local_rows[i] * d, sizeof(float) * d);
    }
    v.dense = dense_.data();
    return v;
  }
  indptr_.assign(1, 0);
  indices_.clear();
  values_.clear();
  for (int64_t r : local_rows) {
    const int64_t lo = data.indptr[r], hi = data.indptr[r + 1];
    indices_.insert(indices_.end(), data.indices.begin() + lo, data.indices.begin() + hi);
    values_.insert(values_.end(), data.values.begin() + lo, data.values.begin() + hi);
    indptr_.push_back(static_cast<int64_t>(indices_.size()));
  }
  v.indptr = indptr_.data();
  v.indices = indices_.data();
  v.values = values_.data();
  return v;
}

namespace {

std::vector<std::string> SplitComma(const std::string& s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    size_t comma = s.find(',', start);
    if (comma == std::string::npos) comma = s.size();
    out.push_back(s.substr(start, comma - start));
    start = comma + 1;
  }
  return out;
}

}  // namespace

Result<int64_t> CountDatasetRows(const std::string& local_path) {
  auto file = Hdf5File::Open(local_path);
  if (!file.ok()) return file.status();
  auto dims = (*file)->Dims("y");
  if (!dims.ok()) return dims.status();
  if (dims->size() != 1) return Status::InvalidArgument(local_path + ":y: must be 1-d");
  return static_cast<int64_t>((*dims)[0]);
}

Status ReadDatasetRows(const std::string& local_path, int64_t begin, int64_t end, Dataset* out) {
  auto opened = Hdf5File::Open(local_path);
  if (!opened.ok()) return opened.status();
  Hdf5File& f = **opened;
  auto ydims = f.Dims("y");
  if (!ydims.ok()) return ydims.status();
  if (ydims->size() != 1) return Status::InvalidArgument(local_path + ":y: must be 1-d");
  const int64_t n = static_cast<int64_t>((*ydims)[0]);
  if (begin < 0 || end < begin || end > n) {
    return Status::InvalidArgument(local_path + ": rows [" + std::to_string(begin) + ", " +
                                   std::to_string(end) + ") outside [0, " + std::to_string(n) +
                                   ")");
  }
  Dataset d;
  d.global_rows = n;
  d.first_row = begin;
  const int64_t rows = end - begin;
  std::vector<int64_t> y(rows);
  RF_RETURN_IF_ERROR(f.ReadRows("y", Hdf5Type::kInt64, begin, rows, y.data()));
  int64_t max_label = 0;
  d.labels.resize(rows);
  for (int64_t i = 0; i < rows; ++i) {
    d.labels[i] = static_cast<int32_t>(y[i]);
    max_label = std::max(max_label, y[i]);
  }
  if (f.Exists("x")) {
    auto xdims = f.Dims("x");
    if (!xdims.ok()) return xdims.status();
    if (xdims->size() != 2 || static_cast<int64_t>((*xdims)[0]) != n) {
      return Status::InvalidArgument(local_path + ":x: must be [rows of y, inputs]");
    }
    d.inputs = static_cast<int64_t>((*xdims)[1]);
    d.dense.resize(rows * d.inputs);
    RF_RETURN_IF_ERROR(f.ReadRows("x", Hdf5Type::kFloat32, begin, rows, d.dense.data()));
  } else if (f.Exists("indptr")) {
    d.sparse = true;
    auto inputs = f.GetAttribute("/", "inputs");
    if (!inputs.ok()) return inputs.status();
    d.inputs = std::strtoll(inputs->c_str(), nullptr, 10);
    std::vector<int64_t> ptr(rows + 1);
    RF_RETURN_IF_ERROR(f.ReadRows("indptr", Hdf5Type::kInt64, begin, rows + 1, ptr.data()));
    const int64_t lo = ptr[0], nnz = ptr[rows] - ptr[0];
    for (int64_t i = 0; i <= rows; ++i) ptr[i] -= lo;
    d.indptr = std::move(ptr);
    std::vector<int64_t> idx(nnz);
    d.values.resize(nnz);
    RF_RETURN_IF_ERROR(f.ReadRows("indices", Hdf5Type::kInt64, lo, nnz, idx.data()));
    RF_RETURN_IF_ERROR(f.ReadRows("values", Hdf5Type::kFloat32, lo, nnz, d.values.data()));
    d.indices.assign(idx.begin(), idx.end());
  } else {
    return Status::InvalidArgument(local_path + ": neither /x (dense) nor /indptr (sparse) found");
  }
  auto classes = f.GetAttribute("/", "classes");
  if (classes.ok()) {
    d.class_names = SplitComma(*classes);
  } else {
    // Without names, the class count must not depend on which rows a rank read.
    std::vector<int64_t> all;
    RF_RETURN_IF_ERROR(f.ReadInt64("y", &all));
    for (int64_t v : all) max_label = std::max(max_label, v);
    for (int64_t c = 0; c <= max_label; ++c) d.class_names.push_back(std::to_string(c));
  }
  Status st = d.Validate();
  if (!st.ok()) return st.WithPrefix(local_path);
  *out = std::move(d);
  return Status::OK();
}

}  // namespace rankflow::ml
