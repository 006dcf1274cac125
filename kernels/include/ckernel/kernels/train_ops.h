// The fp32 forward and backward operations of a llama-family block for training, over a batch of
// sequences laid out token-major: row r = b * seq + t holds token t of sequence b.
//
// Conventions:
// - Parameter gradients (dw, dbias, dtable) are ADDED to (+=), so that gradient accumulation over
//   micro-batches needs no extra pass; the caller zeroes them once per optimizer step.
// - Activation gradients are OVERWRITTEN unless the name says otherwise (rms_norm_backward adds into the
//   residual stream's gradient, as a pre-norm block needs).
// - Every op splits its work so that each output element is computed by the same code in the same order
//   whatever the pool size: results are bitwise identical for any thread count.
// - They are also identical at every instruction-set level (CK_ISA): the SIMD code of each level and the
//   scalar fallback share one implementation with the same lanes, reduction trees and FMAs, and one exp
//   (at most 1.02 ulp from e^x). They are not bitwise those of PyTorch or of the inference ops (ops.h).
// - Preconditions are the caller's (sizes >= 0, buffers of the sizes named, no aliasing unless stated);
//   only indices that would touch memory out of bounds are checked, and throw std::invalid_argument
//   before anything is written.
#pragma once

#include <cstdint>

#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels::train {

// ---- embedding ----
// out[r] = table[tokens[r]] for r < rows (dim floats per row). Tokens must be in [0, table rows); the
// table's row count is not passed, so only negative tokens throw (both functions).
void embedding_forward(const float* table, const int32_t* tokens, int64_t rows, int64_t dim, float* out,
                       ThreadPool& pool);
// dtable[tokens[r]] += dout[r], summed in row order for every table row.
void embedding_backward(const int32_t* tokens, int64_t rows, int64_t dim, const float* dout, float* dtable,
                        ThreadPool& pool);

// ---- RMSNorm ----
// y = x * rstd * w with rstd = 1 / sqrt(mean(x^2) + eps) per row (saved for the backward pass).
void rms_norm_forward(const float* x, const float* w, int64_t rows, int64_t n, float eps, float* y,
                      float* rstd, ThreadPool& pool);
// dx += rstd * (w*dy) - x * rstd^3 * mean(w*dy*x);  dw += sum over rows of dy * x * rstd.
void rms_norm_backward(const float* x, const float* w, const float* rstd, const float* dy, int64_t rows,
                       int64_t n, float* dx_accumulate, float* dw, ThreadPool& pool);

// ---- bias ----
// y[r] += bias for every row.
void add_bias(float* y, const float* bias, int64_t rows, int64_t n, ThreadPool& pool);
// dbias += sum over rows of dy[r] (summed in row order).
void bias_backward(const float* dy, int64_t rows, int64_t n, float* dbias, ThreadPool& pool);

// ---- rotary position embedding ----
// Pair i of a head (i < n_dims/2) turns by angle pos * freq_scale * freq_base^(-2i/n_dims); llama pairs
// adjacent elements (2i, 2i+1), NeoX (qwen2) pairs (i, i + n_dims/2); elements from n_dims on are left.
// n_dims is even and at most head_dim.
struct RopeTable {
  int64_t n_dims;
  bool neox;
  int64_t n_positions;
  const float* cos_sin;  // per position: n_dims/2 cosines, then n_dims/2 sines
};
// Fills n_positions * n_dims floats (angles in double, rounded once to float).
void rope_table(int64_t n_dims, float freq_base, float freq_scale, int64_t n_positions, float* cos_sin);
// Rotates, in place, rows of n_heads * head_dim; row r is at position r % table.n_positions.
void rope_forward(float* x, int64_t rows, int64_t n_heads, int64_t head_dim, const RopeTable& table,
                  ThreadPool& pool);
// The gradient through rope_forward, in place: the inverse rotation.
void rope_backward(float* dx, int64_t rows, int64_t n_heads, int64_t head_dim, const RopeTable& table,
                   ThreadPool& pool);

// ---- SwiGLU ----
// h = silu(gate) * up over n elements.
void swiglu_forward(const float* gate, const float* up, int64_t n, float* h, ThreadPool& pool);
// dgate = dh * up * silu'(gate), dup = dh * silu(gate). dgate and dup may not alias the inputs.
void swiglu_backward(const float* gate, const float* up, const float* dh, int64_t n, float* dgate,
                     float* dup, ThreadPool& pool);

// ---- residual ----
// y += x over n elements.
void add_into(float* y, const float* x, int64_t n, ThreadPool& pool);

// ---- causal self-attention with grouped-query heads ----
// q, out: rows of n_head * head_dim; k, v: rows of n_head_kv * head_dim (rows = batch * seq). Query head h
// uses kv head h / (n_head / n_head_kv), as llama.cpp and PyTorch's repeat_interleave do; n_head is a
// multiple of n_head_kv.
struct AttentionShape {
  int64_t batch, seq, n_head, n_head_kv, head_dim;
  float scale;  // usually 1 / sqrt(head_dim)
};
// Floats of the saved softmax weights: batch * n_head * seq * seq (row t uses entries 0..t).
int64_t attention_probs_size(const AttentionShape& s);
// out = softmax(q k^T * scale + causal mask) v; probs keeps the softmax weights for the backward pass.
void attention_forward(const AttentionShape& s, const float* q, const float* k, const float* v, float* probs,
                       float* out, ThreadPool& pool);
// dq, dk, dv (overwritten) from dout and the saved probs. Split among threads by (sequence, kv head), so
// that each dk/dv row is summed in a fixed order: batch * n_head_kv must reach the thread count to use them.
void attention_backward(const AttentionShape& s, const float* q, const float* k, const float* v,
                        const float* probs, const float* dout, float* dq, float* dk, float* dv,
                        ThreadPool& pool);

// ---- cross-entropy over the vocabulary, fused with its gradient ----
// For each row r: losses[r] = logsumexp(logits[r]) - logits[r][targets[r]]. When grad_scale != 0 the logits
// are then overwritten by grad_scale * (softmax(logits[r]) - onehot(targets[r])), the gradient of
// grad_scale * sum(losses), so that the probabilities are never stored beside the logits. Targets must be
// in [0, vocab) (else std::invalid_argument) and logits finite; any magnitude is fine (the maximum is
// subtracted before exp, and the loss is max - logit[target] + log(sum) in double).
void cross_entropy(float* logits, const int32_t* targets, int64_t rows, int64_t vocab, float grad_scale,
                   float* losses, ThreadPool& pool);

}  // namespace ck::kernels::train
