// The kernels of one instruction-set level as type_kernels.cpp assembles them: the scalar reference first,
// then every SIMD level up to the requested one replaces the entries it computes faster (with the same
// bits). An entry a level leaves alone keeps the next lower level's kernel.
#pragma once

#include <iterator>

#include "ckernel/kernels/type_kernels.h"

namespace ck::kernels {

// The formats the computable types' activations are converted to (their partners), in the order of the
// table's quantizers, which take their size from here.
inline constexpr TensorType kActivationFormats[] = {TensorType::f32,  TensorType::f16,  TensorType::bf16,
                                                    TensorType::q8_0, TensorType::q8_1, TensorType::q8_k};

struct ActivationQuantizer {
  TensorType format;
  QuantizeRowFn quantize;
};

// Entry i is kComputableTypes[i]'s, quantizer i kActivationFormats[i]'s (type_kernels.cpp checks the
// scalar table, from which every level's is copied).
struct KernelTable {
  TypeKernels types[std::size(kComputableTypes)];
  ActivationQuantizer quantizers[std::size(kActivationFormats)];

  // The entry of a computable type / activation format; nullptr for any other.
  TypeKernels* find(TensorType type);
  ActivationQuantizer* find_quantizer(TensorType format);
  // As find, for the types and formats every table has. (Out of line, as everything here: code compiled
  // for one level must not be picked by the linker for another.)
  TypeKernels& at(TensorType type);
  QuantizeRowFn& quantizer(TensorType format);
};

// Each SIMD level's kernels, compiled for that level only (see CMakeLists.txt): call only when the CPU
// has the level.
namespace avx2 {
void install(KernelTable& table);
}
namespace avx512 {
void install(KernelTable& table);
}
namespace avx512vnni {
void install(KernelTable& table);
}

// A panel computed one dot row per output: the scalar level's, and that of a type a level has a faster
// row for but no tiled panel.
template <DotRowFn dot>
void rowwise_panel(const DotPanel& p) {
  for (int64_t r = 0; r < p.rows; ++r) {
    const std::byte* row = p.weights + static_cast<size_t>(r) * p.weight_stride;
    for (int64_t t = 0; t < p.tokens; ++t)
      p.out[static_cast<size_t>(t) * p.out_stride + static_cast<size_t>(r)] =
          dot(row, p.activations + static_cast<size_t>(t) * p.activation_stride, p.n);
  }
}

}  // namespace ck::kernels
