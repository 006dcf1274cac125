// Sixteen fp32 lanes at level avx2, as two __m256 (lanes 0-7 and 8-15), so that code written once over a
// 16-lane register (ops_simd.h, train/train_simd.h) has the same lane structure, and so computes the same
// bits, at every level. Include only from files compiled for avx2 (kernels/CMakeLists.txt): the struct is
// in an unnamed namespace, so every such file has its own copy and no symbol is shared across levels
// (isa_isolation). Level-specific extras derive from it.
#pragma once

#include <immintrin.h>

namespace ck::kernels::avx2 {
namespace {

struct Lanes16 {
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
  static Reg fmsub(Reg a, Reg b, Reg c) {
    return {_mm256_fmsub_ps(a.lo, b.lo, c.lo), _mm256_fmsub_ps(a.hi, b.hi, c.hi)};
  }
  static Reg fmaddsub(Reg a, Reg b, Reg c) {
    return {_mm256_fmaddsub_ps(a.lo, b.lo, c.lo), _mm256_fmaddsub_ps(a.hi, b.hi, c.hi)};
  }
  static Reg dup_even(Reg v) { return {_mm256_moveldup_ps(v.lo), _mm256_moveldup_ps(v.hi)}; }
  static Reg dup_odd(Reg v) { return {_mm256_movehdup_ps(v.lo), _mm256_movehdup_ps(v.hi)}; }
  static Reg swap_pairs(Reg v) { return {_mm256_permute_ps(v.lo, 0xB1), _mm256_permute_ps(v.hi, 0xB1)}; }

  // _mm512_reduce_add_ps's order: the 256-bit halves first, then as lanes.h's reduce16.
  static float reduce_add(Reg v) {
    const __m256 t = _mm256_add_ps(v.hi, v.lo);
    const __m128 u = _mm_add_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    const __m128 w = _mm_add_ps(u, _mm_movehl_ps(u, u));
    return _mm_cvtss_f32(_mm_add_ss(w, _mm_movehdup_ps(w)));
  }
  static float reduce_max(Reg v) {
    const __m256 t = _mm256_max_ps(v.lo, v.hi);
    __m128 u = _mm_max_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    u = _mm_max_ps(u, _mm_movehl_ps(u, u));
    return _mm_cvtss_f32(_mm_max_ss(u, _mm_movehdup_ps(u)));
  }
};

}  // namespace
}  // namespace ck::kernels::avx2
