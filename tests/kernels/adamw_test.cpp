// AdamW against the update computed by hand in double, step after step; the squared norm's exactness and
// the scaling.
#include "ckernel/kernels/adamw.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {
namespace {

struct DoubleAdamW {
  std::vector<double> param, m, v;
  std::vector<double> m_magnitude;  // m's recurrence over |grad|: what m's rounding errors are relative to
  void step(const std::vector<float>& grad, const AdamWStep& s) {
    const double bc1 = 1 - std::pow(s.beta1, s.step), bc2 = 1 - std::pow(s.beta2, s.step);
    for (size_t i = 0; i < param.size(); ++i) {
      const double g = grad[i];
      param[i] *= 1 - s.lr * s.weight_decay;
      m[i] = s.beta1 * m[i] + (1 - s.beta1) * g;
      m_magnitude[i] = s.beta1 * m_magnitude[i] + (1 - s.beta1) * std::abs(g);
      v[i] = s.beta2 * v[i] + (1 - s.beta2) * g * g;
      param[i] -= s.lr / bc1 * m[i] / (std::sqrt(v[i]) / std::sqrt(bc2) + s.eps);
    }
  }
};

TEST(AdamW, FirstStepByHand) {
  // m = 0.05, v = 0.00025; bias-corrected 0.5 and 0.25, so the step is lr * 0.5 / (0.5 + 1e-8).
  ThreadPool pool(1);
  for (double wd : {0.0, 0.01}) {
    float param = 1.0f, grad = 0.5f, m = 0.0f, v = 0.0f;
    adamw_update(&param, &grad, &m, &v, 1, AdamWStep{0.1, 0.9, 0.999, 1e-8, wd, 1}, pool);
    EXPECT_FLOAT_EQ(m, 0.05f);
    EXPECT_FLOAT_EQ(v, 0.00025f);
    EXPECT_FLOAT_EQ(param, static_cast<float>((1 - 0.1 * wd) - 0.1 * 0.5 / (0.5 + 1e-8))) << "wd " << wd;
  }
}

TEST(AdamW, FollowsTheDoubleComputationOverSteps) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  ThreadPool pool(2);
  const int64_t n = 1000;
  for (double wd : {0.0, 0.1}) {
    std::vector<float> param(n), m(n, 0.0f), v(n, 0.0f);
    for (float& p : param) p = uniform(rng);
    DoubleAdamW ref{
        {param.begin(), param.end()}, std::vector<double>(n), std::vector<double>(n), std::vector<double>(n)};
    for (int64_t step = 1; step <= 5; ++step) {
      std::vector<float> grad(n);
      // Gradients of very different sizes, and exact zeros (whose update is m / eps-dominated).
      for (int64_t i = 0; i < n; ++i)
        grad[i] = i % 10 == 0 ? 0.0f : uniform(rng) * std::pow(10.0f, float(i % 7 - 3));
      const AdamWStep s{2e-3, 0.9, 0.95, 1e-8, wd, step};
      adamw_update(param.data(), grad.data(), m.data(), v.data(), n, s, pool);
      ref.step(grad, s);
      // Each float quantity carries a few roundings per step (2^-24 each) compounding over 5 steps:
      // 1e-6 relative for v, and for m relative to the magnitude of its terms (gradients of either sign
      // cancel). The parameter takes per step three relative errors of at most 2^-24: the float decay
      // factor's (as PyTorch applies it, the same sign every step), the product's and the sum's rounding;
      // plus 1e-6 of the step, which is at most lr.
      for (int64_t i = 0; i < n; ++i) {
        ASSERT_NEAR(m[i], ref.m[i], 1e-6 * ref.m_magnitude[i] + 1e-30) << "m " << i << " step " << step;
        ASSERT_NEAR(v[i], ref.v[i], 1e-6 * std::abs(ref.v[i]) + 1e-30) << "v " << i << " step " << step;
        ASSERT_NEAR(param[i], ref.param[i], 3 * step * 0x1p-24 * std::abs(ref.param[i]) + 1e-6 * s.lr * step)
            << "param " << i << " step " << step << " wd " << wd;
      }
    }
  }
}

TEST(SumOfSquares, ExactWhereTheDoubleSumIsExact) {
  // Multiples of 1/8 below 1.1: the squares are multiples of 1/64 and every partial sum fits a double.
  ThreadPool pool(3);
  const int64_t n = 100003;
  std::vector<float> x(n);
  int64_t sixty_fourths = 0;
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = i % 17 - 8;
    x[i] = static_cast<float>(k) * 0.125f;
    sixty_fourths += k * k;
  }
  EXPECT_EQ(sum_of_squares(x.data(), n, pool), static_cast<double>(sixty_fourths) / 64.0);
  EXPECT_EQ(sum_of_squares(x.data(), 0, pool), 0.0);
}

TEST(SumOfSquares, AccurateOnRandomValues) {
  std::mt19937 rng(4);
  std::uniform_real_distribution<float> uniform(-2.0f, 2.0f);
  ThreadPool pool(2);
  const int64_t n = 70001;
  std::vector<float> x(n);
  long double want = 0;
  for (float& v : x) {
    v = uniform(rng);
    want += static_cast<long double>(v) * v;
  }
  // Sums of ~16384 double terms: relative error below 16384 * 2^-53.
  EXPECT_NEAR(sum_of_squares(x.data(), n, pool), static_cast<double>(want),
              2e-12 * static_cast<double>(want));
}

TEST(ScaleInPlace, OneRoundedProduct) {
  ThreadPool pool(3);
  std::vector<float> x(50000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>(i) * 0.37f - 9000.0f;
  const std::vector<float> x0 = x;
  scale_in_place(x.data(), static_cast<int64_t>(x.size()), 0.3f, pool);
  for (size_t i = 0; i < x.size(); ++i) ASSERT_EQ(x[i], static_cast<float>(double(x0[i]) * double(0.3f)));
}

}  // namespace
}  // namespace ck::kernels
