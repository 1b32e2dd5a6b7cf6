// Sparse examples: labelled rows of hashed features on their way from the ranks that compute them
// to one data set file. The ranks append lines to a string, rank 0 gathers and parses them, pools
// the rare labels, and writes the rows in dataset.h's sparse (CSR) layout, which the sweep
// (sweep.h) trains on. classify_tweets' features step; any job that turns records into a sparse
// training set can use it.
//
//   std::string wire;                                           // on every rank
//   AppendSparseExample(id, label, vector, &wire);
//   std::vector<std::string> parts = mpi.GatherToRoot(wire);    // collective
//   ParseSparseExamples(part, &examples);                       // rank 0
//   ExampleSplit split = SplitExamples(examples, keep, min_count, "other", held_out);
//   WriteSparseDataset(out, "train.h5", rows, classes, dim, "how the features were made");
//
// Local functions, not thread-safe on shared arguments; costs are linear in the rows' bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "runtime/commit.h"
#include "runtime/status.h"

namespace rankflow::ml {

struct SparseExample {
  std::string id;
  std::string label;
  std::vector<std::pair<int32_t, float>> features;  // (slot, value), the non-zero slots
};

// Appends one line "id \t label \t slot:value,slot:value \n" for the non-zero slots of `values`
// (%.9g: floats survive exactly). `id` and `label` must hold no tab or newline.
void AppendSparseExample(std::string_view id, std::string_view label,
                         const std::vector<float>& values, std::string* wire);
// Parses AppendSparseExample's lines; appends them to *out in order. A line without two tabs is
// skipped.
void ParseSparseExamples(std::string_view wire, std::vector<SparseExample>* out);

// Classes from label counts: every label with at least min_count rows, and `other` holding the
// sum of the rest (when there is any), ordered by count descending, ties by name.
std::vector<std::pair<std::string, int64_t>> PoolClasses(
    const std::map<std::string, int64_t>& counts, int64_t min_count, const std::string& other);

// A labelled set split for training: distinct ids (the first row of an id kept), the rows whose
// label `keep` accepts, labels with fewer than min_count rows relabelled `other` (PoolClasses),
// and held_out(id) choosing the held-out rows. `train` and `test` point into `rows`.
struct ExampleSplit {
  std::vector<SparseExample> rows;                       // every distinct id, kept or not
  std::map<std::string, int64_t> counts;                 // kept rows by label, before pooling
  std::vector<std::pair<std::string, int64_t>> classes;  // PoolClasses(counts, …)
  std::vector<const SparseExample*> train, test;
  double majority_baseline = 0;  // share of `test` in classes[0] (0 when test is empty)
};
ExampleSplit SplitExamples(std::vector<SparseExample> examples,
                           const std::function<bool(const std::string&)>& keep, int64_t min_count,
                           const std::string& other,
                           const std::function<bool(const std::string&)>& held_out);

// Writes `rows` as out's HDF5 file with logical name `name` in dataset.h's sparse layout: values
// become log(1 + value), each row is scaled to unit L2 norm, y is the index of the row's label in
// `classes` (every label must be one of them). Root attributes: classes, inputs (= dim), features
// (= description). Built in a scratch file of scratch_dir (SpillDirectory), then copied to `out`.
Status WriteSparseDataset(OutputCommitter& out, const std::string& name,
                          const std::vector<const SparseExample*>& rows,
                          const std::vector<std::string>& classes, int dim,
                          const std::string& description, const std::string& scratch_dir);

}  // namespace rankflow::ml
