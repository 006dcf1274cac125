// Conversion of fp32 activations to the formats the dot products consume, following ggml's reference
// quantizers (quantize_row_q8_0_ref, _q8_1_ref, _q8_K_ref in ggml-quants.c) operation for operation.
// The three differ in ways that change results, so each is kept as ggml has it:
//   Q8_0/Q8_1: d = amax / 127 in fp32, q = roundf(x * (1 / d)) (ties away from zero); only the stored
//              scale is rounded to fp16, the quants are computed with the fp32 d.
//   Q8_K:      d = 1 / (-127 / max) where max is the signed value of largest magnitude (the first one
//              on ties), q = min(127, round-half-even(x * (-127 / max))); d stays fp32.
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

// Largest |x| of a block, with ggml's MAX(a, b) = a > b ? a : b.
float absolute_max(const float* x, int n) {
  float amax = 0.0f;
  for (int j = 0; j < n; ++j) {
    const float a = std::fabs(x[j]);
    amax = amax > a ? amax : a;
  }
  return amax;
}

// C's roundf (halfway cases away from zero) to int8; |x| <= 127 plus rounding error here.
int8_t round_away_to_int8(float x) { return static_cast<int8_t>(static_cast<int>(std::round(x))); }

// Round to nearest, ties to even, for |x| < 2^22, by ggml's trick: adding 1.5 * 2^23 leaves the rounded
// integer in the low mantissa bits. Computed the same way so that it agrees whatever the rounding mode.
int nearest_int(float x) {
  const float shifted = x + 12582912.0f;
  const auto bits = std::bit_cast<int32_t>(shifted);
  return (bits & 0x007FFFFF) - 0x00400000;
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
  for (int64_t i = 0; i < n; ++i) b[i] = half_impl::fp32_to_bf16(src[i]);
}

void quantize_row_q8_0(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_0*>(dst);
  for (int64_t b = 0; b < n / kBlock; ++b, src += kBlock) {
    const float amax = absolute_max(src, kBlock);
    const float d = amax / 127.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].scale = half_impl::fp32_to_fp16(d);
    for (int j = 0; j < kBlock; ++j) blocks[b].quants[j] = round_away_to_int8(src[j] * inverse);
  }
}

void quantize_row_q8_1(const float* src, void* dst, int64_t n) {
  auto* blocks = static_cast<BlockQ8_1*>(dst);
  for (int64_t b = 0; b < n / kBlock; ++b, src += kBlock) {
    const float amax = absolute_max(src, kBlock);
    const float d = amax / 127.0f;
    const float inverse = d != 0.0f ? 1.0f / d : 0.0f;
    blocks[b].scale = half_impl::fp32_to_fp16(d);
    int sum = 0;
    for (int j = 0; j < kBlock; ++j) {
      blocks[b].quants[j] = round_away_to_int8(src[j] * inverse);
      sum += blocks[b].quants[j];
    }
    // The fp32 d, not the stored fp16 one, times the integer sum; then rounded to fp16.
    blocks[b].scale_times_sum = half_impl::fp32_to_fp16(static_cast<float>(sum) * d);
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
