// The 32-element formats, the float formats and the dispatch of quantize_weights(). The arithmetic is
// ggml's reference quantizers' step by step (this file is compiled without FMA contraction, as ggml's
// base library is), including their roundings: roundf for Q8_0, truncation after +8.5 / +16.5 for
// Q4_0 / Q5_0 and after +0.5 for Q5_1.
#include "ckernel/kernels/quantize_weights.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

#include "blocks.h"
#include "ckernel/kernels/half.h"
#include "quantize_weights_k.h"

namespace ck::kernels {
namespace {

using namespace blocks;

// The element of largest magnitude, with its sign (the first one on ties).
float signed_absolute_max(const float* x, int n) {
  float amax = 0, max = 0;
  for (int j = 0; j < n; ++j)
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  return max;
}

BlockQ8_0 quantize_block_q8_0(const float* x) {
  float amax = 0;
  for (int j = 0; j < kBlock; ++j) amax = std::max(amax, std::fabs(x[j]));
  const float d = amax / 127;
  const float id = d != 0 ? 1.0f / d : 0.0f;
  BlockQ8_0 b{};
  b.scale = fp32_to_fp16(d);
  for (int j = 0; j < kBlock; ++j) b.quants[j] = static_cast<int8_t>(std::round(x[j] * id));
  return b;
}

// Symmetric blocks: scale = (signed max) / -levels, so the largest element maps to quant 0.
template <int kLevels>
void quantize_symmetric(const float* x, uint16_t& scale, uint8_t (&quants)[kBlock / 2], uint32_t& high) {
  const float d = signed_absolute_max(x, kBlock) / -static_cast<float>(kLevels);
  const float id = d != 0 ? 1.0f / d : 0.0f;
  scale = fp32_to_fp16(d);
  constexpr float kOffset = kLevels + 0.5f;
  constexpr int kTop = 2 * kLevels - 1;
  high = 0;
  for (int j = 0; j < kBlock / 2; ++j) {
    const auto q0 =
        static_cast<uint8_t>(std::min(kTop, static_cast<int>(static_cast<int8_t>(x[j] * id + kOffset))));
    const auto q1 = static_cast<uint8_t>(
        std::min(kTop, static_cast<int>(static_cast<int8_t>(x[j + kBlock / 2] * id + kOffset))));
    quants[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
    high |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
    high |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kBlock / 2);
  }
}

BlockQ4_0 quantize_block_q4_0(const float* x) {
  BlockQ4_0 b{};
  uint32_t unused_high = 0;
  quantize_symmetric<8>(x, b.scale, b.quants, unused_high);
  return b;
}

BlockQ5_0 quantize_block_q5_0(const float* x) {
  BlockQ5_0 b{};
  uint32_t high = 0;
  quantize_symmetric<16>(x, b.scale, b.quants, high);
  std::memcpy(b.high_bits, &high, sizeof high);
  return b;
}

BlockQ5_1 quantize_block_q5_1(const float* x) {
  float min = FLT_MAX, max = -FLT_MAX;
  for (int j = 0; j < kBlock; ++j) {
    min = std::min(min, x[j]);
    max = std::max(max, x[j]);
  }
  const float d = (max - min) / 31;
  const float id = d != 0 ? 1.0f / d : 0.0f;
  BlockQ5_1 b{};
  b.scale = fp32_to_fp16(d);
  b.min = fp32_to_fp16(min);
  uint32_t high = 0;
  for (int j = 0; j < kBlock / 2; ++j) {
    const auto q0 = static_cast<uint8_t>((x[j] - min) * id + 0.5f);
    const auto q1 = static_cast<uint8_t>((x[j + kBlock / 2] - min) * id + 0.5f);
    b.quants[j] = static_cast<uint8_t>((q0 & 0x0F) | ((q1 & 0x0F) << 4));
    high |= static_cast<uint32_t>((q0 >> 4) & 1) << j;
    high |= static_cast<uint32_t>((q1 >> 4) & 1) << (j + kBlock / 2);
  }
  std::memcpy(b.high_bits, &high, sizeof high);
  return b;
}

// Quantizes block by block, copying each block into place (rows of a GGUF tensor are not aligned for
// the block structs).
template <int kBlockElements, class Quantize>
void quantize_blocks(std::span<const float> values, std::span<std::byte> out, Quantize quantize) {
  for (size_t i = 0; i < values.size() / kBlockElements; ++i) {
    const auto block = quantize(values.data() + i * kBlockElements);
    std::memcpy(out.data() + i * sizeof block, &block, sizeof block);
  }
}

template <class Convert>
void convert_elements(std::span<const float> values, std::span<std::byte> out, Convert convert) {
  for (size_t i = 0; i < values.size(); ++i) {
    const uint16_t bits = convert(values[i]);
    std::memcpy(out.data() + 2 * i, &bits, sizeof bits);
  }
}

}  // namespace

bool can_quantize_weights(TensorType type) {
  switch (type) {
    case TensorType::f32:
    case TensorType::f16:
    case TensorType::bf16:
    case TensorType::q8_0:
    case TensorType::q4_0:
    case TensorType::q5_0:
    case TensorType::q5_1:
    case TensorType::q4_k:
    case TensorType::q5_k:
    case TensorType::q6_k:
      return true;
    default:
      return false;
  }
}

void quantize_weights(TensorType type, std::span<const float> values, std::span<std::byte> out) {
  const std::string name(type_name(type));
  if (!can_quantize_weights(type)) throw std::invalid_argument("no weight quantizer for type " + name);
  const auto n = static_cast<int64_t>(values.size());
  if (n % traits(type).block_size != 0)
    throw std::invalid_argument(std::to_string(n) + " values are not whole " + name + " blocks of " +
                                std::to_string(traits(type).block_size));
  if (out.size() != row_bytes(type, n))
    throw std::invalid_argument(name + " of " + std::to_string(n) + " values takes " +
                                std::to_string(row_bytes(type, n)) + " bytes, the output holds " +
                                std::to_string(out.size()));
  switch (type) {
    case TensorType::f32:
      std::memcpy(out.data(), values.data(), out.size());
      return;
    case TensorType::f16:
      return convert_elements(values, out, fp32_to_fp16);
    case TensorType::bf16:
      return convert_elements(values, out, fp32_to_bf16);
    case TensorType::q8_0:
      return quantize_blocks<kBlock>(values, out, quantize_block_q8_0);
    case TensorType::q4_0:
      return quantize_blocks<kBlock>(values, out, quantize_block_q4_0);
    case TensorType::q5_0:
      return quantize_blocks<kBlock>(values, out, quantize_block_q5_0);
    case TensorType::q5_1:
      return quantize_blocks<kBlock>(values, out, quantize_block_q5_1);
    case TensorType::q4_k:
      return quantize_blocks<kSuperBlock>(values, out, quantize_block_q4_k);
    case TensorType::q5_k:
      return quantize_blocks<kSuperBlock>(values, out, quantize_block_q5_k);
    case TensorType::q6_k:
      return quantize_blocks<kSuperBlock>(values, out, quantize_block_q6_k);
    default:
      break;
  }
}

}  // namespace ck::kernels
