#include "operators/ml/mlp.h"

#include <cblas.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>

namespace rankflow::ml {

Result<Activation> ParseActivation(const std::string& name) {
  if (name == "relu") return Activation::kRelu;
  if (name == "tanh") return Activation::kTanh;
  if (name == "sigmoid" || name == "logistic") return Activation::kSigmoid;
  return Status::InvalidArgument("unknown activation '" + name + "' (relu, tanh or sigmoid)");
}

const char* ActivationName(Activation a) {
  switch (a) {
    case Activation::kRelu:
      return "relu";
    case Activation::kTanh:
      return "tanh";
    case Activation::kSigmoid:
      return "sigmoid";
  }
  return "relu";
}

std::vector<int64_t> MlpSpec::LayerDims() const {
  std::vector<int64_t> d{inputs};
  d.insert(d.end(), hidden.begin(), hidden.end());
  d.push_back(outputs);
  return d;
}

std::string MlpSpec::HiddenName() const {
  if (hidden.empty()) return "0";
  std::string s;
  for (int64_t h : hidden) s += (s.empty() ? "" : "-") + std::to_string(h);
  return s;
}

int64_t MlpSpec::ParameterCount() const {
  std::vector<int64_t> d = LayerDims();
  int64_t n = 0;
  for (size_t l = 0; l + 1 < d.size(); ++l) n += d[l] * d[l + 1] + d[l + 1];
  return n;
}

Status MlpSpec::Validate() const {
  if (inputs <= 0) return Status::InvalidArgument("mlp: inputs must be positive");
  if (outputs < 2) return Status::InvalidArgument("mlp: at least 2 classes are needed");
  for (int64_t h : hidden) {
    if (h <= 0) return Status::InvalidArgument("mlp: hidden widths must be positive");
  }
  return Status::OK();
}

Mlp::Mlp(MlpSpec spec) : spec_(std::move(spec)), dims_(spec_.LayerDims()) {
  int64_t off = 0;
  for (int l = 0; l < layers(); ++l) {
    weight_offset_.push_back(off);
    off += dims_[l] * dims_[l + 1];
    bias_offset_.push_back(off);
    off += dims_[l + 1];
  }
  params_.assign(off, 0.f);
  acts_.resize(dims_.size());
}

const std::vector<bool>& Mlp::WeightMask() const {
  if (weight_mask_.empty()) {
    weight_mask_.assign(params_.size(), false);
    for (int l = 0; l < layers(); ++l) {
      std::fill(weight_mask_.begin() + weight_offset_[l], weight_mask_.begin() + bias_offset_[l],
                true);
    }
  }
  return weight_mask_;
}

void Mlp::Initialize(uint64_t seed) {
  // mt19937_64 is fully specified by the standard; the float conversion is ours (the standard
  // distributions are not), so weights are reproducible across compilers.
  std::mt19937_64 rng(seed);
  const float gain = spec_.activation == Activation::kSigmoid ? 4.f : 1.f;
  std::fill(params_.begin(), params_.end(), 0.f);
  for (int l = 0; l < layers(); ++l) {
    const double bound = gain * std::sqrt(6.0 / static_cast<double>(dims_[l] + dims_[l + 1]));
    float* w = params_.data() + weight_offset_[l];
    for (int64_t i = 0; i < dims_[l] * dims_[l + 1]; ++i) {
      const double u = static_cast<double>(rng() >> 11) * 0x1.0p-53;  // [0, 1)
      w[i] = static_cast<float>((2.0 * u - 1.0) * bound);
    }
  }
}

void Mlp::FirstLayerSparse(const BatchView& batch, float* z) const {
  const int64_t out = dims_[1];
  const float* w = params_.data() + weight_offset_[0];
  // fill_n, not memset: a rank's share of a batch may have no rows, and z is then null (memset
  // of a null pointer is undefined even for 0 bytes; UBSan, classify_tweets_pipeline_test).
  std::fill_n(z, batch.rows * out, 0.f);
  for (int64_t r = 0; r < batch.rows; ++r) {
    float* zr = z + r * out;
    for (int64_t k = batch.indptr[r]; k < batch.indptr[r + 1]; ++k) {
      const float v = batch.values[k];
      const float* wr = w + static_cast<int64_t>(batch.indices[k]) * out;
      for (int64_t j = 0; j < out; ++j) zr[j] += v * wr[j];
    }
  }
}

void Mlp::Forward(const BatchView& batch) {
  const int64_t n = batch.rows;
  const int L = layers();
  for (int l = 0; l < L; ++l) {
    const int64_t in = dims_[l], out = dims_[l + 1];
    std::vector<float>& z = acts_[l + 1];
    if (z.size() < static_cast<size_t>(n * out)) z.resize(n * out);
    if (l == 0 && batch.dense == nullptr) {
      FirstLayerSparse(batch, z.data());
    } else {
      const float* a = l == 0 ? batch.dense : acts_[l].data();
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, static_cast<int>(n),
                  static_cast<int>(out), static_cast<int>(in), 1.f, a, static_cast<int>(in),
                  params_.data() + weight_offset_[l], static_cast<int>(out), 0.f, z.data(),
                  static_cast<int>(out));
    }
    const float* b = params_.data() + bias_offset_[l];
    float* zp = z.data();
    if (l + 1 < L) {
      for (int64_t r = 0; r < n; ++r) {
        float* row = zp + r * out;
        switch (spec_.activation) {
          case Activation::kRelu:
            for (int64_t j = 0; j < out; ++j) row[j] = std::max(row[j] + b[j], 0.f);
            break;
          case Activation::kTanh:
            for (int64_t j = 0; j < out; ++j) row[j] = std::tanh(row[j] + b[j]);
            break;
          case Activation::kSigmoid:
            for (int64_t j = 0; j < out; ++j) row[j] = 1.f / (1.f + std::exp(-(row[j] + b[j])));
            break;
        }
      }
      continue;
    }
    // Softmax, shifted by the row maximum for stability.
    for (int64_t r = 0; r < n; ++r) {
      float* row = zp + r * out;
      float mx = -INFINITY;
      for (int64_t j = 0; j < out; ++j) {
        row[j] += b[j];
        mx = std::max(mx, row[j]);
      }
      float sum = 0.f;
      for (int64_t j = 0; j < out; ++j) {
        row[j] = std::exp(row[j] - mx);
        sum += row[j];
      }
      const float inv = 1.f / sum;
      for (int64_t j = 0; j < out; ++j) row[j] *= inv;
    }
  }
}

namespace {

// delta ⊙ act'(a) in place (act' written in terms of the activation's output y), summing the
// result's columns into colsum: the bias gradient, in the same pass over memory.
template <typename Derivative>
void ApplyDerivative(float* delta, const float* a, int64_t rows, int64_t width, float* colsum,
                     Derivative derivative) {
  std::memset(colsum, 0, sizeof(float) * width);
  for (int64_t r = 0; r < rows; ++r) {
    float* dr = delta + r * width;
    const float* ar = a + r * width;
    for (int64_t j = 0; j < width; ++j) {
      dr[j] = derivative(dr[j], ar[j]);
      colsum[j] += dr[j];
    }
  }
}

// Cross-entropy and arg-max hits of softmax outputs against labels.
void ScoreRows(const float* probs, int64_t n, int64_t k, const int32_t* labels, double* loss_sum,
               int64_t* correct) {
  double loss = 0;
  int64_t hits = 0;
  for (int64_t r = 0; r < n; ++r) {
    const float* p = probs + r * k;
    const int32_t y = labels[r];
    loss -= std::log(std::max(p[y], 1e-30f));
    int64_t best = std::max_element(p, p + k) - p;
    hits += best == y;
  }
  *loss_sum = loss;
  *correct = hits;
}

}  // namespace

void Mlp::Gradient(const BatchView& batch, float loss_scale, float* grad, double* loss_sum,
                   int64_t* correct) {
  const int64_t n = batch.rows;
  const int L = layers();
  if (n == 0) {
    std::memset(grad, 0, sizeof(float) * params_.size());
    *loss_sum = 0;
    *correct = 0;
    return;
  }
  Forward(batch);
  const int64_t k = dims_[L];
  ScoreRows(acts_[L].data(), n, k, batch.labels, loss_sum, correct);
  // dLoss/dz at the output: (softmax - onehot) × scale.
  delta_.assign(acts_[L].begin(), acts_[L].begin() + n * k);
  for (int64_t r = 0; r < n; ++r) {
    float* d = delta_.data() + r * k;
    d[batch.labels[r]] -= 1.f;
    for (int64_t j = 0; j < k; ++j) d[j] *= loss_scale;
  }
  for (int l = L - 1; l >= 0; --l) {
    const int64_t in = dims_[l], out = dims_[l + 1];
    float* gw = grad + weight_offset_[l];
    float* gb = grad + bias_offset_[l];
    if (l == 0 && batch.dense == nullptr) {
      std::memset(gw, 0, sizeof(float) * in * out);
      for (int64_t r = 0; r < n; ++r) {
        const float* dr = delta_.data() + r * out;
        for (int64_t e = batch.indptr[r]; e < batch.indptr[r + 1]; ++e) {
          const float v = batch.values[e];
          float* g = gw + static_cast<int64_t>(batch.indices[e]) * out;
          for (int64_t j = 0; j < out; ++j) g[j] += v * dr[j];
        }
      }
    } else {
      const float* a = l == 0 ? batch.dense : acts_[l].data();
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, static_cast<int>(in),
                  static_cast<int>(out), static_cast<int>(n), 1.f, a, static_cast<int>(in),
                  delta_.data(), static_cast<int>(out), 0.f, gw, static_cast<int>(out));
    }
    if (l == L - 1) {
      // Hidden layers' bias gradients are summed below, in the pass that applies act'.
      std::memset(gb, 0, sizeof(float) * out);
      for (int64_t r = 0; r < n; ++r) {
        const float* dr = delta_.data() + r * out;
        for (int64_t j = 0; j < out; ++j) gb[j] += dr[j];
      }
    }
    if (l == 0) break;
    // delta for layer l's output: (delta · W_l^T) ⊙ act'(a_l), with act' from the activation.
    delta_prev_.resize(n * in);
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, static_cast<int>(n), static_cast<int>(in),
                static_cast<int>(out), 1.f, delta_.data(), static_cast<int>(out),
                params_.data() + weight_offset_[l], static_cast<int>(out), 0.f, delta_prev_.data(),
                static_cast<int>(in));
    const float* a = acts_[l].data();
    float* d = delta_prev_.data();
    float* gb_prev = grad + bias_offset_[l - 1];
    switch (spec_.activation) {
      case Activation::kRelu:
        ApplyDerivative(d, a, n, in, gb_prev, [](float v, float y) { return y > 0.f ? v : 0.f; });
        break;
      case Activation::kTanh:
        ApplyDerivative(d, a, n, in, gb_prev, [](float v, float y) { return v * (1.f - y * y); });
        break;
      case Activation::kSigmoid:
        ApplyDerivative(d, a, n, in, gb_prev, [](float v, float y) { return v * y * (1.f - y); });
        break;
    }
    delta_.swap(delta_prev_);
  }
}

void Mlp::PredictProba(const BatchView& batch, std::vector<float>* probs) {
  const int64_t k = dims_.back();
  if (batch.rows == 0) {
    probs->clear();
    return;
  }
  Forward(batch);
  probs->assign(acts_.back().begin(), acts_.back().begin() + batch.rows * k);
}

void Mlp::Evaluate(const BatchView& batch, double* loss_sum, int64_t* correct) {
  *loss_sum = 0;
  *correct = 0;
  if (batch.rows == 0) return;
  Forward(batch);
  ScoreRows(acts_.back().data(), batch.rows, dims_.back(), batch.labels, loss_sum, correct);
}

}  // namespace rankflow::ml
