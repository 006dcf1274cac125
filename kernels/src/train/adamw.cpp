// The AdamW step, element by element as torch.optim.AdamW's single-tensor path (PyTorch 1.13) orders it.
#include "ckernel/kernels/adamw.h"

#include <cmath>

#include "parallel.h"

namespace ck::kernels {

void adamw_update(float* param, const float* grad, float* m, float* v, int64_t n, const AdamWStep& s,
                  ThreadPool& pool) {
  // The scalars in double, as Python computes them, each rounded once to float where PyTorch applies
  // them to a float tensor.
  const double step = static_cast<double>(s.step);
  const float decay = static_cast<float>(1.0 - s.lr * s.weight_decay);
  const float beta1 = static_cast<float>(s.beta1), one_minus_beta1 = static_cast<float>(1.0 - s.beta1);
  const float beta2 = static_cast<float>(s.beta2), one_minus_beta2 = static_cast<float>(1.0 - s.beta2);
  const float neg_step_size = static_cast<float>(-(s.lr / (1.0 - std::pow(s.beta1, step))));
  const float bias_correction2_sqrt = static_cast<float>(std::sqrt(1.0 - std::pow(s.beta2, step)));
  const float eps = static_cast<float>(s.eps);
  train::for_each_chunk(pool, n, train::kElementChunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const float g = grad[i];
      const float p = param[i] * decay;                     // param.mul_(1 - lr * wd)
      const float mi = m[i] * beta1 + one_minus_beta1 * g;  // exp_avg.mul_(b1).add_(g, 1 - b1)
      const float vi =
          v[i] * beta2 + (one_minus_beta2 * g) * g;  // exp_avg_sq.mul_(b2).addcmul_(g, g, 1 - b2)
      const float denom = std::sqrt(vi) / bias_correction2_sqrt + eps;  // (v.sqrt() / bc2_sqrt).add_(eps)
      param[i] = p + neg_step_size * (mi / denom);  // param.addcdiv_(m, denom, -step_size)
      m[i] = mi;
      v[i] = vi;
    }
  });
}

}  // namespace ck::kernels
