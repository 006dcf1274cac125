// Causal grouped-query attention, forward and backward, one query row at a time with the SIMD row kernels
// (train_kernels.h). Query head h reads kv head h / (n_head / n_head_kv).
#include <vector>

#include "ckernel/kernels/train_ops.h"
#include "train_kernels.h"

namespace ck::kernels::train {

int64_t attention_probs_size(const AttentionShape& s) { return s.batch * s.n_head * s.seq * s.seq; }

void attention_forward(const AttentionShape& s, const float* q, const float* k, const float* v, float* probs,
                       float* out, ThreadPool& pool) {
  const TrainKernels& kern = train_kernels();
  const int64_t d = s.head_dim, group = s.n_head / s.n_head_kv;
  const int64_t q_stride = s.n_head * d, kv_stride = s.n_head_kv * d;
  // One item per query row (b, h, t); every row is computed whole by one thread.
  pool.parallel_for(s.batch * s.n_head * s.seq, [&](int64_t begin, int64_t end) {
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item % s.seq, bh = item / s.seq, h = bh % s.n_head, b = bh / s.n_head;
      const int64_t kv_offset = b * s.seq * kv_stride + (h / group) * d;
      const int64_t row = b * s.seq + t;
      float* p = probs + item * s.seq;
      kern.row_dots(q + row * q_stride + h * d, k + kv_offset, kv_stride, t + 1, d, s.scale, p);
      kern.softmax(p, t + 1);
      for (int64_t j = t + 1; j < s.seq; ++j) p[j] = 0.0f;  // masked: keeps the saved buffer defined
      kern.weighted_row_sum(p, v + kv_offset, kv_stride, t + 1, d, false, out + row * q_stride + h * d);
    }
  });
}

void attention_backward(const AttentionShape& s, const float* q, const float* k, const float* v,
                        const float* probs, const float* dout, float* dq, float* dk, float* dv,
                        ThreadPool& pool) {
  const TrainKernels& kern = train_kernels();
  const int64_t d = s.head_dim, group = s.n_head / s.n_head_kv;
  const int64_t q_stride = s.n_head * d, kv_stride = s.n_head_kv * d;
  // One item per (sequence, kv head): the dk and dv rows of a kv head collect the contributions of all its
  // query heads, in head order and then query order, without another thread touching them.
  pool.parallel_for(s.batch * s.n_head_kv, [&](int64_t begin, int64_t end) {
    std::vector<float> dp(static_cast<size_t>(s.seq)), ds(static_cast<size_t>(s.seq));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t b = item / s.n_head_kv, kvh = item % s.n_head_kv;
      const int64_t kv_offset = b * s.seq * kv_stride + kvh * d;
      for (int64_t j = 0; j < s.seq; ++j)
        for (int64_t c = 0; c < d; ++c)
          dk[kv_offset + j * kv_stride + c] = dv[kv_offset + j * kv_stride + c] = 0;
      for (int64_t h = kvh * group; h < (kvh + 1) * group; ++h)
        for (int64_t t = 0; t < s.seq; ++t) {
          const int64_t row = b * s.seq + t, n = t + 1;
          const float* p = probs + ((b * s.n_head + h) * s.seq + t) * s.seq;
          const float* dout_row = dout + row * q_stride + h * d;
          const float* q_row = q + row * q_stride + h * d;
          // dp_j = dout . v_j; the softmax's gradient ds_j = p_j (dp_j - sum_i p_i dp_i), times the scale
          // that multiplied the scores.
          kern.row_dots(dout_row, v + kv_offset, kv_stride, n, d, 1.0f, dp.data());
          double mean = 0;
          for (int64_t j = 0; j < n; ++j) mean += static_cast<double>(p[j]) * static_cast<double>(dp[j]);
          const float mean_f = static_cast<float>(mean);
          for (int64_t j = 0; j < n; ++j) ds[j] = (p[j] * (dp[j] - mean_f)) * s.scale;
          kern.weighted_row_sum(ds.data(), k + kv_offset, kv_stride, n, d, false,
                                dq + row * q_stride + h * d);
          kern.add_scaled_to_rows(ds.data(), q_row, dk + kv_offset, kv_stride, n, d);
          kern.add_scaled_to_rows(p, dout_row, dv + kv_offset, kv_stride, n, d);
        }
    }
  });
}

}  // namespace ck::kernels::train
