// The element-wise kernels at level avx2: ops_simd.h over ggml's 16-lane AVX-512 register held as two
// __m256 halves, so that lane structure and reduction order stay those of the AVX-512 build.
#include <immintrin.h>

#include "lanes16_avx2.h"
#include "op_kernels.h"
#include "ops_simd.h"

namespace ck::kernels::avx2 {
namespace {

struct Lanes : Lanes16 {
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
