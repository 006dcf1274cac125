// The row kernels behind train_ops.h that are worth SIMD code: the ones with exp, the long reductions and
// attention's per-head products. One table per instruction-set level, all built from one implementation
// (train_simd.h) instantiated over a 16-float register type: the scalar level emulates the 16 lanes in
// portable C++, so every level computes the same bits (the reductions have the same tree, every FMA is
// written out, and the exp is the same polynomial).
//
// Every entry computes each output from its own inputs only (no state, no dependence on where a range
// starts), so that callers may split rows among threads freely.
#pragma once

#include <cstdint>

#include "ckernel/kernels/isa_level.h"

namespace ck::kernels::train {

struct TrainKernels {
  // y[i] = e^x[i] for i < n, within 1.1 ulp (see exp in train_simd.h). For tests and benchmarks.
  void (*exp)(const float* x, float* y, int64_t n);

  // rstd = 1 / sqrt(mean(x^2) + eps) (the sum of squares in double), y = (x * rstd) * w; returns rstd.
  float (*rms_norm_row)(const float* x, const float* w, int64_t n, float eps, float* y);
  // dx += rstd * (w * dy) - x * (rstd^3 * mean(w * dy * x)).
  void (*rms_norm_backward_row)(const float* x, const float* w, float rstd, const float* dy, int64_t n,
                                float* dx);

  // sigmoid = 1 / (1 + e^-g), silu = g * sigmoid; h = silu * up.
  void (*swiglu)(const float* gate, const float* up, int64_t n, float* h);
  // dgate = (dh * up) * (sigmoid * (1 + g * (1 - sigmoid))), dup = dh * silu.
  void (*swiglu_backward)(const float* gate, const float* up, const float* dh, int64_t n, float* dgate,
                          float* dup);

  // Returns logsumexp(logits) - logits[target]; when grad_scale != 0 overwrites logits with
  // grad_scale * (softmax(logits) - onehot(target)).
  float (*cross_entropy_row)(float* logits, int64_t vocab, int32_t target, float grad_scale);

  // Attention's pieces. Rows are d floats, row j at rows + j * stride.
  // out[j] = dot(x, row j) * scale for j < n_rows.
  void (*row_dots)(const float* x, const float* rows, int64_t stride, int64_t n_rows, int64_t d, float scale,
                   float* out);
  // x[0..n) = softmax(x[0..n)) in place.
  void (*softmax)(float* x, int64_t n);
  // out = sum over j < n_rows of weights[j] * row j (each element one FMA per j, j ascending); added to
  // out's old value when accumulate, else starting from 0.
  void (*weighted_row_sum)(const float* weights, const float* rows, int64_t stride, int64_t n_rows, int64_t d,
                           bool accumulate, float* out);
  // row j += alphas[j] * x (one FMA per element) for j < n_rows.
  void (*add_scaled_to_rows)(const float* alphas, const float* x, float* rows, int64_t stride, int64_t n_rows,
                             int64_t d);
};

// The table of a level the CPU has; throws std::invalid_argument for one it lacks.
const TrainKernels& train_kernels(IsaLevel level);
// The table of active_isa_level().
const TrainKernels& train_kernels();

}  // namespace ck::kernels::train

// Each level's entries, in the level's own namespace (kernels/CMakeLists.txt, isa_isolation).
namespace ck::kernels {
namespace scalar {
void install_train(train::TrainKernels& table);
}
// Compiled for their level only (see CMakeLists.txt): call only when the CPU has the level.
namespace avx2 {
void install_train(train::TrainKernels& table);
}
namespace avx512 {
void install_train(train::TrainKernels& table);
}
}  // namespace ck::kernels
