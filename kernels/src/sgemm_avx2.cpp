// The sgemm register tile at level avx2 (sgemm_simd.h over __m256).
//
// 6 rows x 16 columns: 12 accumulators, 2 vectors of B and the broadcast fill 15 of the 16 ymm
// registers. Per step of k, 12 FMAs against 2 vector loads and 6 broadcasts: two FMA ports (Haswell and
// later, Zen) are busy 6 cycles, the two load ports 4; 12 chains cover the FMA latency (4-5 cycles) at two
// per cycle.
//
// Blocks as at level avx512, for the same reasons: k blocks of 512, mc = 192 rows of A (384 KiB, L2),
// nc = 4096 columns of B (L3).
#include <immintrin.h>

#include "sgemm_simd.h"

namespace ck::kernels::avx2 {
namespace {

struct Lanes {
  using Reg = __m256;
  static constexpr int kLanes = 8;
  static Reg load(const float* p) { return _mm256_load_ps(p); }
  static Reg loadu(const float* p) { return _mm256_loadu_ps(p); }
  static void storeu(float* p, Reg v) { _mm256_storeu_ps(p, v); }
  static Reg set1(float x) { return _mm256_set1_ps(x); }
  static Reg zero() { return _mm256_setzero_ps(); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm256_fmadd_ps(a, b, c); }
};

constexpr int kMr = 6;
constexpr int kVecs = 2;

}  // namespace

SgemmKernel sgemm_kernel() {
  return {kMr,
          kVecs * Lanes::kLanes,
          512,
          192,
          4096,
          &simd::sgemm_tile<Lanes, kMr, kVecs, false>,
          &simd::sgemm_tile<Lanes, kMr, kVecs, true>};
}

}  // namespace ck::kernels::avx2
