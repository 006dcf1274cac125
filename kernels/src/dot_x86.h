// The x86 SIMD dot products, written once and compiled once per instruction-set level: dot_avx2.cpp,
// dot_avx512.cpp and dot_avx512vnni.cpp define CK_SIMD_LEVEL (the namespace) and include this file with
// their own target flags. AVX-512 builds hold two weight rows per 512-bit register (the *Pairs kernels:
// every instruction serves two outputs, each in its own 8 lanes) and have 32 registers for wider tiles;
// VNNI builds fuse the byte and word products with their accumulation (VPDPBUSD, VPDPWSSD), which is
// exact integer arithmetic like the AVX2 sequence it replaces.
//
// Every function issues, per output, the float operations of the scalar reference in dot.cpp in the
// same lanes and order (which is ggml's own x86 code): the block's integer lane sums, converted, then one
// fused multiply-add per block and lane, then the horizontal sum of lanes.h. So each output is
// bit-identical to scalar::dot_row_*; tests/kernels/simd_equivalence_test.cpp checks it.
//
// Nothing here may call an inline function shared with code compiled for another level (the linker keeps
// one copy of each, possibly the AVX-512 one): only intrinsics, builtins and this file's own functions,
// which live in an anonymous namespace.
#ifndef CK_SIMD_LEVEL
#error "define CK_SIMD_LEVEL before including dot_x86.h"
#endif

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "blocks.h"
#include "gcc_bug_105593.h"
#include "kernel_table.h"

namespace ck::kernels::CK_SIMD_LEVEL {
namespace {

using blocks::BlockQ4_0;
using blocks::BlockQ4_K;
using blocks::BlockQ5_0;
using blocks::BlockQ5_1;
using blocks::BlockQ5_K;
using blocks::BlockQ6_K;
using blocks::BlockQ8_0;
using blocks::BlockQ8_1;
using blocks::BlockQ8_K;

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

// dot_u8s8_scaled on a pair of rows.
__m512i dot_u8s8_scaled(__m512i acc, __m512i u, __m512i s, __m512i scales16) {
  const __m512i pairs = _mm512_maddubs_epi16(u, s);
#if defined(__AVX512VNNI__)
  return _mm512_dpwssd_epi32(acc, pairs, scales16);
#else
  return _mm512_add_epi32(acc, _mm512_madd_epi16(pairs, scales16));
#endif
}

// x with q's sign (ggml's VPSIGNB, which has no 512-bit form): negated where q < 0; where q = 0 the
// unsigned factor |q| is 0 anyway.
__m512i sign_of(__m512i x, __mmask64 q_negative) {
  return _mm512_mask_sub_epi8(x, q_negative, _mm512_setzero_si512(), x);
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

// As dot_u8s8, each pair sum of 16-bit word w times scales16[w] (ggml's K-quant sub-block scales).
[[maybe_unused]]  // the AVX-512 levels take the 512-bit form below
__m256i
dot_u8s8_scaled(__m256i acc, __m256i u, __m256i s, __m256i scales16) {
  const __m256i pairs = _mm256_maddubs_epi16(u, s);
#if defined(__AVX512VNNI__)
  return _mm256_dpwssd_epi32(acc, pairs, scales16);
#else
  return _mm256_add_epi32(acc, _mm256_madd_epi16(pairs, scales16));
#endif
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

// ---------------------------------------------------------------------------------------------------
// Register tiles: R weight rows by T activation rows, each output with its own accumulator. A kernel K
// supplies Acc, the block step over a tile and finish(); tile() walks the blocks, panel() the tiles.

int64_t smaller(int64_t a, int64_t b) { return a < b ? a : b; }

// Rows per accumulator: 1, or 2 where a 512-bit accumulator holds two rows' 8 lanes (K::kRowsPerAcc).
template <class K>
constexpr int rows_per_acc() {
  if constexpr (requires { K::kRowsPerAcc; })
    return K::kRowsPerAcc;
  else
    return 1;
}

template <class K>
float finish(const typename K::Acc& acc, int part) {
  if constexpr (rows_per_acc<K>() == 1)
    return K::finish(acc);
  else
    return K::finish(acc, part);
}

// How far ahead of the rows being computed the first pass over them prefetches: about what one core keeps
// in flight to hide memory latency (latency times bandwidth is a few KiB). On the Zen 5 test machine 8 KiB
// streamed best; 4, 16 and 32 KiB were 5-20% slower.
constexpr size_t kPrefetchDistance = 8192;

// Decode streams every weight byte once, R rows side by side: R streams of one row each (a 1024-wide Q8_0
// row is 17 cache lines), too short for the hardware prefetchers to lock on to. Left alone, the tile waited
// on every row's first lines and streamed at a third of the read bandwidth, though one long row at a time
// did not. So the first pass over a tile's rows (all of decode; the first token tile in prefill, which
// brings the rows into cache for the others) prefetches the memory a whole number of tiles further on as
// one sequential sweep, each cache line once: the lines starting in [begin, end). Non-temporal: weights
// streamed once per token should not evict what stays (activations, KV cache) from L2 and L3; the hint
// also streamed 5-10% faster than T0, T1 or T2 on the test machine.
void prefetch_lines(const std::byte* begin, const std::byte* end) {
  const auto first = (reinterpret_cast<uintptr_t>(begin) + 63) & ~uintptr_t{63};
  for (uintptr_t line = first; line < reinterpret_cast<uintptr_t>(end); line += 64)
    _mm_prefetch(reinterpret_cast<const char*>(line), _MM_HINT_NTA);
}

template <class K, int R, int T>
void tile(const DotPanel& p, int64_t r0, int64_t t0) {
  constexpr int P = rows_per_acc<K>();
  static_assert(R % P == 0);
  const int64_t rows_here = smaller(R, p.rows - r0);
  const std::byte* w[R];
  // A partial tile repeats its last row rather than branching in the inner loop; those outputs are dropped.
  for (int r = 0; r < R; ++r)
    w[r] = p.weights + static_cast<size_t>(r0 + smaller(r, rows_here - 1)) * p.weight_stride;
  const std::byte* x[T];
  for (int t = 0; t < T; ++t) x[t] = p.activations + static_cast<size_t>(t0 + t) * p.activation_stride;
  typename K::Acc acc[R / P][T];
  for (int a = 0; a < R / P; ++a)
    for (int t = 0; t < T; ++t) acc[a][t] = K::zero();
  const int64_t blocks = p.n / K::kBlockElements;
  // The tile's rows are one region of R strides; each block step sweeps 1/blocks of the region ahead.
  const size_t tile_bytes = R * p.weight_stride;
  const bool prefetch = t0 == 0 && r0 + R < p.rows;
  const std::byte* ahead = w[0] + (kPrefetchDistance + tile_bytes - 1) / tile_bytes * tile_bytes;
  const size_t sweep = tile_bytes / static_cast<size_t>(blocks);
  for (int64_t b = 0; b < blocks; ++b) {
    if (prefetch)
      prefetch_lines(ahead + static_cast<size_t>(b) * sweep, ahead + static_cast<size_t>(b + 1) * sweep);
    K::template step<R, T>(acc, w, x, b);
  }
  for (int r = 0; r < rows_here; ++r)
    for (int t = 0; t < T; ++t)
      p.out[static_cast<size_t>(t0 + t) * p.out_stride + static_cast<size_t>(r0 + r)] =
          finish<K>(acc[r / P][t], r % P);
}

// The last tokens of a panel, fewer than a full tile: a tile of exactly that many.
template <class K, int R, int T>
void token_tail(const DotPanel& p, int64_t r0, int64_t t0) {
  if constexpr (T > 0) {
    if (p.tokens - t0 == T)
      tile<K, R, T>(p, r0, t0);
    else
      token_tail<K, R, T - 1>(p, r0, t0);
  }
}

// Rows outer, tokens inner: a tile's weight rows stay in L1 while every token passes over them; one token
// (decode) streams the weights, R rows at a time.
template <class K>
void panel(const DotPanel& p) {
  constexpr int R = K::kTileRows;
  constexpr int T = K::kTileTokens;
  for (int64_t r0 = 0; r0 < p.rows; r0 += R) {
    int64_t t0 = 0;
    for (; t0 + T <= p.tokens; t0 += T) tile<K, R, T>(p, r0, t0);
    token_tail<K, R, T - 1>(p, r0, t0);
  }
}

template <class K>
float row(const void* weight, const void* activation, int64_t n) {
  float out;
  const DotPanel p{static_cast<const std::byte*>(weight),
                   0,
                   1,
                   static_cast<const std::byte*>(activation),
                   0,
                   1,
                   n,
                   &out,
                   1};
  tile<K, rows_per_acc<K>(), 1>(p, 0, 0);
  return out;
}

template <class Block>
const Block& block_at(const std::byte* row, int64_t b) {
  return reinterpret_cast<const Block*>(row)[b];
}

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
    static_assert(R <= 4, "four fp16 scales per conversion");
    uint64_t halves = 0;
    for (int r = 0; r < R; ++r) halves |= uint64_t{block_at<Block>(w[r], b).scale} << (16 * r);
    const __m512 scales =
        _mm512_castps128_ps512(_mm_cvtph_ps(_mm_cvtsi64_si128(static_cast<long long>(halves))));
    for (int i = 0; i < R / 2; ++i)
      dw[i] = _mm512_permutexvar_ps(
          _mm512_inserti64x4(_mm512_set1_epi32(2 * i), _mm256_set1_epi32(2 * i + 1), 1), scales);
  }

  template <int R, int T>
  static void step(Acc (&acc)[R / 2][T], const std::byte* const (&w)[R], const std::byte* const (&x)[T],
                   int64_t b) {
    constexpr int P = R / 2;
    __m512i abs_q[P];
    __mmask64 negative[P];
    __m512 dw[P];
    row_scales<R>(dw, w, b);
    for (int i = 0; i < P; ++i) {
      const __m512i q = pair_rows(signed_quants(block_at<Block>(w[2 * i], b)),
                                  signed_quants(block_at<Block>(w[2 * i + 1], b)));
      abs_q[i] = _mm512_abs_epi8(q);
      negative[i] = _mm512_movepi8_mask(q);
    }
    for (int t = 0; t < T; ++t) {
      const BlockQ8_0& xb = block_at<BlockQ8_0>(x[t], b);
      const __m512i xq = both_halves(xb.quants);
      const __m512 dx = _mm512_set1_ps(half_to_float(xb.scale));
      for (int i = 0; i < P; ++i) {
        const __m512i lanes = dot(abs_q[i], sign_of(xq, negative[i]));
        acc[i][t] = _mm512_fmadd_ps(_mm512_mul_ps(dw[i], dx), _mm512_cvtepi32_ps(lanes), acc[i][t]);
      }
    }
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
    for (int t = 0; t < T; ++t)
      for (int r = 0; r < R; ++r)
        acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(xb[t]->scale * half_to_float(wb[r]->d)),
                                    _mm256_cvtepi32_ps(sums[r][t]), acc[r][t]);
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
      for (int t = 0; t < T; ++t)
        acc[r][t] = _mm256_fmadd_ps(_mm256_set1_ps(xb[t]->scale * half_to_float(wb[r]->d)),
                                    _mm256_cvtepi32_ps(fold_halves(sums[r][t])), acc[r][t]);
  }
};
CK_GCC_105593_END
using Q6KQuantDot = Q6KDotChunkPairs;
#else
using Q6KQuantDot = Q6KDot;
#endif

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

// ---------------------------------------------------------------------------------------------------
// F32 and F16: ggml_vec_dot_f32/f16 and tinyBLAS, whose 16-float AVX-512 registers are held here as two
// 8-float halves (lanes are independent, so the halves give the same bits).

struct F32Load {
  static __m256 load8(const void* p, int64_t i) { return _mm256_loadu_ps(static_cast<const float*>(p) + i); }
  static float at(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
};
struct F16Load {
  static __m256 load8(const void* p, int64_t i) {
    return _mm256_cvtph_ps(
        _mm_loadu_si128(reinterpret_cast<const __m128i*>(static_cast<const uint16_t*>(p) + i)));
  }
  static float at(const void* p, int64_t i) { return half_to_float(static_cast<const uint16_t*>(p)[i]); }
};

// The main loop of ggml_vec_dot_f32/f16: four 16-lane accumulators over steps of 64, reduced as
// GGML_F32x16_REDUCE.
template <class Load>
float vec_dot_main(const void* w, const void* x, int64_t np) {
  __m256 sum[4][2];
  for (auto& s : sum) s[0] = s[1] = _mm256_setzero_ps();
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j)
      for (int h = 0; h < 2; ++h) {
        const int64_t e = i + 16 * j + 8 * h;
        sum[j][h] = _mm256_fmadd_ps(Load::load8(w, e), Load::load8(x, e), sum[j][h]);
      }
  __m256 total[2];
  for (int h = 0; h < 2; ++h)
    total[h] = _mm256_add_ps(_mm256_add_ps(sum[0][h], sum[2][h]), _mm256_add_ps(sum[1][h], sum[3][h]));
  return reduce16(total[0], total[1]);
}

// The leftovers as scalar::dot_row_f32_f32 adds them (how GCC compiled ggml's scalar tail).
float dot_row_f32(const void* weight, const void* activation, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  float sum = vec_dot_main<F32Load>(weight, activation, np);
  int64_t i = np;
  const int64_t by8_end = np + ((n - np) & ~int64_t{7});
  for (; i < by8_end; ++i) sum = sum + F32Load::at(weight, i) * F32Load::at(activation, i);
  for (; i < n; ++i) sum = __builtin_fmaf(F32Load::at(weight, i), F32Load::at(activation, i), sum);
  return sum;
}

float dot_row_f16(const void* weight, const void* activation, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  double sum = vec_dot_main<F16Load>(weight, activation, np);
  for (int64_t i = np; i < n; ++i)
    sum += static_cast<double>(F16Load::at(weight, i) * F16Load::at(activation, i));
  return static_cast<float>(sum);
}

// tinyBLAS for one output: one 16-lane FMA accumulator, then reduce16.
template <class Load>
float dot_row_tinyblas(const void* weight, const void* activation, int64_t n) {
  __m256 acc[2] = {_mm256_setzero_ps(), _mm256_setzero_ps()};
  for (int64_t i = 0; i < n; i += 16)
    for (int h = 0; h < 2; ++h)
      acc[h] = _mm256_fmadd_ps(Load::load8(weight, i + 8 * h), Load::load8(activation, i + 8 * h), acc[h]);
  return reduce16(acc[0], acc[1]);
}

#if defined(__AVX512BF16__)
// BF16 with VDPBF16PS itself, which is what the scalar reference emulates; ggml's 16-lane registers as two
// 8-lane halves, each taking 16 of the 32 bf16 of a step.
struct Bf16Lanes {
  __m256 low = _mm256_setzero_ps();
  __m256 high = _mm256_setzero_ps();

  void add_products(const uint16_t* w, const uint16_t* x) {
    low = _mm256_dpbf16_ps(low, load_bf16x16(w), load_bf16x16(x));
    high = _mm256_dpbf16_ps(high, load_bf16x16(w + 16), load_bf16x16(x + 16));
  }
  float reduce() const { return reduce16(low, high); }

  static __m256bh load_bf16x16(const uint16_t* p) { return reinterpret_cast<__m256bh>(load32(p)); }
};

// ggml_vec_dot_bf16: two accumulators over steps of 64, each reduced and added in double.
float dot_row_bf16(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  Bf16Lanes c1, c2;
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    c1.add_products(w + i, x + i);
    c2.add_products(w + i + 32, x + i + 32);
  }
  double sum = 0.0;
  sum += static_cast<double>(c1.reduce());
  sum += static_cast<double>(c2.reduce());
  for (; i < n; ++i) {
    const float wf = __builtin_bit_cast(float, static_cast<uint32_t>(w[i]) << 16);
    const float xf = __builtin_bit_cast(float, static_cast<uint32_t>(x[i]) << 16);
    sum += static_cast<double>(wf * xf);
  }
  return static_cast<float>(sum);
}

float dot_row_bf16_tinyblas(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  Bf16Lanes acc;
  for (int64_t i = 0; i < n; i += 32) acc.add_products(w + i, x + i);
  return acc.reduce();
}
#endif

// The activation quantizers: same level, same namespace.
#include "quantize_activations_x86.h"

template <class K>
void set_dot(TypeKernels& k) {
  k.dot_row = row<K>;
  k.dot_panel = panel<K>;
}

}  // namespace

void install(KernelTable& table) {
  using T = TensorType;
  set_dot<SymmetricDot<BlockQ4_0>>(table.at(T::Q4_0));
  set_dot<SymmetricDot<BlockQ5_0>>(table.at(T::Q5_0));
  set_dot<SymmetricDot<BlockQ8_0>>(table.at(T::Q8_0));
  set_dot<Q5_1Dot>(table.at(T::Q5_1));
  set_dot<KQuantDot<BlockQ4_K>>(table.at(T::Q4_K));
  set_dot<KQuantDot<BlockQ5_K>>(table.at(T::Q5_K));
  set_dot<Q6KQuantDot>(table.at(T::Q6_K));
  DotVariant& repacked = table.at(T::Q4_0).variant;
  repacked.dot_row = row<RepackedQ4_0Dot>;
  repacked.dot_panel = panel<RepackedQ4_0Dot>;

  TypeKernels& f32 = table.at(T::F32);
  f32.dot_row = dot_row_f32;
  f32.dot_panel = rowwise_panel<dot_row_f32>;
  f32.variant.dot_row = dot_row_tinyblas<F32Load>;
  f32.variant.dot_panel = rowwise_panel<dot_row_tinyblas<F32Load>>;
  TypeKernels& f16 = table.at(T::F16);
  f16.dot_row = dot_row_f16;
  f16.dot_panel = rowwise_panel<dot_row_f16>;
  f16.variant.dot_row = dot_row_tinyblas<F16Load>;
  f16.variant.dot_panel = rowwise_panel<dot_row_tinyblas<F16Load>>;
#if defined(__AVX512BF16__)
  TypeKernels& bf16 = table.at(T::BF16);
  bf16.dot_row = dot_row_bf16;
  bf16.dot_panel = rowwise_panel<dot_row_bf16>;
  bf16.variant.dot_row = dot_row_bf16_tinyblas;
  bf16.variant.dot_panel = rowwise_panel<dot_row_bf16_tinyblas>;
#endif
  install_quantizers(table);
}

}  // namespace ck::kernels::CK_SIMD_LEVEL
