// Mlp: a dense multi-layer perceptron classifier in float32 — any number of hidden layers with
// ReLU, tanh or sigmoid, a softmax output and the cross-entropy loss. Matrix products go through
// OpenBLAS (cblas_sgemm); inputs may be dense rows or sparse CSR rows (hashed n-gram features).
//
// Parameters live in ONE contiguous float buffer (params()), layer by layer: W_0, b_0, W_1, b_1, …
// with W_l of shape [d_l, d_{l+1}] row-major (z = a·W + b) and b_l of shape [d_{l+1}]. Gradients
// use the same layout, so a data-parallel trainer all-reduces one buffer per step.
//
// Not thread-safe (the forward/backward workspaces are members). Cost of a step on n rows:
// about 6·n·(number of weights) flops.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow::ml {

enum class Activation { kRelu, kTanh, kSigmoid };
Result<Activation> ParseActivation(const std::string& name);  // "relu" | "tanh" | "sigmoid"
const char* ActivationName(Activation a);

struct MlpSpec {
  int64_t inputs = 0;
  std::vector<int64_t> hidden;  // widths of the hidden layers, in order; may be empty
  int64_t outputs = 0;          // classes
  Activation activation = Activation::kRelu;

  // d_0 = inputs, d_1.. = hidden, d_L = outputs.
  std::vector<int64_t> LayerDims() const;
  // "600" or "64-32" (hidden widths joined by '-'); "0" with no hidden layer.
  std::string HiddenName() const;
  int64_t ParameterCount() const;
  Status Validate() const;
};

// Rows of a mini-batch, with labels. Exactly one of `dense` or (`indptr`, `indices`, `values`)
// is set. CSR: row i's entries are [indptr[i], indptr[i+1]), indptr[0] may be non-zero.
struct BatchView {
  int64_t rows = 0;
  const float* dense = nullptr;  // rows × inputs, row-major
  const int64_t* indptr = nullptr;
  const int32_t* indices = nullptr;
  const float* values = nullptr;
  const int32_t* labels = nullptr;  // rows, each in [0, outputs); may be null for Predict
};

class Mlp {
 public:
  explicit Mlp(MlpSpec spec);

  const MlpSpec& spec() const { return spec_; }
  int layers() const { return static_cast<int>(dims_.size()) - 1; }
  const std::vector<int64_t>& dims() const { return dims_; }

  // Glorot-uniform weights (bound sqrt(6 / (fan_in + fan_out)), ×4 for sigmoid), zero biases,
  // from a 64-bit seed: the same seed gives the same bits on every machine.
  void Initialize(uint64_t seed);

  std::vector<float>& params() { return params_; }
  const std::vector<float>& params() const { return params_; }
  // Offsets of W_l and b_l in params().
  int64_t WeightOffset(int layer) const { return weight_offset_[layer]; }
  int64_t BiasOffset(int layer) const { return bias_offset_[layer]; }
  // Which entries of params() are weights (true) rather than biases: L2 applies to weights only.
  const std::vector<bool>& WeightMask() const;

  // Forward + backward on a batch. Writes the gradient of `loss_scale` × (sum over the batch's
  // rows of the cross-entropy) into grad (size params().size(), overwritten). Returns the unscaled
  // summed cross-entropy in *loss_sum and the count of rows whose arg-max was right in *correct.
  // A batch with 0 rows gives a zero gradient.
  void Gradient(const BatchView& batch, float loss_scale, float* grad, double* loss_sum,
                int64_t* correct);

  // Forward only: class probabilities, rows × outputs, into probs (resized).
  void PredictProba(const BatchView& batch, std::vector<float>* probs);
  // Sums of cross-entropy and correct arg-max over a labelled batch (no gradient).
  void Evaluate(const BatchView& batch, double* loss_sum, int64_t* correct);

 private:
  void Forward(const BatchView& batch);
  void FirstLayerSparse(const BatchView& batch, float* z) const;

  MlpSpec spec_;
  std::vector<int64_t> dims_;
  std::vector<int64_t> weight_offset_, bias_offset_;
  std::vector<float> params_;
  mutable std::vector<bool> weight_mask_;
  // Workspaces: acts_[l] = post-activation output of layer l (l = 1..L; acts_[L] = softmax).
  std::vector<std::vector<float>> acts_;
  std::vector<float> delta_, delta_prev_;
};

}  // namespace rankflow::ml
