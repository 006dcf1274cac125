// Helpers of the training-kernel tests: random tensors, bitwise comparison, and the gradient check by
// central differences of a double-precision objective.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

namespace ck::kernels::train::test {

inline std::vector<float> random_floats(std::mt19937& rng, int64_t n, float lo = -1.0f, float hi = 1.0f) {
  std::uniform_real_distribution<float> uniform(lo, hi);
  std::vector<float> v(static_cast<size_t>(n));
  for (float& x : v) x = uniform(rng);
  return v;
}

inline std::vector<double> to_double(const std::vector<float>& v) { return {v.begin(), v.end()}; }

inline void expect_same_bits(const std::vector<float>& want, const std::vector<float>& got,
                             const std::string& what) {
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_EQ(std::bit_cast<uint32_t>(want[i]), std::bit_cast<uint32_t>(got[i]))
        << what << ", element " << i << ": " << want[i] << " vs " << got[i];
}

inline double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// |got - want| <= rel * max|want| + abs_floor element by element: errors of float sums are relative to the
// magnitude of their terms, which the largest element bounds, not to an element that happens to cancel.
inline void expect_near_all(const std::vector<double>& want, const std::vector<float>& got, double rel,
                            const std::string& what, double abs_floor = 0) {
  ASSERT_EQ(want.size(), got.size()) << what;
  const double bound = rel * max_abs(want) + abs_floor;
  for (size_t i = 0; i < want.size(); ++i)
    ASSERT_LE(std::abs(static_cast<double>(got[i]) - want[i]), bound)
        << what << ", element " << i << ": " << got[i] << " vs " << want[i];
}

// The gradient of objective at x, coordinate i, by central differences: with h = 1e-5 the truncation
// error (h^2/6 f''') and the rounding error (1e-16 |f| / h) are both below 1e-9 of the values here, far
// under the float tolerances they are compared with.
inline double central_difference(const std::function<double(const std::vector<double>&)>& objective,
                                 std::vector<double>& x, size_t i) {
  const double keep = x[i];
  const double h = 1e-5 * std::max(1.0, std::abs(keep));
  x[i] = keep + h;
  const double up = objective(x);
  x[i] = keep - h;
  const double down = objective(x);
  x[i] = keep;
  return (up - down) / (2 * h);
}

// Checks the float gradient got (of objective at x) against central differences, at every coordinate when
// there are few and otherwise at 120 random ones plus the first and the last; the bound is
// rel * (largest difference quotient seen).
inline void expect_gradient(const std::function<double(const std::vector<double>&)>& objective,
                            std::vector<double> x, const std::vector<float>& got, double rel,
                            const std::string& what, std::mt19937& rng) {
  ASSERT_EQ(x.size(), got.size()) << what;
  std::vector<size_t> coords;
  if (x.size() <= 200) {
    for (size_t i = 0; i < x.size(); ++i) coords.push_back(i);
  } else {
    coords = {0, x.size() - 1};
    std::uniform_int_distribution<size_t> pick(0, x.size() - 1);
    for (int c = 0; c < 120; ++c) coords.push_back(pick(rng));
  }
  std::vector<double> want;
  double scale = 0;
  for (size_t i : coords) {
    want.push_back(central_difference(objective, x, i));
    scale = std::max({scale, std::abs(want.back()), std::abs(static_cast<double>(got[i]))});
  }
  for (size_t c = 0; c < coords.size(); ++c)
    ASSERT_LE(std::abs(static_cast<double>(got[coords[c]]) - want[c]), rel * scale + 1e-30)
        << what << ", coordinate " << coords[c] << ": " << got[coords[c]] << " vs difference quotient "
        << want[c];
}

// sum(dy * y): the scalar objective whose gradient with respect to y is dy.
inline double weighted_sum(const std::vector<double>& dy, const std::vector<double>& y) {
  double s = 0;
  for (size_t i = 0; i < y.size(); ++i) s += dy[i] * y[i];
  return s;
}

}  // namespace ck::kernels::train::test
