// The training row kernels at level avx2: train_simd.h over a 16-lane register held as two __m256 halves,
// so that the lane structure and the reduction trees are those of the other levels.
#include <immintrin.h>

#include "train_kernels.h"
#include "train_simd.h"

namespace ck::kernels::avx2 {
namespace {

struct Lanes {
  struct Reg {
    __m256 lo, hi;  // lanes 0-7, 8-15
  };
  static Reg load(const float* p) { return {_mm256_loadu_ps(p), _mm256_loadu_ps(p + 8)}; }
  static void store(float* p, Reg v) {
    _mm256_storeu_ps(p, v.lo);
    _mm256_storeu_ps(p + 8, v.hi);
  }
  static Reg set1(float x) { return {_mm256_set1_ps(x), _mm256_set1_ps(x)}; }
  static Reg zero() { return {_mm256_setzero_ps(), _mm256_setzero_ps()}; }
  static Reg add(Reg a, Reg b) { return {_mm256_add_ps(a.lo, b.lo), _mm256_add_ps(a.hi, b.hi)}; }
  static Reg sub(Reg a, Reg b) { return {_mm256_sub_ps(a.lo, b.lo), _mm256_sub_ps(a.hi, b.hi)}; }
  static Reg mul(Reg a, Reg b) { return {_mm256_mul_ps(a.lo, b.lo), _mm256_mul_ps(a.hi, b.hi)}; }
  static Reg div(Reg a, Reg b) { return {_mm256_div_ps(a.lo, b.lo), _mm256_div_ps(a.hi, b.hi)}; }
  static Reg min(Reg a, Reg b) { return {_mm256_min_ps(a.lo, b.lo), _mm256_min_ps(a.hi, b.hi)}; }
  static Reg max(Reg a, Reg b) { return {_mm256_max_ps(a.lo, b.lo), _mm256_max_ps(a.hi, b.hi)}; }
  static Reg fmadd(Reg a, Reg b, Reg c) {
    return {_mm256_fmadd_ps(a.lo, b.lo, c.lo), _mm256_fmadd_ps(a.hi, b.hi, c.hi)};
  }

  static float reduce_add(Reg v) {
    const __m256 t = _mm256_add_ps(v.hi, v.lo);
    const __m128 u = _mm_add_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    const __m128 w = _mm_add_ps(u, _mm_movehl_ps(u, u));
    return _mm_cvtss_f32(_mm_add_ss(w, _mm_movehdup_ps(w)));
  }
  static float reduce_max(Reg v) {
    const __m256 t = _mm256_max_ps(v.hi, v.lo);
    const __m128 u = _mm_max_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    const __m128 w = _mm_max_ps(u, _mm_movehl_ps(u, u));
    return _mm_cvtss_f32(_mm_max_ss(w, _mm_movehdup_ps(w)));
  }

  static __m256 scale_by_exponent8(__m256 j, __m256 z) {
    const __m256i n = _mm256_sub_epi32(_mm256_castps_si256(z), _mm256_set1_epi32(0x4B400000));
    const __m256i half = _mm256_srai_epi32(n, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 first =
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(n, half), bias), 23));
    const __m256 second = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(half, bias), 23));
    return _mm256_mul_ps(_mm256_mul_ps(j, first), second);
  }
  static Reg scale_by_exponent(Reg j, Reg z) {
    return {scale_by_exponent8(j.lo, z.lo), scale_by_exponent8(j.hi, z.hi)};
  }
};

}  // namespace

void install_train(train::TrainKernels& table) { train::simd::install<Lanes>(table); }

}  // namespace ck::kernels::avx2
