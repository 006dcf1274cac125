// Scalar dequantization of one row, bit-exact with ggml's reference C (dequantize_row_q4_0 and friends in
// ggml-quants.c). Exactness depends on doing the same float operations in the same order with the same
// rounding: the block scales are converted from fp16 first, products such as d * sub-block scale are
// rounded to float before they meet the quants, and a multiply followed by an add is two roundings
// (never fused: the library is built with -ffp-contract=off).
#include <cstring>

#include "blocks.h"
#include "half_impl.h"
#include "scalar_kernels.h"

namespace ck::kernels::scalar {

using half_impl::bf16_to_fp32;
using half_impl::fp16_to_fp32;
using namespace blocks;

void dequantize_row_f32(const void* src, float* dst, int64_t n) {
  std::memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
}

void dequantize_row_f16(const void* src, float* dst, int64_t n) {
  const auto* h = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = fp16_to_fp32(h[i]);
}

void dequantize_row_bf16(const void* src, float* dst, int64_t n) {
  const auto* b = static_cast<const uint16_t*>(src);
  for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_fp32(b[i]);
}

void dequantize_row_q4_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ4_0*>(src);
  for (int64_t b = 0; b < n / kBlock; ++b, dst += kBlock) {
    const BlockQ4_0& block = blocks[b];
    const float scale = fp16_to_fp32(block.scale);
    for (int j = 0; j < kBlock / 2; ++j) {
      const int low = (block.quants[j] & 0x0F) - 8;
      const int high = (block.quants[j] >> 4) - 8;
      dst[j] = static_cast<float>(low) * scale;
      dst[j + kBlock / 2] = static_cast<float>(high) * scale;
    }
  }
}

void dequantize_row_q5_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_0*>(src);
  for (int64_t b = 0; b < n / kBlock; ++b, dst += kBlock) {
    const BlockQ5_0& block = blocks[b];
    const float scale = fp16_to_fp32(block.scale);
    const uint32_t high_bits = load_high_bits(block.high_bits);
    for (int j = 0; j < kBlock / 2; ++j) {
      const int fifth_low = static_cast<int>((high_bits >> j) & 1) << 4;
      const int fifth_high = static_cast<int>((high_bits >> (j + kBlock / 2)) & 1) << 4;
      const int low = ((block.quants[j] & 0x0F) | fifth_low) - 16;
      const int high = ((block.quants[j] >> 4) | fifth_high) - 16;
      dst[j] = static_cast<float>(low) * scale;
      dst[j + kBlock / 2] = static_cast<float>(high) * scale;
    }
  }
}

void dequantize_row_q5_1(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ5_1*>(src);
  for (int64_t b = 0; b < n / kBlock; ++b, dst += kBlock) {
    const BlockQ5_1& block = blocks[b];
    const float scale = fp16_to_fp32(block.scale);
    const float min = fp16_to_fp32(block.min);
    const uint32_t high_bits = load_high_bits(block.high_bits);
    for (int j = 0; j < kBlock / 2; ++j) {
      const int fifth_low = static_cast<int>((high_bits >> j) & 1) << 4;
      const int fifth_high = static_cast<int>((high_bits >> (j + kBlock / 2)) & 1) << 4;
      const int low = (block.quants[j] & 0x0F) | fifth_low;
      const int high = (block.quants[j] >> 4) | fifth_high;
      dst[j] = static_cast<float>(low) * scale + min;
      dst[j + kBlock / 2] = static_cast<float>(high) * scale + min;
    }
  }
}

void dequantize_row_q8_0(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ8_0*>(src);
  for (int64_t b = 0; b < n / kBlock; ++b, dst += kBlock) {
    const BlockQ8_0& block = blocks[b];
    const float scale = fp16_to_fp32(block.scale);
    for (int j = 0; j < kBlock; ++j) dst[j] = static_cast<float>(block.quants[j]) * scale;
  }
}

namespace {

// Q4_K and Q5_K share the layout of their sub-block scales and mins; Q5_K adds a fifth bit per element,
// which `high_bit(l, sub_block)` supplies (16 or 0; always 0 for Q4_K).
template <class Block, class HighBit>
void dequantize_k_quant_4_5(const Block* blocks, float* dst, int64_t n, HighBit high_bit) {
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const Block& block = blocks[b];
    const float d = fp16_to_fp32(block.d);
    const float dmin = fp16_to_fp32(block.dmin);
    const uint8_t* quants = block.quants;
    // Each pass covers 64 elements: sub-block 2p from the low nibbles of 32 bytes, 2p + 1 from the high.
    for (int pass = 0; pass < 4; ++pass, quants += 32) {
      uint8_t sc, m;
      unpack_scale_min(block.scales, 2 * pass, sc, m);
      const float scale_low = d * static_cast<float>(sc);
      const float min_low = dmin * static_cast<float>(m);
      unpack_scale_min(block.scales, 2 * pass + 1, sc, m);
      const float scale_high = d * static_cast<float>(sc);
      const float min_high = dmin * static_cast<float>(m);
      for (int l = 0; l < 32; ++l) {
        const int q = (quants[l] & 0x0F) + high_bit(block, l, 2 * pass);
        *dst++ = scale_low * static_cast<float>(q) - min_low;
      }
      for (int l = 0; l < 32; ++l) {
        const int q = (quants[l] >> 4) + high_bit(block, l, 2 * pass + 1);
        *dst++ = scale_high * static_cast<float>(q) - min_high;
      }
    }
  }
}

}  // namespace

void dequantize_row_q4_k(const void* src, float* dst, int64_t n) {
  dequantize_k_quant_4_5(static_cast<const BlockQ4_K*>(src), dst, n,
                         [](const BlockQ4_K&, int, int) { return 0; });
}

void dequantize_row_q5_k(const void* src, float* dst, int64_t n) {
  dequantize_k_quant_4_5(static_cast<const BlockQ5_K*>(src), dst, n,
                         [](const BlockQ5_K& block, int l, int sub_block) {
                           return (block.high_bits[l] >> sub_block) & 1 ? 16 : 0;
                         });
}

// Element e of a Q6_K half (128 elements, 64 low-nibble bytes `low`, 32 two-bit bytes `high`) for
// e = 32 * quarter + l: quarters 0 and 1 take the low nibbles of low[l] and low[l + 32], quarters 2 and 3
// their high nibbles; the two top bits are bits 2 * quarter of high[l]. The value is that minus 32.
void dequantize_row_q6_k(const void* src, float* dst, int64_t n) {
  const auto* blocks = static_cast<const BlockQ6_K*>(src);
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    const BlockQ6_K& block = blocks[b];
    const float d = fp16_to_fp32(block.d);
    const uint8_t* low = block.low_bits;
    const uint8_t* high = block.high_bits;
    const int8_t* scales = block.scales;
    for (int half = 0; half < 2; ++half, low += 64, high += 32, scales += 8, dst += 128) {
      for (int l = 0; l < 32; ++l) {
        const int group = l / 16;  // sub-blocks of 16: quarter q uses scales[2 * q + group]
        const int q0 = ((low[l] & 0x0F) | (((high[l] >> 0) & 3) << 4)) - 32;
        const int q1 = ((low[l + 32] & 0x0F) | (((high[l] >> 2) & 3) << 4)) - 32;
        const int q2 = ((low[l] >> 4) | (((high[l] >> 4) & 3) << 4)) - 32;
        const int q3 = ((low[l + 32] >> 4) | (((high[l] >> 6) & 3) << 4)) - 32;
        // (d * scale) is rounded before the quant multiplies it: ggml writes d * sc[is] * q.
        dst[l + 0] = d * static_cast<float>(scales[group + 0]) * static_cast<float>(q0);
        dst[l + 32] = d * static_cast<float>(scales[group + 2]) * static_cast<float>(q1);
        dst[l + 64] = d * static_cast<float>(scales[group + 4]) * static_cast<float>(q2);
        dst[l + 96] = d * static_cast<float>(scales[group + 6]) * static_cast<float>(q3);
      }
    }
  }
}

}  // namespace ck::kernels::scalar
