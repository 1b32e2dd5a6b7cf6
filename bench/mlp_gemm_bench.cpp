// mlp_gemm_bench: the five matrix products of one MLP training step (forward, backward, weight
// gradients) at train_mlp's shapes, timed with OpenBLAS cblas_sgemm and with Eigen, one thread.
// This is the measurement behind operators/ml's choice of OpenBLAS (bench/RESULTS.md).
// Usage: mlp_gemm_bench [batch] [hidden] [inputs] [classes] [repeats]
#include <cblas.h>

#include <Eigen/Dense>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

namespace {

using RowMatrix = Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

template <typename F>
double MicrosPerCall(F&& f, int repeats) {
  f();  // warm-up
  const auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < repeats; ++i) f();
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0).count() /
         repeats;
}

void Fill(std::vector<float>* v, size_t n, std::mt19937* rng) {
  std::uniform_real_distribution<float> u(-1.f, 1.f);
  v->resize(n);
  for (float& x : *v) x = u(*rng);
}

}  // namespace

int main(int argc, char** argv) {
  const int n = argc > 1 ? std::atoi(argv[1]) : 200;  // batch rows
  const int h = argc > 2 ? std::atoi(argv[2]) : 600;  // hidden units
  const int d = argc > 3 ? std::atoi(argv[3]) : 2;    // inputs
  const int k = argc > 4 ? std::atoi(argv[4]) : 3;    // classes
  const int reps = argc > 5 ? std::atoi(argv[5]) : 2000;
  openblas_set_num_threads(1);
  Eigen::setNbThreads(1);
  std::mt19937 rng(1);
  std::vector<float> x, w0, a1, w1, dz, dh, gw0, gw1, z1, z2;
  Fill(&x, n * d, &rng);
  Fill(&w0, d * h, &rng);
  Fill(&a1, n * h, &rng);
  Fill(&w1, h * k, &rng);
  Fill(&dz, n * k, &rng);
  Fill(&dh, n * h, &rng);
  gw0.resize(d * h);
  gw1.resize(h * k);
  z1.resize(n * h);
  z2.resize(n * k);
  std::vector<float> dh_out(n * h);

  // The same products as operators/ml/mlp.cpp, row-major.
  const double blas = MicrosPerCall(
      [&] {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, h, d, 1.f, x.data(), d, w0.data(),
                    h, 0.f, z1.data(), h);  // z1 = x·W0
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, k, h, 1.f, a1.data(), h,
                    w1.data(), k, 0.f, z2.data(), k);  // z2 = a1·W1
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, h, k, n, 1.f, a1.data(), h, dz.data(),
                    k, 0.f, gw1.data(), k);  // gW1 = a1ᵀ·dz
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, n, h, k, 1.f, dz.data(), k, w1.data(),
                    k, 0.f, dh_out.data(), h);  // dh = dz·W1ᵀ
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, d, h, n, 1.f, x.data(), d, dh.data(),
                    h, 0.f, gw0.data(), h);  // gW0 = xᵀ·dh
      },
      reps);

  Eigen::Map<RowMatrix> X(x.data(), n, d), W0(w0.data(), d, h), A1(a1.data(), n, h),
      W1(w1.data(), h, k), DZ(dz.data(), n, k), DH(dh.data(), n, h), GW0(gw0.data(), d, h),
      GW1(gw1.data(), h, k), Z1(z1.data(), n, h), Z2(z2.data(), n, k), DHO(dh_out.data(), n, h);
  const double eigen = MicrosPerCall(
      [&] {
        Z1.noalias() = X * W0;
        Z2.noalias() = A1 * W1;
        GW1.noalias() = A1.transpose() * DZ;
        DHO.noalias() = DZ * W1.transpose();
        GW0.noalias() = X.transpose() * DH;
      },
      reps);
  const double flops = 2.0 * (double(n) * h * d + double(n) * k * h * 3 + double(d) * h * n);
  std::printf("shape: batch %d, inputs %d, hidden %d, classes %d; %d repeats\n", n, d, h, k, reps);
  std::printf("%-10s %12s %10s\n", "library", "us/step", "GFLOP/s");
  std::printf("%-10s %12.2f %10.2f\n", "openblas", blas, flops / blas / 1e3);
  std::printf("%-10s %12.2f %10.2f\n", "eigen", eigen, flops / eigen / 1e3);
  return 0;
}
