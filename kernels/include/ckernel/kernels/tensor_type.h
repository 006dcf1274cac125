// Tensor element types with the numbering and block layouts of the GGUF/ggml ecosystem, so that files
// written by other tools are read as they are.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace ck::kernels {

enum class TensorType : uint32_t {
  f32 = 0,
  f16 = 1,
  q4_0 = 2,
  q4_1 = 3,
  q5_0 = 6,
  q5_1 = 7,
  q8_0 = 8,
  q8_1 = 9,
  q2_k = 10,
  q3_k = 11,
  q4_k = 12,
  q5_k = 13,
  q6_k = 14,
  q8_k = 15,
  iq2_xxs = 16,
  iq2_xs = 17,
  iq3_xxs = 18,
  iq1_s = 19,
  iq4_nl = 20,
  iq3_s = 21,
  iq2_s = 22,
  iq4_xs = 23,
  i8 = 24,
  i16 = 25,
  i32 = 26,
  i64 = 27,
  f64 = 28,
  iq1_m = 29,
  bf16 = 30,
  tq1_0 = 34,
  tq2_0 = 35,
};

// The types ckernel can dequantize and multiply (TypeTraits::computable), in the order of the kernel
// tables, which take their size from here.
inline constexpr TensorType kComputableTypes[] = {
    TensorType::f32,  TensorType::f16,  TensorType::bf16, TensorType::q4_0, TensorType::q5_0,
    TensorType::q5_1, TensorType::q8_0, TensorType::q4_k, TensorType::q5_k, TensorType::q6_k,
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
