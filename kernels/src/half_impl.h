// Inline bodies of the half.h conversions, for the kernels' inner loops (half.cpp exports the same
// functions out of line). Pure integer bit manipulation: the result does not depend on the compiler's
// floating-point flags, the MXCSR rounding mode or denormal flushing.
#pragma once

#include <bit>
#include <cstdint>

namespace ck::kernels::half_impl {

inline float fp16_to_fp32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exponent = (h >> 10) & 0x1F;
  uint32_t mantissa = h & 0x3FF;
  uint32_t bits;
  if (exponent == 0x1F) {
    // Inf stays Inf; a NaN keeps its payload and comes out quiet, as VCVTPH2PS makes it.
    bits = sign | 0x7F800000 | (mantissa << 13) | (mantissa != 0 ? 0x00400000 : 0);
  } else if (exponent != 0) {
    bits = sign | ((exponent + (127 - 15)) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {
    bits = sign;
  } else {
    // Subnormal half: mantissa * 2^-24, a normal float. Shift the leading one up to the implicit bit.
    uint32_t float_exponent = 127 - 14;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --float_exponent;
    }
    bits = sign | (float_exponent << 23) | ((mantissa & 0x3FF) << 13);
  }
  return std::bit_cast<float>(bits);
}

// Round to nearest, ties to even, as F16C's VCVTPS2PH with immediate 0 (what ggml's GGML_FP32_TO_FP16
// is on x86): overflow gives Inf, NaNs come out quiet with the top 10 payload bits kept.
inline uint16_t fp32_to_fp16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  const auto sign = static_cast<uint16_t>((bits >> 16) & 0x8000);
  const uint32_t magnitude = bits & 0x7FFFFFFF;

  if (magnitude > 0x7F800000) {
    return static_cast<uint16_t>(sign | 0x7E00 | ((magnitude >> 13) & 0x3FF));
  }
  // 65520 = 0x477FF000 lies halfway between the largest half (65504, odd mantissa) and 2^16, so it and
  // everything above rounds to Inf.
  if (magnitude >= 0x477FF000) return static_cast<uint16_t>(sign | 0x7C00);

  if (magnitude >= 0x38800000) {
    // Normal half (>= 2^-14). Adding 0xFFF plus the lowest kept bit rounds the 13 dropped bits to
    // nearest even; a carry out of the mantissa correctly bumps the exponent.
    const uint32_t rounded = magnitude + 0xFFF + ((magnitude >> 13) & 1);
    return static_cast<uint16_t>(sign | ((rounded - ((127u - 15u) << 23)) >> 13));
  }

  // Subnormal half or zero: the result counts units of 2^-24. At most 2^-25 (a tie with zero, which is
  // even) everything rounds to zero, float subnormals included.
  if (magnitude <= 0x33000000) return sign;
  const uint32_t exponent = magnitude >> 23;  // 102..112
  const uint32_t significand = (magnitude & 0x7FFFFF) | 0x800000;
  const uint32_t shift = 126 - exponent;  // 14..24
  uint32_t units = significand >> shift;
  const uint32_t remainder = significand & ((1u << shift) - 1);
  const uint32_t half_unit = 1u << (shift - 1);
  if (remainder > half_unit || (remainder == half_unit && (units & 1) != 0)) ++units;
  // units may reach 0x400, which is exactly the encoding of the smallest normal half.
  return static_cast<uint16_t>(sign | units);
}

inline float bf16_to_fp32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

// As ggml_compute_fp32_to_bf16: NaNs keep their top payload bits and are forced quiet; everything else
// (subnormals included, which are not flushed) rounds to nearest even, overflowing to Inf.
inline uint16_t fp32_to_bf16(float f) {
  const uint32_t bits = std::bit_cast<uint32_t>(f);
  if ((bits & 0x7FFFFFFF) > 0x7F800000) return static_cast<uint16_t>((bits >> 16) | 0x40);
  return static_cast<uint16_t>((bits + 0x7FFF + ((bits >> 16) & 1)) >> 16);
}

}  // namespace ck::kernels::half_impl
