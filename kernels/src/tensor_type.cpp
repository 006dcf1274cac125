#include "ckernel/kernels/tensor_type.h"

#include <array>
#include <stdexcept>
#include <string>

namespace ck::kernels {
namespace {

using T = TensorType;
constexpr int64_t kSuperBlock = 256;

// Block sizes and byte counts as ggml lays them out; only the `computable` ones have kernels here, the
// rest are listed so that files holding them are measured correctly and named in errors.
constexpr std::array kTypes{
    TypeTraits{T::F32, "F32", 1, 4, true},
    TypeTraits{T::F16, "F16", 1, 2, true},
    TypeTraits{T::Q4_0, "Q4_0", 32, 18, true},
    TypeTraits{T::Q4_1, "Q4_1", 32, 20, false},
    TypeTraits{T::Q5_0, "Q5_0", 32, 22, true},
    TypeTraits{T::Q5_1, "Q5_1", 32, 24, true},
    TypeTraits{T::Q8_0, "Q8_0", 32, 34, true},
    TypeTraits{T::Q8_1, "Q8_1", 32, 36, false},
    TypeTraits{T::Q2_K, "Q2_K", kSuperBlock, 84, false},
    TypeTraits{T::Q3_K, "Q3_K", kSuperBlock, 110, false},
    TypeTraits{T::Q4_K, "Q4_K", kSuperBlock, 144, true},
    TypeTraits{T::Q5_K, "Q5_K", kSuperBlock, 176, true},
    TypeTraits{T::Q6_K, "Q6_K", kSuperBlock, 210, true},
    TypeTraits{T::Q8_K, "Q8_K", kSuperBlock, 292, false},
    TypeTraits{T::IQ2_XXS, "IQ2_XXS", kSuperBlock, 66, false},
    TypeTraits{T::IQ2_XS, "IQ2_XS", kSuperBlock, 74, false},
    TypeTraits{T::IQ3_XXS, "IQ3_XXS", kSuperBlock, 98, false},
    TypeTraits{T::IQ1_S, "IQ1_S", kSuperBlock, 50, false},
    TypeTraits{T::IQ4_NL, "IQ4_NL", 32, 18, false},
    TypeTraits{T::IQ3_S, "IQ3_S", kSuperBlock, 110, false},
    TypeTraits{T::IQ2_S, "IQ2_S", kSuperBlock, 82, false},
    TypeTraits{T::IQ4_XS, "IQ4_XS", kSuperBlock, 136, false},
    TypeTraits{T::I8, "I8", 1, 1, false},
    TypeTraits{T::I16, "I16", 1, 2, false},
    TypeTraits{T::I32, "I32", 1, 4, false},
    TypeTraits{T::I64, "I64", 1, 8, false},
    TypeTraits{T::F64, "F64", 1, 8, false},
    TypeTraits{T::IQ1_M, "IQ1_M", kSuperBlock, 56, false},
    TypeTraits{T::BF16, "BF16", 1, 2, true},
    TypeTraits{T::TQ1_0, "TQ1_0", kSuperBlock, 54, false},
    TypeTraits{T::TQ2_0, "TQ2_0", kSuperBlock, 66, false},
};

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
