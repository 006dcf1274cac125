// Rotary position embedding: the table of cosines and sines, the rotation and its inverse (the gradient of
// a rotation is the rotation by the opposite angle).
#include <cmath>

#include "ckernel/kernels/train_ops.h"

namespace ck::kernels::train {
namespace {

// Rotates the pairs of every head of rows [begin, end) by +angle (sign 1) or -angle (sign -1). Each
// product rounds on its own (no contraction), so forward and backward are exact mirrors.
void rotate_rows(float* x, int64_t begin, int64_t end, int64_t n_heads, int64_t head_dim, const RopeTable& t,
                 float sign) {
  const int64_t n_pairs = t.n_dims / 2;
  // NeoX pairs element i with i + n_dims/2, llama adjacent elements 2i and 2i + 1.
  const int64_t second = t.neox ? n_pairs : 1;
  const int64_t step = t.neox ? 1 : 2;
  for (int64_t r = begin; r < end; ++r) {
    const float* cosines = t.cos_sin + (r % t.n_positions) * t.n_dims;
    const float* sines = cosines + n_pairs;
    for (int64_t h = 0; h < n_heads; ++h) {
      float* v = x + (r * n_heads + h) * head_dim;
      for (int64_t i = 0; i < n_pairs; ++i) {
        const float c = cosines[i], s = sign * sines[i];
        float& x0 = v[i * step];
        float& x1 = v[i * step + second];
        const float a = x0, b = x1;
        x0 = a * c - b * s;
        x1 = a * s + b * c;
      }
    }
  }
}

}  // namespace

void rope_table(int64_t n_dims, float freq_base, float freq_scale, int64_t n_positions, float* cos_sin) {
  const int64_t n_pairs = n_dims / 2;
  for (int64_t pos = 0; pos < n_positions; ++pos)
    for (int64_t i = 0; i < n_pairs; ++i) {
      const double angle = static_cast<double>(pos) * static_cast<double>(freq_scale) *
                           std::pow(static_cast<double>(freq_base),
                                    -2.0 * static_cast<double>(i) / static_cast<double>(n_dims));
      cos_sin[pos * n_dims + i] = static_cast<float>(std::cos(angle));
      cos_sin[pos * n_dims + n_pairs + i] = static_cast<float>(std::sin(angle));
    }
}

void rope_forward(float* x, int64_t rows, int64_t n_heads, int64_t head_dim, const RopeTable& table,
                  ThreadPool& pool) {
  pool.parallel_for(
      rows, [&](int64_t begin, int64_t end) { rotate_rows(x, begin, end, n_heads, head_dim, table, 1.0f); });
}

void rope_backward(float* dx, int64_t rows, int64_t n_heads, int64_t head_dim, const RopeTable& table,
                   ThreadPool& pool) {
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    rotate_rows(dx, begin, end, n_heads, head_dim, table, -1.0f);
  });
}

}  // namespace ck::kernels::train
