#include "ckernel/kernels/type_kernels.h"

#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>

#include "ckernel/kernels/llama_cpp_compat.h"
#include "kernel_table.h"
#include "scalar_kernels.h"

namespace ck::kernels {
namespace {

using T = TensorType;

constexpr DotVariant kNoVariant{nullptr, nullptr};

// Partners as in ggml's CPU backend (type_traits_cpu[...].vec_dot_type); the variants are tinyBLAS and the
// repacked Q4_0 kernel, taken for the shapes llama_cpp::dot_variant_shape names.
constexpr KernelTable kScalarTable{
    {
        TypeKernels{
            T::f32, scalar::dequantize_row_f32, T::f32, scalar::dot_row_f32_f32,
            rowwise_panel<scalar::dot_row_f32_f32>,
            DotVariant{scalar::dot_row_f32_f32_tinyblas, rowwise_panel<scalar::dot_row_f32_f32_tinyblas>}},
        TypeKernels{
            T::f16, scalar::dequantize_row_f16, T::f16, scalar::dot_row_f16_f16,
            rowwise_panel<scalar::dot_row_f16_f16>,
            DotVariant{scalar::dot_row_f16_f16_tinyblas, rowwise_panel<scalar::dot_row_f16_f16_tinyblas>}},
        TypeKernels{T::bf16, scalar::dequantize_row_bf16, T::bf16, scalar::dot_row_bf16_bf16,
                    rowwise_panel<scalar::dot_row_bf16_bf16>,
                    DotVariant{scalar::dot_row_bf16_bf16_tinyblas,
                               rowwise_panel<scalar::dot_row_bf16_bf16_tinyblas>}},
        TypeKernels{T::q4_0, scalar::dequantize_row_q4_0, T::q8_0, scalar::dot_row_q4_0_q8_0,
                    rowwise_panel<scalar::dot_row_q4_0_q8_0>,
                    DotVariant{scalar::dot_row_q4_0_q8_0_repacked,
                               rowwise_panel<scalar::dot_row_q4_0_q8_0_repacked>}},
        TypeKernels{T::q5_0, scalar::dequantize_row_q5_0, T::q8_0, scalar::dot_row_q5_0_q8_0,
                    rowwise_panel<scalar::dot_row_q5_0_q8_0>, kNoVariant},
        TypeKernels{T::q5_1, scalar::dequantize_row_q5_1, T::q8_1, scalar::dot_row_q5_1_q8_1,
                    rowwise_panel<scalar::dot_row_q5_1_q8_1>, kNoVariant},
        TypeKernels{T::q8_0, scalar::dequantize_row_q8_0, T::q8_0, scalar::dot_row_q8_0_q8_0,
                    rowwise_panel<scalar::dot_row_q8_0_q8_0>, kNoVariant},
        TypeKernels{T::q4_k, scalar::dequantize_row_q4_k, T::q8_k, scalar::dot_row_q4_k_q8_k,
                    rowwise_panel<scalar::dot_row_q4_k_q8_k>, kNoVariant},
        TypeKernels{T::q5_k, scalar::dequantize_row_q5_k, T::q8_k, scalar::dot_row_q5_k_q8_k,
                    rowwise_panel<scalar::dot_row_q5_k_q8_k>, kNoVariant},
        TypeKernels{T::q6_k, scalar::dequantize_row_q6_k, T::q8_k, scalar::dot_row_q6_k_q8_k,
                    rowwise_panel<scalar::dot_row_q6_k_q8_k>, kNoVariant},
    },
    {
        ActivationQuantizer{T::f32, scalar::quantize_row_f32},
        ActivationQuantizer{T::f16, scalar::quantize_row_f16},
        ActivationQuantizer{T::bf16, scalar::quantize_row_bf16},
        ActivationQuantizer{T::q8_0, scalar::quantize_row_q8_0},
        ActivationQuantizer{T::q8_1, scalar::quantize_row_q8_1},
        ActivationQuantizer{T::q8_k, scalar::quantize_row_q8_k},
    },
};

// The scalar table holds every entry its size promises, in order and complete: a type or format added to
// its list without kernels, or an entry left out (value-initialised), fails here.
consteval bool complete(const KernelTable& table) {
  auto is_format = [](TensorType t) {
    for (TensorType f : kActivationFormats)
      if (f == t) return true;
    return false;
  };
  for (size_t i = 0; i < std::size(kComputableTypes); ++i) {
    const TypeKernels& k = table.types[i];
    if (k.type != kComputableTypes[i] || k.dequantize_row == nullptr || k.dot_row == nullptr ||
        k.dot_panel == nullptr || !is_format(k.partner))
      return false;
  }
  for (size_t i = 0; i < std::size(kActivationFormats); ++i)
    if (table.quantizers[i].format != kActivationFormats[i] || table.quantizers[i].quantize == nullptr)
      return false;
  return true;
}
static_assert(complete(kScalarTable), "kScalarTable must follow kComputableTypes and kActivationFormats");

KernelTable build_table(IsaLevel level) {
  KernelTable table = kScalarTable;
  if (level >= IsaLevel::avx2) avx2::install(table);
  if (level >= IsaLevel::avx512) avx512::install(table);
  if (level >= IsaLevel::avx512vnni) avx512vnni::install(table);
  return table;
}

// Built on first use, and only for the levels asked for: installing a level runs code compiled for it,
// so callers ask only for levels the CPU has.
KernelTable& table_for(IsaLevel level) {
  switch (level) {
    case IsaLevel::avx2: {
      static KernelTable table = build_table(IsaLevel::avx2);
      return table;
    }
    case IsaLevel::avx512: {
      static KernelTable table = build_table(IsaLevel::avx512);
      return table;
    }
    case IsaLevel::avx512vnni: {
      static KernelTable table = build_table(IsaLevel::avx512vnni);
      return table;
    }
    case IsaLevel::scalar:
      break;
  }
  static KernelTable table = build_table(IsaLevel::scalar);
  return table;
}

std::string name_of(TensorType type) {
  const std::optional<TypeTraits> t = type_traits(static_cast<uint32_t>(type));
  return t ? std::string(t->name) : "id " + std::to_string(static_cast<uint32_t>(type));
}

// A level beyond the CPU would run instructions it lacks: refuse it by name.
IsaLevel supported(IsaLevel level) {
  const IsaLevel best = best_isa_level(detect_cpu_features());
  if (level > best)
    throw std::invalid_argument("instruction-set level " + std::string(isa_level_name(level)) +
                                " is beyond this CPU (best: " + std::string(isa_level_name(best)) + ")");
  return level;
}

const TypeKernels& kernels_in(KernelTable& table, TensorType type) {
  if (const TypeKernels* k = table.find(type)) return *k;
  throw std::invalid_argument("no kernels for tensor type " + name_of(type));
}

QuantizeRowFn quantizer_in(KernelTable& table, TensorType format) {
  if (const ActivationQuantizer* q = table.find_quantizer(format)) return q->quantize;
  throw std::invalid_argument("no activation quantizer for tensor type " + name_of(format));
}

bool variant_applies(const TypeKernels& k, int64_t rows, int64_t cols, int64_t n_tokens) {
  return k.variant.dot_row != nullptr && llama_cpp::uses_dot_variant(k.type, rows, cols, n_tokens);
}

}  // namespace

TypeKernels* KernelTable::find(TensorType type) {
  for (TypeKernels& k : types)
    if (k.type == type) return &k;
  return nullptr;
}

ActivationQuantizer* KernelTable::find_quantizer(TensorType format) {
  for (ActivationQuantizer& q : quantizers)
    if (q.format == format) return &q;
  return nullptr;
}

TypeKernels& KernelTable::at(TensorType type) { return *find(type); }

QuantizeRowFn& KernelTable::quantizer(TensorType format) { return find_quantizer(format)->quantize; }

const TypeKernels& kernels_for(TensorType type) { return kernels_in(table_for(active_isa_level()), type); }

const TypeKernels& kernels_for(TensorType type, IsaLevel level) {
  return kernels_in(table_for(supported(level)), type);
}

DotRowFn select_dot_row(const TypeKernels& k, int64_t rows, int64_t cols, int64_t n_tokens) {
  return variant_applies(k, rows, cols, n_tokens) ? k.variant.dot_row : k.dot_row;
}

DotPanelFn select_dot_panel(const TypeKernels& k, int64_t rows, int64_t cols, int64_t n_tokens) {
  return variant_applies(k, rows, cols, n_tokens) ? k.variant.dot_panel : k.dot_panel;
}

QuantizeRowFn activation_quantizer(TensorType partner) {
  return quantizer_in(table_for(active_isa_level()), partner);
}

QuantizeRowFn activation_quantizer(TensorType partner, IsaLevel level) {
  return quantizer_in(table_for(supported(level)), partner);
}

}  // namespace ck::kernels
