// The XO data set: 2-D points, uniform in the square [-1, 1]², labelled by the region they fall in.
//
// Geometry (all in the same units as the square):
//   O (class 2): the ring 0.65 <= r <= 0.90 around the origin, r = sqrt(x² + y²).
//   X (class 1): two bars of half-width 0.15 along the diagonals y = x and y = -x, i.e. points with
//                |x − y| / √2 <= 0.15 or |x + y| / √2 <= 0.15, cut to the square |x|, |y| <= 0.42
//                (so the X lies inside the ring and never touches it: its corners are at r < 0.6).
//   background (class 0): everything else.
// Shares of the square: X ≈ 14 %, O ≈ 30 %, background ≈ 56 %.
// Label noise p: with probability p a point's label is replaced by one of the two other classes
// (each with probability p/2), so the best possible accuracy is 1 − p.
//
// Row i is generated from its own counter-based random stream of (seed, i): any slice of rows can
// be generated independently and gives the same points as the whole.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace rankflow::ml {

inline constexpr int kXoBackground = 0;
inline constexpr int kXoX = 1;
inline constexpr int kXoO = 2;
inline constexpr const char* kXoClassNames = "background,x,o";

// The true (noise-free) label of a point.
int XoLabel(float x, float y);

// Rows [begin, end): xy gets (x, y) pairs, labels the (possibly noisy) labels.
void GenerateXo(uint64_t seed, double noise, int64_t begin, int64_t end, std::vector<float>* xy,
                std::vector<int32_t>* labels);

// One paragraph describing the geometry (stored as an attribute of the HDF5 file).
std::string XoGeometryText();

}  // namespace rankflow::ml
