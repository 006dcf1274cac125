// Causal grouped-query attention, forward and backward, per (sequence, head) as matrix products of
// sgemm_serial, which run several times faster than row-at-a-time loops. The queries go in blocks of
// kQueryBlock rows, and a block meets only the keys up to its last row: the rest of the masked triangle is
// never computed (5/8 of the full square's work at 4 blocks). Inside a block the masked softmax weights are
// exactly 0 and the products' sequential FMA chains add 0 * x as an exact no-op, so the results are those
// of the causal sums, and the same whatever the block size.
// Query head h reads kv head h / (n_head / n_head_kv).
#include <algorithm>
#include <vector>

#include "ckernel/kernels/sgemm.h"
#include "ckernel/kernels/train_ops.h"
#include "train_kernels.h"

namespace ck::kernels::train {
namespace {

// Query rows per block: small enough that little of the masked triangle is computed (at T = 256, 5/8 of
// the square instead of all of it), large enough that each product keeps the register tiles busy.
constexpr int64_t kQueryBlock = 64;

// A thread's T x T scores and its packing buffers, kept between calls (pool workers live long).
struct AttentionScratch {
  std::vector<float> scores;
  SgemmScratch gemm;
};

AttentionScratch& thread_scratch(int64_t seq) {
  thread_local AttentionScratch scratch;
  scratch.scores.resize(static_cast<size_t>(seq * seq));
  return scratch;
}

}  // namespace

int64_t attention_probs_size(const AttentionShape& s) { return s.batch * s.n_head * s.seq * s.seq; }

void attention_forward(const AttentionShape& s, const float* q, const float* k, const float* v, float* probs,
                       float* out, ThreadPool& pool) {
  const TrainKernels& kern = train_kernels();
  const int64_t d = s.head_dim, group = s.n_head / s.n_head_kv, T = s.seq;
  const int64_t q_stride = s.n_head * d, kv_stride = s.n_head_kv * d;
  // One item per (sequence, head), computed whole by one thread.
  pool.parallel_for(s.batch * s.n_head, [&](int64_t begin, int64_t end) {
    AttentionScratch& scratch = thread_scratch(T);
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / s.n_head, h = item % s.n_head;
      const float* q_bh = q + b * T * q_stride + h * d;
      const float* k_bg = k + b * T * kv_stride + (h / group) * d;
      const float* v_bg = v + b * T * kv_stride + (h / group) * d;
      float* p = probs + item * T * T;
      // Per block of queries [r0, r1): scores = q k^T over keys [0, r1), softmax, out = p v.
      for (int64_t r0 = 0; r0 < T; r0 += kQueryBlock) {
        const int64_t r1 = std::min(T, r0 + kQueryBlock);
        sgemm_serial({Transpose::no, Transpose::yes, r1 - r0, r1, d, q_bh + r0 * q_stride, q_stride, k_bg, kv_stride,
                      scratch.scores.data() + r0 * T, T, false},
                     scratch.gemm);
        for (int64_t t = r0; t < r1; ++t) {
          float* row = p + t * T;
          const float* scores = scratch.scores.data() + t * T;
          for (int64_t j = 0; j <= t; ++j) row[j] = scores[j] * s.scale;
          kern.softmax(row, t + 1);
          std::fill(row + t + 1, row + T, 0.0f);  // masked: weight 0
        }
        sgemm_serial({Transpose::no, Transpose::no, r1 - r0, d, r1, p + r0 * T, T, v_bg, kv_stride,
                      out + (b * T + r0) * q_stride + h * d, q_stride, false},
                     scratch.gemm);
      }
    }
  });
}

void attention_backward(const AttentionShape& s, const float* q, const float* k, const float* v,
                        const float* probs, const float* dout, float* dq, float* dk, float* dv,
                        ThreadPool& pool) {
  const int64_t d = s.head_dim, group = s.n_head / s.n_head_kv, T = s.seq;
  const int64_t q_stride = s.n_head * d, kv_stride = s.n_head_kv * d;
  // One item per (sequence, kv head): the dk and dv rows of a kv head collect the contributions of all its
  // query heads, in head order, without another thread touching them.
  pool.parallel_for(s.batch * s.n_head_kv, [&](int64_t begin, int64_t end) {
    AttentionScratch& scratch = thread_scratch(T);
    float* ds = scratch.scores.data();
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / s.n_head_kv, g = item % s.n_head_kv;
      const float* k_bg = k + b * T * kv_stride + g * d;
      const float* v_bg = v + b * T * kv_stride + g * d;
      float* dk_bg = dk + b * T * kv_stride + g * d;
      float* dv_bg = dv + b * T * kv_stride + g * d;
      for (int64_t j = 0; j < T; ++j) {
        std::fill_n(dk_bg + j * kv_stride, d, 0.0f);
        std::fill_n(dv_bg + j * kv_stride, d, 0.0f);
      }
      for (int64_t h = g * group; h < (g + 1) * group; ++h) {
        const float* q_bh = q + b * T * q_stride + h * d;
        const float* dout_bh = dout + b * T * q_stride + h * d;
        const float* p = probs + (b * s.n_head + h) * T * T;
        // Per block of queries [r0, r1), over keys [0, r1): dp = dout v^T; the softmax's gradient
        // ds_j = p_j (dp_j - sum_i p_i dp_i), times the scale that multiplied the scores (0 where masked);
        // dq = ds k, and dk += ds^T q, dv += p^T dout in query order, block after block.
        for (int64_t r0 = 0; r0 < T; r0 += kQueryBlock) {
          const int64_t r1 = std::min(T, r0 + kQueryBlock), rows = r1 - r0;
          sgemm_serial({Transpose::no, Transpose::yes, rows, r1, d, dout_bh + r0 * q_stride, q_stride, v_bg, kv_stride,
                        ds + r0 * T, T, false},
                       scratch.gemm);
          for (int64_t t = r0; t < r1; ++t) {
            const float* pr = p + t * T;
            float* row = ds + t * T;
            double mean = 0;
            for (int64_t j = 0; j <= t; ++j) mean += static_cast<double>(pr[j]) * static_cast<double>(row[j]);
            const auto mean_f = static_cast<float>(mean);
            for (int64_t j = 0; j <= t; ++j) row[j] = (pr[j] * (row[j] - mean_f)) * s.scale;
            std::fill(row + t + 1, row + r1, 0.0f);
          }
          sgemm_serial({Transpose::no, Transpose::no, rows, d, r1, ds + r0 * T, T, k_bg, kv_stride,
                        dq + (b * T + r0) * q_stride + h * d, q_stride, false},
                       scratch.gemm);
          sgemm_serial({Transpose::yes, Transpose::no, r1, d, rows, ds + r0 * T, T, q_bh + r0 * q_stride, q_stride,
                        dk_bg, kv_stride, true},
                       scratch.gemm);
          sgemm_serial({Transpose::yes, Transpose::no, r1, d, rows, p + r0 * T, T, dout_bh + r0 * q_stride, q_stride,
                        dv_bg, kv_stride, true},
                       scratch.gemm);
        }
      }
    }
  });
}

}  // namespace ck::kernels::train
