// Activation quantization checked against the rules of the quantizers ggml's CPU backend runs on x86
// (the AVX2 branches of quantize_row_q8_0/_q8_1, the reference quantize_row_q8_K, the F16C and
// AVX512_BF16 row conversions), stated here independently of the implementation:
//   Q8_0 (per block of 32):  amax = max |x|; d = amax / 127 in fp32; stored scale = fp16(d) (RNE);
//                            q = round-half-to-even(x * (127 / amax)) in fp32, 0 when amax == 0; so
//                            |q| <= 127, an element of magnitude amax gets +-127, sign(q) = sign(x).
//                            (Not the _ref rule x * (1 / d) rounded half away from zero.)
//   Q8_1:                    as Q8_0, plus stored s = fp16(float(sum q) * d) with the fp32 d.
//   Q8_K (per 256):          max = the first element of largest magnitude (signed); iscale = -127 / max;
//                            q = min(127, round-half-to-even(iscale * x)); d = 1 / iscale (fp32, so its
//                            sign is opposite to max); bsums[g] = sum of q over elements 16g..16g+15; an
//                            all-zero block is all zeros with d = 0.
//   F16 / F32:               element-wise fp32_to_fp16 / copy.
//   BF16:                    element-wise fp32_to_bf16, except that the elements of whole runs of 32
//                            (VCVTNE2PS2BF16) read a denormal input as a zero of its sign.
// Checked on random rows, rows of several blocks, and the edge cases (zeros, all-equal, huge and tiny
// magnitudes, negative extremes, exact ties).
#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "ckernel/kernels/half.h"
#include "ckernel/kernels/type_kernels.h"
#include "kernel_test_util.h"

namespace ck::kernels {
namespace {

using test::add_row;
using test::Bytes;
using test::get_f32;
using test::get_i16;
using test::get_i8;
using test::get_u16;
using test::NamedRows;

constexpr std::byte kCanary{0xA5};

// Quantizes into a buffer with canary bytes after the row, and checks that nothing past row_bytes was
// written.
Bytes quantize(TensorType format, const std::vector<float>& x) {
  const auto n = static_cast<int64_t>(x.size());
  const size_t size = row_bytes(format, n);
  Bytes out(size + 64, kCanary);
  activation_quantizer(format)(x.data(), out.data(), n);
  for (size_t i = size; i < out.size(); ++i) EXPECT_EQ(out[i], kCanary) << "wrote past the row at " << i;
  out.resize(size);
  return out;
}

double round_half_even(double v) {
  const double f = std::floor(v);
  const double diff = v - f;
  if (diff < 0.5) return f;
  if (diff > 0.5) return f + 1;
  return std::fmod(f, 2.0) == 0 ? f : f + 1;
}

void check_q8_0_or_q8_1(TensorType format, const std::vector<float>& x, const std::string& what) {
  SCOPED_TRACE(what);
  const Bytes q = quantize(format, x);
  const size_t block_bytes = format == TensorType::q8_0 ? 34 : 36;
  const size_t quants_at = format == TensorType::q8_0 ? 2 : 4;
  for (size_t b = 0; b < x.size() / 32; ++b) {
    const float* xb = x.data() + 32 * b;
    const size_t base = b * block_bytes;
    float amax = 0;
    for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
    const float d = amax / 127.0f;
    ASSERT_EQ(get_u16(q, base), fp32_to_fp16(d)) << "block " << b << " scale";
    const float id = amax == 0 ? 0.0f : 127.0f / amax;
    int sum = 0;
    for (int j = 0; j < 32; ++j) {
      const int qj = get_i8(q, base + quants_at + j);
      sum += qj;
      const float scaled = xb[j] * id;  // one fp32 multiply, as ggml
      ASSERT_EQ(qj, static_cast<int>(round_half_even(scaled))) << "block " << b << " element " << j;
      ASSERT_LE(std::abs(qj), 127);
      if (d != 0) {
        // Within half a step (plus the fp32 error of x * (1/d)) of the exact x / d.
        ASSERT_LE(std::fabs(qj - static_cast<double>(xb[j]) / d), 0.5 + 1e-4) << "element " << j;
        if (std::fabs(xb[j]) == amax) {
          ASSERT_EQ(std::abs(qj), 127);
        }
        if (qj != 0) {
          ASSERT_EQ(qj < 0, xb[j] < 0);
        }
      } else {
        ASSERT_EQ(qj, 0);
      }
    }
    if (format == TensorType::q8_1) {
      ASSERT_EQ(get_u16(q, base + 2), fp32_to_fp16(static_cast<float>(sum) * d)) << "block " << b << " s";
    }
  }
}

void check_q8_k(const std::vector<float>& x, const std::string& what) {
  SCOPED_TRACE(what);
  const Bytes q = quantize(TensorType::q8_k, x);
  for (size_t b = 0; b < x.size() / 256; ++b) {
    const float* xb = x.data() + 256 * b;
    const size_t base = b * 292;
    float max = 0, amax = 0;
    for (int j = 0; j < 256; ++j)
      if (std::fabs(xb[j]) > amax) {
        amax = std::fabs(xb[j]);
        max = xb[j];
      }
    if (amax == 0) {
      ASSERT_EQ(get_f32(q, base), 0.0f);
      for (int j = 0; j < 256; ++j) ASSERT_EQ(get_i8(q, base + 4 + j), 0);
      for (int g = 0; g < 16; ++g) ASSERT_EQ(get_i16(q, base + 260 + 2 * g), 0);
      continue;
    }
    const float iscale = -127.0f / max;
    ASSERT_EQ(std::bit_cast<uint32_t>(get_f32(q, base)), std::bit_cast<uint32_t>(1.0f / iscale))
        << "block " << b;
    for (int j = 0; j < 256; ++j) {
      const int qj = get_i8(q, base + 4 + j);
      const float scaled = iscale * xb[j];
      ASSERT_EQ(qj, std::min(127, static_cast<int>(round_half_even(scaled))))
          << "block " << b << " element " << j;
      ASSERT_GE(qj, -127);
      ASSERT_LE(qj, 127);
      ASSERT_LE(std::fabs(qj - static_cast<double>(xb[j]) * -127.0 / max), 0.5 + 1e-4);
    }
    int first_max = 0;
    while (xb[first_max] != max) ++first_max;
    ASSERT_EQ(get_i8(q, base + 4 + first_max), -127);
    for (int g = 0; g < 16; ++g) {
      int sum = 0;
      for (int l = 0; l < 16; ++l) sum += get_i8(q, base + 4 + 16 * g + l);
      ASSERT_EQ(get_i16(q, base + 260 + 2 * g), sum) << "block " << b << " group " << g;
    }
  }
}

// Named rows exercising the edge cases, n elements each (a multiple of 256).
NamedRows edge_rows(int64_t n) {
  std::mt19937_64 rng(42);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  NamedRows rows;
  auto add = [&](std::string name, auto fn) { add_row(rows, std::move(name), n, fn); };
  add("random normal", [&](int64_t) { return normal(rng); });
  add("random, magnitudes 1e-6..1e6",
      [&](int64_t) { return normal(rng) * std::pow(10.0f, normal(rng) * 3); });
  add("zeros", [](int64_t) { return 0.0f; });
  add("negative zeros", [](int64_t) { return -0.0f; });
  add("all equal positive", [](int64_t) { return 0.37f; });
  add("all equal negative", [](int64_t) { return -1234.5f; });
  add("huge (fp16 scale overflows)", [&](int64_t) { return normal(rng) * 1e30f; });
  add("tiny (fp16 scale underflows)", [&](int64_t) { return normal(rng) * 1e-30f; });
  add("negative extremes", [&](int64_t i) { return i % 7 == 0 ? -3.0e4f : std::fabs(normal(rng)); });
  add("both extremes of equal size",
      [&](int64_t i) { return i % 5 == 0 ? 8.0f : (i % 5 == 1 ? -8.0f : normal(rng)); });
  add("one nonzero per block", [](int64_t i) { return i % 32 == 3 ? -0.5f : 0.0f; });
  add("mixed zero and nonzero blocks", [&](int64_t i) { return (i / 32) % 2 == 0 ? 0.0f : normal(rng); });
  add("integers (exact ties after scaling)",
      [](int64_t i) { return static_cast<float>(i % 255 - 127) / 2.0f; });
  return rows;
}

TEST(QuantizeActivations, Q8_0FollowsX86Rules) {
  for (const auto& [name, x] : edge_rows(1024)) check_q8_0_or_q8_1(TensorType::q8_0, x, name);
}

TEST(QuantizeActivations, Q8_1FollowsX86Rules) {
  for (const auto& [name, x] : edge_rows(1024)) check_q8_0_or_q8_1(TensorType::q8_1, x, name);
}

TEST(QuantizeActivations, Q8_KFollowsReferenceRules) {
  for (const auto& [name, x] : edge_rows(1024)) check_q8_k(x, name);
}

// Known answers that pin down the rounding rules: with amax = 127, Q8_0's 127 / amax is 1, so x itself
// is rounded, half to even (VROUNDPS); with max = -127 first, Q8_K's iscale is 1 and x is rounded half
// to even as well.
TEST(QuantizeActivations, TiesRoundAsGgml) {
  std::vector<float> x(256, 0.0f);
  x[0] = 127.0f;
  const float halves[] = {0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f};
  for (int i = 0; i < 7; ++i) x[1 + i] = halves[i];
  const Bytes q8_0 = quantize(TensorType::q8_0, x);
  const int to_even[] = {0, 2, 2, 0, -2, -2, 126};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(get_i8(q8_0, 2 + 1 + i), to_even[i]) << halves[i];
  EXPECT_EQ(fp16_to_fp32(get_u16(q8_0, 0)), 1.0f);

  x[0] = -127.0f;
  const Bytes q8_k = quantize(TensorType::q8_k, x);
  const int even[] = {0, 2, 2, 0, -2, -2, 126};
  for (int i = 0; i < 7; ++i) EXPECT_EQ(get_i8(q8_k, 4 + 1 + i), even[i]) << halves[i];
  EXPECT_EQ(get_i8(q8_k, 4), -127);
  EXPECT_EQ(get_f32(q8_k, 0), 1.0f);  // 1 / iscale: the sign opposite to max
  EXPECT_EQ(get_i16(q8_k, 260), -127 + 0 + 2 + 2 + 0 - 2 - 2 + 126);
}

// The multiplier is 127 / amax, not 1 / (amax / 127): for this block the two differ in the last bit and
// x * multiplier lands on different sides of 2.5 (found by search; 2.50000x with 127 / amax).
TEST(QuantizeActivations, Q8_0MultiplierIs127OverAmax) {
  std::vector<float> x(32, 0.0f);
  x[0] = 0x1.000086p+0f;
  x[1] = 0x1.4285b4p-6f;
  ASSERT_NE(127.0f / x[0], 1.0f / (x[0] / 127.0f));
  for (TensorType format : {TensorType::q8_0, TensorType::q8_1}) {
    const Bytes q = quantize(format, x);
    const size_t quants_at = format == TensorType::q8_0 ? 2 : 4;
    EXPECT_EQ(get_i8(q, quants_at), 127);
    EXPECT_EQ(get_i8(q, quants_at + 1), 3);
  }
}

TEST(QuantizeActivations, Q8_1StoresScaledSumFromFp32Scale) {
  // amax = 1 gives d = 1/127, which fp16 cannot hold exactly: s must use the fp32 d.
  std::vector<float> x(32, 1.0f);
  const Bytes q = quantize(TensorType::q8_1, x);
  const float d = 1.0f / 127.0f;
  EXPECT_EQ(get_u16(q, 0), fp32_to_fp16(d));
  EXPECT_EQ(get_u16(q, 2), fp32_to_fp16(32.0f * 127.0f * d));
  for (int j = 0; j < 32; ++j) EXPECT_EQ(get_i8(q, 4 + j), 127);
}

TEST(QuantizeActivations, HalfFormatsConvertElementwise) {
  for (const auto& [name, x] : edge_rows(256)) {
    SCOPED_TRACE(name);
    const Bytes f16 = quantize(TensorType::f16, x);
    const Bytes bf16 = quantize(TensorType::bf16, x);
    const Bytes f32 = quantize(TensorType::f32, x);
    for (size_t i = 0; i < x.size(); ++i) {
      ASSERT_EQ(get_u16(f16, 2 * i), fp32_to_fp16(x[i]));
      ASSERT_EQ(get_u16(bf16, 2 * i), fp32_to_bf16(x[i]));  // no denormals in these rows
      ASSERT_EQ(std::bit_cast<uint32_t>(get_f32(f32, 4 * i)), std::bit_cast<uint32_t>(x[i]));
    }
  }
}

// ggml_fp32_to_bf16_row converts runs of 32 with VCVTNE2PS2BF16, which reads denormals as zero, and the
// rest with ggml_compute_fp32_to_bf16, which rounds them like any other value.
TEST(QuantizeActivations, Bf16FlushesDenormalsOnlyInRunsOf32) {
  const float denormal = std::numeric_limits<float>::denorm_min() * 0x300000;  // 0x00300000 as bits
  std::vector<float> x(40, 1.0f);
  x[5] = denormal;
  x[6] = -denormal;
  x[35] = denormal;
  x[36] = -denormal;
  const Bytes bf16 = quantize(TensorType::bf16, x);
  EXPECT_EQ(get_u16(bf16, 2 * 5), 0x0000);
  EXPECT_EQ(get_u16(bf16, 2 * 6), 0x8000);
  EXPECT_EQ(get_u16(bf16, 2 * 35), 0x0030);
  EXPECT_EQ(get_u16(bf16, 2 * 36), 0x8030);
  EXPECT_EQ(get_u16(bf16, 2 * 7), fp32_to_bf16(1.0f));
}

TEST(QuantizeActivations, OnlyActivationFormatsHaveQuantizers) {
  for (TensorType t : {TensorType::f32, TensorType::f16, TensorType::bf16, TensorType::q8_0, TensorType::q8_1,
                       TensorType::q8_k})
    EXPECT_NE(activation_quantizer(t), nullptr);
  for (TensorType t : {TensorType::q4_0, TensorType::q4_k, TensorType::q6_k, TensorType::iq2_xxs})
    EXPECT_THROW(activation_quantizer(t), std::invalid_argument);
}

}  // namespace
}  // namespace ck::kernels
