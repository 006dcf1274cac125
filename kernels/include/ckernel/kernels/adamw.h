// The optimizer's element-wise kernels: AdamW steps as torch.optim.AdamW computes them, and the squared
// norm that gradient clipping needs. Deterministic for any pool size.
#pragma once

#include <cstdint>

#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {

// One AdamW step's scalars. step counts from 1.
struct AdamWStep {
  double lr;
  double beta1, beta2, eps;
  double weight_decay;  // 0 for tensors that are not decayed
  int64_t step;
};

// torch.optim.AdamW (PyTorch 1.13, single-tensor path), element by element:
//   param *= 1 - lr * weight_decay
//   m = beta1 * m + (1 - beta1) * grad;  v = beta2 * v + (1 - beta2) * grad * grad
//   param -= (lr / (1 - beta1^step)) * m / (sqrt(v) / sqrt(1 - beta2^step) + eps)
// with the scalars formed in double and applied in float, as PyTorch does. Every float operation rounds on
// its own (PyTorch's vectorised kernels fuse some into FMAs), so results match PyTorch to a few ulp, not
// bitwise.
void adamw_update(float* param, const float* grad, float* m, float* v, int64_t n, const AdamWStep& s,
                  ThreadPool& pool);

// Sum of x[i]^2 in double, over fixed chunks summed in order (the same bits for any pool size).
double sum_of_squares(const float* x, int64_t n, ThreadPool& pool);

// x *= factor.
void scale_in_place(float* x, int64_t n, float factor, ThreadPool& pool);

}  // namespace ck::kernels
