// The training row kernels at level avx2: train_simd.h over a 16-lane register held as two __m256 halves,
// so that the lane structure and the reduction trees are those of the other levels.
#include <immintrin.h>

#include "../lanes16_avx2.h"
#include "train_kernels.h"
#include "train_simd.h"

namespace ck::kernels::avx2 {
namespace {

struct Lanes : Lanes16 {
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
