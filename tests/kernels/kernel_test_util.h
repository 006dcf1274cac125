// Helpers shared by the kernel tests: random weight rows with sane scales, and an independent reading
// of the activation formats (written here from the format description, not taken from the library).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "ckernel/kernels/half.h"
#include "ckernel/kernels/tensor_type.h"

namespace ck::kernels::test {

using Bytes = std::vector<std::byte>;

inline void put_u16(Bytes& b, size_t offset, uint16_t v) { std::memcpy(b.data() + offset, &v, 2); }
inline uint16_t get_u16(const Bytes& b, size_t offset) {
  uint16_t v;
  std::memcpy(&v, b.data() + offset, 2);
  return v;
}
inline int16_t get_i16(const Bytes& b, size_t offset) {
  int16_t v;
  std::memcpy(&v, b.data() + offset, 2);
  return v;
}
inline float get_f32(const Bytes& b, size_t offset) {
  float v;
  std::memcpy(&v, b.data() + offset, 4);
  return v;
}
inline int8_t get_i8(const Bytes& b, size_t offset) { return static_cast<int8_t>(b[offset]); }

// Where the fp16 scale fields of a block sit, by type: offsets of the "scale-like" fields (multiplying
// the quants) and of the "min-like" fields (added per sub-block).
struct ScaleFields {
  std::vector<size_t> scales;
  std::vector<size_t> mins;
};

inline ScaleFields scale_fields(TensorType type) {
  switch (type) {
    case TensorType::q4_0:
    case TensorType::q5_0:
    case TensorType::q8_0:
      return {{0}, {}};
    case TensorType::q5_1:
      return {{0}, {2}};
    case TensorType::q4_k:
    case TensorType::q5_k:
      return {{0}, {2}};
    case TensorType::q6_k:
      return {{208}, {}};
    default:
      return {};
  }
}

// A random fp16 of magnitude in [2^lo, 2^hi), random sign.
inline uint16_t random_half(std::mt19937_64& rng, int lo, int hi) {
  std::uniform_real_distribution<float> exponent(static_cast<float>(lo), static_cast<float>(hi));
  const float magnitude = std::exp2(exponent(rng));
  return fp32_to_fp16((rng() & 1) ? -magnitude : magnitude);
}

// n elements of `type`: random bits everywhere, then finite, small fp16 scales (and for F16/BF16/F32
// random finite values of ordinary size), so that every quant pattern occurs but no block overflows.
inline Bytes random_weight_row(TensorType type, int64_t n, std::mt19937_64& rng) {
  Bytes row(row_bytes(type, n));
  for (auto& b : row) b = static_cast<std::byte>(rng());
  std::normal_distribution<float> normal(0.0f, 1.0f);
  switch (type) {
    case TensorType::f32:
      for (int64_t i = 0; i < n; ++i) {
        const float v = normal(rng);
        std::memcpy(row.data() + 4 * i, &v, 4);
      }
      return row;
    case TensorType::f16:
      for (int64_t i = 0; i < n; ++i) put_u16(row, 2 * i, fp32_to_fp16(normal(rng)));
      return row;
    case TensorType::bf16:
      for (int64_t i = 0; i < n; ++i) put_u16(row, 2 * i, fp32_to_bf16(normal(rng)));
      return row;
    default:
      break;
  }
  const TypeTraits& t = traits(type);
  const ScaleFields fields = scale_fields(type);
  if (fields.scales.empty()) throw std::invalid_argument("no random blocks for this type");
  for (int64_t b = 0; b < n / t.block_size; ++b) {
    const size_t base = static_cast<size_t>(b) * t.block_bytes;
    for (size_t off : fields.scales) put_u16(row, base + off, random_half(rng, -12, -4));
    for (size_t off : fields.mins) put_u16(row, base + off, random_half(rng, -12, -4));
  }
  return row;
}

// Copies of a weight row with only the quant-scaled part, or only the min part, left (the other fp16
// fields zeroed), to measure the magnitudes that a dot product's rounding is relative to.
inline Bytes with_fields_zeroed(TensorType type, const Bytes& row, bool zero_scales, bool zero_mins) {
  Bytes copy = row;
  const TypeTraits& t = traits(type);
  const ScaleFields fields = scale_fields(type);
  for (size_t base = 0; base < row.size(); base += t.block_bytes) {
    if (zero_scales)
      for (size_t off : fields.scales) put_u16(copy, base + off, 0);
    if (zero_mins)
      for (size_t off : fields.mins) put_u16(copy, base + off, 0);
  }
  return copy;
}

// The activation formats read back, element by element, in double (all exact):
//   Q8_0 block (34 bytes): fp16 d, int8 q[32]                      x = d * q
//   Q8_1 block (36 bytes): fp16 d, fp16 s, int8 q[32]              x = d * q (s is read separately)
//   Q8_K block (292 bytes): f32 d, int8 q[256], int16 bsums[16]    x = d * q
inline std::vector<double> read_activation(TensorType format, const Bytes& row, int64_t n) {
  std::vector<double> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    switch (format) {
      case TensorType::f32:
        x[i] = get_f32(row, 4 * i);
        break;
      case TensorType::f16:
        x[i] = fp16_to_fp32(get_u16(row, 2 * i));
        break;
      case TensorType::bf16:
        x[i] = bf16_to_fp32(get_u16(row, 2 * i));
        break;
      case TensorType::q8_0: {
        const size_t base = static_cast<size_t>(i / 32) * 34;
        x[i] = static_cast<double>(fp16_to_fp32(get_u16(row, base))) * get_i8(row, base + 2 + i % 32);
        break;
      }
      case TensorType::q8_1: {
        const size_t base = static_cast<size_t>(i / 32) * 36;
        x[i] = static_cast<double>(fp16_to_fp32(get_u16(row, base))) * get_i8(row, base + 4 + i % 32);
        break;
      }
      case TensorType::q8_k: {
        const size_t base = static_cast<size_t>(i / 256) * 292;
        x[i] = static_cast<double>(get_f32(row, base)) * get_i8(row, base + 4 + i % 256);
        break;
      }
      default:
        throw std::invalid_argument("not an activation format");
    }
  }
  return x;
}

// Named test rows: the case's description and its values.
using NamedRows = std::vector<std::pair<std::string, std::vector<float>>>;

// Appends the row fn(0), ..., fn(n - 1) under `name`.
template <class Fn>
void add_row(NamedRows& rows, std::string name, int64_t n, Fn fn) {
  std::vector<float> x(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = fn(i);
  rows.emplace_back(std::move(name), std::move(x));
}

}  // namespace ck::kernels::test
