// The scalar reference kernels, one function per type and direction, which type_kernels.cpp gathers
// into the TypeKernels table. Signatures follow DequantizeRowFn, QuantizeRowFn and DotRowFn; n is the
// number of elements and must be a multiple of the type's block size.
//
// The reference is what llama.cpp computes on x86-64 with AVX-512 (ggml built natively for AMD Zen 5:
// AVX512F/BW/VL/DQ, AVX512_VNNI, AVX512_BF16, FMA, F16C, llamafile's tinyBLAS and the CPU "repack"
// buffer), bit for bit: these functions emulate its vector lanes in portable C++ (std::fma wherever ggml
// issues a fused multiply-add, arrays of 8 or 16 floats for its registers, and its horizontal sums in
// their order), so that a SIMD implementation only has to match them.
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

// fp32 activations to the partner formats, as ggml's CPU backend converts them on x86 (its from_float:
// the AVX quantize_row_q8_0/q8_1, quantize_row_q8_K = the reference, F16C and AVX512_BF16 conversions).
void quantize_row_f32(const float* src, void* dst, int64_t n);
void quantize_row_f16(const float* src, void* dst, int64_t n);
void quantize_row_bf16(const float* src, void* dst, int64_t n);
void quantize_row_q8_0(const float* src, void* dst, int64_t n);
void quantize_row_q8_1(const float* src, void* dst, int64_t n);
void quantize_row_q8_k(const float* src, void* dst, int64_t n);

// Weight row . activation row in the partner format, as ggml's x86 vec_dot functions compute it (the
// path of a single token, and of every token count for the types without a variant below).
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

// llamafile's tinyBLAS (sgemm.cpp), which ggml uses for F32, F16 and BF16 weights when at least two
// activation rows are multiplied: one 16-lane FMA accumulator per output. (Its Q8_0/Q4_0/Q5_0 kernels
// compute exactly what vec_dot computes, so they need no functions of their own.) n must be a multiple
// of 16 (F32, F16) or 32 (BF16).
float dot_row_f32_f32_tinyblas(const void* weight, const void* activation, int64_t n);
float dot_row_f16_f16_tinyblas(const void* weight, const void* activation, int64_t n);
float dot_row_bf16_bf16_tinyblas(const void* weight, const void* activation, int64_t n);

// Q4_0 weights repacked by ggml's CPU extra buffer type into q4_0_8x8 (ggml_gemv/gemm_q4_0_8x8_q8_0):
// one accumulator per output, one FMA per block. Used for every token count.
float dot_row_q4_0_q8_0_repacked(const void* weight, const void* activation, int64_t n);

}  // namespace ck::kernels::scalar
