// Scalar dot products of a weight row with an activation row in its partner format, computed as ggml's
// generic C vec_dot functions compute them (ggml-cpu-quants.c, and ggml_vec_dot_f16/bf16/f32 in
// ggml-cpu.c): integer products summed exactly within a block, then scaled by the fp32 block scales,
// with the float operations, their order and their accumulator widths as ggml has them. Those details
// are the point of this file; they are noted where they matter.
#include "blocks.h"
#include "half_impl.h"
#include "scalar_kernels.h"

namespace ck::kernels::scalar {
namespace {

using half_impl::bf16_to_fp32;
using half_impl::fp16_to_fp32;
using namespace blocks;

// ggml's generic K-quant dot products keep eight float lanes: element e of every super-block adds into
// lane e % 8, each super-block contributes d_weight * d_activation times its integer lane sums, and the
// lanes are added to the running total one after another at the very end. Mimicking that shape is what
// makes the rounding agree.
constexpr int kLanes = 8;

// Integer lane sums of sum(scale_of(e) * weight[e] * activation[e]) over one super-block, where the
// scale changes every `group` elements.
template <int group, class Scale>
void accumulate_lanes(const int8_t* weight, const int8_t* activation, const Scale* scales,
                      int32_t (&lanes)[kLanes]) {
  for (int l = 0; l < kLanes; ++l) lanes[l] = 0;
  for (int e = 0; e < kSuperBlock; ++e) {
    const int32_t scale = scales[e / group];
    lanes[e % kLanes] += scale * (static_cast<int32_t>(weight[e]) * activation[e]);
  }
}

// The mins correction of Q4_K/Q5_K: sum over sub-blocks of 32 of min_j * (sum of its activation
// quants), taken from the Q8_K group sums of 16 (two per sub-block).
int32_t mins_times_sums(const uint8_t (&mins)[8], const BlockQ8_K& activation) {
  int32_t total = 0;
  for (int g = 0; g < kSuperBlock / 16; ++g) total += activation.group_sums[g] * mins[g / 2];
  return total;
}

void unpack_scales_mins(const uint8_t* packed, uint8_t (&scales)[8], uint8_t (&mins)[8]) {
  for (int j = 0; j < 8; ++j) unpack_scale_min(packed, j, scales[j], mins[j]);
}

}  // namespace

// ggml_vec_dot_f32 (scalar): each product rounded to float, summed in double.
float dot_row_f32_f32(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const float*>(weight);
  const auto* x = static_cast<const float*>(activation);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(w[i] * x[i]);
  return static_cast<float>(sum);
}

// ggml_vec_dot_f16 (scalar): products of the widened halves in float (exact), summed in double.
float dot_row_f16_f16(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(fp16_to_fp32(w[i]) * fp16_to_fp32(x[i]));
  return static_cast<float>(sum);
}

float dot_row_bf16_bf16(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const uint16_t*>(weight);
  const auto* x = static_cast<const uint16_t*>(activation);
  double sum = 0.0;
  for (int64_t i = 0; i < n; ++i) sum += static_cast<double>(bf16_to_fp32(w[i]) * bf16_to_fp32(x[i]));
  return static_cast<float>(sum);
}

float dot_row_q4_0_q8_0(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ4_0*>(weight);
  const auto* x = static_cast<const BlockQ8_0*>(activation);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    int32_t block_sum = 0;
    for (int j = 0; j < kBlock / 2; ++j) {
      block_sum += ((w[b].quants[j] & 0x0F) - 8) * x[b].quants[j];
      block_sum += ((w[b].quants[j] >> 4) - 8) * x[b].quants[j + kBlock / 2];
    }
    // ggml: sumi * d_w * d_x, i.e. (sumi * d_w) * d_x.
    sum += static_cast<float>(block_sum) * fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale);
  }
  return sum;
}

float dot_row_q5_0_q8_0(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ5_0*>(weight);
  const auto* x = static_cast<const BlockQ8_0*>(activation);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const uint32_t high_bits = load_high_bits(w[b].high_bits);
    int32_t block_sum = 0;
    for (int j = 0; j < kBlock / 2; ++j) {
      const int low = ((w[b].quants[j] & 0x0F) | static_cast<int>(((high_bits >> j) & 1) << 4)) - 16;
      const int high = ((w[b].quants[j] >> 4) | static_cast<int>(((high_bits >> (j + 16)) & 1) << 4)) - 16;
      block_sum += low * x[b].quants[j] + high * x[b].quants[j + kBlock / 2];
    }
    // ggml: (d_w * d_x) * sumi -- the scales are multiplied first here, unlike Q4_0.
    sum += (fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale)) * static_cast<float>(block_sum);
  }
  return sum;
}

float dot_row_q5_1_q8_1(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ5_1*>(weight);
  const auto* x = static_cast<const BlockQ8_1*>(activation);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    const uint32_t high_bits = load_high_bits(w[b].high_bits);
    int32_t block_sum = 0;
    for (int j = 0; j < kBlock / 2; ++j) {
      const int low = (w[b].quants[j] & 0x0F) | static_cast<int>(((high_bits >> j) & 1) << 4);
      const int high = (w[b].quants[j] >> 4) | static_cast<int>(((high_bits >> (j + 16)) & 1) << 4);
      block_sum += low * x[b].quants[j] + high * x[b].quants[j + kBlock / 2];
    }
    // The min meets the activation block's stored fp16 (d * sum q), not the quants themselves.
    const float scaled =
        (fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale)) * static_cast<float>(block_sum);
    const float offset = fp16_to_fp32(w[b].min) * fp16_to_fp32(x[b].scale_times_sum);
    sum += scaled + offset;
  }
  return sum;
}

float dot_row_q8_0_q8_0(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ8_0*>(weight);
  const auto* x = static_cast<const BlockQ8_0*>(activation);
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kBlock; ++b) {
    int32_t block_sum = 0;
    for (int j = 0; j < kBlock; ++j) block_sum += w[b].quants[j] * x[b].quants[j];
    // ggml: sumi * (d_w * d_x).
    sum += static_cast<float>(block_sum) * (fp16_to_fp32(w[b].scale) * fp16_to_fp32(x[b].scale));
  }
  return sum;
}

float dot_row_q4_k_q8_k(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ4_K*>(weight);
  const auto* x = static_cast<const BlockQ8_K*>(activation);
  float lane_sums[kLanes] = {};
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    int8_t quants[kSuperBlock];
    for (int pass = 0; pass < 4; ++pass) {
      for (int l = 0; l < 32; ++l) {
        quants[64 * pass + l] = static_cast<int8_t>(w[b].quants[32 * pass + l] & 0x0F);
        quants[64 * pass + 32 + l] = static_cast<int8_t>(w[b].quants[32 * pass + l] >> 4);
      }
    }
    uint8_t scales[8], mins[8];
    unpack_scales_mins(w[b].scales, scales, mins);
    int32_t lanes[kLanes];
    accumulate_lanes<32>(quants, x[b].quants, scales, lanes);
    const float d = fp16_to_fp32(w[b].d) * x[b].scale;
    for (int l = 0; l < kLanes; ++l) lane_sums[l] += d * static_cast<float>(lanes[l]);
    const float dmin = fp16_to_fp32(w[b].dmin) * x[b].scale;
    sum -= dmin * static_cast<float>(mins_times_sums(mins, x[b]));
  }
  for (int l = 0; l < kLanes; ++l) sum += lane_sums[l];
  return sum;
}

float dot_row_q5_k_q8_k(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ5_K*>(weight);
  const auto* x = static_cast<const BlockQ8_K*>(activation);
  float lane_sums[kLanes] = {};
  float sum = 0.0f;
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    int8_t quants[kSuperBlock];
    for (int pass = 0; pass < 4; ++pass) {
      const uint8_t bit_low = static_cast<uint8_t>(1u << (2 * pass));
      const uint8_t bit_high = static_cast<uint8_t>(1u << (2 * pass + 1));
      for (int l = 0; l < 32; ++l) {
        const uint8_t packed = w[b].quants[32 * pass + l];
        const uint8_t high = w[b].high_bits[l];
        quants[64 * pass + l] = static_cast<int8_t>((packed & 0x0F) + ((high & bit_low) != 0 ? 16 : 0));
        quants[64 * pass + 32 + l] = static_cast<int8_t>((packed >> 4) + ((high & bit_high) != 0 ? 16 : 0));
      }
    }
    uint8_t scales[8], mins[8];
    unpack_scales_mins(w[b].scales, scales, mins);
    int32_t lanes[kLanes];
    accumulate_lanes<32>(quants, x[b].quants, scales, lanes);
    const float d = fp16_to_fp32(w[b].d) * x[b].scale;
    for (int l = 0; l < kLanes; ++l) lane_sums[l] += d * static_cast<float>(lanes[l]);
    const float dmin = fp16_to_fp32(w[b].dmin) * x[b].scale;
    sum -= dmin * static_cast<float>(mins_times_sums(mins, x[b]));
  }
  for (int l = 0; l < kLanes; ++l) sum += lane_sums[l];
  return sum;
}

float dot_row_q6_k_q8_k(const void* weight, const void* activation, int64_t n) {
  const auto* w = static_cast<const BlockQ6_K*>(weight);
  const auto* x = static_cast<const BlockQ8_K*>(activation);
  float lane_sums[kLanes] = {};
  for (int64_t b = 0; b < n / kSuperBlock; ++b) {
    // Same unpacking as dequantize_row_q6_k, into signed 6-bit values (q - 32).
    int8_t quants[kSuperBlock];
    for (int half = 0; half < 2; ++half) {
      const uint8_t* low = w[b].low_bits + 64 * half;
      const uint8_t* high = w[b].high_bits + 32 * half;
      int8_t* out = quants + 128 * half;
      for (int l = 0; l < 32; ++l) {
        out[l + 0] = static_cast<int8_t>(((low[l] & 0x0F) | (((high[l] >> 0) & 3) << 4)) - 32);
        out[l + 32] = static_cast<int8_t>(((low[l + 32] & 0x0F) | (((high[l] >> 2) & 3) << 4)) - 32);
        out[l + 64] = static_cast<int8_t>(((low[l] >> 4) | (((high[l] >> 4) & 3) << 4)) - 32);
        out[l + 96] = static_cast<int8_t>(((low[l + 32] >> 4) | (((high[l] >> 6) & 3) << 4)) - 32);
      }
    }
    int32_t lanes[kLanes];
    accumulate_lanes<16>(quants, x[b].quants, w[b].scales, lanes);
    const float d = fp16_to_fp32(w[b].d) * x[b].scale;
    for (int l = 0; l < kLanes; ++l) lane_sums[l] += d * static_cast<float>(lanes[l]);
  }
  float sum = 0.0f;
  for (int l = 0; l < kLanes; ++l) sum += lane_sums[l];
  return sum;
}

}  // namespace ck::kernels::scalar
