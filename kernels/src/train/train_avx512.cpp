// The training row kernels at level avx512: train_simd.h over __m512.
#include "../gcc_bug_105593.h"
CK_GCC_105593_BEGIN
#include <immintrin.h>
CK_GCC_105593_END

#include "../lanes16_avx512.h"
#include "train_kernels.h"
#include "train_simd.h"

namespace ck::kernels::avx512 {
namespace {

struct Lanes : Lanes16 {
  static Reg scale_by_exponent(Reg j, Reg z) {
    const __m512i n = _mm512_sub_epi32(_mm512_castps_si512(z), _mm512_set1_epi32(0x4B400000));
    const __m512i half = _mm512_srai_epi32(n, 1);
    const __m512i bias = _mm512_set1_epi32(127);
    const Reg first =
        _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(_mm512_sub_epi32(n, half), bias), 23));
    const Reg second = _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(half, bias), 23));
    return _mm512_mul_ps(_mm512_mul_ps(j, first), second);
  }
};

}  // namespace

void install_train(train::TrainKernels& table) { train::simd::install<Lanes>(table); }

}  // namespace ck::kernels::avx512
