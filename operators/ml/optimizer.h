// Optimizers over one flat parameter buffer (the Mlp layout): mini-batch SGD with momentum, and
// Adam. L2 regularisation adds l2 · w to the gradient of every weight (not biases) before the step.
// The update is a pure function of (params, gradient, state), so ranks holding identical params and
// an identical all-reduced gradient stay bitwise identical.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "runtime/status.h"

namespace rankflow::ml {

enum class OptimizerKind { kSgd, kAdam };
Result<OptimizerKind> ParseOptimizer(const std::string& name);  // "sgd" | "adam"
const char* OptimizerName(OptimizerKind kind);

struct OptimizerOptions {
  OptimizerKind kind = OptimizerKind::kAdam;
  float learning_rate = 1e-3f;
  float momentum = 0.9f;  // SGD: v = momentum·v − lr·g; w += v
  float beta1 = 0.9f;     // Adam, as in Kingma & Ba (2015), with bias correction
  float beta2 = 0.999f;
  float epsilon = 1e-8f;
  float l2 = 0.f;
};

class Optimizer {
 public:
  Optimizer(OptimizerOptions options, size_t parameters);

  // One update of params from grad (both of the size given at construction). grad is modified
  // (L2 term added).
  void Step(float* params, float* grad, const std::vector<bool>& weight_mask);

  const OptimizerOptions& options() const { return options_; }
  // State for checkpoints: SGD velocity in first(); Adam moments in first()/second().
  std::vector<float>& first() { return first_; }
  std::vector<float>& second() { return second_; }
  int64_t steps() const { return steps_; }
  void set_steps(int64_t steps) { steps_ = steps; }

 private:
  OptimizerOptions options_;
  std::vector<float> first_, second_;
  int64_t steps_ = 0;
};

}  // namespace rankflow::ml
