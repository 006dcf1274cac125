// Single-precision matrix products for training (fp32 in, fp32 out, no rounding emulation): the forward
// pass's x * W^T, the backward pass's dy * W and dy^T * x, and attention's per-head products.
//
// The bit contract: every element of C is the sequential chain
//   c = fma(op(A)[i][p], op(B)[p][j], c)  for p = 0, 1, ..., k-1 in order,
// each step one fused multiply-add rounded once to fp32, starting from +0 (or from C's old value when
// accumulating). That is exactly a naive scalar loop over std::fma, so the bits are the same at every
// instruction-set level, for any pool size, any split of the work and sgemm() or sgemm_serial(). (Threads
// split C, never k; blocks of k are taken in order and C holds the fp32 partial sum between them, which
// changes nothing.) k = 0 gives C = 0, or C unchanged when accumulating; m = 0 or n = 0 does nothing.
#pragma once

#include <cstdint>
#include <vector>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/thread_pool.h"

namespace ck::kernels {

// Whether an operand is used as stored (row-major) or transposed.
enum class Transpose { no, yes };

// Row-major operands. op(A) is m x k: A is m rows of k (stride lda) when Transpose::no, else k rows of m.
// op(B) is k x n: B is k rows of n (stride ldb) when Transpose::no, else n rows of k.
struct SgemmOperands {
  Transpose transpose_a = Transpose::no;
  Transpose transpose_b = Transpose::no;
  int64_t m = 0, n = 0, k = 0;
  const float* a = nullptr;
  int64_t lda = 0;
  const float* b = nullptr;
  int64_t ldb = 0;
  float* c = nullptr;  // m rows of n, stride ldc
  int64_t ldc = 0;
  bool accumulate = false;  // C += op(A) op(B) instead of C = op(A) op(B)
};

// Packing buffers reused between calls, so that a training step does not allocate once they have grown to
// its largest product. One per thread that calls sgemm_serial concurrently; sgemm() keeps a slice per pool
// thread inside the one it is given (so one sgemm() call at a time per scratch).
struct SgemmScratch {
  std::vector<float> packed_a;
  std::vector<float> packed_b;
};

// C (+)= op(A) * op(B), the work split between the pool's threads.
void sgemm(const SgemmOperands& p, ThreadPool& pool, SgemmScratch& scratch,
           IsaLevel level = active_isa_level());

// The same product on the calling thread only (for callers that already run inside parallel_for, such as
// attention's per-head products). Same bits as sgemm().
void sgemm_serial(const SgemmOperands& p, SgemmScratch& scratch, IsaLevel level = active_isa_level());

}  // namespace ck::kernels
