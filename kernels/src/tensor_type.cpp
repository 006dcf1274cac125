#include "ckernel/kernels/tensor_type.h"

#include <array>
#include <iterator>
#include <stdexcept>
#include <string>

namespace ck::kernels {
namespace {

using T = TensorType;
constexpr int64_t kSuperBlock = 256;

constexpr TypeTraits entry(TensorType type, std::string_view name, int64_t block_size, size_t block_bytes) {
  bool computable = false;
  for (TensorType t : kComputableTypes) computable = computable || t == type;
  return {type, name, block_size, block_bytes, computable};
}

// Block sizes and byte counts as ggml lays them out; only the computable ones have kernels here, the
// rest are listed so that files holding them are measured correctly and named in errors.
constexpr std::array kTypes{
    entry(T::F32, "F32", 1, 4),
    entry(T::F16, "F16", 1, 2),
    entry(T::Q4_0, "Q4_0", 32, 18),
    entry(T::Q4_1, "Q4_1", 32, 20),
    entry(T::Q5_0, "Q5_0", 32, 22),
    entry(T::Q5_1, "Q5_1", 32, 24),
    entry(T::Q8_0, "Q8_0", 32, 34),
    entry(T::Q8_1, "Q8_1", 32, 36),
    entry(T::Q2_K, "Q2_K", kSuperBlock, 84),
    entry(T::Q3_K, "Q3_K", kSuperBlock, 110),
    entry(T::Q4_K, "Q4_K", kSuperBlock, 144),
    entry(T::Q5_K, "Q5_K", kSuperBlock, 176),
    entry(T::Q6_K, "Q6_K", kSuperBlock, 210),
    entry(T::Q8_K, "Q8_K", kSuperBlock, 292),
    entry(T::IQ2_XXS, "IQ2_XXS", kSuperBlock, 66),
    entry(T::IQ2_XS, "IQ2_XS", kSuperBlock, 74),
    entry(T::IQ3_XXS, "IQ3_XXS", kSuperBlock, 98),
    entry(T::IQ1_S, "IQ1_S", kSuperBlock, 50),
    entry(T::IQ4_NL, "IQ4_NL", 32, 18),
    entry(T::IQ3_S, "IQ3_S", kSuperBlock, 110),
    entry(T::IQ2_S, "IQ2_S", kSuperBlock, 82),
    entry(T::IQ4_XS, "IQ4_XS", kSuperBlock, 136),
    entry(T::I8, "I8", 1, 1),
    entry(T::I16, "I16", 1, 2),
    entry(T::I32, "I32", 1, 4),
    entry(T::I64, "I64", 1, 8),
    entry(T::F64, "F64", 1, 8),
    entry(T::IQ1_M, "IQ1_M", kSuperBlock, 56),
    entry(T::BF16, "BF16", 1, 2),
    entry(T::TQ1_0, "TQ1_0", kSuperBlock, 54),
    entry(T::TQ2_0, "TQ2_0", kSuperBlock, 66),
};

// Each computable type has its traits here, once.
static_assert([] {
  size_t n = 0;
  for (const TypeTraits& t : kTypes) n += t.computable ? 1 : 0;
  return n;
}() == std::size(kComputableTypes));

}  // namespace

std::optional<TypeTraits> type_traits(uint32_t id) {
  for (const TypeTraits& t : kTypes)
    if (static_cast<uint32_t>(t.type) == id) return t;
  return std::nullopt;
}

const TypeTraits& traits(TensorType type) {
  for (const TypeTraits& t : kTypes)
    if (t.type == type) return t;
  throw std::invalid_argument("unknown tensor type id " + std::to_string(static_cast<uint32_t>(type)));
}

}  // namespace ck::kernels
