// The K-quant weight quantizers: for each sub-block a search for the scale (and min) that minimises the
// weighted squared error, then the sub-block scales themselves quantized to 6 or 8 bits against one fp16
// super-block scale, and the values re-quantized with the scales as stored. The searches, their candidate
// grids, weights and tie rules are those of ggml's make_qkx2_quants (Q4_K, Q5_K) and make_qx_quants with
// squared-value weights (Q6_K); every sum is accumulated in the same order, in fp32, without FMA.
#include "quantize_weights_k.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "ckernel/kernels/half.h"

namespace ck::kernels {
namespace {

using namespace blocks;

// Round to nearest, ties to even, for |x| < 2^22 (the magic-number trick ggml uses).
int nearest_int(float x) {
  const float shifted = x + 12582912.f;
  int32_t bits;
  std::memcpy(&bits, &shifted, sizeof bits);
  return (bits & 0x007fffff) - 0x00400000;
}

// Below this a group counts as all zeros.
constexpr float kGroupMaxEps = 1e-15f;

struct ScaleAndMin {
  float scale;
  float min;  // subtracted: x ~ scale * q - min
};

// Asymmetric levels 0..nmax for n values: starting from the min..max grid, tries nstep + 1 stretched
// grids and keeps the least-squares (scale, min) of whichever gives the smallest weighted error.
ScaleAndMin search_scale_and_min(int n, int nmax, const float* x, const float* weights, uint8_t* levels,
                                 float rmin, float rdelta, int nstep) {
  float min = x[0], max = x[0];
  float sum_w = weights[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += weights[i];
    sum_x += weights[i] * x[i];
  }
  if (min > 0) min = 0;
  if (max == min) {
    std::fill_n(levels, n, uint8_t{0});
    return {0.f, -min};
  }
  float iscale = nmax / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    levels[i] = static_cast<uint8_t>(std::clamp(nearest_int(iscale * (x[i] - min)), 0, nmax));
    const float diff = scale * levels[i] + min - x[i];
    best_error += weights[i] * (diff * diff);
  }
  uint8_t candidate[32];
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * is + nmax) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(nearest_int(iscale * (x[i] - min)), 0, nmax);
      candidate[i] = static_cast<uint8_t>(l);
      const float w = weights[i];
      sum_l += w * l;
      sum_l2 += w * l * l;
      sum_xl += w * l * x[i];
    }
    const float D = sum_w * sum_l2 - sum_l * sum_l;
    if (!(D > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / D;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / D;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    float error = 0;
    for (int i = 0; i < n; ++i) {
      const float diff = this_scale * candidate[i] + this_min - x[i];
      error += weights[i] * (diff * diff);
    }
    if (error < best_error) {
      std::copy_n(candidate, n, levels);
      best_error = error;
      scale = this_scale;
      min = this_min;
    }
  }
  return {scale, -min};
}

// Symmetric levels -nmax..nmax-1 for n values with weights x^2: the scale from the largest value, then
// 18 nearby scales, keeping the least-squares scale of the best. Returns the scale; `levels` holds l+nmax.
float search_symmetric_scale(int n, int nmax, const float* x, int8_t* levels) {
  float max = 0, amax = 0;
  for (int i = 0; i < n; ++i)
    if (std::fabs(x[i]) > amax) {
      amax = std::fabs(x[i]);
      max = x[i];
    }
  if (amax < kGroupMaxEps) {
    std::fill_n(levels, n, int8_t{0});
    return 0.f;
  }
  auto level = [&](float iscale, int i) { return std::clamp(nearest_int(iscale * x[i]), -nmax, nmax - 1); };
  auto sums = [&](float iscale, float& sumlx, float& suml2) {
    sumlx = suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = level(iscale, i);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * l;
      suml2 += w * l * l;
    }
  };
  auto keep_levels = [&](float iscale) {
    for (int i = 0; i < n; ++i) levels[i] = static_cast<int8_t>(nmax + level(iscale, i));
  };
  float iscale = -nmax / max;
  float sumlx, suml2;
  sums(iscale, sumlx, suml2);
  keep_levels(iscale);
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(nmax + 0.1f * is) / max;
    sums(iscale, sumlx, suml2);
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      keep_levels(iscale);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Q4_K and Q5_K share everything but the number of levels and the search grid: eight sub-blocks of 32
// with 6-bit scales and mins packed as blocks.h describes. Fills d, dmin, the packed scales and the
// levels of all 256 values.
void quantize_scales_and_mins(const float* x, int nmax, float rmin, int nstep, uint16_t& d_bits,
                              uint16_t& dmin_bits, uint8_t (&packed)[kPackedScaleBytes],
                              uint8_t (&levels)[kSuperBlock]) {
  constexpr int kSubBlocks = kSuperBlock / 32;
  float scales[kSubBlocks], mins[kSubBlocks];
  float max_scale = 0, max_min = 0;
  for (int j = 0; j < kSubBlocks; ++j) {
    const float* sub = x + 32 * j;
    float sum_x2 = 0;
    for (int l = 0; l < 32; ++l) sum_x2 += sub[l] * sub[l];
    const float av_x = std::sqrt(sum_x2 / 32);
    float weights[32];
    for (int l = 0; l < 32; ++l) weights[l] = av_x + std::fabs(sub[l]);
    const ScaleAndMin found =
        search_scale_and_min(32, nmax, sub, weights, levels + 32 * j, rmin, 0.1f, nstep);
    scales[j] = found.scale;
    mins[j] = found.min;
    max_scale = std::max(max_scale, found.scale);
    max_min = std::max(max_min, found.min);
  }
  const float inv_scale = max_scale > 0 ? 63.f / max_scale : 0.f;
  const float inv_min = max_min > 0 ? 63.f / max_min : 0.f;
  uint8_t sc[kSubBlocks], mn[kSubBlocks];
  std::fill_n(packed, kPackedScaleBytes, uint8_t{0});
  for (int j = 0; j < kSubBlocks; ++j) {
    sc[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_scale * scales[j])));
    mn[j] = std::min<uint8_t>(63, static_cast<uint8_t>(nearest_int(inv_min * mins[j])));
    if (j < 4) {
      packed[j] = sc[j];
      packed[j + 4] = mn[j];
    } else {
      packed[j + 4] = static_cast<uint8_t>((sc[j] & 0xF) | ((mn[j] & 0xF) << 4));
      packed[j - 4] |= static_cast<uint8_t>((sc[j] >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((mn[j] >> 4) << 6);
    }
  }
  d_bits = fp32_to_fp16(max_scale / 63.f);
  dmin_bits = fp32_to_fp16(max_min / 63.f);
  // Re-quantize against the scales as stored, so the levels fit what dequantization will compute.
  for (int j = 0; j < kSubBlocks; ++j) {
    const float d = fp16_to_fp32(d_bits) * sc[j];
    if (d == 0) continue;
    const float dm = fp16_to_fp32(dmin_bits) * mn[j];
    for (int i = 0; i < 32; ++i)
      levels[32 * j + i] = static_cast<uint8_t>(std::clamp(nearest_int((x[32 * j + i] + dm) / d), 0, nmax));
  }
}

}  // namespace

BlockQ4_K quantize_block_q4_k(const float* x) {
  BlockQ4_K b{};
  uint8_t levels[kSuperBlock];
  quantize_scales_and_mins(x, 15, -1.f, 20, b.d, b.dmin, b.scales, levels);
  uint8_t* q = b.quants;
  for (int j = 0; j < kSuperBlock; j += 64, q += 32)
    for (int l = 0; l < 32; ++l) q[l] = static_cast<uint8_t>(levels[j + l] | (levels[j + l + 32] << 4));
  return b;
}

BlockQ5_K quantize_block_q5_k(const float* x) {
  BlockQ5_K b{};
  uint8_t levels[kSuperBlock];
  quantize_scales_and_mins(x, 31, -0.5f, 15, b.d, b.dmin, b.scales, levels);
  uint8_t* q = b.quants;
  uint8_t low_bit = 1, high_bit = 2;  // the fifth bits of sub-blocks 2k and 2k+1
  for (int n = 0; n < kSuperBlock; n += 64, q += 32, low_bit <<= 2, high_bit <<= 2)
    for (int j = 0; j < 32; ++j) {
      const int l1 = levels[n + j], l2 = levels[n + j + 32];
      if (l1 > 15) b.high_bits[j] |= low_bit;
      if (l2 > 15) b.high_bits[j] |= high_bit;
      q[j] = static_cast<uint8_t>((l1 & 0xF) | ((l2 & 0xF) << 4));
    }
  return b;
}

BlockQ6_K quantize_block_q6_k(const float* x) {
  constexpr int kSubBlocks = kSuperBlock / 16;
  BlockQ6_K b{};
  int8_t levels[kSuperBlock];
  float scales[kSubBlocks];
  float max_scale = 0, max_abs_scale = 0;
  for (int ib = 0; ib < kSubBlocks; ++ib) {
    scales[ib] = search_symmetric_scale(16, 32, x + 16 * ib, levels + 16 * ib);
    if (std::fabs(scales[ib]) > max_abs_scale) {
      max_abs_scale = std::fabs(scales[ib]);
      max_scale = scales[ib];
    }
  }
  if (max_abs_scale < kGroupMaxEps) return b;  // all zeros
  const float iscale = -128.f / max_scale;
  b.d = fp32_to_fp16(1 / iscale);
  for (int ib = 0; ib < kSubBlocks; ++ib)
    b.scales[ib] = static_cast<int8_t>(std::min(127, nearest_int(iscale * scales[ib])));
  for (int j = 0; j < kSubBlocks; ++j) {
    const float d = fp16_to_fp32(b.d) * b.scales[j];
    if (d == 0) continue;
    for (int i = 0; i < 16; ++i)
      levels[16 * j + i] = static_cast<int8_t>(std::clamp(nearest_int(x[16 * j + i] / d), -32, 31) + 32);
  }
  uint8_t* low = b.low_bits;
  uint8_t* high = b.high_bits;
  for (int j = 0; j < kSuperBlock; j += 128, low += 64, high += 32)
    for (int l = 0; l < 32; ++l) {
      const int q1 = levels[j + l], q2 = levels[j + l + 32], q3 = levels[j + l + 64], q4 = levels[j + l + 96];
      low[l] = static_cast<uint8_t>((q1 & 0xF) | ((q3 & 0xF) << 4));
      low[l + 32] = static_cast<uint8_t>((q2 & 0xF) | ((q4 & 0xF) << 4));
      high[l] = static_cast<uint8_t>((q1 >> 4) | ((q2 >> 4) << 2) | ((q3 >> 4) << 4) | ((q4 >> 4) << 6));
    }
  return b;
}

}  // namespace ck::kernels
