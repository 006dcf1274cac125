// The register-tile kernels behind sgemm.h, one per instruction-set level, and the panel layout they read.
//
// The driver (sgemm.cpp) packs op(B) into micro-panels of nr columns (packed_b[p * nr + j] = op(B)[p][j],
// columns past n zero) and op(A) into micro-panels of mr rows, laid out as a copy of A's storage so that
// packing is a plain copy either way:
// - A by k (A stored transposed): packed_a[p * mr + i] = op(A)[i][p];
// - A by rows (A stored as is): packed_a[i * a_row_stride + p] = op(A)[i][p].
// For each block of k in order it calls the level's tile on every mr x nr tile of C. A tile computes, for
// rows i < rows and all nr columns,
//   c[i][j] = fma(a[i][p], b[p][j], c[i][j]) for p = 0 .. kc-1 in order,
// starting from +0 (start_from_c false) or from c as stored: the chain of sgemm.h's contract, cut where a
// block of k ends and C holds the partial sum in fp32, which changes no bit.
#pragma once

#include <cstdint>

namespace ck::kernels {

using SgemmTileFn = void (*)(int64_t kc, const float* packed_a, int64_t a_row_stride, const float* packed_b,
                             float* c, int64_t ldc, bool start_from_c, int rows);

struct SgemmKernel {
  int mr, nr;               // the register tile: rows of A broadcast, columns of B held in vector lanes
  int64_t kc;               // k per block: C holds the partial sums between blocks
  int64_t mc;               // rows of packed A per block, reused across all of B's micro-panels: sized for L2
  int64_t nc;               // columns of packed B per block: sized for L3, shared by all of A's micro-panels
  SgemmTileFn tile_a_by_k;  // A packed by k (a_row_stride unused)
  SgemmTileFn tile_a_by_rows;  // A packed by rows
};

namespace scalar {
extern const SgemmKernel kSgemmKernel;
}
// Compiled for their level only (see CMakeLists.txt): call only when the CPU has the level.
namespace avx2 {
SgemmKernel sgemm_kernel();
}
namespace avx512 {
SgemmKernel sgemm_kernel();
}

}  // namespace ck::kernels
