// The sgemm register tile at level avx512 (sgemm_simd.h over __m512).
//
// 14 rows x 32 columns: 28 accumulators, 2 vectors of B and the broadcast (often folded into the FMA as
// a memory operand) use 31 of the 32 zmm registers. Per step of k that is 28 FMAs against 2 vector loads
// and 14 broadcast loads: on Intel Xeon (two 512-bit FMA ports, two loads per cycle) 14 cycles of FMA
// against 8 of loads, on AMD Zen 4/5 (one 512-bit FMA per cycle, Zen 4 as two 256-bit halves) 28
// against 16; in both, 28 independent chains hide the 4-cycle FMA latency several times over. 32 columns
// divide every width the training model has (64, 128, 256, 384, 1024, 4096); the 14 rows leave a short
// edge tile, which runs a tile compiled for its own row count.
//
// k blocks of 256: a B micro-panel (256 x 32 floats, 32 KiB) and an A micro-panel (14 KiB) are read once
// per tile from L2 and L1 respectively (see sgemm.cpp's loop order); 2 x 14 x 256 FMAs per C tile load
// and store make C's traffic negligible. mc = 224 rows of A (224 KiB) sit in a 1 MiB L2 beside B's
// micro-panel; nc = 1024 columns of B (1 MiB) stay in L3.
#include "gcc_bug_105593.h"
CK_GCC_105593_BEGIN
#include <immintrin.h>
CK_GCC_105593_END

#include "sgemm_simd.h"

namespace ck::kernels::avx512 {
namespace {

struct Lanes {
  using Reg = __m512;
  static constexpr int kLanes = 16;
  static Reg load(const float* p) { return _mm512_load_ps(p); }
  static Reg loadu(const float* p) { return _mm512_loadu_ps(p); }
  static void storeu(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
};

constexpr int kMr = 14;
constexpr int kVecs = 2;

}  // namespace

SgemmKernel sgemm_kernel() {
  return {kMr, kVecs * Lanes::kLanes, 256, 224, 1024, &simd::sgemm_tile<Lanes, kMr, kVecs>};
}

}  // namespace ck::kernels::avx512
