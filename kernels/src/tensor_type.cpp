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
    entry(T::f32, "F32", 1, 4),
    entry(T::f16, "F16", 1, 2),
    entry(T::q4_0, "Q4_0", 32, 18),
    entry(T::q4_1, "Q4_1", 32, 20),
    entry(T::q5_0, "Q5_0", 32, 22),
    entry(T::q5_1, "Q5_1", 32, 24),
    entry(T::q8_0, "Q8_0", 32, 34),
    entry(T::q8_1, "Q8_1", 32, 36),
    entry(T::q2_k, "Q2_K", kSuperBlock, 84),
    entry(T::q3_k, "Q3_K", kSuperBlock, 110),
    entry(T::q4_k, "Q4_K", kSuperBlock, 144),
    entry(T::q5_k, "Q5_K", kSuperBlock, 176),
    entry(T::q6_k, "Q6_K", kSuperBlock, 210),
    entry(T::q8_k, "Q8_K", kSuperBlock, 292),
    entry(T::iq2_xxs, "IQ2_XXS", kSuperBlock, 66),
    entry(T::iq2_xs, "IQ2_XS", kSuperBlock, 74),
    entry(T::iq3_xxs, "IQ3_XXS", kSuperBlock, 98),
    entry(T::iq1_s, "IQ1_S", kSuperBlock, 50),
    entry(T::iq4_nl, "IQ4_NL", 32, 18),
    entry(T::iq3_s, "IQ3_S", kSuperBlock, 110),
    entry(T::iq2_s, "IQ2_S", kSuperBlock, 82),
    entry(T::iq4_xs, "IQ4_XS", kSuperBlock, 136),
    entry(T::i8, "I8", 1, 1),
    entry(T::i16, "I16", 1, 2),
    entry(T::i32, "I32", 1, 4),
    entry(T::i64, "I64", 1, 8),
    entry(T::f64, "F64", 1, 8),
    entry(T::iq1_m, "IQ1_M", kSuperBlock, 56),
    entry(T::bf16, "BF16", 1, 2),
    entry(T::tq1_0, "TQ1_0", kSuperBlock, 54),
    entry(T::tq2_0, "TQ2_0", kSuperBlock, 66),
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
