// Sixteen fp32 lanes at level avx512: one __m512, for code written once over a 16-lane register
// (ops_simd.h, train/train_simd.h). Include only from files compiled for avx512 (kernels/CMakeLists.txt):
// the struct is in an unnamed namespace, so every such file has its own copy and no symbol is shared
// across levels (isa_isolation). Level-specific extras derive from it. GCC 12's AVX-512 intrinsics fill
// their unused pass-through operands with _mm512_undefined_ps(), a self-initialised variable its
// uninitialised-use warnings then report (GCC bug 105593).
#pragma once

#include "gcc_bug_105593.h"
CK_GCC_105593_BEGIN
#include <immintrin.h>
CK_GCC_105593_END

namespace ck::kernels::avx512 {
namespace {

struct Lanes16 {
  using Reg = __m512;
  static Reg load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, Reg v) { _mm512_storeu_ps(p, v); }
  static Reg set1(float x) { return _mm512_set1_ps(x); }
  static Reg zero() { return _mm512_setzero_ps(); }
  static Reg add(Reg a, Reg b) { return _mm512_add_ps(a, b); }
  static Reg sub(Reg a, Reg b) { return _mm512_sub_ps(a, b); }
  static Reg mul(Reg a, Reg b) { return _mm512_mul_ps(a, b); }
  static Reg div(Reg a, Reg b) { return _mm512_div_ps(a, b); }
  static Reg min(Reg a, Reg b) { return _mm512_min_ps(a, b); }
  static Reg max(Reg a, Reg b) { return _mm512_max_ps(a, b); }
  static Reg fmadd(Reg a, Reg b, Reg c) { return _mm512_fmadd_ps(a, b, c); }
  static Reg fmsub(Reg a, Reg b, Reg c) { return _mm512_fmsub_ps(a, b, c); }
  static Reg fmaddsub(Reg a, Reg b, Reg c) { return _mm512_fmaddsub_ps(a, b, c); }
  static Reg dup_even(Reg v) { return _mm512_moveldup_ps(v); }
  static Reg dup_odd(Reg v) { return _mm512_movehdup_ps(v); }
  static Reg swap_pairs(Reg v) { return _mm512_permute_ps(v, 0xB1); }

  // _mm512_reduce_add_ps as GCC 12 expands it (lanes.h's reduce16).
  static float reduce_add(Reg v) {
    const __m256 t = _mm256_add_ps(_mm512_extractf32x8_ps(v, 1), _mm512_castps512_ps256(v));
    const __m128 u = _mm_add_ps(_mm256_extractf128_ps(t, 1), _mm256_castps256_ps128(t));
    const __m128 w = _mm_add_ps(u, _mm_movehl_ps(u, u));  // u0 + u2, u1 + u3
    return _mm_cvtss_f32(_mm_add_ss(w, _mm_movehdup_ps(w)));
  }
  static float reduce_max(Reg v) { return _mm512_reduce_max_ps(v); }
};

}  // namespace
}  // namespace ck::kernels::avx512
