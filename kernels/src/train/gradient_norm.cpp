// The squared norm that gradient clipping needs, and the scaling that applies the clip.
#include <vector>

#include "ckernel/kernels/adamw.h"
#include "parallel.h"

namespace ck::kernels {

double sum_of_squares(const float* x, int64_t n, ThreadPool& pool) {
  // Fixed chunks, each summed in double over 8 interleaved partial sums (vectorisable, and squares of
  // floats are exact in double), then the chunks' sums added in order: the same bits for any pool size.
  constexpr int64_t kChunk = train::kElementChunk;
  constexpr int kPartials = 8;
  std::vector<double> chunk_sums(static_cast<size_t>((n + kChunk - 1) / kChunk));
  train::for_each_chunk(pool, n, kChunk, [&](int64_t begin, int64_t end) {
    double partial[kPartials] = {};
    int64_t i = begin;
    for (; i + kPartials <= end; i += kPartials)
      for (int l = 0; l < kPartials; ++l)
        partial[l] += static_cast<double>(x[i + l]) * static_cast<double>(x[i + l]);
    for (int l = 0; i < end; ++i, ++l) partial[l] += static_cast<double>(x[i]) * static_cast<double>(x[i]);
    double sum = 0;
    for (double p : partial) sum += p;
    chunk_sums[static_cast<size_t>(begin / kChunk)] = sum;
  });
  double total = 0;
  for (double s : chunk_sums) total += s;
  return total;
}

void scale_in_place(float* x, int64_t n, float factor, ThreadPool& pool) {
  train::for_each_chunk(pool, n, train::kElementChunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) x[i] *= factor;
  });
}

}  // namespace ck::kernels
