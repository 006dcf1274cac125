#include "ckernel/kernels/ops.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <numbers>

#include "ckernel/kernels/half.h"
#include "lanes.h"

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

// The products of two fp16 values are exact in float, so the FMAs of ggml's F16 kernels
// (_mm512_fmadd_ps(x, y, acc)) round exactly as acc + x * y does; plain arithmetic is used below.

// ggml_vec_dot_f16, AVX-512: GGML_F16_STEP 64 = 4 accumulators (GGML_F16_ARR) x 16 lanes over whole blocks
// of 64, reduced acc0 += acc2, acc1 += acc3, acc0 += acc1, then _mm512_reduce_add_ps into a double; the
// remaining n % 64 products (float) are added to that double one by one. y is already widened to float.
float vec_dot(const uint16_t* x, const float* y, int64_t n, int64_t n_nonzero) {
  const int64_t n_blocks = n & ~int64_t{63};
  const int64_t n_vector = std::min(n_blocks, n_nonzero);
  float acc[4][kLanes] = {};
  for (int64_t i = 0; i < n_vector; ++i) acc[(i >> 4) & 3][i & 15] += fp16_to_fp32(x[i]) * y[i];
  for (int64_t l = 0; l < kLanes; ++l) {
    acc[0][l] += acc[2][l];
    acc[1][l] += acc[3][l];
  }
  for (int64_t l = 0; l < kLanes; ++l) acc[0][l] += acc[1][l];
  double sum = static_cast<double>(reduce16(acc[0]));
  for (int64_t i = n_blocks; i < n_nonzero; ++i) sum += static_cast<double>(fp16_to_fp32(x[i]) * y[i]);
  return static_cast<float>(sum);
}

// tinyBLAS<16, __m512, __m512, ggml_fp16_t, ggml_fp16_t, float>: each output has its own 16-lane
// accumulator, lane l summing the products l, l + 16, ...; hsum is _mm512_reduce_add_ps. n % 16 == 0.
float tinyblas_dot(const uint16_t* x, const float* y, [[maybe_unused]] int64_t n, int64_t n_nonzero) {
  float acc[kLanes] = {};
  for (int64_t i = 0; i < n_nonzero; ++i) acc[i & 15] += fp16_to_fp32(x[i]) * y[i];
  return reduce16(acc);
}

}  // namespace

void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void silu_mul(const float* gate, const float* up, float* y, int64_t n) {
  // llama.cpp: ggml_silu into its own tensor, then ggml_mul; two roundings, as here.
  ggml_cpu::vec_silu(gate, y, n);
  for (int64_t i = 0; i < n; ++i) y[i] = y[i] * up[i];
}

void add_inplace(float* y, const float* x, int64_t n) {
  for (int64_t i = 0; i < n; ++i) y[i] += x[i];
}

namespace {

// Dimension index at which YaRN's rotation count crosses n_rot (ggml_rope_yarn_corr_dim).
float yarn_corr_dim(int64_t n_dims, int64_t n_ctx_orig, float n_rot, float base) {
  return static_cast<float>(n_dims) *
         std::log(static_cast<float>(n_ctx_orig) / (n_rot * 2 * std::numbers::pi_v<float>)) /
         (2 * std::log(base));
}

float yarn_ramp(float low, float high, int64_t i0) {
  const float y = (static_cast<float>(i0 / 2) - low) / std::max(0.001f, high - low);
  return 1 - std::min(1.0f, std::max(0.0f, y));
}

}  // namespace

void rope(float* x, int64_t n_heads, int64_t head_dim, int64_t pos, const RopeParams& p) {
  float corr_low = 0, corr_high = 0;
  if (p.ext_factor != 0) {
    corr_low = std::max(0.0f, std::floor(yarn_corr_dim(p.n_dims, p.n_ctx_orig, p.beta_fast, p.freq_base)));
    corr_high = std::min(static_cast<float>(p.n_dims - 1),
                         std::ceil(yarn_corr_dim(p.n_dims, p.n_ctx_orig, p.beta_slow, p.freq_base)));
  }
  // cos/sin per pair. theta advances by repeated multiplication in float, exactly as ggml's cache does.
  std::vector<float> cos_sin(static_cast<size_t>(p.n_dims));
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_dims));
  float theta_extrap = static_cast<float>(pos);
  for (int64_t i0 = 0; i0 < p.n_dims; i0 += 2) {
    const float theta_interp = p.freq_scale * theta_extrap;
    float theta = theta_interp;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0) {
      const float mix = yarn_ramp(corr_low, corr_high, i0) * p.ext_factor;
      // ggml's rope_yarn as GCC contracts it (-O3, -mfma, GNU C): the first product is fused.
      theta = std::fma(theta_interp, 1 - mix, theta_extrap * mix);
      mscale *= std::fma(0.1f, std::log(1.0f / p.freq_scale), 1.0f);
    }
    cos_sin[i0] = std::cos(theta) * mscale;
    cos_sin[i0 + 1] = std::sin(theta) * mscale;
    theta_extrap *= theta_scale;
  }
  // The rotation rounds as ggml's compiled loops do (GCC 12 -O3 -mfma contracts them), in llama.cpp's
  // case of a separate output tensor (ggml-alloc never runs rope in place on the reshaped Q/K views):
  // NeoX pairs go through a scalar loop and adjacent pairs, four at a time, through a vectorized loop,
  // both fusing the products of x0 (x0 * cos - r(x1 * sin), x0 * sin + r(x1 * cos)); the last n_pairs % 4
  // adjacent pairs go through the vectorized loop's epilogue, where nothing is fused.
  const int64_t n_pairs = p.n_dims / 2;
  const int64_t n_fused = p.neox ? n_pairs : n_pairs / 4 * 4;
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (int64_t k = 0; k < n_pairs; ++k) {
      float& a = p.neox ? v[k] : v[2 * k];
      float& b = p.neox ? v[k + n_pairs] : v[2 * k + 1];
      const float c = cos_sin[2 * k], s = cos_sin[2 * k + 1];
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

void kv_store(const KvLayer& kv, int64_t pos0, int64_t n_tokens, const float* k, const float* v) {
  const int64_t row = kv.n_kv_heads * kv.head_dim;
  for (int64_t t = 0; t < n_tokens; ++t) {
    const int64_t pos = pos0 + t;
    for (int64_t i = 0; i < row; ++i) {
      kv.k[pos * row + i] = fp32_to_fp16(k[t * row + i]);
      kv.v[i * kv.capacity + pos] = fp32_to_fp16(v[t * row + i]);
    }
  }
}

void attention(const float* q, const KvLayer& kv, int64_t pos0, int64_t n_tokens, int64_t n_heads,
               float scale, float* out, ThreadPool& pool) {
  const int64_t head_dim = kv.head_dim;
  const int64_t group = n_heads / kv.n_kv_heads;
  const int64_t kv_row = kv.n_kv_heads * head_dim;
  // llama.cpp attends over n_kv cells for the whole batch; cells past a token's position are masked.
  const int64_t n_kv = ggml_cpu::padded_kv_length(pos0 + n_tokens);
  // ggml_compute_forward_mul_mat hands F16 x F16 products with >= 2 columns (tokens) to tinyBLAS when it
  // accepts the shape (k % 16 == 0, rows % 4 == 0); a single column always goes to ggml_vec_dot_f16.
  // kq = K(head_dim x n_kv rows) * q: k = head_dim, rows = n_kv.  kqv = V^T(n_kv x head_dim rows) * p.
  const bool kq_tinyblas = n_tokens >= 2 && head_dim % 16 == 0 && n_kv % 4 == 0;
  const bool kqv_tinyblas = n_tokens >= 2 && n_kv % 16 == 0 && head_dim % 4 == 0;
  pool.parallel_for(n_tokens * n_heads, [&](int64_t begin, int64_t end) {
    std::vector<float> q_rounded(static_cast<size_t>(head_dim));
    std::vector<float> kq(static_cast<size_t>(n_kv)), weights(static_cast<size_t>(n_kv));
    std::vector<float> weights_rounded(static_cast<size_t>(n_kv));
    for (int64_t job = begin; job < end; ++job) {
      const int64_t t = job / n_heads, h = job % n_heads, kvh = h / group;
      const int64_t n_seen = pos0 + t + 1;  // causal: positions 0..pos0+t
      const float* qh = q + (t * n_heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) q_rounded[d] = fp16_to_fp32(fp32_to_fp16(qh[d]));

      for (int64_t p = 0; p < n_seen; ++p) {
        const uint16_t* kp = kv.k + p * kv_row + kvh * head_dim;
        kq[p] = kq_tinyblas ? tinyblas_dot(kp, q_rounded.data(), head_dim, head_dim)
                            : vec_dot(kp, q_rounded.data(), head_dim, head_dim);
      }
      ggml_cpu::soft_max(kq.data(), weights.data(), n_kv, n_seen, scale);
      for (int64_t p = 0; p < n_seen; ++p) weights_rounded[p] = fp16_to_fp32(fp32_to_fp16(weights[p]));

      float* o = out + (t * n_heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) {
        const uint16_t* vd = kv.v + (kvh * head_dim + d) * kv.capacity;
        o[d] = kqv_tinyblas ? tinyblas_dot(vd, weights_rounded.data(), n_kv, n_seen)
                            : vec_dot(vd, weights_rounded.data(), n_kv, n_seen);
      }
    }
  });
}

namespace ggml_cpu {

int64_t padded_kv_length(int64_t n_used) {
  // llama_kv_cache_get_padding() is 32 without flash attention; llama.cpp also pads its n_ctx to 32, so
  // the min(n_ctx, ...) it applies never cuts below this.
  constexpr int64_t kPad = 32;
  return std::max(kPad, (n_used + kPad - 1) / kPad * kPad);
}

float v_expf(float x) {
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

void vec_silu(const float* x, float* y, int64_t n) {
  int64_t i = 0;
  for (; i + 15 < n; i += 16)
    for (int64_t l = i; l < i + 16; ++l) y[l] = x[l] / (1.0f + v_expf(0.0f - x[l]));  // ggml_v_silu
  for (; i < n; ++i) y[i] = x[i] / (1.0f + std::exp(-x[i]));                          // ggml_silu_f32
}

float vec_dot_f16(const uint16_t* x, const uint16_t* y, int64_t n, int64_t n_nonzero) {
  std::vector<float> yf(static_cast<size_t>(n_nonzero));
  for (int64_t i = 0; i < n_nonzero; ++i) yf[i] = fp16_to_fp32(y[i]);
  return vec_dot(x, yf.data(), n, n_nonzero);
}

float tinyblas_dot_f16(const uint16_t* x, const uint16_t* y, int64_t n, int64_t n_nonzero) {
  std::vector<float> yf(static_cast<size_t>(n_nonzero));
  for (int64_t i = 0; i < n_nonzero; ++i) yf[i] = fp16_to_fp32(y[i]);
  return tinyblas_dot(x, yf.data(), n, n_nonzero);
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
      lanes[l] = i + l < n_unmasked ? v_expf(y[i + l] - max) : 0.0f;
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

}  // namespace ggml_cpu

}  // namespace ck::kernels
