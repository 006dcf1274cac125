// RMSNorm forward and backward: rows go to the SIMD row kernels; the weight's gradient, a sum over rows,
// is split by columns so that each column is summed in row order by one thread.
#include "ckernel/kernels/train_ops.h"
#include "train_kernels.h"

namespace ck::kernels::train {

void rms_norm_forward(const float* x, const float* w, int64_t rows, int64_t n, float eps, float* y,
                      float* rstd, ThreadPool& pool) {
  const TrainKernels& k = train_kernels();
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) rstd[r] = k.rms_norm_row(x + r * n, w, n, eps, y + r * n);
  });
}

void rms_norm_backward(const float* x, const float* w, const float* rstd, const float* dy, int64_t rows,
                       int64_t n, float* dx_accumulate, float* dw, ThreadPool& pool) {
  const TrainKernels& k = train_kernels();
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      k.rms_norm_backward_row(x + r * n, w, rstd[r], dy + r * n, n, dx_accumulate + r * n);
  });
  // dw[c] += dy * (x * rstd) row after row. Slices of 64 columns: whole cache lines per thread, and the
  // compiler vectorises the inner loop across columns (element-wise, so the bits do not depend on it).
  constexpr int64_t kSlice = 64;
  pool.parallel_for((n + kSlice - 1) / kSlice, [&](int64_t first, int64_t last) {
    const int64_t c0 = first * kSlice, c1 = last * kSlice < n ? last * kSlice : n;
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * n;
      const float* dyr = dy + r * n;
      const float s = rstd[r];
      for (int64_t c = c0; c < c1; ++c) dw[c] += dyr[c] * (xr[c] * s);
    }
  });
}

}  // namespace ck::kernels::train
