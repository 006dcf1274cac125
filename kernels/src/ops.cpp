// The public ops: dispatch to the level's kernels (op_kernels.h), RoPE's angles, the KV cache and
// attention.
#include "ckernel/kernels/ops.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <vector>

#include "ckernel/kernels/llama_cpp_compat.h"
#include "ckernel/kernels/type_kernels.h"
#include "ggml_cpu.h"
#include "op_kernels.h"

namespace ck::kernels {
namespace {

OpKernels build_table(IsaLevel level) {
  OpKernels table = scalar::kOpKernels;
  if (level >= IsaLevel::avx2) avx2::install_ops(table);
  if (level >= IsaLevel::avx512) avx512::install_ops(table);
  return table;
}

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

const OpKernels& op_kernels(IsaLevel level) {
  // Built on first use and only for levels the CPU has: installing a level runs code compiled for it.
  static const IsaLevel best = best_isa_level(detect_cpu_features());
  if (level > best)
    throw std::invalid_argument("instruction-set level " + std::string(isa_level_name(level)) +
                                " is beyond this CPU");
  switch (level) {
    case IsaLevel::avx2: {
      static const OpKernels table = build_table(IsaLevel::avx2);
      return table;
    }
    case IsaLevel::avx512:
    case IsaLevel::avx512vnni: {  // nothing here needs VNNI
      static const OpKernels table = build_table(IsaLevel::avx512);
      return table;
    }
    case IsaLevel::scalar:
      break;
  }
  return scalar::kOpKernels;
}

void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps, IsaLevel level) {
  op_kernels(level).rms_norm(x, weight, y, n, eps);
}

void silu_mul(const float* gate, const float* up, float* y, int64_t n, IsaLevel level) {
  // llama.cpp: ggml_silu into its own tensor, then ggml_mul; two roundings, as here.
  op_kernels(level).silu_mul(gate, up, y, n);
}

void add_inplace(float* y, const float* x, int64_t n, IsaLevel level) { op_kernels(level).add(y, x, n); }

void rope_angles(const RopeParams& p, int64_t pos, float* angles) {
  float corr_low = 0, corr_high = 0;
  if (p.ext_factor != 0) {
    corr_low = std::max(0.0f, std::floor(yarn_corr_dim(p.n_dims, p.n_ctx_orig, p.beta_fast, p.freq_base)));
    corr_high = std::min(static_cast<float>(p.n_dims - 1),
                         std::ceil(yarn_corr_dim(p.n_dims, p.n_ctx_orig, p.beta_slow, p.freq_base)));
  }
  const int64_t n_pairs = p.n_dims / 2;
  const float theta_scale = std::pow(p.freq_base, -2.0f / static_cast<float>(p.n_dims));
  float theta_extrap = static_cast<float>(pos);
  for (int64_t k = 0; k < n_pairs; ++k) {
    const float theta_interp = p.freq_scale * theta_extrap;
    float theta = theta_interp;
    float mscale = p.attn_factor;
    if (p.ext_factor != 0) {
      const float mix = yarn_ramp(corr_low, corr_high, 2 * k) * p.ext_factor;
      // ggml's rope_yarn as GCC contracts it (-O3, -mfma, GNU C): the first product is fused.
      theta = std::fma(theta_interp, 1 - mix, theta_extrap * mix);
      mscale *= std::fma(0.1f, std::log(1.0f / p.freq_scale), 1.0f);
    }
    const float c = std::cos(theta) * mscale, s = std::sin(theta) * mscale;
    angles[p.neox ? k : 2 * k] = c;
    angles[p.neox ? n_pairs + k : 2 * k + 1] = s;
    theta_extrap *= theta_scale;
  }
}

void rope(float* x, int64_t n_heads, int64_t head_dim, const RopeParams& p, const float* angles,
          IsaLevel level) {
  // The rotation rounds as ggml's compiled loops do (GCC 12 -O3 -mfma contracts them), in llama.cpp's
  // case of a separate output tensor (ggml-alloc never runs rope in place on the reshaped Q/K views):
  // NeoX pairs go through a scalar loop and adjacent pairs, four at a time, through a vectorized loop,
  // both fusing the products of x0 (x0 * cos - r(x1 * sin), x0 * sin + r(x1 * cos)); the last n_pairs % 4
  // adjacent pairs go through the vectorized loop's epilogue, where nothing is fused.
  const int64_t n_pairs = p.n_dims / 2;
  const int64_t n_fused = p.neox ? n_pairs : n_pairs / 4 * 4;
  op_kernels(level).rope(x, n_heads, head_dim, n_pairs, n_fused, p.neox, angles);
}

void kv_store(const KvLayer& kv, int64_t pos0, int64_t n_tokens, const float* k, const float* v,
              IsaLevel level) {
  const int64_t end = pos0 + n_tokens;
  const int64_t padded_end = llama_cpp::padded_kv_length(end);
  if (kv.capacity < padded_end)
    throw std::invalid_argument("KV cache of " + std::to_string(kv.capacity) + " cells cannot hold " +
                                std::to_string(end) + " positions padded to " + std::to_string(padded_end));
  const OpKernels& ops = op_kernels(level);
  const int64_t row = kv.n_kv_heads * kv.head_dim;
  ops.to_fp16(k, kv.k + pos0 * row, n_tokens * row);
  // Values go to one cell per row (transposed): converted a chunk at a time, then scattered.
  constexpr int64_t kChunk = 256;
  uint16_t halves[kChunk];
  for (int64_t t = 0; t < n_tokens; ++t)
    for (int64_t i0 = 0; i0 < row; i0 += kChunk) {
      const int64_t len = std::min(kChunk, row - i0);
      ops.to_fp16(v + t * row + i0, halves, len);
      for (int64_t i = 0; i < len; ++i) kv.v[(i0 + i) * kv.capacity + pos0 + t] = halves[i];
    }
  for (int64_t i = 0; i < row; ++i)
    std::fill(kv.v + i * kv.capacity + end, kv.v + i * kv.capacity + padded_end, 0);
}

void attention(const float* q, const KvLayer& kv, int64_t pos0, int64_t n_tokens, int64_t n_heads,
               float scale, float* out, ThreadPool& pool) {
  const int64_t head_dim = kv.head_dim;
  const int64_t group = n_heads / kv.n_kv_heads;
  const int64_t kv_row = kv.n_kv_heads * head_dim;
  // llama.cpp attends over n_kv cells for the whole batch; cells past a token's position are masked
  // (weight 0, and kv_store zeroed the cells nobody wrote).
  const int64_t n_kv = llama_cpp::padded_kv_length(pos0 + n_tokens);
  // ggml's F16 matrix products as the weights' are chosen: kq = K (n_kv rows of head_dim) * q, and
  // kqv = V^T (head_dim rows of n_kv) * softmax weights, each with n_tokens columns.
  const TypeKernels& f16 = kernels_for(TensorType::f16);
  const DotPanelFn kq_panel = select_dot_panel(f16, n_kv, head_dim, n_tokens);
  const DotPanelFn kqv_panel = select_dot_panel(f16, head_dim, n_kv, n_tokens);
  const OpKernels& ops = op_kernels(active_isa_level());
  // A job is one head over a chunk of tokens: the chunk's queries meet the head's K rows and then its V
  // rows as register tiles (rows by tokens) instead of one dot product at a time. The chunk bounds the
  // scratch (its scores for every cell) for long prompts.
  constexpr int64_t kChunk = 32;
  const int64_t n_chunks = (n_tokens + kChunk - 1) / kChunk;
  pool.parallel_for(n_chunks * n_heads, [&](int64_t begin, int64_t end) {
    const size_t most = static_cast<size_t>(std::min(kChunk, n_tokens));
    std::vector<uint16_t> q16(most * static_cast<size_t>(head_dim)),
        weights16(most * static_cast<size_t>(n_kv));
    std::vector<float> kq(most * static_cast<size_t>(n_kv)), weights(static_cast<size_t>(n_kv));
    for (int64_t job = begin; job < end; ++job) {
      const int64_t t0 = job / n_heads * kChunk, h = job % n_heads, kvh = h / group;
      const int64_t n = std::min(kChunk, n_tokens - t0);
      // Queries and weights meet the fp16 cache as fp16, as ggml converts them for its F16 products.
      for (int64_t t = 0; t < n; ++t)
        ops.to_fp16(q + ((t0 + t) * n_heads + h) * head_dim, q16.data() + t * head_dim, head_dim);
      // Scores of the cells the chunk's last token sees; softmax reads only those (the rest are masked).
      kq_panel(DotPanel{reinterpret_cast<const std::byte*>(kv.k + kvh * head_dim),
                        2 * static_cast<size_t>(kv_row), pos0 + t0 + n,
                        reinterpret_cast<const std::byte*>(q16.data()), 2 * static_cast<size_t>(head_dim), n,
                        head_dim, kq.data(), static_cast<size_t>(n_kv)});
      for (int64_t t = 0; t < n; ++t) {
        const int64_t n_seen = pos0 + t0 + t + 1;  // causal: positions 0..pos0+t
        ops.soft_max(kq.data() + t * n_kv, weights.data(), n_kv, n_seen, scale);
        ops.to_fp16(weights.data(), weights16.data() + t * n_kv, n_kv);
      }
      kqv_panel(DotPanel{reinterpret_cast<const std::byte*>(kv.v + kvh * head_dim * kv.capacity),
                         2 * static_cast<size_t>(kv.capacity), head_dim,
                         reinterpret_cast<const std::byte*>(weights16.data()), 2 * static_cast<size_t>(n_kv),
                         n, n_kv, out + (t0 * n_heads + h) * head_dim,
                         static_cast<size_t>(n_heads * head_dim)});
    }
  });
}

namespace ggml_cpu {

void vec_silu(const float* x, float* y, int64_t n, IsaLevel level) {
  op_kernels(level).silu_mul(x, nullptr, y, n);
}

void soft_max(const float* x, float* y, int64_t n, int64_t n_unmasked, float scale, IsaLevel level) {
  op_kernels(level).soft_max(x, y, n, n_unmasked, scale);
}

}  // namespace ggml_cpu

}  // namespace ck::kernels
