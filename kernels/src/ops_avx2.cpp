// The element-wise kernels at level avx2: ops_simd.h over ggml's 16-lane AVX-512 register held as two
// __m256 halves, so that lane structure and reduction order stay those of the AVX-512 build.
#include <immintrin.h>

#include "op_kernels.h"
#include "ops_simd.h"

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

  static void to_fp16(uint16_t* p, Reg v) {
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p), _mm256_cvtps_ph(v.lo, _MM_FROUND_TO_NEAREST_INT));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(p + 8), _mm256_cvtps_ph(v.hi, _MM_FROUND_TO_NEAREST_INT));
  }
  static uint16_t to_fp16_one(float x) { return _cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT); }

  // ggml_v_expf (AVX-512) on 8 lanes. _mm512_scalef_ps(j, n) is j * 2^n rounded once; with |n| <= 192 it
  // is formed as (j * 2^(n - n/2)) * 2^(n/2): both powers are normal floats and the first product is
  // exact (j is near 1), so only the second rounds. Lanes with |n| > 192 are replaced as ggml does.
  static __m256 expf8(__m256 x) {
    const __m256 r = _mm256_set1_ps(0x1.8p23f);
    const __m256 z = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), r);
    const __m256 n = _mm256_sub_ps(z, r);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                      _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
    const __m256 d = _mm256_cmp_ps(abs_n, _mm256_set1_ps(192), _CMP_GT_OQ);
    const __m256 u = _mm256_mul_ps(b, b);
    const __m256 j = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), u,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        u, _mm256_fmadd_ps(_mm256_set1_ps(0x1.ffffecp-1f), b, _mm256_set1_ps(1.0f)));
    const __m256i e = _mm256_cvtps_epi32(n);  // exact: n is integral (NaN lanes: j is NaN already)
    const __m256i e_half = _mm256_srai_epi32(e, 1);
    const __m256i bias = _mm256_set1_epi32(127);
    const __m256 first =
        _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(_mm256_sub_epi32(e, e_half), bias), 23));
    const __m256 second = _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(e_half, bias), 23));
    const __m256 res = _mm256_mul_ps(_mm256_mul_ps(j, first), second);
    if (_mm256_testz_ps(d, d)) return res;
    const __m256 n_le_zero = _mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ);
    const __m256 alt = _mm256_andnot_ps(n_le_zero, _mm256_set1_ps(__builtin_huge_valf()));
    return _mm256_blendv_ps(res, alt, d);
  }
  static Reg expf(Reg x) { return {expf8(x.lo), expf8(x.hi)}; }
};

}  // namespace

void install_ops(OpKernels& table) { simd::install<Lanes>(table); }

}  // namespace ck::kernels::avx2
