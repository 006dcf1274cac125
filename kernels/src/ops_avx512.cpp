// The element-wise kernels at level avx512: ops_simd.h over __m512, the register ggml's own kernels use
// (ggml_v_expf below is ggml's, instruction for instruction).
// GCC 12's AVX-512 intrinsics fill their unused pass-through operands with _mm512_undefined_ps(), a
// self-initialised variable its uninitialised-use warnings then report (GCC bug 105593).
#include "gcc_bug_105593.h"
CK_GCC_105593_BEGIN
#include <immintrin.h>
CK_GCC_105593_END

#include "lanes16_avx512.h"
#include "op_kernels.h"
#include "ops_simd.h"

namespace ck::kernels::avx512 {
namespace {

struct Lanes : Lanes16 {
  static void to_fp16(uint16_t* p, Reg v) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(p), _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT));
  }
  static uint16_t to_fp16_one(float x) { return _cvtss_sh(x, _MM_FROUND_TO_NEAREST_INT); }

  // ggml_v_expf (AVX-512).
  static Reg expf(Reg x) {
    const Reg r = _mm512_set1_ps(0x1.8p23f);
    const Reg z = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), r);
    const Reg n = _mm512_sub_ps(z, r);
    const Reg b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f),
                                   _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __mmask16 d = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192), _CMP_GT_OQ);
    const Reg u = _mm512_mul_ps(b, b);
    const Reg j = _mm512_fmadd_ps(
        _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)), u,
                        _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f))),
        u, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    const Reg res = _mm512_scalef_ps(j, n);
    if (_mm512_kortestz(d, d)) return res;
    const Reg alt = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ),
                                         _mm512_set1_ps(__builtin_huge_valf()), _mm512_setzero_ps());
    return _mm512_mask_blend_ps(d, res, alt);
  }
};

}  // namespace

void install_ops(OpKernels& table) { simd::install<Lanes>(table); }

}  // namespace ck::kernels::avx512
