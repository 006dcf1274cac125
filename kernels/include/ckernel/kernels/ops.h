// The element-wise and attention operations of a llama-family forward pass, computed bit for bit as
// llama.cpp's ggml CPU backend computes them on x86-64 with AVX-512 (same rounding points, FMAs, lane
// structure and reduction order; see kernels/src/ggml_cpu.h), so that results agree with llama.cpp
// exactly (llama_cpp_compat.h: which llama.cpp).
#pragma once

#include <cstdint>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {

// Every op computes the same bits at every instruction-set level; `level` exists so that tests can
// compare the levels with each other in one process.

// y = x / sqrt(mean(x^2) + eps) * weight, over n elements (sum of squares in double, as ggml).
void rms_norm(const float* x, const float* weight, float* y, int64_t n, float eps,
              IsaLevel level = active_isa_level());

// y[i] = silu(gate[i]) * up[i]: ggml_vec_silu_f32, then a separate multiply.
// y may be gate.
void silu_mul(const float* gate, const float* up, float* y, int64_t n, IsaLevel level = active_isa_level());

// y[i] += x[i]
void add_inplace(float* y, const float* x, int64_t n, IsaLevel level = active_isa_level());

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

// The cos and sin that rotate position pos: n_dims floats, as ggml's rope cache computes them (theta
// advanced by repeated multiplication in float). They depend on the position only, so one computation
// serves every head and layer. Layout: NeoX all cosines then all sines, otherwise (cos, sin) pairs.
void rope_angles(const RopeParams& p, int64_t pos, float* angles);

// Rotates n_heads vectors of head_dim floats in place by the angles of one position (rope_angles).
void rope(float* x, int64_t n_heads, int64_t head_dim, const RopeParams& p, const float* angles,
          IsaLevel level = active_isa_level());

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

// Stores n_tokens keys and values (n_kv_heads * head_dim floats each) at positions pos0... as fp16, and
// zeroes the value cells from pos0 + n_tokens up to llama_cpp::padded_kv_length of it, which attention
// reads (with weight 0) as llama.cpp does: stale cells of an earlier conversation could hold Inf. Throws
// std::invalid_argument when the capacity is shorter than that padded length.
void kv_store(const KvLayer& kv, int64_t pos0, int64_t n_tokens, const float* k, const float* v,
              IsaLevel level = active_isa_level());

// Causal attention of n_tokens queries at positions pos0... over the cache (positions 0..pos0+n_tokens-1
// must be stored by kv_store, the last call covering pos0 + n_tokens - 1). q and out are n_tokens rows of
// n_heads * head_dim. Computed as llama.cpp's graph without flash attention: kq = K * q and out = V *
// softmax(kq * scale + causal mask), with queries and softmax weights rounded to fp16 before meeting the fp16
// cache, over the used cache length padded as llama.cpp pads it (llama_cpp::padded_kv_length), and each
// dot product summed as ggml's CPU kernels sum it. The call is one llama.cpp batch: n_tokens >= 2
// takes the tinyBLAS path, 1 token ggml_vec_dot_f16 (the F16 dot products of type_kernels.h, at the active
// level; parallel over queries and heads).
void attention(const float* q, const KvLayer& kv, int64_t pos0, int64_t n_tokens, int64_t n_heads,
               float scale, float* out, ThreadPool& pool);

}  // namespace ck::kernels
