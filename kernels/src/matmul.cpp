#include "ckernel/kernels/matmul.h"

#include <algorithm>
#include <stdexcept>
#include <string>

#include "ckernel/kernels/type_kernels.h"

namespace ck::kernels {
namespace {

// A matrix of the group with what its rows need: the panel ggml's choice gives it and where its
// converted activations are.
struct GroupMember {
  const MatmulOutput* output;
  DotPanelFn panel;
  const std::byte* activations;
  size_t activation_stride;
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
  // Each partner format once: its converted rows, one after the other in the scratch buffer.
  TensorType partners[kMostMatrices];
  size_t partner_offsets[kMostMatrices], partner_strides[kMostMatrices];
  size_t n_partners = 0, total_bytes = 0;
  size_t partner_of[kMostMatrices];
  for (size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i].w.cols != cols) throw std::invalid_argument("matmul_group: matrices of different widths");
    const TensorType partner = kernels_for(outputs[i].w.type).partner;
    size_t p = 0;
    while (p < n_partners && partners[p] != partner) ++p;
    if (p == n_partners) {
      partners[p] = partner;
      partner_strides[p] = row_bytes(partner, cols);
      partner_offsets[p] = total_bytes;
      total_bytes += partner_strides[p] * static_cast<size_t>(n_tokens);
      ++n_partners;
    }
    partner_of[i] = p;
  }
  scratch.activations.resize(total_bytes);
  std::byte* converted = scratch.activations.data();
  // Activations are converted once, then shared by every thread's rows.
  pool.parallel_for(n_tokens, [&](int64_t begin, int64_t end) {
    for (size_t p = 0; p < n_partners; ++p) {
      const QuantizeRowFn quantize = activation_quantizer(partners[p]);
      for (int64_t t = begin; t < end; ++t)
        quantize(x + t * cols, converted + partner_offsets[p] + static_cast<size_t>(t) * partner_strides[p],
                 cols);
    }
  });

  GroupMember members[kMostMatrices];
  int64_t total_rows = 0;
  for (size_t i = 0; i < outputs.size(); ++i) {
    const WeightMatrix& w = outputs[i].w;
    // ggml picks its kernel by shape and token count; every output of a matrix uses the same one.
    members[i] = {&outputs[i], select_dot_panel(kernels_for(w.type), w.rows, w.cols, n_tokens),
                  converted + partner_offsets[partner_of[i]], partner_strides[partner_of[i]]};
    total_rows += w.rows;
  }
  // Split by output rows only, over the matrices' rows end to end: each output is computed as its dot row
  // computes it, whatever thread (or position in a register tile) it lands on.
  pool.parallel_for(total_rows, [&](int64_t begin, int64_t end) {
    int64_t first_row = 0;
    for (size_t i = 0; i < outputs.size(); ++i) {
      const WeightMatrix& w = members[i].output->w;
      const int64_t from = std::max(begin, first_row) - first_row;
      const int64_t to = std::min(end, first_row + w.rows) - first_row;
      if (from < to)
        members[i].panel(
            DotPanel{static_cast<const std::byte*>(w.data) + static_cast<size_t>(from) * w.row_stride,
                     w.row_stride, to - from, members[i].activations, members[i].activation_stride, n_tokens,
                     w.cols, members[i].output->y + from, static_cast<size_t>(w.rows)});
      first_row += w.rows;
    }
  });
}

}  // namespace ck::kernels
