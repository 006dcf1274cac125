// The portable half/bfloat16 conversions against the hardware: F16C's VCVTPH2PS / VCVTPS2PH (what ggml's
// GGML_FP16_TO_FP32 / GGML_FP32_TO_FP16 are on x86), and for bfloat16 against ggml's rule worked out
// independently in double arithmetic. This file alone is compiled with -mf16c; the F16C tests skip on a
// CPU without it.
#include "ckernel/kernels/half.h"

#include <cpuid.h>
#include <gtest/gtest.h>
#include <immintrin.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <random>

namespace ck::kernels {
namespace {

// CPUID leaf 1, ECX bit 29 (F16C); the OS must also save AVX state, which any F16C-capable Linux does.
bool cpu_has_f16c() {
  unsigned eax, ebx, ecx, edx;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) != 0 && (ecx & (1u << 29)) != 0;
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

}  // namespace
}  // namespace ck::kernels
