#include "ckernel/kernels/ops.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "ckernel/kernels/half.h"

namespace ck::kernels {

void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps) {
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(x[i] * x[i]);
  const float mean = static_cast<float>(sum / static_cast<double>(n));
  const float scale = 1.0f / std::sqrt(mean + eps);
  for (int64_t i = 0; i < n; ++i) y[i] = (x[i] * scale) * weight[i];
}

void silu_mul(const float* gate, const float* up, float* y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float g = gate[i];
    y[i] = (g / (1.0f + std::exp(-g))) * up[i];
  }
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
      theta = theta_interp * (1 - mix) + theta_extrap * mix;
      mscale *= 1.0f + 0.1f * std::log(1.0f / p.freq_scale);
    }
    cos_sin[i0] = std::cos(theta) * mscale;
    cos_sin[i0 + 1] = std::sin(theta) * mscale;
    theta_extrap *= theta_scale;
  }
  for (int64_t h = 0; h < n_heads; ++h) {
    float* v = x + h * head_dim;
    for (int64_t i0 = 0; i0 < p.n_dims; i0 += 2) {
      const int64_t a = p.neox ? i0 / 2 : i0;
      const int64_t b = p.neox ? i0 / 2 + p.n_dims / 2 : i0 + 1;
      const float c = cos_sin[i0], s = cos_sin[i0 + 1];
      const float x0 = v[a], x1 = v[b];
      v[a] = x0 * c - x1 * s;
      v[b] = x0 * s + x1 * c;
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
  pool.parallel_for(n_tokens * n_heads, [&](int64_t begin, int64_t end) {
    std::vector<uint16_t> q16(static_cast<size_t>(head_dim));
    std::vector<float> weights;
    std::vector<uint16_t> weights16;
    for (int64_t job = begin; job < end; ++job) {
      const int64_t t = job / n_heads, h = job % n_heads, kvh = h / group;
      const int64_t n_seen = pos0 + t + 1;  // causal: positions 0..pos0+t
      const float* qh = q + (t * n_heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) q16[d] = fp32_to_fp16(qh[d]);

      weights.resize(static_cast<size_t>(n_seen));
      float max = -std::numeric_limits<float>::infinity();
      for (int64_t p = 0; p < n_seen; ++p) {
        const uint16_t* kp = kv.k + p * kv_row + kvh * head_dim;
        double dot = 0;
        for (int64_t d = 0; d < head_dim; ++d)
          dot += static_cast<double>(fp16_to_fp32(kp[d]) * fp16_to_fp32(q16[d]));
        weights[p] = static_cast<float>(dot) * scale;
        max = std::max(max, weights[p]);
      }
      double sum = 0;
      for (int64_t p = 0; p < n_seen; ++p) {
        weights[p] = std::exp(weights[p] - max);
        sum += weights[p];
      }
      const float inv_sum = static_cast<float>(1.0 / sum);
      weights16.resize(static_cast<size_t>(n_seen));
      for (int64_t p = 0; p < n_seen; ++p) weights16[p] = fp32_to_fp16(weights[p] * inv_sum);

      float* o = out + (t * n_heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) {
        const uint16_t* vd = kv.v + (kvh * head_dim + d) * kv.capacity;
        double acc = 0;
        for (int64_t p = 0; p < n_seen; ++p)
          acc += static_cast<double>(fp16_to_fp32(vd[p]) * fp16_to_fp32(weights16[p]));
        o[d] = static_cast<float>(acc);
      }
    }
  });
}

}  // namespace ck::kernels
