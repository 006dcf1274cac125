// Single-precision matrix products for training (fp32 in, fp32 out, no rounding emulation): the forward
// pass's x * W^T, the backward pass's dy * W and dy^T * x, and attention's per-head products.
//
// Every element of C is one sum over k in an order fixed by k alone (blocks of k taken in order), never by
// the thread count or by which thread computed it: results are bitwise identical for any pool size.
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

// Packing buffers reused between calls, so that a training step does not allocate. One per thread that
// calls sgemm_serial concurrently; sgemm() keeps one per pool thread inside.
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
