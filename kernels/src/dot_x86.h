// The x86 SIMD dot products, written once and compiled once per instruction-set level: dot_avx2.cpp,
// dot_avx512.cpp and dot_avx512vnni.cpp define CK_SIMD_LEVEL (the namespace) and include this file with
// their own target flags. AVX-512 builds hold two weight rows (the 32-element block types) or two chunks
// of one row (the K-quants) per 512-bit register and have 32 registers for wider tiles; VNNI builds fuse the
// byte and word products with their accumulation (VPDPBUSD, VPDPWSSD), which is exact integer arithmetic like
// the AVX2 sequence it replaces.
//
// Every function issues, per output, the float operations of the scalar reference in dot.cpp in the
// same lanes and order (which is ggml's own x86 code): the block's integer lane sums, converted, then one
// fused multiply-add per block and lane, then the horizontal sum of lanes.h. So each output is
// bit-identical to scalar::dot_row_*; tests/kernels/simd_equivalence_test.cpp checks it.
//
// Nothing here may call an inline function shared with code compiled for another level (the linker keeps
// one copy of each, possibly the AVX-512 one): only intrinsics, builtins and this file's own functions,
// which live in an anonymous namespace. tests/kernels/isa_isolation checks it on the objects' symbols.
#ifndef CK_SIMD_LEVEL
#error "define CK_SIMD_LEVEL before including dot_x86.h"
#endif

#include <immintrin.h>

#include <cstddef>
#include <cstdint>

#include "blocks.h"
#include "gcc_bug_105593.h"
#include "kernel_table.h"

namespace ck::kernels::CK_SIMD_LEVEL {
namespace {

using blocks::BlockQ4_0;
using blocks::BlockQ4_K;
using blocks::BlockQ5_0;
using blocks::BlockQ5_1;
using blocks::BlockQ5_K;
using blocks::BlockQ6_K;
using blocks::BlockQ8_0;
using blocks::BlockQ8_1;
using blocks::BlockQ8_K;

// The parts, each using those before it: lane arithmetic, then the register tiles that walk a kernel's
// block step over rows and tokens, then the kernels by type family.
// clang-format off
#include "dot_x86_lanes.h"
#include "dot_x86_tiles.h"
#include "dot_x86_block32.h"
#include "dot_x86_k_quants.h"
#include "dot_x86_float.h"
// clang-format on

// The activation quantizers: same level, same namespace.
#include "quantize_activations_x86.h"

// A type's dot kernels, or those of its variant (TypeKernels or DotVariant).
template <class K, class Kernels>
void set_dot(Kernels& k) {
  k.dot_row = row<K>;
  k.dot_panel = panel<K>;
}

}  // namespace

void install(KernelTable& table) {
  using T = TensorType;
  set_dot<SymmetricDot<BlockQ4_0>>(table.at(T::q4_0));
  set_dot<SymmetricDot<BlockQ5_0>>(table.at(T::q5_0));
  set_dot<SymmetricDot<BlockQ8_0>>(table.at(T::q8_0));
  set_dot<Q5_1Dot>(table.at(T::q5_1));
  set_dot<KQuantDot<BlockQ4_K>>(table.at(T::q4_k));
  set_dot<KQuantDot<BlockQ5_K>>(table.at(T::q5_k));
  set_dot<Q6KQuantDot>(table.at(T::q6_k));
  set_dot<RepackedQ4_0Dot>(table.at(T::q4_0).variant);

  TypeKernels& f32 = table.at(T::f32);
  f32.dot_row = dot_row_f32;
  f32.dot_panel = rowwise_panel<dot_row_f32>;
  set_dot<TinyBlasDot<F32Load>>(f32.variant);
  TypeKernels& f16 = table.at(T::f16);
  f16.dot_row = dot_row_f16;
  f16.dot_panel = rowwise_panel<dot_row_f16>;
  set_dot<TinyBlasDot<F16Load>>(f16.variant);
#if defined(__AVX512BF16__)
  TypeKernels& bf16 = table.at(T::bf16);
  bf16.dot_row = dot_row_bf16;
  bf16.dot_panel = rowwise_panel<dot_row_bf16>;
  bf16.variant.dot_row = dot_row_bf16_tinyblas;
  bf16.variant.dot_panel = rowwise_panel<dot_row_bf16_tinyblas>;
#endif
  install_quantizers(table);
}

}  // namespace ck::kernels::CK_SIMD_LEVEL
