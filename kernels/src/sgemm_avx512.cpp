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
// Blocks (measured on Zen 4 on the training model's products; 256 and 384 were slower): k blocks of 512,
// so that the model's k = 384 products run in one block from C = 0 and never read C back, and C is read
// and written once per 2 x 14 x 512 FMAs; A's block of mc = 224 rows by k 512 (448 KiB, by rows) stays in
// a 1 MiB L2 (Zen 4, Intel Xeon since Skylake-SP) while the tiles sweep B's columns; each B micro-panel
// (512 x 32 floats, 64 KiB) streams from L2 in order, which the prefetchers follow; nc = 4096 columns of
// B (8 MiB packed, L3) cover the model's widest output, so A is packed once.
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
  return {kMr,
          kVecs * Lanes::kLanes,
          512,
          224,
          4096,
          &simd::sgemm_tile<Lanes, kMr, kVecs, false>,
          &simd::sgemm_tile<Lanes, kMr, kVecs, true>};
}

}  // namespace ck::kernels::avx512
