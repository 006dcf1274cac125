// The K-quants on x86: Q4_K, Q5_K and Q6_K with Q8_K activations.
// Part of dot_x86.h, which includes it inside its level namespace (see there).

// The K-quants with Q8_K (ggml's AVX2 vec_dot): per super-block, eight chunks of 32 elements whose dword
// lanes are scaled by the sub-block scales in 16-bit products; then one FMA per super-block and lane.

// A Q4_K/Q5_K block begins with 16 bytes: d and dmin (fp16), then the eight 6-bit scales and eight
// 6-bit mins packed into 12 bytes s[0..11] (layout in blocks.h; ggml's get_scale_min_k4):
//   scale j < 4: s[j] & 63                          min j < 4: s[j + 4] & 63
//   scale j >= 4: (s[j + 4] & 15) | (s[j - 4] >> 6) << 4   min j >= 4: (s[j + 4] >> 4) | (s[j] >> 6) << 4
// Unpacked from one 16-byte load in eight vector operations: bytes 0-7 the scales, 8-15 the mins. In
// decode (one token) these headers are half of a row's work per super-block when done byte by byte.
__m128i unpack_scales_mins(__m128i head) {
  // Low bits: s[0..3], s[8..11], s[4..7], s[8..11] (head byte = s index + 4), the last four shifted by 4.
  const __m128i low_source = _mm_shuffle_epi8(head, _mm_setr_epi8(4, 5, 6, 7, 12, 13, 14, 15, 8, 9, 10, 11, 12,
                                                                     13, 14, 15));
  const __m128i low = _mm_and_si128(
      _mm_blendv_epi8(low_source, _mm_srli_epi16(low_source, 4),
                      _mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, -1, -1, -1, -1)),
      _mm_setr_epi8(63, 63, 63, 63, 15, 15, 15, 15, 63, 63, 63, 63, 15, 15, 15, 15));
  // High bits (scales and mins 4-7 only): the top two bits of s[0..3] and s[4..7], moved to bits 4-5.
  constexpr char kZero = -128;  // pshufb writes 0 for an index with the top bit set
  const __m128i high_source = _mm_shuffle_epi8(
      head, _mm_setr_epi8(kZero, kZero, kZero, kZero, 4, 5, 6, 7, kZero, kZero, kZero, kZero, 8, 9, 10, 11));
  const __m128i high = _mm_and_si128(_mm_srli_epi16(high_source, 2), _mm_set1_epi8(0x30));
  return _mm_or_si128(low, high);
}

// Q8_K's group sums of 16 as the eight sums of 32 that the mins multiply, as 16-bit words (ggml's hadd);
// one token's, shared by every row of a tile.
__m128i group_sums_of_32(const BlockQ8_K& xb) {
  const __m128i sums_low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.group_sums));
  const __m128i sums_high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.group_sums + 8));
  return _mm_hadd_epi16(sums_low, sums_high);
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

  // What R rows' block b holds besides the quants (scales and mins as 16-bit words, d and dmin as
  // fp32), unpacked once for every token of a tile.
  template <int R>
  struct BlockHeaders {
    const Block* wb[R];
    __m256i scale_min_words[R];  // words 0-7: the eight scales; 8-15: the eight mins
    __m128 d_dmin[R];            // lanes 0 and 1: d and dmin
    BlockHeaders(const std::byte* const (&w)[R], int64_t b) {
      for (int r = 0; r < R; ++r) {
        wb[r] = &block_at<Block>(w[r], b);
        const __m128i head = _mm_loadu_si128(reinterpret_cast<const __m128i*>(wb[r]));
        scale_min_words[r] = _mm256_cvtepu8_epi16(unpack_scales_mins(head));
        d_dmin[r] = _mm_cvtph_ps(head);
      }
    }
    __m128i mins16(int r) const { return _mm256_extracti128_si256(scale_min_words[r], 1); }
  };

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const BlockHeaders<R> headers(w, b);
    __m256i scales_twice[R];  // the eight scale words in both 128-bit halves, for the word broadcasts below
    for (int r = 0; r < R; ++r)
      scales_twice[r] = _mm256_broadcastsi128_si256(_mm256_castsi256_si128(headers.scale_min_words[r]));
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);

    __m256i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      __m256i q[R], scale16[R];
      // Word c of each half, in every word: bytes 2c and 2c + 1.
      const __m256i word_c = _mm256_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * c));
      for (int r = 0; r < R; ++r) {
        q[r] = chunk(*headers.wb[r], c);
        scale16[r] = _mm256_shuffle_epi8(scales_twice[r], word_c);
      }
      for (int t = 0; t < T; ++t) {
        const __m256i xq = load32(xb[t]->quants + 32 * c);
        for (int r = 0; r < R; ++r) sums[r][t] = dot_u8s8_scaled(sums[r][t], q[r], xq, scale16[r]);
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m128i sums32 = group_sums_of_32(*xb[t]);
      for (int r = 0; r < R; ++r) accumulate(acc[r][t], headers, r, *xb[t], sums32, sums[r][t]);
    }
  }

  // A super-block's share of one output, from its integer lane sums and the token's group sums of 32.
  template <int R>
  static void accumulate(Acc& acc, const BlockHeaders<R>& headers, int r, const BlockQ8_K& xb,
                         __m128i sums32, __m256i sums) {
    // ggml's factors: d = dx * d and dmin = -dx * dmin (a product's sign is exact either way).
    const __m128 factors = _mm_mul_ps(headers.d_dmin[r], _mm_set1_ps(xb.scale));
    acc.mins = add_mins(acc.mins, -_mm_cvtss_f32(_mm_movehdup_ps(factors)),
                        _mm_madd_epi16(headers.mins16(r), sums32));
    acc.lanes = _mm256_fmadd_ps(_mm256_set1_ps(_mm_cvtss_f32(factors)), _mm256_cvtepi32_ps(sums), acc.lanes);
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

  // Unsigned quants of chunks 4j + h (low half) and 4j + 2 + h (high half), h = 0 or 1: the 64 bytes of
  // quants at 64j hold chunks 4j and 4j + 1 as the low and high nibbles of their first 32 bytes, chunks
  // 4j + 2 and 4j + 3 likewise in the last 32. So one full-width load serves two registers. `chunks` is
  // words_by_half(4j + h, 4j + 2 + h).
  static __m512i chunk_pair(const Block& wb, int j, int h, __m512i chunks) {
    const __m512i packed = _mm512_loadu_si512(wb.quants + 64 * j);
    const __m512i nibbles = _mm512_and_si512(h == 0 ? packed : _mm512_srli_epi16(packed, 4), _mm512_set1_epi8(0x0F));
    if constexpr (Row::kVectorMins) {
      return nibbles;
    } else {
      const __m512i high = _mm512_srlv_epi16(_mm512_broadcast_i64x4(load32(wb.high_bits)), chunks);
      return _mm512_or_si512(nibbles, _mm512_and_si512(_mm512_slli_epi16(high, 4), _mm512_set1_epi8(0x10)));
    }
  }

  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const typename Row::template BlockHeaders<R> headers(w, b);
    __m512i scale_words[R];  // words 0-7: the eight sub-block scales (the permutes below read no others)
    for (int r = 0; r < R; ++r) scale_words[r] = _mm512_castsi256_si512(headers.scale_min_words[r]);
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);

    __m512i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm512_setzero_si512();
    for (int j = 0; j < 2; ++j) {
      for (int h = 0; h < 2; ++h) {
        const __m512i chunks = words_by_half(4 * j + h, 4 * j + 2 + h);
        __m512i q[R], scale16[R];
        for (int r = 0; r < R; ++r) {
          q[r] = chunk_pair(*headers.wb[r], j, h, chunks);
          scale16[r] = _mm512_permutexvar_epi16(chunks, scale_words[r]);
        }
        for (int t = 0; t < T; ++t) {
          // The activations of the same two chunks: 32 bytes at 128j + 32h and at 128j + 64 + 32h.
          const __m512i low = _mm512_loadu_si512(xb[t]->quants + 128 * j);
          const __m512i high = _mm512_loadu_si512(xb[t]->quants + 128 * j + 64);
          const __m512i xq = h == 0 ? _mm512_shuffle_i64x2(low, high, 0x44) : _mm512_shuffle_i64x2(low, high, 0xEE);
          for (int r = 0; r < R; ++r) sums[r][t] = dot_u8s8_scaled(sums[r][t], q[r], xq, scale16[r]);
        }
      }
    }
    for (int t = 0; t < T; ++t) {
      const __m128i sums32 = group_sums_of_32(*xb[t]);
      for (int r = 0; r < R; ++r) Row::accumulate(acc[r][t], headers, r, *xb[t], sums32, fold_halves(sums[r][t]));
    }
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

  // Quants of chunk c (0..7) = elements 32c..32c+31 as stored, 0..63 (the value less 32; layout in
  // dequantize.cpp and dot.cpp).
  static __m256i chunk(const BlockQ6_K& wb, int c) {
    const int half = c / 4, part = c % 4;
    const __m256i low = load32(wb.low_bits + 64 * half + 32 * (part % 2));
    const __m256i nibbles =
        _mm256_and_si256(part < 2 ? low : _mm256_srli_epi16(low, 4), _mm256_set1_epi8(0x0F));
    const __m256i high =
        _mm256_and_si256(_mm256_srli_epi16(load32(wb.high_bits + 32 * half), 2 * part), _mm256_set1_epi8(3));
    return _mm256_or_si256(nibbles, _mm256_slli_epi16(high, 4));
  }

  // ggml multiplies |q - 32| by x with q's sign (VPMADDUBSW wants an unsigned operand); the stored quants
  // are unsigned already, so each 16-bit pair sum is taken as q.x - 32.x, the same integer (no pair sum
  // leaves 16 bits: |(q - 32).x| <= 2 * 32 * 128), and 32.x is the token's alone, shared by the rows.
  template <int R, int T>
  static void step(Acc (&acc)[R][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    const BlockQ6_K* wb[R];
    // The sixteen scales as words, each 128-bit half of the row's eight of chunks 0-3 (low) and 4-7 (high)
    // in both halves of a register, so that one byte shuffle picks chunk c's two.
    __m256i scales_low[R], scales_high[R];
    for (int r = 0; r < R; ++r) {
      wb[r] = &block_at<BlockQ6_K>(w[r], b);
      const __m256i words =
          _mm256_cvtepi8_epi16(_mm_loadu_si128(reinterpret_cast<const __m128i*>(wb[r]->scales)));
      scales_low[r] = _mm256_permute2x128_si256(words, words, 0x00);
      scales_high[r] = _mm256_permute2x128_si256(words, words, 0x11);
    }
    const BlockQ8_K* xb[T];
    for (int t = 0; t < T; ++t) xb[t] = &block_at<BlockQ8_K>(x[t], b);
    __m256i sums[R][T];
    for (int r = 0; r < R; ++r)
      for (int t = 0; t < T; ++t) sums[r][t] = _mm256_setzero_si256();
    for (int c = 0; c < 8; ++c) {
      // Word 2c % 8 in the low half, 2c % 8 + 1 in the high half (scales 2c and 2c + 1: 16 elements each).
      const int word = 2 * c % 8;
      const __m256i pick = _mm256_set_m128i(_mm_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * (word + 1))),
                                            _mm_set1_epi16(static_cast<int16_t>(0x0100 + 0x0202 * word)));
      __m256i q[R], scale16[R];
      for (int r = 0; r < R; ++r) {
        q[r] = chunk(*wb[r], c);
        scale16[r] = _mm256_shuffle_epi8(c < 4 ? scales_low[r] : scales_high[r], pick);
      }
      for (int t = 0; t < T; ++t) {
        const __m256i xq = load32(xb[t]->quants + 32 * c);
        const __m256i offset = _mm256_maddubs_epi16(_mm256_set1_epi8(32), xq);
        for (int r = 0; r < R; ++r) {
          const __m256i pairs = _mm256_sub_epi16(_mm256_maddubs_epi16(q[r], xq), offset);
          sums[r][t] = add_scaled_pairs(sums[r][t], pairs, scale16[r]);
        }
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

  // Quants of chunks 2k and 2k + 1 as stored, 0..63 (the value less 32): chunk c's low four bits are in
  // the nibbles of 32 bytes at low_bits + 64 (c / 4) + 32 (c % 2) (low nibbles for c % 4 < 2), its high
  // two bits in bits 2 (c % 4) of the 32 bytes at high_bits + 32 (c / 4).
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
    return _mm512_or_si512(nibbles, high);
  }

  // The stored quants times x, less 32.x per 16-bit pair sum, as Q6KDot::step (why it is exact there):
  // 32.x is the token's alone, computed once per tile for all its rows.
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
      __m512i q[R], scale16[R];
      for (int r = 0; r < R; ++r) {
        q[r] = chunk_pair(*wb[r], k);
        scale16[r] = _mm512_permutexvar_epi16(scale_index, scale_words[r]);
      }
      for (int t = 0; t < T; ++t) {
        const __m512i xq = _mm512_loadu_si512(xb[t]->quants + 64 * k);
        const __m512i offset = _mm512_maddubs_epi16(_mm512_set1_epi8(32), xq);
        for (int r = 0; r < R; ++r) {
          const __m512i pairs = _mm512_sub_epi16(_mm512_maddubs_epi16(q[r], xq), offset);
          sums[r][t] = add_scaled_pairs(sums[r][t], pairs, scale16[r]);
        }
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
