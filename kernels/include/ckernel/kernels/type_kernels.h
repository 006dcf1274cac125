// The seam between the engine and the arithmetic: per weight type, how to dequantize a row, which format
// the activations are converted to before a dot product (as ggml does: Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for
// Q5_1, Q8_K for the K-quants, F16/BF16 for half weights), and the dot product of a weight row with such an
// activation row. Faster implementations plug in here per instruction set; the scalar one is the reference.
#pragma once

#include <cstddef>
#include <cstdint>

#include "ckernel/kernels/tensor_type.h"

namespace ck::kernels {

using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);
// Dot product of n elements of a weight row with an activation row in the weight's partner format.
using DotRowFn = float (*)(const void* weight_row, const void* activation_row, int64_t n);

struct TypeKernels {
  TensorType type;
  DequantizeRowFn dequantize_row;
  TensorType partner;  // format the activations are converted to for dot_row
  DotRowFn dot_row;
};

// Kernels of a computable type (see TypeTraits::computable); throws std::invalid_argument otherwise.
const TypeKernels& kernels_for(TensorType type);

// Converts fp32 activations to an activation format: F32, F16, BF16, Q8_0, Q8_1 or Q8_K.
QuantizeRowFn activation_quantizer(TensorType partner);

}  // namespace ck::kernels
