#include "ckernel/kernels/matmul.h"

#include "ckernel/kernels/type_kernels.h"

namespace ck::kernels {

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
  const TypeKernels& k = kernels_for(w.type);
  const QuantizeRowFn quantize = activation_quantizer(k.partner);
  // ggml picks its kernel by shape and token count; every output of this call uses the same one.
  const DotRowFn dot = select_dot_row(k, w.rows, w.cols, n_tokens);
  const size_t x_row_bytes = row_bytes(k.partner, w.cols);
  scratch.activations.resize(x_row_bytes * static_cast<size_t>(n_tokens));
  std::byte* xq = scratch.activations.data();
  pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) quantize(x + t * w.cols, xq + t * x_row_bytes, w.cols);
  });
  // Split by output rows only: each output is one dot product, whatever thread computes it.
  pool.parallel_for(w.rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const void* row = static_cast<const std::byte*>(w.data) + r * w.row_stride;
      for (int64_t t = 0; t < n_tokens; ++t) y[t * w.rows + r] = dot(row, xq + t * x_row_bytes, w.cols);
    }
  });
}

}  // namespace ck::kernels
