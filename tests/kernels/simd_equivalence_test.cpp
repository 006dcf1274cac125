// Every SIMD level this CPU has computes exactly the scalar reference's bits: activation quantizers
// byte for byte, dot rows, panels and matmul bit for bit. The bound is 0 ulp (outputs compared as bit
// patterns), because each level issues the reference's float operations in the reference's lanes and
// order; the scalar reference itself is pinned to llama.cpp by matmul_exact_test and the parity fixtures.
//
// Inputs: random rows and edge cases (all-zero blocks and activations, one block, odd block counts,
// quant bytes 0xFF and 0x80 everywhere -- the largest magnitudes and Q8_0's -128 --, fp16 scales at 65504
// and at the smallest subnormal, activations up to 6e4 and down to float denormals; all finite).
#include <gtest/gtest.h>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/isa_level.h"
#include "ckernel/kernels/llama_cpp_compat.h"
#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/thread_pool.h"
#include "ckernel/kernels/type_kernels.h"
#include "kernel_test_util.h"
#include "simd_levels.h"

namespace ck::kernels {
namespace {

using test::Bytes;
// Each SIMD level against the scalar reference; a level this CPU lacks is skipped, naming it.
using SimdLevelEquivalence = test::SimdLevelTest;
using T = TensorType;

uint32_t bits(float f) {
  uint32_t b;
  std::memcpy(&b, &f, 4);
  return b;
}

// Row lengths per type: one block, odd block counts, a model-sized row; the float types also lengths
// that leave the vec_dot tails (not a multiple of 64, 16 or 8).
std::vector<int64_t> lengths(T type) {
  switch (type) {
    case T::f32:
    case T::f16:
    case T::bf16:
      return {16, 32, 64, 71, 96, 200, 1024};
    case T::q4_k:
    case T::q5_k:
    case T::q6_k:
      return {256, 768, 1280};
    default:
      return {32, 96, 160, 1024};
  }
}

const T kTypes[] = {T::f32, T::f16, T::bf16, T::q4_0, T::q5_0, T::q5_1, T::q8_0, T::q4_k, T::q5_k, T::q6_k};
const T kFormats[] = {T::f32, T::f16, T::bf16, T::q8_0, T::q8_1, T::q8_k};

bool is_float(T type) { return type == T::f32 || type == T::f16 || type == T::bf16; }

enum class WeightKind { random, zeros, bytes_ff, bytes_80, extreme_scales };
const WeightKind kWeightKinds[] = {WeightKind::random, WeightKind::zeros, WeightKind::bytes_ff,
                                   WeightKind::bytes_80, WeightKind::extreme_scales};
const char* name(WeightKind k) {
  switch (k) {
    case WeightKind::random:
      return "random weights";
    case WeightKind::zeros:
      return "zero weights";
    case WeightKind::bytes_ff:
      return "quant bytes 0xFF";
    case WeightKind::bytes_80:
      return "quant bytes 0x80";
    case WeightKind::extreme_scales:
      return "extreme scales";
  }
  return "?";
}

Bytes weight_row(T type, int64_t n, WeightKind kind, std::mt19937_64& rng) {
  Bytes row = test::random_weight_row(type, n, rng);
  if (kind == WeightKind::random) return row;
  if (kind == WeightKind::zeros) return Bytes(row.size());
  if (is_float(type)) {
    // Large finite values of both signs instead of quant patterns.
    for (int64_t i = 0; i < n; ++i) {
      const float v = (rng() & 1 ? 3e4f : -3e4f) * static_cast<float>(rng() % 1000) / 1000.0f;
      if (type == T::f32) std::memcpy(row.data() + 4 * i, &v, 4);
      if (type == T::f16) test::put_u16(row, 2 * i, fp32_to_fp16(v));
      if (type == T::bf16) test::put_u16(row, 2 * i, fp32_to_bf16(v));
    }
    return row;
  }
  const TypeTraits& t = traits(type);
  const test::ScaleFields fields = test::scale_fields(type);
  for (size_t base = 0; base < row.size(); base += t.block_bytes) {
    if (kind == WeightKind::bytes_ff || kind == WeightKind::bytes_80) {
      const auto fill = static_cast<std::byte>(kind == WeightKind::bytes_ff ? 0xFF : 0x80);
      for (size_t i = 0; i < t.block_bytes; ++i) row[base + i] = fill;
      for (size_t off : fields.scales) test::put_u16(row, base + off, test::random_half(rng, -8, -4));
      for (size_t off : fields.mins) test::put_u16(row, base + off, test::random_half(rng, -8, -4));
    } else {
      // The largest fp16 and the smallest subnormal one, by turns.
      for (size_t off : fields.scales) test::put_u16(row, base + off, (rng() & 1) ? 0x7BFF : 0x0001);
      for (size_t off : fields.mins) test::put_u16(row, base + off, (rng() & 1) ? 0xFBFF : 0x8001);
    }
  }
  return row;
}

enum class ActivationKind { normal, zeros, spike, large, tiny };
const ActivationKind kActivationKinds[] = {ActivationKind::normal, ActivationKind::zeros,
                                           ActivationKind::spike, ActivationKind::large,
                                           ActivationKind::tiny};
const char* name(ActivationKind k) {
  switch (k) {
    case ActivationKind::normal:
      return "normal activations";
    case ActivationKind::zeros:
      return "zero activations";
    case ActivationKind::spike:
      return "one spike";
    case ActivationKind::large:
      return "large activations";
    case ActivationKind::tiny:
      return "denormal activations";
  }
  return "?";
}

std::vector<float> activations(int64_t n, ActivationKind kind, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::uniform_real_distribution<float> uniform(-1.0f, 1.0f);
  std::vector<float> x(static_cast<size_t>(n));
  for (float& v : x) {
    switch (kind) {
      case ActivationKind::normal:
      case ActivationKind::spike:
        v = normal(rng);
        break;
      case ActivationKind::zeros:
        v = 0.0f;
        break;
      case ActivationKind::large:
        v = 6e4f * uniform(rng);
        break;
      case ActivationKind::tiny:
        v = (rng() & 3) == 0 ? normal(rng) * 1e-3f : uniform(rng) * 1e-38f;
        break;
    }
  }
  if (kind == ActivationKind::spike) x[rng() % x.size()] = -6e4f;
  return x;
}

Bytes quantized(T format, const std::vector<float>& x, IsaLevel level) {
  Bytes out(row_bytes(format, static_cast<int64_t>(x.size())));
  activation_quantizer(format, level)(x.data(), out.data(), static_cast<int64_t>(x.size()));
  return out;
}

TEST_P(SimdLevelEquivalence, ActivationQuantizersAreByteExact) {
  std::mt19937_64 rng(7);
  const IsaLevel level = GetParam();
  for (T format : kFormats) {
    const int64_t block = traits(format).block_size;
    for (int64_t blocks : {1, 2, 3, 5, 33, 47, 70}) {
      const int64_t n = blocks * block;
      for (ActivationKind kind : kActivationKinds) {
        const std::vector<float> x = activations(n, kind, rng);
        EXPECT_EQ(quantized(format, x, level), quantized(format, x, IsaLevel::scalar))
            << isa_level_name(level) << " " << type_name(format) << " n=" << n << " " << name(kind);
      }
    }
  }
}

void expect_same_bits(float simd, float reference, const std::string& what) {
  EXPECT_EQ(bits(simd), bits(reference)) << what << ": " << simd << " vs scalar " << reference;
}

TEST_P(SimdLevelEquivalence, DotRowsAreBitExact) {
  std::mt19937_64 rng(11);
  const IsaLevel level = GetParam();
  for (T type : kTypes) {
    const TypeKernels& simd = kernels_for(type, level);
    const TypeKernels& scalar = kernels_for(type, IsaLevel::scalar);
    for (int64_t n : lengths(type)) {
      for (WeightKind wk : kWeightKinds) {
        const Bytes w = weight_row(type, n, wk, rng);
        for (ActivationKind ak : kActivationKinds) {
          const Bytes x = quantized(scalar.partner, activations(n, ak, rng), IsaLevel::scalar);
          const std::string what = std::string(isa_level_name(level)) + " " + std::string(type_name(type)) +
                                   " n=" + std::to_string(n) + " " + name(wk) + ", " + name(ak);
          expect_same_bits(simd.dot_row(w.data(), x.data(), n), scalar.dot_row(w.data(), x.data(), n), what);
          if (scalar.variant.dot_row != nullptr && n % llama_cpp::dot_variant_shape(type)->cols_multiple == 0)
            expect_same_bits(simd.variant.dot_row(w.data(), x.data(), n),
                             scalar.variant.dot_row(w.data(), x.data(), n), what + " (variant)");
        }
      }
    }
  }
}

// rows weight rows and tokens activation rows of n elements, mixing the edge cases row by row.
struct Problem {
  Bytes weights;
  size_t weight_stride;
  Bytes activations;
  size_t activation_stride;
};

Problem make_problem(const TypeKernels& k, int64_t rows, int64_t tokens, int64_t n, std::mt19937_64& rng) {
  Problem p{{}, row_bytes(k.type, n), {}, row_bytes(k.partner, n)};
  for (int64_t r = 0; r < rows; ++r) {
    const Bytes row = weight_row(k.type, n, kWeightKinds[r % 5], rng);
    p.weights.insert(p.weights.end(), row.begin(), row.end());
  }
  for (int64_t t = 0; t < tokens; ++t) {
    const Bytes x =
        quantized(k.partner, activations(n, kActivationKinds[t % 5 == 4 ? 2 : 0], rng), IsaLevel::scalar);
    p.activations.insert(p.activations.end(), x.begin(), x.end());
  }
  return p;
}

// A panel writes exactly its rows x tokens outputs, each the scalar dot row's bits.
void check_panel(DotPanelFn panel, DotRowFn reference, const Problem& p, int64_t rows, int64_t tokens,
                 int64_t n, const std::string& what) {
  const size_t out_stride = static_cast<size_t>(rows) + 3;  // room that must stay untouched
  std::vector<float> out(out_stride * static_cast<size_t>(tokens), -7.0f);
  panel(DotPanel{p.weights.data(), p.weight_stride, rows, p.activations.data(), p.activation_stride, tokens,
                 n, out.data(), out_stride});
  for (int64_t t = 0; t < tokens; ++t)
    for (size_t r = 0; r < out_stride; ++r) {
      const float expected = static_cast<int64_t>(r) < rows
                                 ? reference(p.weights.data() + r * p.weight_stride,
                                             p.activations.data() + t * p.activation_stride, n)
                                 : -7.0f;
      expect_same_bits(out[t * out_stride + r], expected,
                       what + " row " + std::to_string(r) + " token " + std::to_string(t));
    }
}

TEST_P(SimdLevelEquivalence, PanelsAreBitExactForEveryTileShape) {
  std::mt19937_64 rng(13);
  const IsaLevel level = GetParam();
  for (T type : kTypes) {
    const TypeKernels& simd = kernels_for(type, level);
    const TypeKernels& scalar = kernels_for(type, IsaLevel::scalar);
    const int64_t n = lengths(type)[1];
    for (int64_t rows : {1, 3, 4, 5, 8, 13, 17}) {
      for (int64_t tokens : {1, 2, 3, 4, 5, 7, 9}) {
        const Problem p = make_problem(scalar, rows, tokens, n, rng);
        const std::string what = std::string(isa_level_name(level)) + " " + std::string(type_name(type)) +
                                 " " + std::to_string(rows) + "x" + std::to_string(tokens);
        check_panel(simd.dot_panel, scalar.dot_row, p, rows, tokens, n, what);
        if (scalar.variant.dot_row != nullptr && n % llama_cpp::dot_variant_shape(type)->cols_multiple == 0)
          check_panel(simd.variant.dot_panel, scalar.variant.dot_row, p, rows, tokens, n,
                      what + " (variant)");
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Simd, SimdLevelEquivalence, ::testing::ValuesIn(test::simd_levels()),
                         test::simd_level_name);

// matmul at the level this process runs at (the ctest variants set CK_ISA) against the scalar reference:
// the kernel ggml would choose for the shape, rows not a multiple of any tile, 1 to 9 tokens, 1 and 2
// threads.
TEST(SimdEquivalence, MatmulIsBitExactAtTheActiveLevel) {
  std::mt19937_64 rng(17);
  ThreadPool one(1), two(2);
  MatmulScratch scratch;
  for (T type : kTypes) {
    const TypeKernels& scalar = kernels_for(type, IsaLevel::scalar);
    const int64_t n = lengths(type)[1];
    for (int64_t rows : {8, 13, 24}) {
      for (int64_t tokens : {1, 2, 5, 9}) {
        std::vector<float> x;
        for (int64_t t = 0; t < tokens; ++t) {
          const std::vector<float> row =
              activations(n, t == 2 ? ActivationKind::spike : ActivationKind::normal, rng);
          x.insert(x.end(), row.begin(), row.end());
        }
        const Problem p = make_problem(scalar, rows, 0, n, rng);
        const DotRowFn reference = select_dot_row(scalar, rows, n, tokens);
        for (ThreadPool* pool : {&one, &two}) {
          std::vector<float> y(static_cast<size_t>(rows * tokens));
          matmul(WeightMatrix{p.weights.data(), type, rows, n, p.weight_stride}, x.data(), tokens, y.data(),
                 *pool, scratch);
          for (int64_t t = 0; t < tokens; ++t) {
            const Bytes xq =
                quantized(scalar.partner, {x.begin() + t * n, x.begin() + (t + 1) * n}, IsaLevel::scalar);
            for (int64_t r = 0; r < rows; ++r)
              expect_same_bits(y[t * rows + r],
                               reference(p.weights.data() + r * p.weight_stride, xq.data(), n),
                               std::string(isa_level_name(active_isa_level())) + " " +
                                   std::string(type_name(type)) + " " + std::to_string(rows) + "x" +
                                   std::to_string(tokens) + " threads " + std::to_string(pool->size()) +
                                   " row " + std::to_string(r) + " token " + std::to_string(t));
          }
        }
      }
    }
  }
}

TEST(SimdEquivalence, LevelsBeyondTheCpuAreRefused) {
  const IsaLevel best = best_isa_level(detect_cpu_features());
  for (IsaLevel level : kAllIsaLevels)
    if (level > best) {
      EXPECT_THROW(kernels_for(T::q8_0, level), std::invalid_argument) << isa_level_name(level);
    }
}

}  // namespace
}  // namespace ck::kernels
