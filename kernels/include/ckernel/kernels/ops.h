// The element-wise and attention operations of a llama-family forward pass, computed bit for bit as
// llama.cpp's ggml CPU backend computes them on x86-64 with AVX-512 (same rounding points, FMAs, lane
// structure and reduction order; see ggml_cpu below), so that results agree with llama.cpp exactly.
#pragma once

#include <cstdint>
#include <vector>

#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {

// y = x / sqrt(mean(x^2) + eps) * weight, over n elements (sum of squares in double, as ggml).
void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps);

// y[i] = silu(gate[i]) * up[i]: ggml_vec_silu_f32 (ggml_cpu::vec_silu), then a separate multiply.
void silu_mul(const float* gate, const float* up, float* y, int64_t n);

// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n);

// Rotary position embedding with YaRN/linear scaling, as ggml_rope_ext computes it into a separate
// tensor (as in llama.cpp), including which products GCC fused in ggml's scalar and vectorized loops.
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
// must be stored). q and out are n_tokens rows of n_heads * head_dim. Computed as llama.cpp's graph without
// flash attention: kq = K * q and out = V * softmax(kq * scale + causal mask), with queries and softmax
// weights rounded to fp16 before meeting the fp16 cache, over the used cache length padded to a multiple
// of 32 (llama.cpp's n_kv), and each dot product summed as ggml's CPU kernels sum it (see ggml_cpu below).
// The call is one llama.cpp batch: n_tokens >= 2 takes the tinyBLAS path, 1 token ggml_vec_dot_f16.
void attention(const float* q, const KvLayer& kv, int64_t pos0, int64_t n_tokens, int64_t n_heads,
               float scale, float* out, ThreadPool& pool);

// Pieces of ggml's CPU backend (a55b828f, as llama.cpp c392e5094dea used it) as compiled for x86-64 with
// AVX-512 (F, DQ), FMA and F16C, reproduced bit for bit in portable code: the lane structure, the FMAs and
// the reduction order of the vector code are emulated. Exposed for the attention above and for tests.
namespace ggml_cpu {

// The number of KV cells llama.cpp attends over (without flash attention): used cells padded to 32.
int64_t padded_kv_length(int64_t n_used);

// One lane of ggml_v_expf (the AVX-512 exp approximation; not expf).
float v_expf(float x);

// ggml_vec_silu_f32: 16-lane ggml_v_silu on full groups of 16, x / (1 + expf(-x)) on the rest.
void vec_silu(const float* x, float* y, int64_t n);

// ggml_vec_dot_f16 (AVX-512: 4 accumulators of 16 lanes over blocks of 64, tree reduction, then the rest
// summed in double). Entries at index >= n_nonzero are zero products and are not read (llama.cpp's
// padded, zeroed cache cells); n is the length ggml sees, which decides the block structure.
float vec_dot_f16(const uint16_t* x, const uint16_t* y, int64_t n, int64_t n_nonzero);

// One element of llamafile's tinyBLAS<16, __m512, __m512, fp16, fp16, float> (ggml's F16 mul_mat for
// >= 2 columns when k % 16 == 0 and rows % 4 == 0): 16 FMA lanes, then _mm512_reduce_add_ps. n % 16 == 0.
float tinyblas_dot_f16(const uint16_t* x, const uint16_t* y, int64_t n, int64_t n_nonzero);

// ggml_soft_max_ext on one row of n values with scale and a causal mask: x[i] * scale for i < n_unmasked,
// -inf beyond (those x are not read; y gets 0). 16-lane ggml_v_expf, per-group sums added in double.
void soft_max(const float* x, float* y, int64_t n, int64_t n_unmasked, float scale);

}  // namespace ggml_cpu

}  // namespace ck::kernels
