#include "ckernel/kernels/half.h"

#include "half_impl.h"

namespace ck::kernels {

float fp16_to_fp32(uint16_t h) { return half_impl::fp16_to_fp32(h); }
uint16_t fp32_to_fp16(float f) { return half_impl::fp32_to_fp16(f); }
float bf16_to_fp32(uint16_t b) { return half_impl::bf16_to_fp32(b); }
uint16_t fp32_to_bf16(float f) { return half_impl::fp32_to_bf16(f); }

}  // namespace ck::kernels
