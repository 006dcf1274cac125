// The x86 SIMD activation quantizers, compiled once per level like dot_x86.h (which includes this file
// inside its level namespace). Each computes exactly what the scalar reference in
// quantize_activations.cpp computes (which is what ggml's x86 from_float does): the same products, the
// same round-to-nearest-even, the same fp16/bf16 rounding of scales.

// ---------------------------------------------------------------------------------------------------
// Q8_0 and Q8_1: a block of 32 as four registers of 8.

struct Q8Block {
  __m256i q[4];  // the rounded quants, 8 int32 each
  float d;       // amax / 127
};

Q8Block quantize_q8_block(const float* x) {
  __m256 v[4];
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  __m256 amax = _mm256_setzero_ps();
  for (int i = 0; i < 4; ++i) {
    v[i] = _mm256_loadu_ps(x + 8 * i);
    amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, v[i]));
  }
  __m128 m = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const float max_scalar = _mm_cvtss_f32(m);
  Q8Block block;
  block.d = max_scalar / 127.0f;
  const __m256 id = _mm256_set1_ps(max_scalar != 0.0f ? 127.0f / max_scalar : 0.0f);
  for (int i = 0; i < 4; ++i)
    block.q[i] = _mm256_cvtps_epi32(_mm256_round_ps(_mm256_mul_ps(v[i], id), _MM_FROUND_TO_NEAREST_INT));
  return block;
}

// 32 int32 in [-127, 127] to 32 bytes in element order (the packs interleave 128-bit lanes; the
// permutation undoes it).
__m256i pack_bytes(const __m256i (&q)[4]) {
  const __m256i words = _mm256_packs_epi32(q[0], q[1]);
  const __m256i words2 = _mm256_packs_epi32(q[2], q[3]);
  return _mm256_permutevar8x32_epi32(_mm256_packs_epi16(words, words2),
                                     _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

uint16_t float_to_half(float f) { return static_cast<uint16_t>(_cvtss_sh(f, _MM_FROUND_TO_NEAREST_INT)); }

int32_t sum_dwords(__m256i v) {
  __m128i s = _mm_add_epi32(_mm256_extracti128_si256(v, 1), _mm256_castsi256_si128(v));
  s = _mm_add_epi32(s, _mm_srli_si128(s, 8));
  return _mm_cvtsi128_si32(_mm_add_epi32(s, _mm_srli_si128(s, 4)));
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / 32; ++b) {
    const Q8Block block = quantize_q8_block(src + 32 * b);
    out[b].scale = float_to_half(block.d);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].quants), pack_bytes(block.q));
  }
}

void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / 32; ++b) {
    const Q8Block block = quantize_q8_block(src + 32 * b);
    out[b].scale = float_to_half(block.d);
    const __m256i sum =
        _mm256_add_epi32(_mm256_add_epi32(block.q[0], block.q[1]), _mm256_add_epi32(block.q[2], block.q[3]));
    // The fp32 d, not the stored fp16 one, times the integer sum.
    out[b].scale_times_sum = float_to_half(block.d * static_cast<float>(sum_dwords(sum)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out[b].quants), pack_bytes(block.q));
  }
}

// ---------------------------------------------------------------------------------------------------
// Q8_K: the scale from the signed value of the first element of largest magnitude.

float signed_max(const float* x) {
  const __m256 sign_bit = _mm256_set1_ps(-0.0f);
  __m256 amax = _mm256_setzero_ps();
  for (int i = 0; i < 256; i += 8)
    amax = _mm256_max_ps(amax, _mm256_andnot_ps(sign_bit, _mm256_loadu_ps(x + i)));
  __m128 m = _mm_max_ps(_mm256_extractf128_ps(amax, 1), _mm256_castps256_ps128(amax));
  m = _mm_max_ps(m, _mm_movehl_ps(m, m));
  m = _mm_max_ss(m, _mm_movehdup_ps(m));
  const __m256 target = _mm256_set1_ps(_mm_cvtss_f32(m));
  for (int i = 0; i < 256; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    const int hits = _mm256_movemask_ps(_mm256_cmp_ps(_mm256_andnot_ps(sign_bit, v), target, _CMP_EQ_OQ));
    if (hits != 0) return x[i + __builtin_ctz(static_cast<unsigned>(hits))];
  }
  return 0.0f;
}

void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* out = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / 256; ++b, src += 256) {
    BlockQ8_K& block = out[b];
    const float max = signed_max(src);
    if (max == 0.0f) {
      __builtin_memset(&block, 0, sizeof(block));  // as the reference: zeros, scale 0
      continue;
    }
    const float inverse_scale = -127.0f / max;
    const __m256 mul = _mm256_set1_ps(inverse_scale);
    for (int c = 0; c < 8; ++c) {
      __m256i q[4];
      for (int i = 0; i < 4; ++i) {
        const __m256 v = _mm256_mul_ps(mul, _mm256_loadu_ps(src + 32 * c + 8 * i));
        q[i] = _mm256_min_epi32(_mm256_cvtps_epi32(_mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT)),
                                _mm256_set1_epi32(127));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(block.quants + 32 * c), pack_bytes(q));
      block.group_sums[2 * c] = static_cast<int16_t>(sum_dwords(_mm256_add_epi32(q[0], q[1])));
      block.group_sums[2 * c + 1] = static_cast<int16_t>(sum_dwords(_mm256_add_epi32(q[2], q[3])));
    }
    block.scale = 1.0f / inverse_scale;
  }
}

// ---------------------------------------------------------------------------------------------------
// F16 and BF16.

void quantize_row_f16(const float* src, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm_storeu_si128(reinterpret_cast<__m128i*>(h + i),
                     _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
  for (; i < n; ++i) h[i] = float_to_half(src[i]);
}

// fp32 to bf16, round to nearest even, NaNs quiet with their top payload bits; with flush, denormal
// inputs read as zeros of their sign (VCVTNE2PS2BF16).
__m256i bf16_of(__m256 v, bool flush) {
  __m256i bits = _mm256_castps_si256(v);
  if (flush) {
    const __m256i exponent_zero =
        _mm256_cmpeq_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7F800000)), _mm256_setzero_si256());
    bits = _mm256_blendv_epi8(bits, _mm256_and_si256(bits, _mm256_set1_epi32(INT32_MIN)), exponent_zero);
  }
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(bits, _mm256_add_epi32(lsb, _mm256_set1_epi32(0x7FFF))), 16);
  const __m256i nan = _mm256_cmpgt_epi32(_mm256_and_si256(bits, _mm256_set1_epi32(0x7FFFFFFF)),
                                         _mm256_set1_epi32(0x7F800000));
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(bits, 16), _mm256_set1_epi32(0x40));
  return _mm256_blendv_epi8(rounded, quiet, nan);
}

void store_bf16x8(uint16_t* dst, __m256i words32) {
  const __m256i packed = _mm256_packus_epi32(words32, words32);
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst),
                   _mm256_castsi256_si128(_mm256_permute4x64_epi64(packed, 0x08)));
}

// ggml_fp32_to_bf16_row: runs of 32 as VCVTNE2PS2BF16 converts them, the rest without the flush.
void quantize_row_bf16(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<uint16_t*>(dst);
  const int64_t vector_end = n & ~int64_t{31};
  int64_t i = 0;
#if defined(__AVX512BF16__)
  // Per element the 256-bit form of the instruction converts as ggml's 512-bit one.
  for (; i < vector_end; i += 16)
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(b + i),
                        reinterpret_cast<__m256i>(
                            _mm256_cvtne2ps_pbh(_mm256_loadu_ps(src + i + 8), _mm256_loadu_ps(src + i))));
#else
  for (; i < vector_end; i += 8) store_bf16x8(b + i, bf16_of(_mm256_loadu_ps(src + i), true));
#endif
  for (; i + 8 <= n; i += 8) store_bf16x8(b + i, bf16_of(_mm256_loadu_ps(src + i), false));
  for (; i < n; ++i) {
    alignas(32) float one[8] = {src[i]};
    alignas(16) uint16_t converted[8];
    store_bf16x8(converted, bf16_of(_mm256_load_ps(one), false));
    b[i] = converted[0];
  }
}

void install_quantizers(KernelTable& table) {
  using T = TensorType;
  table.quantizer(T::f16) = quantize_row_f16;
  table.quantizer(T::bf16) = quantize_row_bf16;
  table.quantizer(T::q8_0) = quantize_row_q8_0;
  table.quantizer(T::q8_1) = quantize_row_q8_1;
  table.quantizer(T::q8_k) = quantize_row_q8_k;
}
