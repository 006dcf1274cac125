// The 32-element block types on x86: Q4_0, Q5_0 and Q8_0 (signed), Q5_1 (with mins) and Q4_0
// repacked for ggml's q4_0_8x8 kernels.
// Part of dot_x86.h, which includes it inside its level namespace (see there).

// ---------------------------------------------------------------------------------------------------
// Q4_0, Q5_0, Q8_0 with Q8_0 activations (ggml's AVX2 vec_dot): signed quants of a 32-element block,
// acc = fma(d_w * d_x, lanes, acc) per block, hsum8 at the end.

__m256i signed_quants(const BlockQ4_0& b) {
  return _mm256_sub_epi8(nibbles_of_16(b.quants), _mm256_set1_epi8(8));
}
__m256i signed_quants(const BlockQ5_0& b) {
  return _mm256_sub_epi8(_mm256_or_si256(nibbles_of_16(b.quants), fifth_bits(b.high_bits)),
                         _mm256_set1_epi8(16));
}
__m256i signed_quants(const BlockQ8_0& b) { return load32(b.quants); }

template <class Block>
struct SymmetricBlockDot {
  using Acc = __m256;
  static constexpr int kBlockElements = 32;
  static constexpr int kTileRows = 4;
  static constexpr int kTileTokens = kManyRegisters ? 4 : 2;
  static Acc zero() { return _mm256_setzero_ps(); }
  static float finish(Acc acc) { return hsum8(acc); }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    __m256i q[R], abs_q[R];
    __m256 dw[R];
    for (int r = 0; r < R; ++r) {
      const Block& wb = block_at<Block>(w[r], b);
      q[r] = signed_quants(wb);
      abs_q[r] = _mm256_sign_epi8(q[r], q[r]);
      dw[r] = _mm256_set1_ps(half_to_float(wb.scale));
    }
    for (int t = 0; t < T; ++t) {
      const BlockQ8_0& xb = block_at<BlockQ8_0>(x[t], b);
      const __m256i xq = load32(xb.quants);
      const __m256 dx = _mm256_set1_ps(half_to_float(xb.scale));
      for (int r = 0; r < R; ++r) {
        const __m256i lanes = dot_s8s8(_mm256_setzero_si256(), q[r], abs_q[r], xq);
        acc[r][t] = _mm256_fmadd_ps(_mm256_mul_ps(dw[r], dx), _mm256_cvtepi32_ps(lanes), acc[r][t]);
      }
    }
  }
};

#if defined(__AVX512F__)
CK_GCC_105593_BEGIN
// The same arithmetic with two rows per 512-bit register (row 2i in lanes 0-7, row 2i + 1 in lanes 8-15,
// the token's block broadcast to both halves): each lane still sees exactly its own row's operations,
// and every instruction serves two outputs.
template <class Block>
struct SymmetricBlockDotPairs {
  using Acc = __m512;
  static constexpr int kRowsPerAcc = 2;
  static constexpr int kBlockElements = 32;
  static constexpr int kTileRows = 4;
  static constexpr int kTileTokens = 8;
  static constexpr bool kTakesActivationScales = true;

  // Token t's activation scale: from the panel's fp32 scales where it has them (a memory operand of the
  // multiply), else converted from the block's fp16.
  template <bool kScales>
  static __m512 activation_scale(const float* scales, const BlockQ8_0& xb, int64_t b) {
    if constexpr (kScales)
      return _mm512_set1_ps(scales[b]);
    else
      return _mm512_set1_ps(half_to_float(xb.scale));
  }
  static Acc zero() { return _mm512_setzero_ps(); }
  static float finish(Acc acc, int part) { return hsum8_of_row(acc, part); }

  static __m512i dot(__m512i u, __m512i s) {
#if defined(__AVX512VNNI__)
    return _mm512_dpbusd_epi32(_mm512_setzero_si512(), u, s);
#else
    return _mm512_madd_epi16(_mm512_maddubs_epi16(u, s), _mm512_set1_epi16(1));
#endif
  }

  // The fp16 scales of the R rows' blocks b, converted by one instruction (the same exact conversion as
  // one at a time): pair i gets row 2i's in lanes 0-7 and row 2i + 1's in lanes 8-15.
  template <int R>
  static void row_scales(__m512 (&dw)[R / 2], const std::byte* const (&w)[R], int64_t b) {
    static_assert(R <= 8, "eight fp16 scales per conversion");
    // Gathered in general registers, four per 64 bits: 16-bit stores read back as one vector would wait
    // for the stores to complete (no store forwarding from several stores to one load).
    uint64_t halves[2] = {};
    for (int r = 0; r < R; ++r) halves[r / 4] |= uint64_t{block_at<Block>(w[r], b).scale} << (16 * (r % 4));
    const __m128i packed = _mm_set_epi64x(static_cast<long long>(halves[1]), static_cast<long long>(halves[0]));
    __m512 scales;
    if constexpr (R <= 4)
      scales = _mm512_castps128_ps512(_mm_cvtph_ps(packed));
    else
      scales = _mm512_castps256_ps512(_mm256_cvtph_ps(packed));
    for (int i = 0; i < R / 2; ++i)
      dw[i] = _mm512_permutexvar_ps(
          _mm512_inserti64x4(_mm512_set1_epi32(2 * i), _mm256_set1_epi32(2 * i + 1), 1), scales);
  }

  template <int R, int T, bool kScales>
  static void step(Acc (&acc)[R / 2][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   const float* const (&scales)[T], int64_t b) {
    constexpr int P = R / 2;
    __m512 dw[P];
    row_scales<R>(dw, w, b);
#if defined(__AVX512VNNI__)
    // VPDPBUSD wants one unsigned operand and sums its four products without saturating, so the
    // activations go in as x + 128 (a flip of the top bit) and each lane starts from -128 times its
    // weights' sum: -128 w + (x + 128) . w is exactly x . w. The start depends on the rows only, so it
    // is paid once per tile for all its tokens, where the sign trick below costs an operation per token.
    __m512i q[P], start[P];
    for (int i = 0; i < P; ++i) {
      q[i] = pair_rows(signed_quants(block_at<Block>(w[2 * i], b)), signed_quants(block_at<Block>(w[2 * i + 1], b)));
      start[i] = _mm512_sub_epi32(_mm512_setzero_si512(),
                                  _mm512_dpbusd_epi32(_mm512_setzero_si512(), _mm512_set1_epi8(-128), q[i]));
    }
    for (int t = 0; t < T; ++t) {
      const BlockQ8_0& xb = block_at<BlockQ8_0>(x[t], b);
      const __m512i x_biased = _mm512_xor_si512(both_halves(xb.quants), _mm512_set1_epi8(-128));
      const __m512 dx = activation_scale<kScales>(scales[t], xb, b);
      for (int i = 0; i < P; ++i) {
        const __m512i lanes = _mm512_dpbusd_epi32(start[i], x_biased, q[i]);
        acc[i][t] = _mm512_fmadd_ps(_mm512_mul_ps(dw[i], dx), _mm512_cvtepi32_ps(lanes), acc[i][t]);
      }
    }
#else
    __m512i abs_q[P];
    __mmask64 negative[P];
    for (int i = 0; i < P; ++i) {
      const __m512i q = pair_rows(signed_quants(block_at<Block>(w[2 * i], b)),
                                  signed_quants(block_at<Block>(w[2 * i + 1], b)));
      abs_q[i] = _mm512_abs_epi8(q);
      negative[i] = _mm512_movepi8_mask(q);
    }
    for (int t = 0; t < T; ++t) {
      const BlockQ8_0& xb = block_at<BlockQ8_0>(x[t], b);
      const __m512i xq = both_halves(xb.quants);
      const __m512 dx = activation_scale<kScales>(scales[t], xb, b);
      for (int i = 0; i < P; ++i) {
        const __m512i lanes = dot(abs_q[i], sign_of(xq, negative[i]));
        acc[i][t] = _mm512_fmadd_ps(_mm512_mul_ps(dw[i], dx), _mm512_cvtepi32_ps(lanes), acc[i][t]);
      }
    }
#endif
  }
};

CK_GCC_105593_END

template <class Block>
using SymmetricDot = SymmetricBlockDotPairs<Block>;
#else
template <class Block>
using SymmetricDot = SymmetricBlockDot<Block>;
#endif

// ---------------------------------------------------------------------------------------------------
// Q5_1 with Q8_1 (ggml's AVX2 vec_dot): unsigned quants; the mins enter a scalar sum by FMA.

struct Q5_1Acc {
  __m256 lanes;
  float mins;
};

struct Q5_1Dot {
  using Acc = Q5_1Acc;
  static constexpr int kBlockElements = 32;
  static constexpr int kTileRows = 4;
  static constexpr int kTileTokens = kManyRegisters ? 4 : 2;
  static Acc zero() { return {_mm256_setzero_ps(), 0.0f}; }
  static float finish(const Acc& acc) { return hsum8(acc.lanes) + acc.mins; }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    __m256i q[R];
    float dw[R], mw[R];
    for (int r = 0; r < R; ++r) {
      const BlockQ5_1& wb = block_at<BlockQ5_1>(w[r], b);
      q[r] = _mm256_or_si256(nibbles_of_16(wb.quants), fifth_bits(wb.high_bits));
      dw[r] = half_to_float(wb.scale);
      mw[r] = half_to_float(wb.min);
    }
    for (int t = 0; t < T; ++t) {
      const BlockQ8_1& xb = block_at<BlockQ8_1>(x[t], b);
      const __m256i xq = load32(xb.quants);
      const float dx = half_to_float(xb.scale);
      const float sx = half_to_float(xb.scale_times_sum);
      for (int r = 0; r < R; ++r) {
        acc[r][t].mins = __builtin_fmaf(mw[r], sx, acc[r][t].mins);
        const __m256i lanes = dot_u8s8(_mm256_setzero_si256(), q[r], xq);
        acc[r][t].lanes =
            _mm256_fmadd_ps(_mm256_cvtepi32_ps(lanes), _mm256_set1_ps(dw[r] * dx), acc[r][t].lanes);
      }
    }
  }
};

// ---------------------------------------------------------------------------------------------------
// Q4_0 repacked (ggml's q4_0_8x8 gemv/gemm): a float accumulator per output, fma(block sum, d_w * d_x)
// per block. Eight rows' lane vectors are summed together, which puts the eight block sums in the lanes
// of one register, and the eight outputs advance with one vector FMA.

// Lane k of the result: the sum of the eight dwords of v[k] (exact integer sums in any order).
__m256i sum_each(const __m256i (&v)[8]) {
  const __m256i v01 = _mm256_hadd_epi32(v[0], v[1]);
  const __m256i v23 = _mm256_hadd_epi32(v[2], v[3]);
  const __m256i v45 = _mm256_hadd_epi32(v[4], v[5]);
  const __m256i v67 = _mm256_hadd_epi32(v[6], v[7]);
  const __m256i v0123 = _mm256_hadd_epi32(v01, v23);
  const __m256i v4567 = _mm256_hadd_epi32(v45, v67);
  return _mm256_add_epi32(_mm256_permute2x128_si256(v0123, v4567, 0x20),
                          _mm256_permute2x128_si256(v0123, v4567, 0x31));
}

struct RepackedQ4_0Dot {
  using Acc = float;
  static constexpr int kBlockElements = 32;
  static constexpr int kTileRows = 8;
  static constexpr int kTileTokens = kManyRegisters ? 4 : 2;
  static constexpr bool kFixedTileRows = true;  // the repacked layout interleaves eight rows
  static Acc zero() { return 0.0f; }
  static float finish(Acc acc) { return acc; }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    static_assert(R == 8 || R == 1, "rows are summed eight at a time, or alone");
    __m256i q[R], abs_q[R];
    float dw[R];
    for (int r = 0; r < R; ++r) {
      const BlockQ4_0& wb = block_at<BlockQ4_0>(w[r], b);
      q[r] = signed_quants(wb);
      abs_q[r] = _mm256_sign_epi8(q[r], q[r]);
      dw[r] = half_to_float(wb.scale);
    }
    for (int t = 0; t < T; ++t) {
      const BlockQ8_0& xb = block_at<BlockQ8_0>(x[t], b);
      const __m256i xq = load32(xb.quants);
      const float dx = half_to_float(xb.scale);
      __m256i lanes[8];
      for (int r = 0; r < R; ++r) lanes[r] = dot_s8s8(_mm256_setzero_si256(), q[r], abs_q[r], xq);
      for (int r = R; r < 8; ++r) lanes[r] = _mm256_setzero_si256();
      alignas(32) float sums[8], d[8];
      _mm256_store_ps(sums, _mm256_cvtepi32_ps(sum_each(lanes)));
      for (int r = 0; r < R; ++r) d[r] = dw[r] * dx;
      for (int r = 0; r < R; ++r) acc[r][t] = __builtin_fmaf(sums[r], d[r], acc[r][t]);
    }
  }
};
