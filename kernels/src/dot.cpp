// Scalar dot products of a weight row with an activation row in its partner format, computed as ggml
// computes them on x86 with AVX-512 (ggml-cpu-quants.c, ggml_vec_dot_f32/f16/bf16 in ggml-cpu.c,
// llamafile/sgemm.cpp, ggml-cpu-aarch64.cpp), so that the results are bit-identical to llama.cpp's.
//
// Integer products are exact whatever their grouping; what decides the bits is how ggml spreads a row
// over vector lanes before the float arithmetic starts, which float operations are fused multiply-adds,
// and the order of the final horizontal sums. Each function says which ggml kernel it follows and keeps
// those three things as that kernel has them: the arrays of 8 or 16 floats below are its registers.
// std::fma stands for every FMA instruction; everything else rounds after each operation (this file is
// compiled with -ffp-contract=off, so the compiler never fuses on its own).
#include <cmath>
#include <cstring>

#include "blocks.h"
#include "half_impl.h"
#include "lanes.h"
#include "scalar_kernels.h"

namespace ck::kernels::scalar {
namespace {

using half_impl::bf16_to_fp32;
using half_impl::fp16_to_fp32;
using namespace blocks;

// ---------------------------------------------------------------------------------------------------
// The 32-element formats.

// Integer lanes of ggml's mul_sum_i8_pairs_float / mul_sum_us8_pairs_float (VPDPBUSD into 8 dwords, as
// also tinyBLAS_Q0_AVX's updot): lane l holds the products of elements 4l..4l+3 of the block.
void block_lanes(const int8_t (&w)[kBlock], const int8_t* x, int32_t (&lanes)[8]) {
  for (int l = 0; l < 8; ++l) {
    int32_t s = 0;
    for (int t = 0; t < 4; ++t) s += static_cast<int32_t>(w[4 * l + t]) * x[4 * l + t];
    lanes[l] = s;
  }
}

int32_t block_sum(const int8_t (&w)[kBlock], const int8_t* x) {
  int32_t s = 0;
  for (int e = 0; e < kBlock; ++e) s += static_cast<int32_t>(w[e]) * x[e];
  return s;
}

// Element e of a block of nibbles: the low nibble of byte e for e < 16, the high nibble of byte e - 16.
int nibble(const uint8_t* quants, int e) { return e < 16 ? quants[e] & 0x0F : quants[e - 16] >> 4; }

void unpack_q4_0(const BlockQ4_0& b, int8_t (&w)[kBlock]) {
  for (int e = 0; e < kBlock; ++e) w[e] = static_cast<int8_t>(nibble(b.quants, e) - 8);
}

void unpack_q5_0(const BlockQ5_0& b, int8_t (&w)[kBlock]) {
  const uint32_t high = load_high_bits(b.high_bits);
  for (int e = 0; e < kBlock; ++e)
    w[e] = static_cast<int8_t>((nibble(b.quants, e) | static_cast<int>(((high >> e) & 1) << 4)) - 16);
}

void unpack_q5_1(const BlockQ5_1& b, int8_t (&w)[kBlock]) {
  const uint32_t high = load_high_bits(b.high_bits);
  for (int e = 0; e < kBlock; ++e)
    w[e] = static_cast<int8_t>(nibble(b.quants, e) | static_cast<int>(((high >> e) & 1) << 4));
}

void unpack_q8_0(const BlockQ8_0& b, int8_t (&w)[kBlock]) { std::memcpy(w, b.quants, kBlock); }

// The vec_dot shape shared by Q4_0, Q5_0 and Q8_0 (AVX2 branch, which AVX-512 builds take too), and by
// tinyBLAS_Q0_AVX for two or more tokens: acc[l] = fma(d_w * d_x, float(lane l), acc[l]) per block,
// then hsum8.
template <class Block, class Unpack>
float dot_block32(const void* weight, const void* activation, int64_t n, Unpack unpack) {
  const auto* w = static_cast<const Block*>(weight);
  const auto* x = static_cast<const BlockQ8_0*>(activation);
  float acc[8] = {};
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const float d = fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale);
    int8_t q[kBlock];
    unpack(w[b], q);
    int32_t lanes[8];
    block_lanes(q, x[b].quants, lanes);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  return hsum8(acc);
}

// ---------------------------------------------------------------------------------------------------
// The K-quants (AVX2 branches of ggml_vec_dot_q{4,5,6}_K_q8_K).

// Integer lanes of one super-block: VPMADDUBSW then VPMADDWD by the sub-block scale, 32 elements at a
// time, so lane l collects elements 32c + 4l .. 32c + 4l + 3 of every 32-element chunk c, each times
// the scale of its group of `group` elements.
template <int group, class Scale>
void superblock_lanes(const int8_t (&w)[kSuperBlock], const int8_t* x, const Scale* scales,
                      int32_t (&lanes)[8]) {
  for (int l = 0; l < 8; ++l) lanes[l] = 0;
  for (int c = 0; c < kSuperBlock / 32; ++c) {
    for (int l = 0; l < 8; ++l) {
      const int e0 = 32 * c + 4 * l;
      int32_t s = 0;
      for (int t = 0; t < 4; ++t) s += static_cast<int32_t>(w[e0 + t]) * x[e0 + t];
      lanes[l] += static_cast<int32_t>(scales[e0 / group]) * s;
    }
  }
}

void unpack_scales_mins(const uint8_t* packed, uint8_t (&scales)[8], uint8_t (&mins)[8]) {
  for (int j = 0; j < 8; ++j) unpack_scale_min(packed, j, scales[j], mins[j]);
}

// VPHADDW of the Q8_K group sums then VPMADDWD by the mins: prod[k] = mins[2k] * (sums of sub-block 2k)
// + mins[2k + 1] * (sums of sub-block 2k + 1), where a sub-block's sum is that of its two groups of 16.
void mins_products(const uint8_t (&mins)[8], const BlockQ8_K& x, int32_t (&prod)[4]) {
  int32_t sub[8];
  for (int j = 0; j < 8; ++j) sub[j] = x.group_sums[2 * j] + x.group_sums[2 * j + 1];
  for (int k = 0; k < 4; ++k) prod[k] = mins[2 * k] * sub[2 * k] + mins[2 * k + 1] * sub[2 * k + 1];
}

void unpack_q4_k(const BlockQ4_K& b, int8_t (&q)[kSuperBlock]) {
  for (int j = 0; j < 4; ++j) {
    for (int l = 0; l < 32; ++l) {
      q[64 * j + l] = static_cast<int8_t>(b.quants[32 * j + l] & 0x0F);
      q[64 * j + 32 + l] = static_cast<int8_t>(b.quants[32 * j + l] >> 4);
    }
  }
}

void unpack_q5_k(const BlockQ5_K& b, int8_t (&q)[kSuperBlock]) {
  for (int j = 0; j < 4; ++j) {
    for (int l = 0; l < 32; ++l) {
      const uint8_t packed = b.quants[32 * j + l];
      const uint8_t high = b.high_bits[l];
      q[64 * j + l] = static_cast<int8_t>((packed & 0x0F) | (((high >> (2 * j)) & 1) << 4));
      q[64 * j + 32 + l] = static_cast<int8_t>((packed >> 4) | (((high >> (2 * j + 1)) & 1) << 4));
    }
  }
}

// Q6_K in signed form (q - 32); ggml subtracts 32 * x inside each 16-bit pair sum, which is the same
// exact integer.
void unpack_q6_k(const BlockQ6_K& b, int8_t (&q)[kSuperBlock]) {
  for (int half = 0; half < 2; ++half) {
    const uint8_t* low = b.low_bits + 64 * half;
    const uint8_t* high = b.high_bits + 32 * half;
    int8_t* out = q + 128 * half;
    for (int l = 0; l < 32; ++l) {
      out[l + 0] = static_cast<int8_t>(((low[l] & 0x0F) | (((high[l] >> 0) & 3) << 4)) - 32);
      out[l + 32] = static_cast<int8_t>(((low[l + 32] & 0x0F) | (((high[l] >> 2) & 3) << 4)) - 32);
      out[l + 64] = static_cast<int8_t>(((low[l] >> 4) | (((high[l] >> 4) & 3) << 4)) - 32);
      out[l + 96] = static_cast<int8_t>(((low[l + 32] >> 4) | (((high[l] >> 6) & 3) << 4)) - 32);
    }
  }
}

// ---------------------------------------------------------------------------------------------------
// Plain floats.

float f32_at(const void* p, int64_t i) { return static_cast<const float*>(p)[i]; }
float f16_at(const void* p, int64_t i) { return fp16_to_fp32(static_cast<const uint16_t*>(p)[i]); }

// ggml_vec_dot_f32 / ggml_vec_dot_f16 main loop (GGML_SIMD with AVX-512: four 16-float accumulators
// over steps of 64 elements, GGML_F32_VEC_FMA), reduced as GGML_F32x16_REDUCE: (s0 + s2) + (s1 + s3)
// lane by lane, then _mm512_reduce_add_ps.
template <class Load>
float vec_dot_main(const void* w, const void* x, int64_t np, Load load) {
  float sum[4][16] = {};
  for (int64_t i = 0; i < np; i += 64)
    for (int j = 0; j < 4; ++j)
      for (int l = 0; l < 16; ++l) {
        const int64_t e = i + 16 * j + l;
        sum[j][l] = std::fma(load(w, e), load(x, e), sum[j][l]);
      }
  float total[16];
  for (int l = 0; l < 16; ++l) total[l] = (sum[0][l] + sum[2][l]) + (sum[1][l] + sum[3][l]);
  return reduce16(total);
}

// tinyBLAS<16, __m512, __m512, T, T, float>::gemm_bloc for one output: one 16-float FMA accumulator
// over the row, then hsum(__m512) = _mm512_reduce_add_ps.
template <class Load>
float tinyblas_dot(const void* w, const void* x, int64_t n, Load load) {
  float acc[16] = {};
  for (int64_t i = 0; i < n; i += 16)
    for (int l = 0; l < 16; ++l) acc[l] = std::fma(load(w, i + l), load(x, i + l), acc[l]);
  return reduce16(acc);
}

// VDPBF16PS on one dword lane: acc += a[1] * b[1], then acc += a[0] * b[0], each a fused multiply-add,
// rounding to nearest even with denormal inputs read as zero and denormal results flushed to zero
// (the instruction ignores MXCSR). The products of two bf16 are exact in fp32.
float flush_denormal(float v) { return std::fpclassify(v) == FP_SUBNORMAL ? std::copysign(0.0f, v) : v; }

float bf16_daz(uint16_t b) { return flush_denormal(bf16_to_fp32(b)); }

float dpbf16_lane(float acc, const uint16_t* a, const uint16_t* b) {
  acc = flush_denormal(acc);
  acc = flush_denormal(std::fma(bf16_daz(a[1]), bf16_daz(b[1]), acc));
  return flush_denormal(std::fma(bf16_daz(a[0]), bf16_daz(b[0]), acc));
}

// One VDPBF16PS over 32 bf16 pairs: lane l takes elements 2l and 2l + 1.
void dpbf16(float (&acc)[16], const uint16_t* a, const uint16_t* b) {
  for (int l = 0; l < 16; ++l) acc[l] = dpbf16_lane(acc[l], a + 2 * l, b + 2 * l);
}

}  // namespace

// ggml_vec_dot_f32: the AVX-512 main loop over multiples of 64, then the leftovers added to the float
// result the way GCC 12 compiled ggml's `sumf += x[i]*y[i]` (-O3, fp-contract=fast): 16 at a time and
// then 8 at a time as rounded products added in order, the last fewer than 8 as fused multiply-adds.
float dot_row_f32_f32(const void* weight, const void* activation, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  float sum = vec_dot_main(weight, activation, np, f32_at);
  int64_t i = np;
  const int64_t by8_end = np + ((n - np) & ~int64_t{7});
  for (; i < by8_end; ++i) sum = sum + f32_at(weight, i) * f32_at(activation, i);
  for (; i < n; ++i) sum = std::fma(f32_at(weight, i), f32_at(activation, i), sum);
  return sum;
}

// ggml_vec_dot_f16: as f32 (with F16C conversions), its sum kept in double; leftovers added in double.
float dot_row_f16_f16(const void* weight, const void* activation, int64_t n) {
  const int64_t np = n & ~int64_t{63};
  double sum = vec_dot_main(weight, activation, np, f16_at);
  for (int64_t i = np; i < n; ++i) sum += static_cast<double>(f16_at(weight, i) * f16_at(activation, i));
  return static_cast<float>(sum);
}

// ggml_vec_dot_bf16, __AVX512BF16__ branch: two 16-lane VDPBF16PS accumulators over steps of 64 (the
// first takes elements i..i+31, the second i+32..i+63), each reduced to float and added in double,
// then the leftovers in double.
float dot_row_bf16_bf16(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  float c1[16] = {}, c2[16] = {};
  int64_t i = 0;
  for (; i + 64 <= n; i += 64) {
    dpbf16(c1, w + i, x + i);
    dpbf16(c2, w + i + 32, x + i + 32);
  }
  double sum = 0.0;
  sum += static_cast<double>(reduce16(c1));
  sum += static_cast<double>(reduce16(c2));
  for (; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(w[i]) * bf16_to_fp32(x[i]));
  return static_cast<float>(sum);
}

float dot_row_f32_f32_tinyblas(const void* weight, const void* activation, int64_t n) {
  return tinyblas_dot(weight, activation, n, f32_at);
}

float dot_row_f16_f16_tinyblas(const void* weight, const void* activation, int64_t n) {
  return tinyblas_dot(weight, activation, n, f16_at);
}

// tinyBLAS<32, __m512, __m512bh, ggml_bf16_t, ggml_bf16_t, float>: one VDPBF16PS accumulator.
float dot_row_bf16_bf16_tinyblas(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  float acc[16] = {};
  for (int64_t i = 0; i < n; i += 32) dpbf16(acc, w + i, x + i);
  return reduce16(acc);
}

float dot_row_q4_0_q8_0(const void* weight, const void* activation, int64_t n) {
  return dot_block32<BlockQ4_0>(weight, activation, n, unpack_q4_0);
}

float dot_row_q5_0_q8_0(const void* weight, const void* activation, int64_t n) {
  return dot_block32<BlockQ5_0>(weight, activation, n, unpack_q5_0);
}

float dot_row_q8_0_q8_0(const void* weight, const void* activation, int64_t n) {
  return dot_block32<BlockQ8_0>(weight, activation, n, unpack_q8_0);
}

// ggml_gemv_q4_0_8x8_q8_0 / ggml_gemm_q4_0_8x8_q8_0 (AVX2 and AVX-512 tiles alike): the whole block's
// integer dot product, then acc = fma(float(sum), d_w * d_x, acc); no horizontal sum.
float dot_row_q4_0_q8_0_repacked(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(weight);
  const auto* x = static_cast<const BlockQ8_0*>(activation);
  float acc = 0.0f;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    int8_t q[kBlock];
    unpack_q4_0(w[b], q);
    const float d = fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale);
    acc = std::fma(static_cast<float>(block_sum(q, x[b].quants)), d, acc);
  }
  return acc;
}

// ggml_vec_dot_q5_1_q8_1 (AVX2): the quants are unsigned, so this is mul_sum_us8_pairs_float; the mins
// go into a scalar sum that GCC fused: summs = fma(m, s, summs). Result hsum8(acc) + summs.
float dot_row_q5_1_q8_1(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ5_1*>(weight);
  const auto* x = static_cast<const BlockQ8_1*>(activation);
  float acc[8] = {};
  float summs = 0.0f;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    summs = std::fma(fp16_to_fp32(w[b].min), fp16_to_fp32(x[b].scale_times_sum), summs);
    int8_t q[kBlock];
    unpack_q5_1(w[b], q);
    int32_t lanes[8];
    block_lanes(q, x[b].quants, lanes);
    const float d = fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(static_cast<float>(lanes[l]), d, acc[l]);
  }
  return hsum8(acc) + summs;
}

// ggml_vec_dot_q4_K_q8_K (AVX2): d = d_x * d_w and dmin = -d_x * dmin_w per super-block; the scaled
// quants into 8 lanes, the mins into 4 (acc_m), each by FMA; the result is hsum8(acc) plus acc_m summed
// as (m0 + m2) + (m1 + m3).
float dot_row_q4_k_q8_k(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ4_K*>(weight);
  const auto* x = static_cast<const BlockQ8_K*>(activation);
  float acc[8] = {};
  float acc_m[4] = {};
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = x[b].scale * fp16_to_fp32(w[b].d);
    const float dmin = -x[b].scale * fp16_to_fp32(w[b].dmin);
    uint8_t scales[8], mins[8];
    unpack_scales_mins(w[b].scales, scales, mins);
    int32_t prod[4];
    mins_products(mins, x[b], prod);
    for (int k = 0; k < 4; ++k) acc_m[k] = std::fma(dmin, static_cast<float>(prod[k]), acc_m[k]);
    int8_t q[kSuperBlock];
    unpack_q4_k(w[b], q);
    int32_t lanes[8];
    superblock_lanes<32>(q, x[b].quants, scales, lanes);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  return hsum8(acc) + ((acc_m[0] + acc_m[2]) + (acc_m[1] + acc_m[3]));
}

// ggml_vec_dot_q5_K_q8_K (AVX2): as Q4_K, but the mins are summed exactly in integers per super-block
// and enter a scalar sum by a fused multiply-add (GCC contracted `summs += dmin * sum`).
float dot_row_q5_k_q8_k(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ5_K*>(weight);
  const auto* x = static_cast<const BlockQ8_K*>(activation);
  float acc[8] = {};
  float summs = 0.0f;
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = x[b].scale * fp16_to_fp32(w[b].d);
    const float dmin = -x[b].scale * fp16_to_fp32(w[b].dmin);
    uint8_t scales[8], mins[8];
    unpack_scales_mins(w[b].scales, scales, mins);
    int32_t prod[4];
    mins_products(mins, x[b], prod);
    const int32_t mins_total = (prod[0] + prod[1]) + (prod[2] + prod[3]);
    summs = std::fma(dmin, static_cast<float>(mins_total), summs);
    int8_t q[kSuperBlock];
    unpack_q5_k(w[b], q);
    int32_t lanes[8];
    superblock_lanes<32>(q, x[b].quants, scales, lanes);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  return hsum8(acc) + summs;
}

// ggml_vec_dot_q6_K_q8_K (AVX2): scales per 16 elements, 8 lanes, FMA by d = d_x * d_w, hsum8.
float dot_row_q6_k_q8_k(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(weight);
  const auto* x = static_cast<const BlockQ8_K*>(activation);
  float acc[8] = {};
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const float d = x[b].scale * fp16_to_fp32(w[b].d);
    int8_t q[kSuperBlock];
    unpack_q6_k(w[b], q);
    int32_t lanes[8];
    superblock_lanes<16>(q, x[b].quants, w[b].scales, lanes);
    for (int l = 0; l < 8; ++l) acc[l] = std::fma(d, static_cast<float>(lanes[l]), acc[l]);
  }
  return hsum8(acc);
}

}  // namespace ck::kernels::scalar
