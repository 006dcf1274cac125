// The K-quants on x86: Q4_K, Q5_K and Q6_K with Q8_K activations.
// Part of dot_x86.h, which includes it inside its level namespace (see there).

// The K-quants with Q8_K (ggml's AVX2 vec_dot): per super-block, eight chunks of 32 elements whose dword
// lanes are scaled by the sub-block scales in 16-bit products; then one FMA per super-block and lane.

// The 8 scales (bytes 0-7) and 8 mins (bytes 8-15) of Q4_K/Q5_K, 6 bits each, from their 12 packed bytes
// (layout in blocks.h).
__m128i unpack_scales_mins(const uint8_t* packed) {
  uint32_t u[4];
  __builtin_memcpy(u, packed, 12);
  constexpr uint32_t kLow6 = 0x3f3f3f3f, kLow4 = 0x0f0f0f0f, kLow2 = 0x03030303;
  u[3] = ((u[2] >> 4) & kLow4) | (((u[1] >> 6) & kLow2) << 4);
  const uint32_t mins_low = u[1] & kLow6;
  u[1] = (u[2] & kLow4) | (((u[0] >> 6) & kLow2) << 4);
  u[2] = mins_low;
  u[0] &= kLow6;
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(u));
}

// The mins' share of a super-block: dwords k = mins[2k] * (sums of sub-block 2k) + mins[2k + 1] * (sums
// of sub-block 2k + 1), as ggml computes it from Q8_K's group sums.
__m128i mins_products(__m128i mins16, const BlockQ8_K& xb) {
  const __m128i sums_low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.group_sums));
  const __m128i sums_high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.group_sums + 8));
  return _mm_madd_epi16(mins16, _mm_hadd_epi16(sums_low, sums_high));
}

struct Q4KAcc {
  __m256 lanes;
  __m128 mins;
};

// Q4_K and Q5_K differ in how a chunk's unsigned quants are unpacked and in how the mins are summed.
template <class Block>
struct Q45KDot {
  static constexpr bool kVectorMins = sizeof(Block) == sizeof(BlockQ4_K);
  using Acc = Q4KAcc;  // Q5_K keeps its scalar sum of mins in lane 0 of .mins
  static constexpr int kBlockElements = 256;
  static constexpr int kTileRows = 2;
  static constexpr int kTileTokens = 2;
  static Acc zero() { return {_mm256_setzero_ps(), _mm_setzero_ps()}; }
  static float finish(const Acc& acc) { return hsum8(acc.lanes) + finish_mins(acc.mins); }

  // Unsigned quants of chunk c (0..7): low nibbles for even c, high nibbles for odd c, plus Q5_K's bit.
  static __m256i chunk(const Block& wb, int c) {
    const __m256i packed = load32(wb.quants + 32 * (c / 2));
    const __m256i nibbles =
        _mm256_and_si256(c % 2 == 0 ? packed : _mm256_srli_epi16(packed, 4), _mm256_set1_epi8(0x0F));
    if constexpr (kVectorMins) {
      return nibbles;
    } else {
      const __m256i high = _mm256_and_si256(_mm256_srli_epi16(load32(wb.high_bits), c), _mm256_set1_epi8(1));
      return _mm256_or_si256(nibbles, _mm256_slli_epi16(high, 4));
    }
  }

  // The mins' share of a super-block into the running mins: four FMA lanes (Q4_K), or their exact
  // integer total into a scalar FMA sum kept in lane 0 (Q5_K).
  static __m128 add_mins(__m128 mins, float dmin, __m128i prod) {
    if constexpr (kVectorMins) {
      return _mm_fmadd_ps(_mm_set1_ps(dmin), _mm_cvtepi32_ps(prod), mins);
    } else {
      const __m128i pairs = _mm_add_epi32(prod, _mm_srli_si128(prod, 8));
      const int32_t total = _mm_cvtsi128_si32(_mm_add_epi32(pairs, _mm_srli_si128(pairs, 4)));
      return _mm_set_ss(__builtin_fmaf(dmin, static_cast<float>(total), _mm_cvtss_f32(mins)));
    }
  }
  static float finish_mins(__m128 mins) {
    if constexpr (kVectorMins)
      return hsum4(mins);
    else
      return _mm_cvtss_f32(mins);
  }

  // What R rows' block b holds besides the quants (6-bit scales and mins, super-block factors), unpacked
  // once for every token of a tile.
  template <int R>
  struct BlockHeaders {
    const Block* wb[R];
    uint8_t scales[R][8];
    __m128i mins16[R];
    float dw[R], dminw[R];
    BlockHeaders(const std::byte* const (&w)[R], int64_t b) {
      for (int r = 0; r < R; ++r) {
        wb[r] = &block_at<Block>(w[r], b);
        const __m128i scales_mins = unpack_scales_mins(wb[r]->scales);
        _mm_storel_epi64(reinterpret_cast<__m128i*>(scales[r]), scales_mins);
        mins16[r] = _mm_cvtepu8_epi16(_mm_srli_si128(scales_mins, 8));
        dw[r] = half_to_float(wb[r]->d);
        dminw[r] = half_to_float(wb[r]->dmin);
      }
    }
  };

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const BlockHeaders<R> headers(w, b);
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);

    __m256i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      __m256i q[R], scale16[R];
      for (int r = 0; r < R; ++r) {
        q[r] = chunk(*headers.wb[r], c);
        scale16[r] = _mm256_set1_epi16(headers.scales[r][c]);
      }
      for (int t = 0; t < T; ++t) {
        const __m256i xq = load32(xb[t]->quants + 32 * c);
        for (int r = 0; r < R; ++r) sums[r][t] = dot_u8s8_scaled(sums[r][t], q[r], xq, scale16[r]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) accumulate(acc[r][t], headers, r, *xb[t], sums[r][t]);
  }

  // A super-block's share of one output, from its integer lane sums.
  template <int R>
  static void accumulate(Acc& acc, const BlockHeaders<R>& headers, int r, const BlockQ8_K& xb, __m256i sums) {
    const float dx = xb.scale;
    acc.mins = add_mins(acc.mins, -dx * headers.dminw[r], mins_products(headers.mins16[r], xb));
    acc.lanes = _mm256_fmadd_ps(_mm256_set1_ps(dx * headers.dw[r]), _mm256_cvtepi32_ps(sums), acc.lanes);
  }
};

#if defined(__AVX512F__)
CK_GCC_105593_BEGIN
// The K-quants at the AVX-512 levels hold two consecutive 32-element chunks of one row per register: chunk
// 2k in the low 256 bits, chunk 2k + 1 in the high. Q4_K and Q5_K keep chunks 2k and 2k + 1 in the low and
// high nibbles of the same 32 bytes, Q6_K two chunks in 64 consecutive bytes, and Q8_K the activations of
// both in 64 consecutive bytes: so one load and a variable shift unpack the weights, and the activations go
// straight from memory into the multiply. The two halves' integer lane sums are added before the
// super-block's FMA, which leaves exactly the eight lanes the 256-bit kernel (and ggml) has: integer sums
// are exact in any order.

template <class Block>
struct Q45KDotChunkPairs {
  using Row = Q45KDot<Block>;
  using Acc = typename Row::Acc;
  static constexpr int kBlockElements = 256;
  static constexpr int kTileRows = 4;
  static constexpr int kTileTokens = 4;
  static Acc zero() { return Row::zero(); }
  static float finish(const Acc& acc) { return Row::finish(acc); }

  // Unsigned quants of chunks 2k and 2k + 1; `pair` is words_by_half(2k, 2k + 1).
  static __m512i chunk_pair(const Block& wb, int k, __m512i pair) {
    const __m512i packed = _mm512_broadcast_i64x4(load32(wb.quants + 32 * k));
    const __m512i nibbles =
        _mm512_and_si512(_mm512_srlv_epi16(packed, words_by_half(0, 4)), _mm512_set1_epi8(0x0F));
    if constexpr (Row::kVectorMins) {
      return nibbles;
    } else {
      const __m512i high = _mm512_srlv_epi16(_mm512_broadcast_i64x4(load32(wb.high_bits)), pair);
      return _mm512_or_si512(nibbles, _mm512_and_si512(_mm512_slli_epi16(high, 4), _mm512_set1_epi8(0x10)));
    }
  }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const typename Row::template BlockHeaders<R> headers(w, b);
    __m512i scale_words[R];  // words 0-7: the eight sub-block scales
    for (int r = 0; r < R; ++r)
      scale_words[r] = _mm512_castsi256_si512(
          _mm256_cvtepu8_epi16(_mm_loadl_epi64(reinterpret_cast<const __m128i*>(headers.scales[r]))));
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);

    __m512i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm512_setzero_si512();
    __m512i pair = words_by_half(0, 1);
    for (int k = 0; k < 4; ++k, pair = _mm512_add_epi16(pair, _mm512_set1_epi16(2))) {
      __m512i q[R], scale16[R];
      for (int r = 0; r < R; ++r) {
        q[r] = chunk_pair(*headers.wb[r], k, pair);
        scale16[r] = _mm512_permutexvar_epi16(pair, scale_words[r]);
      }
      for (int t = 0; t < T; ++t) {
        const __m512i xq = _mm512_loadu_si512(xb[t]->quants + 64 * k);
        for (int r = 0; r < R; ++r) sums[r][t] = dot_u8s8_scaled(sums[r][t], q[r], xq, scale16[r]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) Row::accumulate(acc[r][t], headers, r, *xb[t], fold_halves(sums[r][t]));
  }
};
CK_GCC_105593_END

template <class Block>
using KQuantDot = Q45KDotChunkPairs<Block>;
#else
template <class Block>
using KQuantDot = Q45KDot<Block>;
#endif

// Q6_K: 6-bit quants less 32 in signed form, a scale per 16 elements.
struct Q6KDot {
  using Acc = __m256;
  static constexpr int kBlockElements = 256;
  static constexpr int kTileRows = 2;
  static constexpr int kTileTokens = kManyRegisters ? 4 : 2;
  static Acc zero() { return _mm256_setzero_ps(); }
  static float finish(Acc acc) { return hsum8(acc); }

  // Signed quants of chunk c (0..7) = elements 32c..32c+31 (layout in dequantize.cpp and dot.cpp).
  static __m256i chunk(const BlockQ6_K& wb, int c) {
    const int half = c / 4, part = c % 4;
    const __m256i low = load32(wb.low_bits + 64 * half + 32 * (part % 2));
    const __m256i nibbles =
        _mm256_and_si256(part < 2 ? low : _mm256_srli_epi16(low, 4), _mm256_set1_epi8(0x0F));
    const __m256i high =
        _mm256_and_si256(_mm256_srli_epi16(load32(wb.high_bits + 32 * half), 2 * part), _mm256_set1_epi8(3));
    return _mm256_sub_epi8(_mm256_or_si256(nibbles, _mm256_slli_epi16(high, 4)), _mm256_set1_epi8(32));
  }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const BlockQ6_K* wb[R];
    for (int r = 0; r < R; ++r) wb[r] = &block_at<BlockQ6_K>(w[r], b);
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);
    __m256i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      __m256i q[R], abs_q[R], scale16[R];
      for (int r = 0; r < R; ++r) {
        q[r] = chunk(*wb[r], c);
        abs_q[r] = _mm256_sign_epi8(q[r], q[r]);
        scale16[r] =
            _mm256_set_m128i(_mm_set1_epi16(wb[r]->scales[2 * c + 1]), _mm_set1_epi16(wb[r]->scales[2 * c]));
      }
      for (int t = 0; t < T; ++t) {
        const __m256i xq = load32(xb[t]->quants + 32 * c);
        for (int r = 0; r < R; ++r)
          sums[r][t] = dot_u8s8_scaled(sums[r][t], abs_q[r], _mm256_sign_epi8(xq, q[r]), scale16[r]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) accumulate(acc[r][t], *wb[r], *xb[t], sums[r][t]);
  }

  // A super-block's share of one output, from its integer lane sums.
  static void accumulate(Acc& acc, const BlockQ6_K& wb, const BlockQ8_K& xb, __m256i sums) {
    acc = _mm256_fmadd_ps(_mm256_set1_ps(xb.scale * half_to_float(wb.d)), _mm256_cvtepi32_ps(sums), acc);
  }
};

#if defined(__AVX512F__)
CK_GCC_105593_BEGIN
// Q6_K with two chunks per register, as Q45KDotChunkPairs.
struct Q6KDotChunkPairs {
  using Acc = Q6KDot::Acc;
  static constexpr int kBlockElements = 256;
  static constexpr int kTileRows = 4;
  static constexpr int kTileTokens = 4;
  static Acc zero() { return Q6KDot::zero(); }
  static float finish(Acc acc) { return Q6KDot::finish(acc); }

  // Signed quants of chunks 2k and 2k + 1: chunk c's low four bits are in the nibbles of 32 bytes at
  // low_bits + 64 (c / 4) + 32 (c % 2) (low nibbles for c % 4 < 2), its high two bits in bits 2 (c % 4)
  // of the 32 bytes at high_bits + 32 (c / 4).
  static __m512i chunk_pair(const BlockQ6_K& wb, int k) {
    const int half = k / 2, high_nibbles = k % 2;
    const __m512i low = _mm512_loadu_si512(wb.low_bits + 64 * half);
    const __m512i nibbles =
        _mm512_and_si512(high_nibbles ? _mm512_srli_epi16(low, 4) : low, _mm512_set1_epi8(0x0F));
    const __m512i high_bits = _mm512_broadcast_i64x4(load32(wb.high_bits + 32 * half));
    const __m512i high = _mm512_and_si512(
        _mm512_slli_epi16(_mm512_srlv_epi16(high_bits, words_by_half(4 * high_nibbles, 4 * high_nibbles + 2)),
                          4),
        _mm512_set1_epi8(0x30));
    return _mm512_sub_epi8(_mm512_or_si512(nibbles, high), _mm512_set1_epi8(32));
  }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const BlockQ6_K* wb[R];
    __m512i scale_words[R];  // words 0-15: the sixteen scales, one per 16 elements
    for (int r = 0; r < R; ++r) {
      wb[r] = &block_at<BlockQ6_K>(w[r], b);
      scale_words[r] = _mm512_castsi256_si512(
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wb[r]->scales))));
    }
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);
    __m512i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm512_setzero_si512();
    // Words 8i..8i+7 of chunk pair k take scale 4k + i.
    __m512i scale_index = words_by_quarter(0, 1, 2, 3);
    for (int k = 0; k < 4; ++k, scale_index = _mm512_add_epi16(scale_index, _mm512_set1_epi16(4))) {
      __m512i abs_q[R], scale16[R];
      __mmask64 negative[R];
      for (int r = 0; r < R; ++r) {
        const __m512i q = chunk_pair(*wb[r], k);
        abs_q[r] = _mm512_abs_epi8(q);
        negative[r] = _mm512_movepi8_mask(q);
        scale16[r] = _mm512_permutexvar_epi16(scale_index, scale_words[r]);
      }
      for (int t = 0; t < T; ++t) {
        const __m512i xq = _mm512_loadu_si512(xb[t]->quants + 64 * k);
        for (int r = 0; r < R; ++r)
          sums[r][t] = dot_u8s8_scaled(sums[r][t], abs_q[r], sign_of(xq, negative[r]), scale16[r]);
      }
    }
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) Q6KDot::accumulate(acc[r][t], *wb[r], *xb[t], fold_halves(sums[r][t]));
  }
};
CK_GCC_105593_END
using Q6KQuantDot = Q6KDotChunkPairs;
#else
using Q6KQuantDot = Q6KDot;
#endif
