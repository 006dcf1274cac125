// The element-wise kernels behind ops.h, one table per instruction-set level. The scalar table is the
// reference (ops_scalar.cpp); each SIMD level replaces entries with code computing the same bits, from
// one implementation (ops_simd.h) instantiated per level with that level's 16-lane register type.
#pragma once

#include <cstdint>

#include "ckernel/kernels/isa_level.h"

namespace ck::kernels {

struct OpKernels {
  void (*rms_norm)(const float* x, const float* weight, float* y, int64_t n, float eps);
  // y = silu(gate), then y *= up unless up is nullptr (two roundings, as ggml_silu then ggml_mul).
  void (*silu_mul)(const float* gate, const float* up, float* y, int64_t n);
  void (*add)(float* y, const float* x, int64_t n);
  void (*soft_max)(const float* x, float* y, int64_t n, int64_t n_unmasked, float scale);
  // Rotates n_pairs pairs of each head by rope_angles' output; the first n_fused pairs with ggml's fused
  // products (see rope() in ops.cpp), the rest without.
  void (*rope)(float* x, int64_t n_heads, int64_t head_dim, int64_t n_pairs, int64_t n_fused, bool neox,
               const float* angles);
  void (*to_fp16)(const float* x, uint16_t* y, int64_t n);
};

// The table of a level the CPU has; throws std::invalid_argument for one it lacks.
const OpKernels& op_kernels(IsaLevel level);

namespace scalar {
extern const OpKernels kOpKernels;
}
// Compiled for their level only (see CMakeLists.txt): call only when the CPU has the level.
namespace avx2 {
void install_ops(OpKernels& table);
}
namespace avx512 {
void install_ops(OpKernels& table);
}

}  // namespace ck::kernels
