// Cross-entropy over the vocabulary fused with its gradient, one row per SIMD row-kernel call.
#include <stdexcept>
#include <string>

#include "ckernel/kernels/train_ops.h"
#include "train_kernels.h"

namespace ck::kernels::train {

void cross_entropy(float* logits, const int32_t* targets, int64_t rows, int64_t vocab, float grad_scale,
                   float* losses, ThreadPool& pool) {
  // Checked before any thread starts: a bad target would read and write outside the row.
  for (int64_t r = 0; r < rows; ++r)
    if (targets[r] < 0 || targets[r] >= vocab)
      throw std::invalid_argument("target " + std::to_string(targets[r]) + " at row " + std::to_string(r) +
                                  " is outside the vocabulary of " + std::to_string(vocab));
  const TrainKernels& k = train_kernels();
  pool.parallel_for(rows, [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r)
      losses[r] = k.cross_entropy_row(logits + r * vocab, vocab, targets[r], grad_scale);
  });
}

}  // namespace ck::kernels::train
