#include "ckernel/kernels/matmul.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ckernel/kernels/half.h"
#include "ckernel/kernels/kernel_tuning.h"
#include "ckernel/kernels/type_kernels.h"
#include "blocks.h"

namespace ck::kernels {
namespace {

// Rows per chunk are a multiple of this: a whole number of register tiles of every kernel.
constexpr int64_t kChunkRows = 16;

// One partner format of a group: where its converted activation rows are in the scratch buffer.
struct Conversion {
  TensorType partner;
  size_t offset;
  size_t stride;
};

}  // namespace

void matmul(const WeightMatrix& w, const float* x, int64_t n_tokens, float* y, ThreadPool& pool,
            MatmulScratch& scratch) {
  const MatmulOutput output{w, y};
  matmul_group({&output, 1}, x, n_tokens, pool, scratch);
}

void matmul_group(std::span<const MatmulOutput> outputs, const float* x, int64_t n_tokens, ThreadPool& pool,
                  MatmulScratch& scratch) {
  constexpr size_t kMostMatrices = 4;
  if (outputs.empty() || outputs.size() > kMostMatrices)
    throw std::invalid_argument("matmul_group: 1 to 4 matrices, not " + std::to_string(outputs.size()));
  const int64_t cols = outputs.front().w.cols;
  // Each partner format is converted once; every matrix finds its own, and the panel ggml's choice gives
  // it (by shape and token count; every output of a matrix uses the same one).
  Conversion conversions[kMostMatrices];
  Conversion* const first = conversions;
  Conversion* last = conversions;
  const Conversion* conversion_of[kMostMatrices];
  DotPanelFn panels[kMostMatrices];
  size_t converted_bytes = 0;
  int64_t total_rows = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const WeightMatrix& w = outputs[i].w;
    if (w.cols != cols) throw std::invalid_argument("matmul_group: matrices of different widths");
    const TypeKernels& k = kernels_for(w.type);
    Conversion* c = std::find_if(first, last, [&](const Conversion& c) { return c.partner == k.partner; });
    if (c == last) {
      *last++ = {k.partner, converted_bytes, row_bytes(k.partner, cols)};
      converted_bytes += c->stride * static_cast<size_t>(n_tokens);
    }
    conversion_of[i] = c;
    panels[i] = select_dot_panel(k, w.rows, w.cols, n_tokens);
    total_rows += w.rows;
  }
  scratch.activations.resize(converted_bytes);
  // The host's measured prefetch (kernel wisdom), read per call: set once at start-up.
  const WeightPrefetch prefetch = kernel_tuning().prefetch;
  const int decode_tile_rows = kernel_tuning().decode_tile_rows;
  std::byte* converted = scratch.activations.data();
  // Q8_0 activations also get their block scales in fp32 (DotPanel::activation_scales).
  const Conversion* q8_0 = std::find_if(first, last, [](const Conversion& c) { return c.partner == TensorType::q8_0; });
  const int64_t q8_0_blocks = cols / static_cast<int64_t>(blocks::kBlock);
  if (q8_0 != last) scratch.activation_scales.resize(static_cast<size_t>(n_tokens * q8_0_blocks));
  float* const scales = scratch.activation_scales.data();
  // Activations are converted once, then shared by every thread's rows.
  pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end) {
    for (const Conversion* c = first; c != last; ++c) {
      const QuantizeRowFn quantize = activation_quantizer(c->partner);
      for (int64_t t = begin; t < end; ++t)
        quantize(x + t * cols, converted + c->offset + static_cast<size_t>(t) * c->stride, cols);
    }
    if (q8_0 != last)
      for (int64_t t = begin; t < end; ++t) {
        const auto* row = reinterpret_cast<const blocks::BlockQ8_0*>(converted + q8_0->offset +
                                                                     static_cast<size_t>(t) * q8_0->stride);
        for (int64_t b = 0; b < q8_0_blocks; ++b) scales[t * q8_0_blocks + b] = fp16_to_fp32(row[b].scale);
      }
  });
  // Split by output rows only, over the matrices' rows end to end: each output is computed as its dot row
  // computes it, whatever thread (or position in a register tile) it lands on. So the rows go out in
  // chunks that the threads take as they finish (parallel_for_chunks), not in one even share each: decode
  // streams the weights at the memory's pace, and two cores sharing it, or a core the hypervisor or a
  // neighbour takes for a moment, do not finish an even share together; the one done first would wait at
  // the barrier. About eight chunks per thread, whole tiles of 16 rows (no tile of any kernel is cut). A
  // thread's chunks come in order, so its panels prefetch on into the next one, up to the matrix's end.
  const int64_t chunk = std::max<int64_t>(1, total_rows / (8 * pool.size()) / kChunkRows) * kChunkRows;
  pool.parallel_for_chunks(total_rows, chunk, [&](int64_t begin, int64_t end) {
    int64_t first_row = 0;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const WeightMatrix& w = outputs[i].w;
      const int64_t from = std::max(begin, first_row) - first_row;
      const int64_t to = std::min(end, first_row + w.rows) - first_row;
      const auto* const matrix = static_cast<const std::byte*>(w.data);
      if (from < to)
        panels[i](DotPanel{matrix + static_cast<size_t>(from) * w.row_stride, w.row_stride, to - from,
                           converted + conversion_of[i]->offset, conversion_of[i]->stride, n_tokens, w.cols,
                           outputs[i].y + from, static_cast<size_t>(w.rows), prefetch, decode_tile_rows,
                           conversion_of[i] == q8_0 ? scales : nullptr,
                           matrix + static_cast<size_t>(w.rows) * w.row_stride});
      first_row += w.rows;
    }
  });
}

}  // namespace ck::kernels
