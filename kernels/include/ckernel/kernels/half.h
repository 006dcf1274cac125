// IEEE half and bfloat16 conversions, rounding to nearest even exactly as the F16C instructions and
// ggml do, so stored values and rounded activations match bit for bit.
#pragma once

#include <cstdint>

namespace ck::kernels {

float fp16_to_fp32(uint16_t h);
uint16_t fp32_to_fp16(float f);
float bf16_to_fp32(uint16_t b);
uint16_t fp32_to_bf16(float f);

}  // namespace ck::kernels
