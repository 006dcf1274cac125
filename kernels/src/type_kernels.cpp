#include "ckernel/kernels/type_kernels.h"

#include <array>
#include <optional>
#include <stdexcept>
#include <string>

#include "scalar_kernels.h"

namespace ck::kernels {
namespace {

using T = TensorType;

constexpr DotVariant kNoVariant{nullptr, 0, 0, 0};

// Partners as in ggml's CPU backend (type_traits_cpu[...].vec_dot_type); variants as type_kernels.h
// describes them (tinyBLAS: llamafile_sgemm's conditions; repack: ggml_aarch64_get_optimal_repack_type).
constexpr std::array kScalarKernels{
    TypeKernels{T::F32, scalar::dequantize_row_f32, T::F32, scalar::dot_row_f32_f32,
                DotVariant{scalar::dot_row_f32_f32_tinyblas, 2, 4, 16}},
    TypeKernels{T::F16, scalar::dequantize_row_f16, T::F16, scalar::dot_row_f16_f16,
                DotVariant{scalar::dot_row_f16_f16_tinyblas, 2, 4, 16}},
    TypeKernels{T::BF16, scalar::dequantize_row_bf16, T::BF16, scalar::dot_row_bf16_bf16,
                DotVariant{scalar::dot_row_bf16_bf16_tinyblas, 2, 4, 32}},
    TypeKernels{T::Q4_0, scalar::dequantize_row_q4_0, T::Q8_0, scalar::dot_row_q4_0_q8_0,
                DotVariant{scalar::dot_row_q4_0_q8_0_repacked, 1, 8, 32}},
    TypeKernels{T::Q5_0, scalar::dequantize_row_q5_0, T::Q8_0, scalar::dot_row_q5_0_q8_0, kNoVariant},
    TypeKernels{T::Q5_1, scalar::dequantize_row_q5_1, T::Q8_1, scalar::dot_row_q5_1_q8_1, kNoVariant},
    TypeKernels{T::Q8_0, scalar::dequantize_row_q8_0, T::Q8_0, scalar::dot_row_q8_0_q8_0, kNoVariant},
    TypeKernels{T::Q4_K, scalar::dequantize_row_q4_k, T::Q8_K, scalar::dot_row_q4_k_q8_k, kNoVariant},
    TypeKernels{T::Q5_K, scalar::dequantize_row_q5_k, T::Q8_K, scalar::dot_row_q5_k_q8_k, kNoVariant},
    TypeKernels{T::Q6_K, scalar::dequantize_row_q6_k, T::Q8_K, scalar::dot_row_q6_k_q8_k, kNoVariant},
};

std::string id_text(TensorType type) { return std::to_string(static_cast<uint32_t>(type)); }

}  // namespace

const TypeKernels& kernels_for(TensorType type) {
  for (const TypeKernels& k : kScalarKernels)
    if (k.type == type) return k;
  const std::optional<TypeTraits> t = type_traits(static_cast<uint32_t>(type));
  throw std::invalid_argument("no kernels for tensor type " +
                              (t ? std::string(t->name) : "id " + id_text(type)));
}

DotRowFn select_dot_row(const TypeKernels& k, int64_t rows, int64_t cols, int64_t n_tokens) {
  const DotVariant& v = k.variant;
  if (v.dot_row != nullptr && n_tokens >= v.min_tokens && rows % v.rows_multiple == 0 &&
      cols % v.cols_multiple == 0)
    return v.dot_row;
  return k.dot_row;
}

QuantizeRowFn activation_quantizer(TensorType partner) {
  switch (partner) {
    case T::F32:
      return scalar::quantize_row_f32;
    case T::F16:
      return scalar::quantize_row_f16;
    case T::BF16:
      return scalar::quantize_row_bf16;
    case T::Q8_0:
      return scalar::quantize_row_q8_0;
    case T::Q8_1:
      return scalar::quantize_row_q8_1;
    case T::Q8_K:
      return scalar::quantize_row_q8_k;
    default:
      break;
  }
  const std::optional<TypeTraits> t = type_traits(static_cast<uint32_t>(partner));
  throw std::invalid_argument("no activation quantizer for tensor type " +
                              (t ? std::string(t->name) : "id " + id_text(partner)));
}

}  // namespace ck::kernels
