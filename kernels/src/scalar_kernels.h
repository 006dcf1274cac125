// The scalar reference kernels, one function per type and direction, which type_kernels.cpp gathers
// into the TypeKernels table. Signatures follow DequantizeRowFn, QuantizeRowFn and DotRowFn; n is the
// number of elements and must be a multiple of the type's block size.
#pragma once

#include <cstdint>

namespace ck::kernels::scalar {

// Weights (and any stored tensor) to fp32, bit-exact with ggml's dequantize_row_*.
void dequantize_row_f32(const void* src, float* dst, int64_t n);
void dequantize_row_f16(const void* src, float* dst, int64_t n);
void dequantize_row_bf16(const void* src, float* dst, int64_t n);
void dequantize_row_q4_0(const void* src, float* dst, int64_t n);
void dequantize_row_q5_0(const void* src, float* dst, int64_t n);
void dequantize_row_q5_1(const void* src, float* dst, int64_t n);
void dequantize_row_q8_0(const void* src, float* dst, int64_t n);
void dequantize_row_q4_k(const void* src, float* dst, int64_t n);
void dequantize_row_q5_k(const void* src, float* dst, int64_t n);
void dequantize_row_q6_k(const void* src, float* dst, int64_t n);

// fp32 activations to the partner formats, as ggml's reference quantize_row_*_ref.
void quantize_row_f32(const float* src, void* dst, int64_t n);
void quantize_row_f16(const float* src, void* dst, int64_t n);
void quantize_row_bf16(const float* src, void* dst, int64_t n);
void quantize_row_q8_0(const float* src, void* dst, int64_t n);
void quantize_row_q8_1(const float* src, void* dst, int64_t n);
void quantize_row_q8_k(const float* src, void* dst, int64_t n);

// Weight row . activation row in the partner format, as ggml's generic (non-SIMD) vec_dot functions.
float dot_row_f32_f32(const void* weight, const void* activation, int64_t n);
float dot_row_f16_f16(const void* weight, const void* activation, int64_t n);
float dot_row_bf16_bf16(const void* weight, const void* activation, int64_t n);
float dot_row_q4_0_q8_0(const void* weight, const void* activation, int64_t n);
float dot_row_q5_0_q8_0(const void* weight, const void* activation, int64_t n);
float dot_row_q5_1_q8_1(const void* weight, const void* activation, int64_t n);
float dot_row_q8_0_q8_0(const void* weight, const void* activation, int64_t n);
float dot_row_q4_k_q8_k(const void* weight, const void* activation, int64_t n);
float dot_row_q5_k_q8_k(const void* weight, const void* activation, int64_t n);
float dot_row_q6_k_q8_k(const void* weight, const void* activation, int64_t n);

}  // namespace ck::kernels::scalar
