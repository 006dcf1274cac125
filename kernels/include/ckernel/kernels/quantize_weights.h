// fp32 weights to the storage types of GGUF files. Each quantizer writes byte for byte what ggml's
// reference quantizers (quantize_row_*_ref, which llama-quantize uses when it has no importance matrix)
// write, so that a model quantized here equals one quantized by llama.cpp from the same values.
#pragma once

#include <cstddef>
#include <span>

#include "ckernel/kernels/tensor_type.h"

namespace ck::kernels {

// F16, BF16, Q8_0, Q4_0, Q5_0, Q5_1, Q4_K, Q5_K, Q6_K (and F32, copied).
bool can_quantize_weights(TensorType type);

// Converts `values` (whole rows; their count a multiple of the type's block size) into `out`, which must
// hold exactly row_bytes(type, values.size()) bytes. Throws std::invalid_argument naming the type or the
// size that does not fit.
void quantize_weights(TensorType type, std::span<const float> values, std::span<std::byte> out);

}  // namespace ck::kernels
