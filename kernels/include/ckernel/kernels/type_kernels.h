// The seam between the engine and the arithmetic: per weight type, how to dequantize a row, which format
// the activations are converted to before a dot product (as ggml does: Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for
// Q5_1, Q8_K for the K-quants, F16/BF16 for half weights), and the dot product of a weight row with such an
// activation row. Every instruction-set level (isa_level.h) has its own table; a level computes exactly the
// bits of the scalar reference, only faster, and takes the next lower level's kernel wherever it has none.
//
// The dot products reproduce llama.cpp's results on x86-64 with AVX-512 bit for bit. ggml computes the
// same product differently depending on the matrix shape and on how many activation rows are multiplied
// at once (a single decoded token, or a prompt batch), so a type may have a second kernel for the shapes
// where ggml switches; select_dot_row() makes ggml's choice (llama_cpp_compat.h says which shapes).
#pragma once

#include <cstddef>
#include <cstdint>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/kernel_tuning.h"
#include "ckernel/kernels/tensor_type.h"

namespace ck::kernels {

using DequantizeRowFn = void (*)(const void* src, float* dst, int64_t n);
using QuantizeRowFn = void (*)(const float* src, void* dst, int64_t n);
// Dot product of n elements of a weight row with an activation row in the weight's partner format.
using DotRowFn = float (*)(const void* weight_row, const void* activation_row, int64_t n);

// A block of outputs of a matrix product: out[t * out_stride + r] = dot(weight row r, activation row t)
// for r < rows and t < tokens, each output bit-identical to the DotRowFn it pairs with. A panel function
// is free to reuse what it loads across rows and tokens (register tiles); that is where the speed is.
struct DotPanel {
  const std::byte* weights;
  size_t weight_stride;  // bytes from one weight row to the next
  int64_t rows;
  const std::byte* activations;
  size_t activation_stride;  // bytes from one activation row to the next
  int64_t tokens;
  int64_t n;  // elements per row
  float* out;
  size_t out_stride;  // floats from one token's outputs to the next
  // How the weight rows ahead are prefetched: matmul passes the host's tuning (kernel_tuning()); other
  // callers (attention over the KV cache) keep the defaults. Last, so that aggregate initialisations
  // without it keep compiling.
  WeightPrefetch prefetch{};
  // Rows per register tile when tokens == 1 (KernelTuning::decode_tile_rows; 0: the kernel's own).
  int decode_tile_rows = 0;
  // Q8_0 activations only, optional: every block's fp16 scale converted to fp32 once per product (token t's
  // block b at [t * n / 32 + b]), which a tile would otherwise convert again for every tile of rows.
  const float* activation_scales = nullptr;
  // How far the weight prefetch may run: the panel's own rows (nullptr), or on past them up to here when
  // the rows after the panel are the ones this thread computes next (matmul: the matrix's end, as
  // ThreadPool::parallel_for_chunks hands a thread its chunks in order).
  const std::byte* prefetch_end = nullptr;
};
using DotPanelFn = void (*)(const DotPanel& panel);

// A dot product that ggml uses instead of the type's vec_dot for matrix products of some shapes (tinyBLAS,
// the repacked Q4_0 kernel). Which shapes is llama.cpp's choice: llama_cpp::dot_variant_shape in
// llama_cpp_compat.h.
struct DotVariant {
  DotRowFn dot_row;  // nullptr: the type has no variant
  DotPanelFn dot_panel;
};

struct TypeKernels {
  TensorType type;
  DequantizeRowFn dequantize_row;
  TensorType partner;    // format the activations are converted to for dot_row
  DotRowFn dot_row;      // ggml's vec_dot for this type: the general case, and what a single token gets
  DotPanelFn dot_panel;  // many dot_row outputs at once
  DotVariant variant;
};

// Kernels of a computable type (see TypeTraits::computable) at the active level (active_isa_level()), or
// at a given one; throws std::invalid_argument for other types.
const TypeKernels& kernels_for(TensorType type);
const TypeKernels& kernels_for(TensorType type, IsaLevel level);

// The dot product ggml's mul_mat uses for a weight matrix of `rows` rows of `cols` elements multiplied
// with `n_tokens` activation rows: k.variant where llama_cpp::uses_dot_variant says so, else the type's
// vec_dot. The panel is the same computation as the row.
DotRowFn select_dot_row(const TypeKernels& k, int64_t rows, int64_t cols, int64_t n_tokens);
DotPanelFn select_dot_panel(const TypeKernels& k, int64_t rows, int64_t cols, int64_t n_tokens);

// Converts fp32 activations to an activation format: F32, F16, BF16, Q8_0, Q8_1 or Q8_K (at the active
// level, or at a given one).
QuantizeRowFn activation_quantizer(TensorType partner);
QuantizeRowFn activation_quantizer(TensorType partner, IsaLevel level);

}  // namespace ck::kernels
