// Lane arithmetic for the x86 dot products: horizontal sums, byte dot products, nibble and
// bit unpacking, and the AVX-512 helpers that put two rows or two chunks in one register.
// Part of dot_x86.h, which includes it inside its level namespace (see there).

#if defined(__AVX512F__)
constexpr bool kManyRegisters = true;  // 32 vector registers
#else
constexpr bool kManyRegisters = false;
#endif

float half_to_float(uint16_t h) { return _cvtsh_ss(h); }

// ---------------------------------------------------------------------------------------------------
// Lane arithmetic.

// hsum8 of lanes.h: halves added, then lanes (0 + 2) + (1 + 3).
float hsum8(__m256 v) {
  __m128 r = _mm_add_ps(_mm256_extractf128_ps(v, 1), _mm256_castps256_ps128(v));
  r = _mm_add_ps(r, _mm_movehl_ps(r, r));
  r = _mm_add_ss(r, _mm_movehdup_ps(r));
  return _mm_cvtss_f32(r);
}

// (m0 + m2) + (m1 + m3) of four lanes.
float hsum4(__m128 v) {
  const __m128 r = _mm_add_ps(v, _mm_movehl_ps(v, v));
  return _mm_cvtss_f32(_mm_add_ss(r, _mm_movehdup_ps(r)));
}

// reduce16 of lanes.h for 16 lanes held as two registers (lanes 0-7 and 8-15).
float reduce16(__m256 low, __m256 high) { return hsum8(_mm256_add_ps(high, low)); }

#if defined(__AVX512F__)
// Two rows side by side in a 512-bit register: row 2i in lanes 0-7, row 2i + 1 in lanes 8-15. GCC 12
// reports the _mm512_undefined_*() inside the 512-bit insert and broadcast intrinsics as uninitialized
// (GCC bug 105593); nothing here reads an undefined lane, hence the pragmas around the pair kernels.
CK_GCC_105593_BEGIN
__m512i pair_rows(__m256i low, __m256i high) {
  return _mm512_inserti64x4(_mm512_castsi256_si512(low), high, 1);
}
// The 32 bytes of a token's chunk in both halves.
__m512i both_halves(const void* p) {
  return _mm512_broadcast_i64x4(_mm256_loadu_si256(static_cast<const __m256i*>(p)));
}
CK_GCC_105593_END

// hsum8 of one row of a pair (part 0 or 1).
float hsum8_of_row(__m512 v, int part) {
  alignas(64) float lanes[16];
  _mm512_store_ps(lanes, v);
  return hsum8(_mm256_load_ps(lanes + 8 * part));
}

// add_scaled_pairs and dot_u8s8_scaled (below) on 512 bits: a pair of rows or of chunks.
__m512i add_scaled_pairs(__m512i acc, __m512i pairs, __m512i scales16) {
#if defined(__AVX512VNNI__)
  return _mm512_dpwssd_epi32(acc, pairs, scales16);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, scales16));
#endif
}
__m512i dot_u8s8_scaled(__m512i acc, __m512i u, __m512i s, __m512i scales16) {
  return add_scaled_pairs(acc, _mm512_maddubs_epi16(u, s), scales16);
}

#if !defined(__AVX512VNNI__)
// x with q's sign (ggml's VPSIGNB, which has no 512-bit form): negated where q < 0; where q = 0 the
// unsigned factor |q| is 0 anyway. (VNNI's VPDPBUSD takes biased activations instead: no signs.)
__m512i sign_of(__m512i x, __mmask64 q_negative) {
  return _mm512_mask_sub_epi8(x, q_negative, _mm512_setzero_si512(), x);
}
#endif

// The 16-bit words 8i..8i + 7 set to v[i].
__m512i words_by_quarter(int a, int b, int c, int d) {
  const auto quarter = [](int v) {
    return static_cast<long long>(static_cast<uint16_t>(v) * 0x0001000100010001ull);
  };
  return _mm512_set_epi64(quarter(d), quarter(d), quarter(c), quarter(c), quarter(b), quarter(b), quarter(a),
                          quarter(a));
}

// The 16-bit words 0-15 set to a, 16-31 to b.
__m512i words_by_half(int a, int b) { return words_by_quarter(a, a, b, b); }

// Lane l of the low half plus lane l of the high half.
__m256i fold_halves(__m512i v) {
  return _mm256_add_epi32(_mm512_castsi512_si256(v), _mm512_extracti64x4_epi64(v, 1));
}
#endif

// Dword l gains u[4l..4l+3] . s[4l..4l+3], u unsigned and s signed bytes. The AVX2 form goes through
// 16-bit pair sums, which cannot saturate for the operands used here (|u| <= 128, |s| <= 127).
__m256i dot_u8s8(__m256i acc, __m256i u, __m256i s) {
#if defined(__AVX512VNNI__)
  return _mm256_dpbusd_epi32(acc, u, s);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1)));
#endif
}

// Dword l gains pairs[2l] * scales16[2l] + pairs[2l + 1] * scales16[2l + 1], 16-bit words times ggml's
// K-quant sub-block scales: VNNI's VPDPWSSD, else the same exact sum by VPMADDWD and an add.
__m256i add_scaled_pairs(__m256i acc, __m256i pairs, __m256i scales16) {
#if defined(__AVX512VNNI__)
  return _mm256_dpwssd_epi32(acc, pairs, scales16);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scales16));
#endif
}

// As dot_u8s8, each pair sum of 16-bit word w times scales16[w].
[[maybe_unused]]  // the AVX-512 levels take the 512-bit form
__m256i
dot_u8s8_scaled(__m256i acc, __m256i u, __m256i s, __m256i scales16) {
  return add_scaled_pairs(acc, _mm256_maddubs_epi16(u, s), scales16);
}

// Signed weights q times signed activations x, as ggml does it: |q| times x with q's sign. Activations
// come from the quantizers, which never produce -128.
__m256i dot_s8s8(__m256i acc, __m256i q, __m256i abs_q, __m256i x) {
  return dot_u8s8(acc, abs_q, _mm256_sign_epi8(x, q));
}

__m256i load32(const void* p) { return _mm256_loadu_si256(static_cast<const __m256i*>(p)); }

// Low nibbles of 16 bytes in bytes 0-15, high nibbles in bytes 16-31: element order of Q4_0/Q5_0/Q5_1.
__m256i nibbles_of_16(const uint8_t* p) {
  const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i mask = _mm_set1_epi8(0x0F);
  return _mm256_set_m128i(_mm_and_si128(_mm_srli_epi16(bytes, 4), mask), _mm_and_si128(bytes, mask));
}

// Byte e is 0x10 where bit e of the little-endian 32-bit word at p is set, else 0.
__m256i fifth_bits(const uint8_t* p) {
  uint32_t word;
  __builtin_memcpy(&word, p, 4);
  const __m256i spread = _mm256_shuffle_epi8(
      _mm256_set1_epi32(static_cast<int32_t>(word)),
      _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202, 0x0101010101010101, 0x0000000000000000));
  const __m256i others_set = _mm256_or_si256(spread, _mm256_set1_epi64x(0x7fbfdfeff7fbfdfe));
  return _mm256_and_si256(_mm256_cmpeq_epi8(others_set, _mm256_set1_epi64x(-1)), _mm256_set1_epi8(0x10));
}
