// Bias add and its gradient (a sum over rows, split by columns so each is summed in row order).
#include "ckernel/kernels/train_ops.h"

namespace ck::kernels::train {

void add_bias(float* y, const float* bias, int64_t rows, int64_t n, ThreadPool& pool) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      float* yr = y + r * n;
      for (int64_t c = 0; c < n; ++c) yr[c] += bias[c];
    }
  });
}

void bias_backward(const float* dy, int64_t rows, int64_t n, float* dbias, ThreadPool& pool) {
  constexpr int64_t kSlice = 64;
  pool.parallel_for((n + kSlice - 1) / kSlice, [&](int64_t first, int64_t last) {
    const int64_t c0 = first * kSlice, c1 = last * kSlice < n ? last * kSlice : n;
    for (int64_t r = 0; r < rows; ++r) {
      const float* dyr = dy + r * n;
      for (int64_t c = c0; c < c1; ++c) dbias[c] += dyr[c];
    }
  });
}

}  // namespace ck::kernels::train
