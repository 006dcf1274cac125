// Conversion of fp32 activations to the formats the dot products consume, as ggml's CPU backend does it
// on x86 with AVX-512 (type_traits_cpu[...].from_float), operation for operation:
//   Q8_0/Q8_1: the AVX2 branch of quantize_row_q8_0/_q8_1 (not the _ref formulas): amax over the block,
//              d = amax / 127 in fp32, only the stored scale rounded to fp16; q = round-half-to-even
//              (VROUNDPS) of x * (127 / amax), 0 when amax is 0. Q8_1 adds s = fp16(d * sum q).
//   Q8_K:      quantize_row_q8_K is the reference on x86: d = 1 / (-127 / max) where max is the signed
//              value of largest magnitude (the first one on ties), q = min(127, round-half-even(x *
//              (-127 / max))); d stays fp32.
//   F16:       ggml_fp32_to_fp16_row: F16C rounding to nearest even.
//   BF16:      ggml_fp32_to_bf16_row: VCVTNE2PS2BF16 over each run of 32 (round to nearest even,
//              denormal inputs flushed to zero), ggml_compute_fp32_to_bf16 for the last n % 32.
// Inputs must be finite (as in ggml, an Inf or NaN makes the block meaningless).
#include <bit>
#include <cmath>
#include <cstring>

#include "blocks.h"
#include "half_impl.h"
#include "scalar_kernels.h"

namespace ck::kernels::scalar {
namespace {

using namespace blocks;

// Largest |x| of a block. ggml takes it with VMAXPS in a tree, which for finite values is the same
// maximum in any order.
float absolute_max(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) {
    const float a = std::fabs(x[j]);
    amax = amax > a ? amax : a;
  }
  return amax;
}

// Round to nearest, ties to even, for |x| < 2^22, by ggml's trick: adding 1.5 * 2^23 leaves the rounded
// integer in the low mantissa bits. This is what VROUNDPS with _MM_ROUND_NEAREST gives as well.
int nearest_int(float x) {
  const float shifted = x + 12582912.0f;
  const auto bits = std::bit_cast<int32_t>(shifted);
  return (bits & 0x007FFFFF) - 0x00400000;
}

// One block of quantize_row_q8_0/_q8_1's AVX2 branch: returns d and writes the quants. |x * id| is at
// most 127 plus a rounding, so VPACKSSDW/VPACKSSWB never saturate for finite input.
float quantize_block_q8(const float* x, int8_t* quants) {
  const float amax = absolute_max(x, kBlock);
  const float d = amax / 127.0f;
  const float id = amax != 0.0f ? 127.0f / amax : 0.0f;
  for (int j = 0; j < kBlock; ++j) quants[j] = static_cast<int8_t>(nearest_int(x[j] * id));
  return d;
}

// VCVTNE2PS2BF16: round to nearest even, a denormal input read as a zero of its sign.
uint16_t fp32_to_bf16_daz(float f) {
  if (std::fpclassify(f) == FP_SUBNORMAL) f = std::copysign(0.0f, f);
  return half_impl::fp32_to_bf16(f);
}

}  // namespace

void quantize_row_f32(const float* src, void* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void quantize_row_f16(const float* src, void* dst, int64_t n) {
  auto* h = static_cast<uint16_t*>(dst);
  for (int64_t i = 0; i < n; ++i) h[i] = half_impl::fp32_to_fp16(src[i]);
}

void quantize_row_bf16(const float* src, void* dst, int64_t n) {
  auto* b = static_cast<uint16_t*>(dst);
  const int64_t vector_end = n & ~int64_t{31};
  int64_t i = 0;
  for (; i < vector_end; ++i) b[i] = fp32_to_bf16_daz(src[i]);
  for (; i < n; ++i) b[i] = half_impl::fp32_to_bf16(src[i]);
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kBlock; ++b, src += kBlock)
    blocks[b].scale = half_impl::fp32_to_fp16(quantize_block_q8(src, blocks[b].quants));
}

void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / kBlock; ++b, src += kBlock) {
    const float d = quantize_block_q8(src, blocks[b].quants);
    blocks[b].scale = half_impl::fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kBlock; ++j) sum += blocks[b].quants[j];
    // The fp32 d, not the stored fp16 one, times the integer sum; then rounded to fp16.
    blocks[b].scale_times_sum = half_impl::fp32_to_fp16(d * static_cast<float>(sum));
  }
}

void quantize_row_q8_k(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_K*>(dst);
  for (int64_t b = 0; b < n / kSuperBlock; ++b, src += kSuperBlock) {
    BlockQ8_K& block = blocks[b];
    float max = 0.0f;  // signed value of the first element of largest magnitude
    float amax = 0.0f;
    for (int j = 0; j < kSuperBlock; ++j) {
      const float a = std::fabs(src[j]);
      if (a > amax) {
        amax = a;
        max = src[j];
      }
    }
    if (amax == 0.0f) {
      // ggml leaves the group sums of an all-zero block unwritten; with d = 0 they cannot matter, and
      // zeros keep the output deterministic.
      std::memset(&block, 0, sizeof(block));
      continue;
    }
    // -127 / max maps max to -127 (not +127): ggml chose the sign for its IQ2 kernels and the K-quant
    // dot products inherit it. |q| cannot exceed 127 after rounding; the clamp is ggml's and kept.
    const float inverse_scale = -127.0f / max;
    for (int j = 0; j < kSuperBlock; ++j) {
      const int q = nearest_int(inverse_scale * src[j]);
      block.quants[j] = static_cast<int8_t>(q < 127 ? q : 127);
    }
    for (int g = 0; g < kSuperBlock / 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += block.quants[16 * g + l];
      block.group_sums[g] = static_cast<int16_t>(sum);
    }
    block.scale = 1.0f / inverse_scale;
  }
}

}  // namespace ck::kernels::scalar
