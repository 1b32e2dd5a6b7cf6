// Dataset: the rows of a labelled data set that one rank holds (its shard), dense or sparse (CSR),
// and the HDF5 layout train_mlp reads.
//
// HDF5 layout (written by make_training_data, readable by h5py):
//   dense:  /x float32 [N, d], /y int64 [N]
//   sparse: /indptr int64 [N+1], /indices int64 [nnz], /values float32 [nnz], /y int64 [N],
//           root attribute "inputs" (d, decimal)
//   root attribute "classes": class names joined by ',' (optional; else max(y)+1 classes "0","1",…)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "operators/ml/mlp.h"
#include "runtime/status.h"

namespace rankflow::ml {

// Rows [begin, end) of `rows` that shard `index` of `count` holds: contiguous, sizes differ by
// <= 1.
struct RowRange {
  int64_t begin = 0, end = 0;
};
RowRange ShardRange(int64_t rows, int index, int count);

struct Dataset {
  int64_t inputs = 0;
  std::vector<std::string> class_names;
  int64_t global_rows = 0;  // rows in the whole data set
  int64_t first_row = 0;    // global index of this shard's row 0
  bool sparse = false;
  std::vector<float> dense;  // rows × inputs
  std::vector<int64_t> indptr{0};
  std::vector<int32_t> indices;
  std::vector<float> values;
  std::vector<int32_t> labels;

  int64_t rows() const { return static_cast<int64_t>(labels.size()); }
  int64_t classes() const { return static_cast<int64_t>(class_names.size()); }
  // A view of local rows [begin, end) (no copy).
  BatchView Slice(int64_t begin, int64_t end) const;
  // Rows [begin, end) of this shard as a new Dataset (first_row adjusted; global_rows kept).
  Dataset SubRange(int64_t begin, int64_t end) const;
  Status Validate() const;
};

// Copies selected local rows of a Dataset into contiguous storage for one mini-batch.
class BatchBuffer {
 public:
  BatchView Gather(const Dataset& data, const std::vector<int64_t>& local_rows);

 private:
  std::vector<float> dense_, values_;
  std::vector<int64_t> indptr_;
  std::vector<int32_t> indices_, labels_;
};

// Reads global rows [begin, end) of an HDF5 data set (layout above) from a local file.
// NotFound / Corruption / InvalidArgument name the file and dataset.
Status ReadDatasetRows(const std::string& local_path, int64_t begin, int64_t end, Dataset* out);
// Number of rows of a data set file (length of /y).
Result<int64_t> CountDatasetRows(const std::string& local_path);

}  // namespace rankflow::ml
