// The element-wise and attention operations of a llama-family forward pass, computed as ggml computes
// them (same rounding points, same accumulation widths), so that results agree with llama.cpp.
#pragma once

#include <cstdint>
#include <vector>

#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {

// y = x / sqrt(mean(x^2) + eps) * weight, over n elements (sum of squares in double, as ggml).
void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps);

// y[i] = silu(gate[i]) * up[i]
void silu_mul(const float* gate, const float* up, float* y, int64_t n);

// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n);

// Rotary position embedding with YaRN/linear scaling, as ggml_rope_ext.
struct RopeParams {
  int64_t n_dims;         // rotated dimensions per head (<= head_dim); the rest pass unchanged
  bool neox;              // rotate (i, i + n_dims/2) pairs instead of adjacent (2i, 2i+1)
  float freq_base;        // theta
  float freq_scale = 1;   // 1 / linear scaling factor
  float ext_factor = 0;   // YaRN extrapolation mix; 0 disables YaRN
  float attn_factor = 1;  // magnitude scale of cos and sin
  float beta_fast = 32;
  float beta_slow = 1;
  int64_t n_ctx_orig = 0;  // training context, for YaRN's correction dims
};

// Rotates n_heads vectors of head_dim floats, all at position pos, in place.
void rope(float* x, int64_t n_heads, int64_t head_dim, int64_t pos, const RopeParams& p);

// One layer's KV cache in fp16, as llama.cpp keeps it: keys by position, values transposed so that the
// value reduction reads positions contiguously.
//   key of position p, kv head h:        k + (p * n_kv_heads + h) * head_dim
//   value dim d of kv head h at pos p:   v + (h * head_dim + d) * capacity + p
struct KvLayer {
  uint16_t* k;
  uint16_t* v;
  int64_t capacity;  // positions
  int64_t n_kv_heads;
  int64_t head_dim;
};

// Stores n_tokens keys and values (n_kv_heads * head_dim floats each) at positions pos0... as fp16.
void kv_store(const KvLayer& kv, int64_t pos0, int64_t n_tokens, const float* k, const float* v);

// Causal attention of n_tokens queries at positions pos0... over the cache (positions 0..pos0+n_tokens-1
// must be stored). q and out are n_tokens rows of n_heads * head_dim. Queries and softmax weights are
// rounded to fp16 before meeting the fp16 cache, as ggml's mul_mat does.
void attention(const float* q, const KvLayer& kv, int64_t pos0, int64_t n_tokens, int64_t n_heads,
               float scale, float* out, ThreadPool& pool);

}  // namespace ck::kernels
