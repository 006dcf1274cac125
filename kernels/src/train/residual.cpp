// The residual stream's add.
#include "ckernel/kernels/train_ops.h"
#include "parallel.h"

namespace ck::kernels::train {

void add_into(float* y, const float* x, int64_t n, ThreadPool& pool) {
  for_each_chunk(pool, n, kElementChunk, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) y[i] += x[i];
  });
}

}  // namespace ck::kernels::train
