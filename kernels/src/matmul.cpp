#include "ckernel/kernels/matmul.h"

#include "ckernel/kernels/type_kernels.h"

namespace ck::kernels {

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
  const TypeKernels& k = kernels_for(w.type);
  const QuantizeRowFn quantize = activation_quantizer(k.partner);
  // ggml picks its kernel by shape and token count; every output of this call uses the same one.
  const DotPanelFn panel = select_dot_panel(k, w.rows, w.cols, n_tokens);
  const size_t x_row_bytes = row_bytes(k.partner, w.cols);
  scratch.activations.resize(x_row_bytes * static_cast<size_t>(n_tokens));
  std::byte* xq = scratch.activations.data();
  // Activations are converted once, then shared by every thread's rows.
  pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end) {
    for (int64_t t = begin; t < end; ++t) quantize(x + t * w.cols, xq + t * x_row_bytes, w.cols);
  });
  // Split by output rows only: each output is computed as its dot row computes it, whatever thread (or
  // position in a register tile) it lands on.
  pool.parallel_for(w.rows, [&](int64_t begin, int64_t end) {
    panel(DotPanel{static_cast<const std::byte*>(w.data) + static_cast<size_t>(begin) * w.row_stride,
                   w.row_stride, end - begin, xq, x_row_bytes, n_tokens, w.cols, y + begin,
                   static_cast<size_t>(w.rows)});
  });
}

}  // namespace ck::kernels
