// Byte layouts of the quantized blocks, exactly as GGUF files store them (and as ggml's block_q4_0 etc.
// lay them out), so a row of a mapped tensor can be read as an array of these structs. Every member is
// a byte array or a naturally aligned 16/32-bit field placed so that no padding appears; the
// static_asserts pin the sizes to the ones in tensor_type.cpp. Half-precision fields are kept as raw
// uint16_t bits and converted with half.h.
#pragma once

#include <cstddef>
#include <cstdint>

namespace ck::kernels::blocks {

// Elements per block of the 32-element formats, and per super-block of the K-quants.
inline constexpr int kBlock = 32;
inline constexpr int kSuperBlock = 256;

// 4-bit, symmetric: x = scale * (q - 8). Element j of the block is the low nibble of quants[j] for
// j < 16 and the high nibble of quants[j - 16] otherwise.
struct BlockQ4_0 {
  uint16_t scale;  // fp16
  uint8_t quants[kBlock / 2];
};

// 5-bit, symmetric: x = scale * (q - 16). The low 4 bits are packed as in Q4_0; bit j of the
// little-endian 32-bit word high_bits is bit 4 of element j.
struct BlockQ5_0 {
  uint16_t scale;        // fp16
  uint8_t high_bits[4];  // a byte array: the block is only 2-byte aligned inside a row
  uint8_t quants[kBlock / 2];
};

// 5-bit with an offset: x = scale * q + min, q in [0, 31]; bits packed as in Q5_0.
struct BlockQ5_1 {
  uint16_t scale;  // fp16
  uint16_t min;    // fp16
  uint8_t high_bits[4];
  uint8_t quants[kBlock / 2];
};

// 8-bit, symmetric: x = scale * q.
struct BlockQ8_0 {
  uint16_t scale;  // fp16
  int8_t quants[kBlock];
};

// Activation format partnering Q5_1 (and Q4_1): like Q8_0 plus scale * sum(quants) in fp16, which the
// dot product multiplies by the weight block's min instead of summing min * q element by element.
struct BlockQ8_1 {
  uint16_t scale;            // fp16
  uint16_t scale_times_sum;  // fp16 of (fp32 scale) * sum(quants)
  int8_t quants[kBlock];
};

// The 12 bytes holding eight 6-bit sub-block scales and eight 6-bit sub-block mins of Q4_K and Q5_K.
// Sub-blocks 0-3 keep scale and min in the low 6 bits of bytes 0-3 and 4-7; sub-blocks 4-7 keep their
// low 4 bits in the nibbles of bytes 8-11 and their top 2 bits in the top bits of bytes 0-7.
inline constexpr int kPackedScaleBytes = 12;

// 4-bit K-quant: 8 sub-blocks of 32, x = (d * scale_j) * q - (dmin * min_j), q in [0, 15]. Each 32-byte
// stretch of quants holds two sub-blocks: 2k in the low nibbles, 2k + 1 in the high nibbles.
struct BlockQ4_K {
  uint16_t d;     // fp16 super-block scale of the sub-block scales
  uint16_t dmin;  // fp16 super-block scale of the sub-block mins
  uint8_t scales[kPackedScaleBytes];
  uint8_t quants[kSuperBlock / 2];
};

// 5-bit K-quant: Q4_K plus a fifth bit per element; bit 2k of high_bits[l] belongs to element l of
// sub-block 2k, bit 2k + 1 to element l of sub-block 2k + 1.
struct BlockQ5_K {
  uint16_t d;     // fp16
  uint16_t dmin;  // fp16
  uint8_t scales[kPackedScaleBytes];
  uint8_t high_bits[kSuperBlock / 8];
  uint8_t quants[kSuperBlock / 2];
};

// 6-bit K-quant: 16 sub-blocks of 16, x = d * scale_j * (q - 32). Each half of 128 elements uses 64
// bytes of low nibbles and 32 bytes of 2-bit pairs (see dequantize.cpp for the interleaving).
struct BlockQ6_K {
  uint8_t low_bits[kSuperBlock / 2];
  uint8_t high_bits[kSuperBlock / 4];
  int8_t scales[kSuperBlock / 16];
  uint16_t d;  // fp16, last: the struct is only 2-byte aligned
};

// Activation format partnering the K-quants: an fp32 scale, 8-bit quants and the sums of each group of
// 16 quants, which let the dot product apply the weight mins without touching the quants again.
struct BlockQ8_K {
  float scale;
  int8_t quants[kSuperBlock];
  int16_t group_sums[kSuperBlock / 16];
};

static_assert(sizeof(BlockQ4_0) == 18);
static_assert(sizeof(BlockQ5_0) == 22);
static_assert(sizeof(BlockQ5_1) == 24);
static_assert(sizeof(BlockQ8_0) == 34);
static_assert(sizeof(BlockQ8_1) == 36);
static_assert(sizeof(BlockQ4_K) == 144);
static_assert(sizeof(BlockQ5_K) == 176);
static_assert(sizeof(BlockQ6_K) == 210);
static_assert(sizeof(BlockQ8_K) == 292);

// Unpacks the 6-bit scale and min of sub-block j (0..7) from the 12 packed bytes (see
// kPackedScaleBytes).
inline void unpack_scale_min(const uint8_t* packed, int j, uint8_t& scale, uint8_t& min) {
  if (j < 4) {
    scale = packed[j] & 63;
    min = packed[j + 4] & 63;
  } else {
    scale = static_cast<uint8_t>((packed[j + 4] & 0x0F) | ((packed[j - 4] >> 6) << 4));
    min = static_cast<uint8_t>((packed[j + 4] >> 4) | ((packed[j] >> 6) << 4));
  }
}

// The high-bit word of Q5_0/Q5_1, read as little-endian whatever the alignment.
inline uint32_t load_high_bits(const uint8_t* b) {
  return static_cast<uint32_t>(b[0]) | static_cast<uint32_t>(b[1]) << 8 | static_cast<uint32_t>(b[2]) << 16 |
         static_cast<uint32_t>(b[3]) << 24;
}

}  // namespace ck::kernels::blocks
