// Tensor element types with the numbering and block layouts of the GGUF/ggml ecosystem, so that files
// written by other tools are read as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ck::kernels {

enum class TensorType : uint32_t {
  F32 = 0,
  F16 = 1,
  Q4_0 = 2,
  Q4_1 = 3,
  Q5_0 = 6,
  Q5_1 = 7,
  Q8_0 = 8,
  Q8_1 = 9,
  Q2_K = 10,
  Q3_K = 11,
  Q4_K = 12,
  Q5_K = 13,
  Q6_K = 14,
  Q8_K = 15,
  IQ2_XXS = 16,
  IQ2_XS = 17,
  IQ3_XXS = 18,
  IQ1_S = 19,
  IQ4_NL = 20,
  IQ3_S = 21,
  IQ2_S = 22,
  IQ4_XS = 23,
  I8 = 24,
  I16 = 25,
  I32 = 26,
  I64 = 27,
  F64 = 28,
  IQ1_M = 29,
  BF16 = 30,
  TQ1_0 = 34,
  TQ2_0 = 35,
};

// The types ckernel can dequantize and multiply (TypeTraits::computable), in the order of the kernel
// tables, which take their size from here.
inline constexpr TensorType kComputableTypes[] = {
    TensorType::F32,  TensorType::F16,  TensorType::BF16, TensorType::Q4_0, TensorType::Q5_0,
    TensorType::Q5_1, TensorType::Q8_0, TensorType::Q4_K, TensorType::Q5_K, TensorType::Q6_K,
};

struct TypeTraits {
  TensorType type;
  std::string_view name;
  int64_t block_size;  // elements per block
  size_t block_bytes;  // bytes per block
  bool computable;     // listed in kComputableTypes
};

// Traits of a type id as stored in a file; nullopt for ids that no known writer uses.
std::optional<TypeTraits> type_traits(uint32_t id);
// Traits of a known type.
const TypeTraits& traits(TensorType type);
inline std::string_view type_name(TensorType type) { return traits(type).name; }

// Bytes of a row of n elements; n must be a multiple of the block size.
inline size_t row_bytes(TensorType type, int64_t n) {
  const TypeTraits& t = traits(type);
  return static_cast<size_t>(n / t.block_size) * t.block_bytes;
}

}  // namespace ck::kernels
