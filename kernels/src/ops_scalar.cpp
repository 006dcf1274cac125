// The reference element-wise kernels: portable C++ that emulates ggml's AVX-512 lanes (ops.h explains
// what is reproduced). Compiled without contraction, so every FMA here is one ggml issues.
#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

#include "ckernel/kernels/ops.h"
#include "ggml_cpu.h"
#include "half_impl.h"
#include "lanes.h"
#include "op_kernels.h"

namespace ck::kernels {
namespace {

constexpr int64_t kLanes = 16;  // floats in an AVX-512 register

// a * b rounded to float on its own: fma(a, b, -0) is exactly the product (signed zeros included), and
// unlike a plain a * b no -ffp-contract setting can fuse it into the add that follows.
float product(float a, float b) { return std::fma(a, b, -0.0f); }

// _mm512_scalef_ps for an integral exponent: j * 2^e, rounded once.
float scalef(float j, int e) {
  if (e >= -126 && e <= 127) return j * std::bit_cast<float>(static_cast<uint32_t>(e + 127) << 23);
  return std::ldexp(j, e);
}

void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void silu_mul(const float* gate, const float* up, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 15 < n; i += 16)  // ggml_v_silu
    for (int64_t l = i; l < i + 16; ++l) y[l] = gate[l] / (1.0f + ggml_cpu::v_expf(0.0f - gate[l]));
  for (; i < n; ++i) y[i] = gate[i] / (1.0f + std::exp(-gate[i]));  // ggml_silu_f32
  if (up != nullptr)
    for (i = 0; i < n; ++i) y[i] = y[i] * up[i];
}

void add(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

void soft_max(const float* x, float* y, int64_t n, int64_t n_unmasked, float scale) {
  // ggml_compute_forward_soft_max_f32: scale (ggml_vec_scale_f32), add the mask (-inf or 0), max, then
  // ggml_vec_soft_max_f32 and a multiply by the float of 1/sum.
  float max = -std::numeric_limits<float>::infinity();
  for (int64_t i = 0; i < n_unmasked; ++i) {
    y[i] = product(x[i], scale);
    max = std::max(max, y[i]);
  }
  double sum = 0;
  int64_t i = 0;
  for (; i + 15 < n; i += 16) {
    float lanes[kLanes];
    for (int64_t l = 0; l < kLanes; ++l)  // exp(-inf - max) is 0
      lanes[l] = i + l < n_unmasked ? ggml_cpu::v_expf(y[i + l] - max) : 0.0f;
    std::copy(lanes, lanes + kLanes, y + i);
    sum += static_cast<double>(reduce16(lanes));
  }
  for (; i < n; ++i) {
    const float val = i < n_unmasked ? std::exp(y[i] - max) : 0.0f;
    sum += static_cast<double>(val);
    y[i] = val;
  }
  const float inv_sum = static_cast<float>(1.0 / sum);
  for (int64_t k = 0; k < n; ++k) y[k] *= inv_sum;
}

void rope(float* x, int64_t n_heads, int64_t head_dim, int64_t n_pairs, int64_t n_fused, bool neox,
          const float* angles) {
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (int64_t k = 0; k < n_pairs; ++k) {
      float& a = neox ? v[k] : v[2 * k];
      float& b = neox ? v[k + n_pairs] : v[2 * k + 1];
      const float c = neox ? angles[k] : angles[2 * k];
      const float s = neox ? angles[n_pairs + k] : angles[2 * k + 1];
      const float x0 = a, x1 = b;
      if (k < n_fused) {
        a = std::fma(x0, c, -(x1 * s));
        b = std::fma(x0, s, x1 * c);
      } else {
        a = product(x0, c) - product(x1, s);
        b = product(x0, s) + product(x1, c);
      }
    }
  }
}

void to_fp16(const float* x, uint16_t* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] = half_impl::fp32_to_fp16(x[i]);
}

}  // namespace

namespace scalar {
const OpKernels kOpKernels{rms_norm, silu_mul, add, soft_max, rope, to_fp16};
}

float ggml_cpu::v_expf(float x) {
  // Lane-wise _mm512_fmadd_ps / _mm512_fnmadd_ps / _mm512_scalef_ps of ggml_v_expf (ARM optimized-routines
  // coefficients). fnmadd(a, b, c) = fma(-a, b, c).
  const float shift = 0x1.8p23f;
  const float z = std::fma(x, 0x1.715476p+0f, shift);
  const float n = z - shift;  // round(x / ln 2)
  const float b = std::fma(-n, 0x1.7f7d1cp-20f, std::fma(-n, 0x1.62e4p-1f, x));
  const float u = b * b;
  const float j = std::fma(
      std::fma(std::fma(0x1.0e4020p-7f, b, 0x1.573e2ep-5f), u, std::fma(0x1.555e66p-3f, b, 0x1.fffdb6p-2f)),
      u, std::fma(0x1.ffffecp-1f, b, 1.0f));
  if (std::fabs(n) > 192) return n <= 0 ? 0.0f : std::numeric_limits<float>::infinity();
  if (std::isnan(n)) return j;
  return scalef(j, static_cast<int>(n));
}

}  // namespace ck::kernels
