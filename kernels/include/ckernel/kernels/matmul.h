// Matrix products of a weight matrix (any computable type, rows of k elements) with fp32 activations.
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ckernel/kernels/tensor_type.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {

// A row-major weight matrix: `rows` rows of `cols` elements of `type`, `row_stride` bytes apart.
struct WeightMatrix {
  const void* data;
  TensorType type;
  int64_t rows;
  int64_t cols;
  size_t row_stride;
};

// Scratch space a matmul reuses between calls so that decode does not allocate.
struct MatmulScratch {
  std::vector<std::byte> activations;
  std::vector<float> activation_scales;  // DotPanel::activation_scales
};

// y[t][r] = dot(w row r, x[t]) for t < n_tokens, r < w.rows. x is n_tokens rows of w.cols floats, y is
// n_tokens rows of w.rows floats. As ggml's mul_mat on x86 (llama.cpp's CPU backend), bit for bit: the
// activations are converted to the weight type's partner format, and the dot product is the one ggml
// uses for this shape and token count (select_dot_row in type_kernels.h), so the same x row can give
// different last bits in a batch than alone, exactly where llama.cpp's do. Rows are split statically
// between threads: the result does not depend on the thread count.
void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch);

// One product of a matmul_group: y (n_tokens rows of w.rows floats) = w * x.
struct MatmulOutput {
  WeightMatrix w;
  float* y;
};

// Several matrices with the same input (a layer's q, k and v; its gate and up): the same outputs as one
// matmul() each, but the activations are converted once per partner format and the rows of all the
// matrices are split between the threads together, so the group costs one barrier instead of one per
// matrix. Every matrix must have x's width (w.cols equal).
void matmul_group(std::span<const MatmulOutput> outputs, const float* x, int64_t n_tokens, ThreadPool& pool,
                  MatmulScratch& scratch);

}  // namespace ck::kernels
