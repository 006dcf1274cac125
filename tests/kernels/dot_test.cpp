// dot_row of every computable weight type against its partner format, and the type's variant dot product
// where it has one (tinyBLAS for F32/F16/BF16, the repacked-Q4_0 kernel), compared with the dot product
// in double of dequantize_row(weight) and the activation row read back independently
// (kernel_test_util.h). Bit-exactness with ggml is matmul_exact_test's business; this bounds the error.
//
// The bound. Each weight element is a "scale part" times a quant minus a "min part" (Q5_1, Q4_K, Q5_K
// have min parts); let M = sum_i (|scale part_i| + |min part_i|) * |x_i|, measured by dequantizing copies
// of the row with the min fields or the scale fields zeroed. Every float rounding in ggml's dot product
// (products of the two block scales, scaling an exact integer block sum, each addition into a float
// accumulator, the final additions of the eight K-quant lanes) and the single rounding of each
// dequantized weight is relative to a part of M, and a row of B blocks goes through at most 2B + 12 of
// them. The plain types accumulate fused multiply-adds in 16 float lanes, at most n / 16 per lane, then
// add the lanes in at most 6 steps, plus for F32 up to 63 leftover products each rounded and added, so
//     |dot - reference| <= (2B + 12) * 2^-24 * M            (quantized types)
//     |dot - reference| <= (n / 16 + 72) * 2^-24 * M        (F32, F16, BF16)
// For Q5_1 the reference uses what ggml's Q8_1 carries for the min: weight min * the block's stored s
// (fp16 of d * sum q), not min * sum(d * q) -- the two differ by the fp16 rounding of s, by design.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <ostream>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/half.h"
#include "ckernel/kernels/llama_cpp_compat.h"
#include "ckernel/kernels/type_kernels.h"
#include "kernel_test_util.h"

namespace ck::kernels {
namespace {

using test::add_row;
using test::Bytes;
using test::NamedRows;

struct Case {
  TensorType type;
  TensorType partner;
};

const Case kCases[] = {
    {TensorType::f32, TensorType::f32},   {TensorType::f16, TensorType::f16},
    {TensorType::bf16, TensorType::bf16}, {TensorType::q4_0, TensorType::q8_0},
    {TensorType::q5_0, TensorType::q8_0}, {TensorType::q5_1, TensorType::q8_1},
    {TensorType::q8_0, TensorType::q8_0}, {TensorType::q4_k, TensorType::q8_k},
    {TensorType::q5_k, TensorType::q8_k}, {TensorType::q6_k, TensorType::q8_k},
};

void PrintTo(const Case& c, std::ostream* os) { *os << type_name(c.type) << " x " << type_name(c.partner); }

std::vector<float> dequantize(TensorType type, const Bytes& row, int64_t n) {
  std::vector<float> out(static_cast<size_t>(n));
  kernels_for(type).dequantize_row(row.data(), out.data(), n);
  return out;
}

bool has_mins(TensorType t) {
  return t == TensorType::q5_1 || t == TensorType::q4_k || t == TensorType::q5_k;
}
bool is_plain(TensorType t) { return t == TensorType::f32 || t == TensorType::f16 || t == TensorType::bf16; }

void check_dot(const Case& c, DotRowFn dot_row, const Bytes& weight, const std::vector<float>& activation,
               const std::string& what) {
  SCOPED_TRACE(std::string(type_name(c.type)) + ", " + what);
  const auto n = static_cast<int64_t>(activation.size());
  Bytes xq(row_bytes(c.partner, n));
  activation_quantizer(c.partner)(activation.data(), xq.data(), n);
  const std::vector<double> x = test::read_activation(c.partner, xq, n);
  const std::vector<float> w = dequantize(c.type, weight, n);

  double reference = 0;
  for (int64_t i = 0; i < n; ++i) reference += static_cast<double>(w[i]) * x[i];

  double magnitude = 0;
  if (has_mins(c.type)) {
    const std::vector<float> scale_part =
        dequantize(c.type, test::with_fields_zeroed(c.type, weight, false, true), n);
    const std::vector<float> min_part =
        dequantize(c.type, test::with_fields_zeroed(c.type, weight, true, false), n);
    for (int64_t i = 0; i < n; ++i)
      magnitude +=
          (std::fabs(static_cast<double>(scale_part[i])) + std::fabs(static_cast<double>(min_part[i]))) *
          std::fabs(x[i]);
  } else {
    for (int64_t i = 0; i < n; ++i) magnitude += std::fabs(static_cast<double>(w[i]) * x[i]);
  }

  if (c.type == TensorType::q5_1) {
    // Replace min * sum(d * q) by min * s, block by block.
    for (int64_t b = 0; b < n / 32; ++b) {
      const double min = fp16_to_fp32(test::get_u16(weight, static_cast<size_t>(b) * 24 + 2));
      const double d = fp16_to_fp32(test::get_u16(xq, static_cast<size_t>(b) * 36));
      const double s = fp16_to_fp32(test::get_u16(xq, static_cast<size_t>(b) * 36 + 2));
      double sum_q = 0;
      for (int j = 0; j < 32; ++j) sum_q += test::get_i8(xq, static_cast<size_t>(b) * 36 + 4 + j);
      reference += min * s - min * d * sum_q;
      magnitude += std::fabs(min * s);
    }
  }

  const double blocks = static_cast<double>(n / traits(c.type).block_size);
  const double steps = is_plain(c.type) ? static_cast<double>(n) / 16 + 72 : 2 * blocks + 12;
  const double bound = steps * std::ldexp(1.0, -24) * magnitude;

  const float dot = dot_row(weight.data(), xq.data(), n);
  ASSERT_TRUE(std::isfinite(dot));
  EXPECT_LE(std::fabs(dot - reference), bound)
      << "dot " << dot << " reference " << reference << " bound " << bound << " (M = " << magnitude << ")";
  if (magnitude == 0) {
    EXPECT_EQ(dot, 0.0f);
  }
}

NamedRows activation_rows(int64_t n, std::mt19937_64& rng) {
  std::normal_distribution<float> normal(0.0f, 1.0f);
  NamedRows rows;
  auto add = [&](std::string name, auto fn) { add_row(rows, std::move(name), n, fn); };
  add("random normal", [&](int64_t) { return normal(rng); });
  add("zeros", [](int64_t) { return 0.0f; });
  add("all equal", [](int64_t) { return 0.75f; });
  add("all equal negative", [](int64_t) { return -3.5f; });
  add("large (1e3)", [&](int64_t) { return normal(rng) * 1e3f; });
  add("small (1e-4)", [&](int64_t) { return normal(rng) * 1e-4f; });
  add("negative extremes", [&](int64_t i) { return i % 9 == 0 ? -500.0f : normal(rng); });
  add("outlier per block", [&](int64_t i) { return i % 32 == 17 ? 40.0f : normal(rng) * 0.01f; });
  add("block magnitudes vary",
      [&](int64_t i) { return normal(rng) * std::exp2(static_cast<float>((i / 32) % 16) - 8); });
  return rows;
}

class DotRow : public ::testing::TestWithParam<Case> {};

TEST_P(DotRow, MatchesDoubleDotOfDequantizedRows) {
  const Case c = GetParam();
  ASSERT_EQ(kernels_for(c.type).partner, c.partner);
  const int64_t block = traits(c.type).block_size == 1 ? 32 : traits(c.type).block_size;
  const int64_t superblock = std::max<int64_t>(block, 256);
  std::mt19937_64 rng(static_cast<uint64_t>(c.type) * 7919 + 1);
  // Sizes: a single super-block, a few, and a model-sized row; all multiples of 256 so Q8_K fits.
  for (int64_t n : {superblock, 3 * superblock, int64_t{4096}}) {
    for (int trial = 0; trial < 4; ++trial) {
      const Bytes weight = test::random_weight_row(c.type, n, rng);
      for (const auto& [name, x] : activation_rows(n, rng)) {
        const std::string what = name + ", n = " + std::to_string(n) + ", trial " + std::to_string(trial);
        check_dot(c, kernels_for(c.type).dot_row, weight, x, what);
        const DotVariant& v = kernels_for(c.type).variant;
        const auto shape = llama_cpp::dot_variant_shape(c.type);
        if (v.dot_row != nullptr && n % shape->cols_multiple == 0)
          check_dot(c, v.dot_row, weight, x, what + ", variant");
      }
    }
  }
}

// An all-zero weight row (zero scales, zero quants) dots to exactly zero.
TEST_P(DotRow, ZeroWeightsGiveZero) {
  const Case c = GetParam();
  const int64_t n = 512;
  Bytes weight(row_bytes(c.type, n), std::byte{0});
  std::mt19937_64 rng(5);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  std::vector<float> x(n);
  for (auto& v : x) v = normal(rng);
  Bytes xq(row_bytes(c.partner, n));
  activation_quantizer(c.partner)(x.data(), xq.data(), n);
  EXPECT_EQ(kernels_for(c.type).dot_row(weight.data(), xq.data(), n), 0.0f);
  if (const DotRowFn variant = kernels_for(c.type).variant.dot_row) {
    EXPECT_EQ(variant(weight.data(), xq.data(), n), 0.0f);
  }
}

INSTANTIATE_TEST_SUITE_P(AllComputableTypes, DotRow, ::testing::ValuesIn(kCases),
                         [](const ::testing::TestParamInfo<Case>& info) {
                           return std::string(type_name(info.param.type));
                         });

TEST(TypeKernels, TableCoversExactlyTheComputableTypes) {
  for (uint32_t id = 0; id < 64; ++id) {
    const std::optional<TypeTraits> t = type_traits(id);
    if (!t) continue;
    if (t->computable) {
      const TypeKernels& k = kernels_for(t->type);
      EXPECT_EQ(k.type, t->type);
      EXPECT_NE(k.dequantize_row, nullptr);
      EXPECT_NE(k.dot_row, nullptr);
      EXPECT_NO_THROW(activation_quantizer(k.partner)) << t->name;
      // A variant kernel exactly where llama.cpp has one, for shapes of whole blocks.
      const std::optional<llama_cpp::DotVariantShape> shape = llama_cpp::dot_variant_shape(t->type);
      EXPECT_EQ(k.variant.dot_row != nullptr, shape.has_value()) << t->name;
      EXPECT_EQ(k.variant.dot_panel != nullptr, shape.has_value()) << t->name;
      if (shape) {
        EXPECT_GE(shape->min_tokens, 1);
        EXPECT_GE(shape->rows_multiple, 1);
        EXPECT_EQ(shape->cols_multiple % t->block_size, 0);
      }
    } else {
      EXPECT_THROW(kernels_for(t->type), std::invalid_argument) << t->name;
    }
  }
}

// ggml's choice of kernel by shape (llamafile_sgemm's conditions, the repack buffer's row multiple).
TEST(TypeKernels, SelectDotRowFollowsGgmlsChoice) {
  const TypeKernels& f16 = kernels_for(TensorType::f16);
  EXPECT_EQ(select_dot_row(f16, 64, 256, 1), f16.dot_row);          // one token: vec_dot
  EXPECT_EQ(select_dot_row(f16, 64, 256, 2), f16.variant.dot_row);  // a batch: tinyBLAS
  EXPECT_EQ(select_dot_row(f16, 62, 256, 5), f16.dot_row);          // rows % 4 != 0
  EXPECT_EQ(select_dot_row(f16, 64, 248, 5), f16.dot_row);          // cols % 16 != 0
  const TypeKernels& bf16 = kernels_for(TensorType::bf16);
  EXPECT_EQ(select_dot_row(bf16, 64, 272, 5), bf16.dot_row);  // cols % 32 != 0
  EXPECT_EQ(select_dot_row(bf16, 64, 256, 5), bf16.variant.dot_row);
  const TypeKernels& q4_0 = kernels_for(TensorType::q4_0);
  EXPECT_EQ(select_dot_row(q4_0, 256, 256, 1), q4_0.variant.dot_row);  // repacked, any token count
  EXPECT_EQ(select_dot_row(q4_0, 256, 256, 7), q4_0.variant.dot_row);
  EXPECT_EQ(select_dot_row(q4_0, 36, 256, 7), q4_0.dot_row);  // rows % 8 != 0: not repacked
  const TypeKernels& q8_0 = kernels_for(TensorType::q8_0);
  EXPECT_EQ(select_dot_row(q8_0, 256, 256, 7), q8_0.dot_row);
}

}  // namespace
}  // namespace ck::kernels
