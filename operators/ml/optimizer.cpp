#include "operators/ml/optimizer.h"

#include <cmath>

namespace rankflow::ml {

Result<OptimizerKind> ParseOptimizer(const std::string& name) {
  if (name == "sgd") return OptimizerKind::kSgd;
  if (name == "adam") return OptimizerKind::kAdam;
  return Status::InvalidArgument("unknown optimizer '" + name + "' (sgd or adam)");
}

const char* OptimizerName(OptimizerKind kind) {
  return kind == OptimizerKind::kSgd ? "sgd" : "adam";
}

Optimizer::Optimizer(OptimizerOptions options, size_t parameters)
    : options_(options), first_(parameters, 0.f) {
  if (options_.kind == OptimizerKind::kAdam) second_.assign(parameters, 0.f);
}

void Optimizer::Step(float* params, float* grad, const std::vector<bool>& weight_mask) {
  const size_t n = first_.size();
  if (options_.l2 != 0.f) {
    for (size_t i = 0; i < n; ++i) {
      if (weight_mask[i]) grad[i] += options_.l2 * params[i];
    }
  }
  ++steps_;
  const float lr = options_.learning_rate;
  if (options_.kind == OptimizerKind::kSgd) {
    const float mu = options_.momentum;
    float* v = first_.data();
    for (size_t i = 0; i < n; ++i) {
      v[i] = mu * v[i] - lr * grad[i];
      params[i] += v[i];
    }
    return;
  }
  const float b1 = options_.beta1, b2 = options_.beta2;
  // Bias corrections folded into the step size, as in the paper's efficient form.
  const double t = static_cast<double>(steps_);
  const float step =
      static_cast<float>(lr * std::sqrt(1.0 - std::pow(b2, t)) / (1.0 - std::pow(b1, t)));
  const float eps = options_.epsilon;
  float* m = first_.data();
  float* v = second_.data();
  for (size_t i = 0; i < n; ++i) {
    const float g = grad[i];
    m[i] = b1 * m[i] + (1.f - b1) * g;
    v[i] = b2 * v[i] + (1.f - b2) * g * g;
    params[i] -= step * m[i] / (std::sqrt(v[i]) + eps);
  }
}

}  // namespace rankflow::ml
