// The portable half/bfloat16 conversions against the hardware: F16C's VCVTPH2PS / VCVTPS2PH (what ggml's
// GGML_FP16_TO_FP32 / GGML_FP32_TO_FP16 are on x86), and for bfloat16 against ggml's rule worked out
// independently in double arithmetic. The BF16 activation conversion and dot products, which emulate
// AVX512_BF16 instructions (denormals read as zero, results flushed), are checked against those
// instructions themselves. This file alone is compiled with -mf16c (and uses target attributes for
// AVX512_BF16); each hardware test skips on a CPU without the instructions.
#include "ckernel/kernels/half.h"

#include <cpuid.h>
#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>
#include <vector>

#include "ckernel/kernels/type_kernels.h"

namespace ck::kernels {
namespace {

// CPUID leaf 1, ECX bit 29 (F16C); the OS must also save AVX state, which any F16C-capable Linux does.
bool cpu_has_f16c() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
}

// CPUID leaf 7 subleaf 0 EBX bit 16 (AVX512F), subleaf 1 EAX bit 5 (AVX512_BF16).
bool cpu_has_avx512_bf16() {
  unsigned eax, ebx, ecx, edx;
  if (__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx) == 0 || (ebx & (1u << 16)) == 0) return false;
  return __get_cpuid_count(7, 1, &eax, &ebx, &ecx, &edx) != 0 && (eax & (1u << 5)) != 0;
}

#define REQUIRE_F16C() \
  if (!cpu_has_f16c()) GTEST_SKIP() << "this CPU has no F16C to compare with"

uint32_t bits(float f) { return std::bit_cast<uint32_t>(f); }
float from_bits(uint32_t b) { return std::bit_cast<float>(b); }

uint16_t hardware_fp32_to_fp16(float f) { return static_cast<uint16_t>(_cvtss_sh(f, 0)); }
float hardware_fp16_to_fp32(uint16_t h) { return _cvtsh_ss(h); }

TEST(Half, EveryHalfWidensAsF16C) {
  REQUIRE_F16C();
  for (uint32_t h = 0; h < 65536; ++h) {
    const auto half = static_cast<uint16_t>(h);
    ASSERT_EQ(bits(fp16_to_fp32(half)), bits(hardware_fp16_to_fp32(half))) << "half 0x" << std::hex << h;
  }
}

TEST(Half, EveryHalfRoundTrips) {
  for (uint32_t h = 0; h < 65536; ++h) {
    const auto half = static_cast<uint16_t>(h);
    const bool is_nan = (h & 0x7C00) == 0x7C00 && (h & 0x03FF) != 0;
    // A NaN comes back quiet (bit 9 set) with its payload otherwise kept; everything else exactly.
    const uint16_t expected = is_nan ? static_cast<uint16_t>(half | 0x0200) : half;
    ASSERT_EQ(fp32_to_fp16(fp16_to_fp32(half)), expected) << "half 0x" << std::hex << h;
  }
}

TEST(Half, KnownValues) {
  EXPECT_EQ(fp16_to_fp32(0x3C00), 1.0f);
  EXPECT_EQ(fp16_to_fp32(0xC000), -2.0f);
  EXPECT_EQ(fp16_to_fp32(0x7BFF), 65504.0f);
  EXPECT_EQ(fp16_to_fp32(0x0001), std::ldexp(1.0f, -24));  // smallest subnormal
  EXPECT_EQ(fp16_to_fp32(0x0400), std::ldexp(1.0f, -14));  // smallest normal
  EXPECT_EQ(bits(fp16_to_fp32(0x8000)), 0x80000000u);
  EXPECT_TRUE(std::isinf(fp16_to_fp32(0x7C00)));
  EXPECT_EQ(fp32_to_fp16(65519.996f), 0x7BFF);
  EXPECT_EQ(fp32_to_fp16(65520.0f), 0x7C00);               // the tie above the largest half
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.0f, -25)), 0x0000);  // tie with zero: even
  EXPECT_EQ(fp32_to_fp16(std::ldexp(1.5f, -25)), 0x0001);
  EXPECT_EQ(fp32_to_fp16(std::ldexp(3.0f, -25)), 0x0002);         // 1.5 units: tie, to even 2
  EXPECT_EQ(fp32_to_fp16(std::ldexp(5.0f, -25)), 0x0002);         // 2.5 units: tie, to even 2
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie: to even 1.0
  EXPECT_EQ(fp32_to_fp16(1.0f + std::ldexp(3.0f, -11)), 0x3C02);  // tie: to even
  EXPECT_EQ(fp32_to_fp16(-0.0f), 0x8000);
  EXPECT_EQ(fp32_to_fp16(from_bits(0x00000001)), 0x0000);  // float subnormals are far below half's
  EXPECT_EQ(fp32_to_fp16(from_bits(0x7F800001)), 0x7E00);  // signalling NaN comes out quiet
}

// Every float whose rounding is delicate: all 8192 values of the 13 dropped mantissa bits around a few
// kept patterns, for every exponent and both signs (covers ties, carries into the exponent, subnormal
// results, overflow and NaNs), plus random bit patterns.
TEST(Half, NarrowsAsF16C) {
  REQUIRE_F16C();
  const uint32_t kept_patterns[] = {0x000, 0x001, 0x155, 0x2AA, 0x3FE, 0x3FF};
  for (uint32_t sign = 0; sign < 2; ++sign)
    for (uint32_t exponent = 0; exponent < 256; ++exponent)
      for (uint32_t kept : kept_patterns)
        for (uint32_t dropped = 0; dropped < 8192; ++dropped) {
          const uint32_t b = sign << 31 | exponent << 23 | kept << 13 | dropped;
          ASSERT_EQ(fp32_to_fp16(from_bits(b)), hardware_fp32_to_fp16(from_bits(b)))
              << "float bits 0x" << std::hex << b;
        }
  std::mt19937 rng(1234);
  for (int i = 0; i < 20'000'000; ++i) {
    const uint32_t b = rng();
    ASSERT_EQ(fp32_to_fp16(from_bits(b)), hardware_fp32_to_fp16(from_bits(b)))
        << "float bits 0x" << std::hex << b;
  }
}

TEST(Bf16, WidensByShifting) {
  for (uint32_t b = 0; b < 65536; ++b)
    ASSERT_EQ(bits(bf16_to_fp32(static_cast<uint16_t>(b))), b << 16) << "bf16 0x" << std::hex << b;
}

// ggml_compute_fp32_to_bf16's rule stated independently: NaN -> top 16 bits with the quiet bit forced;
// otherwise the nearest bfloat16 by magnitude, ties to an even last bit, beyond the largest finite
// value to Inf; subnormals are rounded like any other value (not flushed).
uint16_t reference_fp32_to_bf16(float f) {
  const uint32_t b = bits(f);
  if (std::isnan(f)) return static_cast<uint16_t>((b >> 16) | 0x0040);
  if (std::isinf(f)) return static_cast<uint16_t>(b >> 16);
  const uint32_t truncated = b >> 16;   // toward zero
  const uint32_t away = truncated + 1;  // next magnitude up (0x7F80 | sign is Inf)
  const double x = std::fabs(static_cast<double>(f));
  const double below = std::fabs(static_cast<double>(from_bits(truncated << 16)));
  const double above = (away & 0x7FFF) == 0x7F80 ? std::ldexp(1.0, 128)  // where Inf "sits" for rounding
                                                 : std::fabs(static_cast<double>(from_bits(away << 16)));
  const double to_below = x - below;
  const double to_above = above - x;
  if (to_below < to_above) return static_cast<uint16_t>(truncated);
  if (to_above < to_below) return static_cast<uint16_t>(away);
  return static_cast<uint16_t>((truncated & 1) == 0 ? truncated : away);
}

TEST(Bf16, NarrowsAsGgml) {
  const uint32_t kept_patterns[] = {0x00, 0x01, 0x55, 0x7E, 0x7F};
  for (uint32_t sign = 0; sign < 2; ++sign)
    for (uint32_t exponent = 0; exponent < 256; ++exponent)
      for (uint32_t kept : kept_patterns)
        for (uint32_t dropped = 0; dropped < 65536; dropped += (dropped < 16 || dropped > 65520 ? 1 : 61)) {
          const uint32_t b = sign << 31 | exponent << 23 | kept << 16 | dropped;
          ASSERT_EQ(fp32_to_bf16(from_bits(b)), reference_fp32_to_bf16(from_bits(b)))
              << "float bits 0x" << std::hex << b;
        }
  for (uint32_t dropped : {0x7FFFu, 0x8000u, 0x8001u})
    for (uint32_t kept = 0; kept < 256; ++kept) {
      const uint32_t b = 0x3F800000 | kept << 16 | dropped;
      ASSERT_EQ(fp32_to_bf16(from_bits(b)), reference_fp32_to_bf16(from_bits(b)))
          << "float bits 0x" << std::hex << b;
    }
  std::mt19937 rng(99);
  for (int i = 0; i < 20'000'000; ++i) {
    const uint32_t b = rng();
    ASSERT_EQ(fp32_to_bf16(from_bits(b)), reference_fp32_to_bf16(from_bits(b)))
        << "float bits 0x" << std::hex << b;
  }
}

TEST(Bf16, KnownValues) {
  EXPECT_EQ(fp32_to_bf16(1.0f), 0x3F80);
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F808000)), 0x3F80);  // tie, even stays
  EXPECT_EQ(fp32_to_bf16(from_bits(0x3F818000)), 0x3F82);  // tie, odd rounds up
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7F7FFFFF)), 0x7F80);  // largest float rounds to Inf
  EXPECT_EQ(fp32_to_bf16(from_bits(0x00018000)), 0x0002);  // subnormal tie to even, not flushed
  EXPECT_EQ(fp32_to_bf16(from_bits(0x00008001)), 0x0001);
  EXPECT_EQ(fp32_to_bf16(from_bits(0xFF800000)), 0xFF80);  // -Inf
  EXPECT_EQ(fp32_to_bf16(from_bits(0x7F800001)), 0x7FC0);  // signalling NaN made quiet
  EXPECT_EQ(fp32_to_bf16(from_bits(0xFFFFFFFF)), 0xFFFF);  // NaN keeps its top payload bits
}

// ---------------------------------------------------------------------------------------------------
// AVX512_BF16, the instructions ggml uses for BF16 activations (ggml_fp32_to_bf16_row) and dot products
// (ggml_vec_dot_bf16 and tinyBLAS): the emulation must agree with them on denormals, ties, NaNs and
// cancellation, not just on ordinary values.

#define REQUIRE_AVX512_BF16() \
  if (!cpu_has_avx512_bf16()) GTEST_SKIP() << "this CPU has no AVX512_BF16 to compare with"

// VCVTNE2PS2BF16 of 32 floats, as ggml_fp32_to_bf16_row issues it (second operand the low 16).
__attribute__((target("avx512f,avx512bf16"))) void hardware_bf16_run(const float* x, uint16_t* out) {
  const __m512bh v = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + 16), _mm512_loadu_ps(x));
  _mm512_storeu_si512(out, reinterpret_cast<__m512i>(v));
}

// GCC 12's _mm512_reduce_add_ps starts from _mm512_undefined and trips -Wuninitialized (a false
// positive in its own header), hence the pragma around its only user.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
// tinyBLAS's BF16 kernel for one output: one VDPBF16PS accumulator, then _mm512_reduce_add_ps.
__attribute__((target("avx512f,avx512bf16"))) float hardware_dpbf16_dot(const uint16_t* a, const uint16_t* b,
                                                                        int64_t n) {
  __m512 acc = _mm512_setzero_ps();
  for (int64_t i = 0; i < n; i += 32)
    acc = _mm512_dpbf16_ps(acc, reinterpret_cast<__m512bh>(_mm512_loadu_si512(a + i)),
                           reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + i)));
  return _mm512_reduce_add_ps(acc);
}
#pragma GCC diagnostic pop

// Float bit patterns that stress the conversion and the products: denormals of both signs, values that
// round to a tie, the largest finite values, infinities, quiet and signalling NaNs, and ordinary ones.
float stress_float(std::mt19937& rng) {
  const uint32_t r = rng();
  switch (r % 8) {
    case 0:
      return from_bits((r & 0x80000000u) | (rng() & 0x007FFFFFu));  // denormal or zero
    case 1:
      return from_bits((rng() & 0xFFFF0000u) | 0x8000u);  // exactly halfway between two bf16
    case 2:
      return from_bits((r & 0x80000000u) | 0x7F7F0000u | (rng() & 0xFFFFu));  // near the top
    case 3:
      return from_bits((r & 0x80000000u) | 0x00800000u | (rng() & 0x001FFFFFu));  // smallest normals
    case 4:
      return from_bits(rng() | 0x7F800000u);  // Inf or NaN
    default: {
      std::normal_distribution<float> normal(0.0f, 1.0f);
      return normal(rng);
    }
  }
}

TEST(Bf16Hardware, ActivationConversionMatchesVcvtne2ps2bf16) {
  REQUIRE_AVX512_BF16();
  const QuantizeRowFn to_bf16 = activation_quantizer(TensorType::bf16);
  std::mt19937 rng(7);
  std::vector<float> x(32);
  std::vector<uint16_t> ours(32), hardware(32);
  for (int trial = 0; trial < 200000; ++trial) {
    for (float& v : x) v = stress_float(rng);
    to_bf16(x.data(), ours.data(), 32);
    hardware_bf16_run(x.data(), hardware.data());
    for (int i = 0; i < 32; ++i) ASSERT_EQ(ours[i], hardware[i]) << "float bits 0x" << std::hex << bits(x[i]);
  }
}

// Finite bf16 values of every kind: denormals (read as zero by VDPBF16PS), values just above the
// smallest normal, large values that cancel, and ordinary ones.
uint16_t stress_bf16(std::mt19937& rng) {
  const uint32_t r = rng();
  switch (r % 6) {
    case 0:
      return static_cast<uint16_t>((r & 0x8000u) | (rng() & 0x007Fu));  // denormal or zero
    case 1:
      return static_cast<uint16_t>((r & 0x8000u) | (0x0080u + (rng() % 0x0F00u)));  // tiny normal
    case 2:
      return static_cast<uint16_t>((r & 0x8000u) | (0x5F00u + (rng() % 0x0100u)));  // around 2^63
    default: {
      std::normal_distribution<float> normal(0.0f, 1.0f);
      return fp32_to_bf16(normal(rng));
    }
  }
}

// Rows where the flushing decides the result, so that it cannot hide behind larger terms: one side all
// denormal against values in [1, 4) (the inputs are read as zero: the sum must be exactly 0), and tiny
// normals on both sides (their products underflow and are flushed), each mixed with a few exact zeros.
uint16_t denormal_bf16(std::mt19937& rng) {
  return static_cast<uint16_t>((rng() & 0x8000u) | (rng() % 8 == 0 ? 0 : 1 + rng() % 0x7Fu));
}
uint16_t one_to_four_bf16(std::mt19937& rng) {
  return static_cast<uint16_t>((rng() & 0x8000u) | (0x3F80u + rng() % 0x0100u));
}
uint16_t tiny_normal_bf16(std::mt19937& rng) {
  return static_cast<uint16_t>((rng() & 0x8000u) | (0x0080u + rng() % 0x1F80u));  // 2^-126 .. 2^-64
}

void fill_bf16_rows(int regime, std::mt19937& rng, std::vector<uint16_t>& a, std::vector<uint16_t>& b) {
  for (size_t i = 0; i < a.size(); ++i) {
    switch (regime) {
      case 0:
        a[i] = stress_bf16(rng);
        b[i] = stress_bf16(rng);
        break;
      case 1:
        a[i] = denormal_bf16(rng);
        b[i] = one_to_four_bf16(rng);
        break;
      default:
        a[i] = tiny_normal_bf16(rng);
        b[i] = tiny_normal_bf16(rng);
        break;
    }
  }
}

TEST(Bf16Hardware, TinyBlasDotMatchesVdpbf16ps) {
  REQUIRE_AVX512_BF16();
  const DotRowFn dot = kernels_for(TensorType::bf16).variant.dot_row;
  ASSERT_NE(dot, nullptr);
  std::mt19937 rng(11);
  for (int64_t n : {32, 64, 96, 256, 1024}) {
    std::vector<uint16_t> a(n), b(n);
    for (int trial = 0; trial < 3000; ++trial) {
      fill_bf16_rows(trial % 3, rng, a, b);
      const float ours = dot(a.data(), b.data(), n);
      const float hardware = hardware_dpbf16_dot(a.data(), b.data(), n);
      ASSERT_EQ(bits(ours), bits(hardware))
          << "n = " << n << ", trial " << trial << ": " << ours << " vs " << hardware;
    }
  }
}

}  // namespace
}  // namespace ck::kernels
