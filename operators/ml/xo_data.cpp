#include "operators/ml/xo_data.h"

#include <cmath>

namespace rankflow::ml {
namespace {

constexpr float kRingInner = 0.65f, kRingOuter = 0.90f;
constexpr float kBarHalfWidth = 0.15f, kXHalfExtent = 0.42f;

uint64_t SplitMix64(uint64_t* state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

double Uniform01(uint64_t* state) {
  return static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
}

}  // namespace

int XoLabel(float x, float y) {
  const float r = std::sqrt(x * x + y * y);
  if (r >= kRingInner && r <= kRingOuter) return kXoO;
  const float inv_sqrt2 = 0.70710678f;
  if (std::fabs(x) <= kXHalfExtent && std::fabs(y) <= kXHalfExtent &&
      (std::fabs(x - y) * inv_sqrt2 <= kBarHalfWidth ||
       std::fabs(x + y) * inv_sqrt2 <= kBarHalfWidth)) {
    return kXoX;
  }
  return kXoBackground;
}

void GenerateXo(uint64_t seed, double noise, int64_t begin, int64_t end, std::vector<float>* xy,
                std::vector<int32_t>* labels) {
  xy->resize(2 * (end - begin));
  labels->resize(end - begin);
  for (int64_t i = begin; i < end; ++i) {
    uint64_t state =
        seed * 0xD1342543DE82EF95ULL ^ (static_cast<uint64_t>(i) * 0x2545F4914F6CDD1DULL);
    const float x = static_cast<float>(2.0 * Uniform01(&state) - 1.0);
    const float y = static_cast<float>(2.0 * Uniform01(&state) - 1.0);
    int label = XoLabel(x, y);
    if (noise > 0 && Uniform01(&state) < noise) label = (label + 1 + (Uniform01(&state) < 0.5)) % 3;
    (*xy)[2 * (i - begin)] = x;
    (*xy)[2 * (i - begin) + 1] = y;
    (*labels)[i - begin] = label;
  }
}

std::string XoGeometryText() {
  return "points uniform in [-1,1]^2; o (class 2): ring 0.65 <= r <= 0.90 around the origin; "
         "x (class 1): two bars of half-width 0.15 along y=x and y=-x, cut to |x|,|y| <= 0.42; "
         "background (class 0): elsewhere; label noise p replaces a label by one of the other two "
         "classes with probability p";
}

}  // namespace rankflow::ml
