// Token embedding: a gather forward, a scatter-add backward.
#include <cstring>
#include <stdexcept>
#include <string>

#include "ckernel/kernels/train_ops.h"

namespace ck::kernels::train {
namespace {

// The table's row count is not passed, so only negative tokens can be caught (before any thread starts).
void check_tokens(const int32_t* tokens, int64_t rows) {
  for (int64_t r = 0; r < rows; ++r)
    if (tokens[r] < 0)
      throw std::invalid_argument("token " + std::to_string(tokens[r]) + " at row " + std::to_string(r) +
                                  " is outside the embedding table");
}

}  // namespace

void embedding_forward(const float* table, const int32_t* tokens, int64_t rows, int64_t dim, float* out,
                       ThreadPool& pool) {
  check_tokens(tokens, rows);
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      std::memcpy(out + r * dim, table + static_cast<int64_t>(tokens[r]) * dim, sizeof(float) * dim);
  });
}

void embedding_backward(const int32_t* tokens, int64_t rows, int64_t dim, const float* dout, float* dtable,
                        ThreadPool& pool) {
  check_tokens(tokens, rows);
  // Split over columns, never rows: a table row that several tokens share gets their gradients added in
  // row order by one thread. Slices of 64 columns keep each thread on whole cache lines.
  constexpr int64_t kSlice = 64;
  const int64_t n_slices = (dim + kSlice - 1) / kSlice;
  pool.parallel_for(n_slices, [&](int64_t first, int64_t last) {
    const int64_t c0 = first * kSlice, c1 = last * kSlice < dim ? last * kSlice : dim;
    for (int64_t r = 0; r < rows; ++r) {
      float* dst = dtable + static_cast<int64_t>(tokens[r]) * dim;
      const float* src = dout + r * dim;
      for (int64_t c = c0; c < c1; ++c) dst[c] += src[c];
    }
  });
}

}  // namespace ck::kernels::train
