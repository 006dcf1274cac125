#include "ckernel/kernels/llama_cpp_compat.h"

#include <algorithm>

namespace ck::kernels::llama_cpp {

std::optional<DotVariantShape> dot_variant_shape(TensorType type) {
  switch (type) {
    case TensorType::f32:
    case TensorType::f16:
      return DotVariantShape{2, 4, 16};  // tinyBLAS
    case TensorType::bf16:
      return DotVariantShape{2, 4, 32};  // tinyBLAS, 32 bf16 per VDPBF16PS step
    case TensorType::q4_0:
      return DotVariantShape{1, 8, 32};  // repacked q4_0_8x8
    default:
      return std::nullopt;
  }
}

bool uses_dot_variant(TensorType type, int64_t rows, int64_t cols, int64_t n_tokens) {
  const std::optional<DotVariantShape> shape = dot_variant_shape(type);
  return shape && n_tokens >= shape->min_tokens && rows % shape->rows_multiple == 0 &&
         cols % shape->cols_multiple == 0;
}

int64_t padded_kv_length(int64_t n_used) {
  // llama.cpp's n_ctx is padded to kKvPadding as well, so the min(n_ctx, ...) it applies never cuts below
  // this.
  return std::max(kKvPadding, (n_used + kKvPadding - 1) / kKvPadding * kKvPadding);
}

int64_t last_layer_rows(int64_t n_tokens) { return std::min<int64_t>(n_tokens, 1); }

}  // namespace ck::kernels::llama_cpp
