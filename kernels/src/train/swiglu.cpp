// SwiGLU forward and backward over fixed chunks of elements (the SIMD kernels do the exp).
#include "ckernel/kernels/train_ops.h"
#include "parallel.h"
#include "train_kernels.h"

namespace ck::kernels::train {

void swiglu_forward(const float* gate, const float* up, int64_t n, float* h, ThreadPool& pool) {
  const TrainKernels& k = train_kernels();
  for_each_chunk(pool, n, kElementChunk, [&](int64_t begin, int64_t end) {
    k.swiglu(gate + begin, up + begin, end - begin, h + begin);
  });
}

void swiglu_backward(const float* gate, const float* up, const float* dh, int64_t n, float* dgate, float* dup,
                     ThreadPool& pool) {
  const TrainKernels& k = train_kernels();
  for_each_chunk(pool, n, kElementChunk, [&](int64_t begin, int64_t end) {
    k.swiglu_backward(gate + begin, up + begin, dh + begin, end - begin, dgate + begin, dup + begin);
  });
}

}  // namespace ck::kernels::train
