// Pieces of ggml's CPU backend (the commit llama_cpp_compat.h names) as compiled for x86-64 with AVX-512
// (F, DQ), FMA and F16C, reproduced bit for bit in portable code: the lane structure, the FMAs and the
// reduction order of the vector code are emulated. Internal to the kernels (the public ops in ops.h are
// built from them); the kernel tests include this header to check them one by one.
#pragma once

#include <cstdint>

#include "ckernel/kernels/isa_level.h"

namespace ck::kernels::ggml_cpu {

// One lane of ggml_v_expf (the AVX-512 exp approximation; not expf).
float v_expf(float x);

// ggml_vec_silu_f32: 16-lane ggml_v_silu on full groups of 16, x / (1 + expf(-x)) on the rest.
void vec_silu(const float* x, float* y, int64_t n, IsaLevel level = active_isa_level());

// ggml_soft_max_ext on one row of n values with scale and a causal mask: x[i] * scale for i < n_unmasked,
// -inf beyond (those x are not read; y gets 0). 16-lane ggml_v_expf, per-group sums added in double.
void soft_max(const float* x, float* y, int64_t n, int64_t n_unmasked, float scale,
              IsaLevel level = active_isa_level());

}  // namespace ck::kernels::ggml_cpu
