// Model and checkpoint files (HDF5, local paths; see runtime/hdf5_file.h for S3).
//
// Model layout (read it with h5py; predictions are softmax(relu(x·W0 + b0)·W1 + b1)… ):
//   /                 attributes: format = "rankflow-mlp-1", activation ("relu"|"tanh"|"sigmoid"),
//                     inputs, outputs, hidden ("600" or "64-32"), layers (count of dense layers),
//                     classes (names joined by ','), plus any extra attributes given
//   /layer_<l>/weights  float32 [d_l, d_{l+1}]   z = a · weights + bias
//   /layer_<l>/bias     float32 [d_{l+1}]
//   Hidden layers apply the activation; the last layer (layer_<layers-1>) applies softmax.
// A checkpoint is a model file plus:
//   /optimizer/first  float32 [parameters]   (SGD velocity or Adam first moment)
//   /optimizer/second float32 [parameters]   (Adam second moment; absent for SGD)
//   attributes: optimizer, steps (optimizer steps taken), epochs_done (epochs completed)
#pragma once

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "operators/ml/mlp.h"
#include "operators/ml/optimizer.h"
#include "runtime/hdf5_file.h"
#include "runtime/status.h"

namespace rankflow::ml {

using Attributes = std::map<std::string, std::string>;

// Writes the model's groups and root attributes into an open, writable file.
Status WriteModel(const Mlp& model, const std::vector<std::string>& class_names,
                  const Attributes& extra, Hdf5File* file);
// Reads a model written by WriteModel; class names into *class_names if not null.
Result<std::unique_ptr<Mlp>> ReadModel(const Hdf5File& file,
                                       std::vector<std::string>* class_names = nullptr);

Status SaveCheckpoint(const std::string& local_path, const Mlp& model,
                      const std::vector<std::string>& class_names, Optimizer& optimizer,
                      int epochs_done, const Attributes& extra);
// Loads params and optimizer state into `model` / `optimizer` (whose shapes must match: a
// checkpoint of another architecture is InvalidArgument). Returns epochs done.
Result<int> LoadCheckpoint(const std::string& local_path, Mlp* model, Optimizer* optimizer);

}  // namespace rankflow::ml
