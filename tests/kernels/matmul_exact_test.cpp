// matmul() reproduces llama.cpp's matrix products bit for bit, for every computable weight type, for a
// single token (ggml's vec_dot path) and for a batch of 5 (tinyBLAS for F32/F16/BF16, the repack kernels
// for Q4_0, vec_dot for the rest), including the shapes where ggml falls back (rows % 4 != 0, row
// lengths that tinyBLAS cannot take, Q4_0 matrices it cannot repack).
//
// Where the goldens come from: an oracle outside the repository fed exactly the inputs made below to
// ggml_mul_mat on ggml's CPU backend (ggml at llama_cpp::kGgmlCommit, the ggml of llama_cpp::kCommit, built
// with GGML_NATIVE=ON and GGML_LLAMAFILE=ON by GCC 12 on AMD Zen 5 with AVX-512, 1 thread; Q4_0 weights of 8
// rows placed in the CPU_AARCH64 "repack" buffer type, as llama.cpp loads them) and recorded the bits of its
// outputs. The same oracle found matmul() bit-exact on a wider sweep (all types; rows 8, 30, 36, 64; row
// lengths 48 to 768; 1, 2, 3, 4, 5, 8 and 37 tokens; random and quantized weights). A change that moves any
// of these bits makes ckernel's logits drift away from llama.cpp's: quantized activations turn a last-bit
// difference into a different int8 downstream.
#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "ckernel/kernels/half.h"
#include "ckernel/kernels/matmul.h"
#include "ckernel/kernels/thread_pool.h"
#include "kernel_test_util.h"

namespace ck::kernels {
namespace {

// 64-bit LCG (Knuth's MMIX constants); the oracle uses the same one.
struct Lcg {
  uint64_t state;
  uint32_t next() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<uint32_t>(state >> 32);
  }
  // Uniform in [-1, 1), a multiple of 2^-23.
  float uniform() { return static_cast<float>(static_cast<int32_t>(next()) >> 8) * (1.0f / 8388608.0f); }
  uint8_t byte() { return static_cast<uint8_t>(next() >> 24); }
};

void put16(uint8_t* p, uint16_t v) { std::memcpy(p, &v, 2); }
uint16_t f16(float f) { return fp32_to_fp16(f); }
uint8_t signed_byte(float f) { return static_cast<uint8_t>(static_cast<int8_t>(f)); }

// `rows` rows of `k` elements of `type` in the GGUF layout: random quants and fp16 scales in ranges that
// keep the products of the order of one.
std::vector<uint8_t> random_weights(TensorType type, int64_t rows, int64_t k, Lcg& g) {
  std::vector<uint8_t> w(row_bytes(type, k) * static_cast<size_t>(rows));
  uint8_t* p = w.data();
  const uint8_t* end = w.data() + w.size();
  using T = TensorType;
  while (p < end) {
    switch (type) {
      case T::f32: {
        const float v = g.uniform() * 0.5f;
        std::memcpy(p, &v, 4);
        p += 4;
        break;
      }
      case T::f16:
        put16(p, f16(g.uniform() * 0.5f));
        p += 2;
        break;
      case T::bf16: {
        const float v = g.uniform() * 0.5f;
        uint32_t bits;
        std::memcpy(&bits, &v, 4);
        put16(p, static_cast<uint16_t>(bits >> 16));
        p += 2;
        break;
      }
      case T::q4_0:
        put16(p, f16(0.01f + 0.02f * std::fabs(g.uniform())));
        for (int i = 2; i < 18; ++i) p[i] = g.byte();
        p += 18;
        break;
      case T::q5_0:
        put16(p, f16(0.005f + 0.01f * std::fabs(g.uniform())));
        for (int i = 2; i < 22; ++i) p[i] = g.byte();
        p += 22;
        break;
      case T::q5_1:
        put16(p, f16(0.005f + 0.01f * std::fabs(g.uniform())));
        put16(p + 2, f16(-0.1f * std::fabs(g.uniform())));
        for (int i = 4; i < 24; ++i) p[i] = g.byte();
        p += 24;
        break;
      case T::q8_0:
        put16(p, f16(0.0005f + 0.001f * std::fabs(g.uniform())));
        for (int i = 2; i < 34; ++i) p[i] = signed_byte(g.uniform() * 127.0f);
        p += 34;
        break;
      case T::q4_k:
        put16(p, f16(0.001f + 0.002f * std::fabs(g.uniform())));
        put16(p + 2, f16(0.001f + 0.002f * std::fabs(g.uniform())));
        for (int i = 4; i < 144; ++i) p[i] = g.byte();
        p += 144;
        break;
      case T::q5_k:
        put16(p, f16(0.0005f + 0.001f * std::fabs(g.uniform())));
        put16(p + 2, f16(0.001f + 0.002f * std::fabs(g.uniform())));
        for (int i = 4; i < 176; ++i) p[i] = g.byte();
        p += 176;
        break;
      case T::q6_k:
        for (int i = 0; i < 192; ++i) p[i] = g.byte();
        for (int i = 192; i < 208; ++i) p[i] = signed_byte(g.uniform() * 100.0f);
        put16(p + 208, f16(0.0001f + 0.0002f * std::fabs(g.uniform())));
        p += 210;
        break;
      default:
        ADD_FAILURE() << "no generator for " << type_name(type);
        return w;
    }
  }
  return w;
}

struct GoldenCase {
  TensorType type;
  int64_t rows;
  int64_t k;
  std::vector<uint32_t> one_token;    // y bits, rows values
  std::vector<uint32_t> five_tokens;  // y bits, token-major, 5 * rows values
};

// clang-format off
const GoldenCase kGolden[] = {
    // F32, 8 x 512
    {TensorType::f32, 8, 512,
     {
      0x40b9643a, 0x3f31aaf0, 0xc0584014, 0xc0404261, 0xc00fd228, 0x4118ba17, 0x3f5172f4, 0xc026cea2,
     },
     {
      0x40b96438, 0x3f31aae0, 0xc058400b, 0xc0404262, 0xc00fd226, 0x4118ba17, 0x3f5172f0, 0xc026cea2,
      0xc185c6dd, 0x3e1653c0, 0x40174c98, 0xc0ab06e8, 0x4103aa8e, 0x40ec1a70, 0x4089dd69, 0x41522800,
      0xc01fca50, 0xc0bc9f08, 0xc0a798e0, 0x402df624, 0xc08ec877, 0x40617268, 0x40304a6f, 0xc0806fff,
      0xc0b2d4a0, 0xbf8c5500, 0x400b6501, 0xbfb0c8c6, 0x410e523c, 0xc03f6fec, 0xbe9ea1c0, 0xc12488e4,
      0x3d1f6640, 0xc10052f9, 0x40cd0a70, 0x4189d0d2, 0xc1740f7d, 0x416a903f, 0xc17a2316, 0x3dace540,
     }},
    // F32, 8 x 283
    {TensorType::f32, 8, 283,
     {
      0x408150aa, 0x3ffa2384, 0xc0a1c82c, 0x40413aba, 0x401f3e67, 0xc0b9de7e, 0xc0a7b54c, 0xc0b27ac2,
     },
     {
      0x408150aa, 0x3ffa2384, 0xc0a1c82c, 0x40413aba, 0x401f3e67, 0xc0b9de7e, 0xc0a7b54c, 0xc0b27ac2,
      0xc0f5decf, 0x40c317d0, 0xc1021669, 0x402f84d6, 0xc0b2f089, 0xc0404006, 0x40282a8b, 0xc1519a62,
      0x3ffdafa7, 0xbfb9148e, 0xc020fd92, 0x4034e887, 0xc002c618, 0x3f881134, 0x3faa68fa, 0x408dec5a,
      0xc06b99c1, 0x410acd4e, 0xc0c389d2, 0xc04423fa, 0xc1813510, 0x4074a405, 0x40cfda61, 0xbffa1659,
      0x40be2754, 0x4056a1f0, 0xc096dece, 0xbfb6b5cb, 0xc0ae1b19, 0x4083d997, 0xc0a5dc0c, 0x408e8f66,
     }},
    // F16, 8 x 512
    {TensorType::f16, 8, 512,
     {
      0xbf84ce1c, 0x3ed6f5e0, 0xbfb4acfc, 0x40914234, 0x41a9aed4, 0xc156ba8e, 0x40617d37, 0xc093543d,
     },
     {
      0xbf84ce14, 0x3ed6f598, 0xbfb4ad00, 0x40914234, 0x41a9aed5, 0xc156ba90, 0x40617d37, 0xc093543f,
      0x405f678e, 0x418b43c2, 0xc0bb5dbf, 0x412f42d8, 0x408349ec, 0x403dd8da, 0xc15e1ad8, 0xbf634ed0,
      0x40e0f5d0, 0xc1775c80, 0x413c542c, 0xc0f2371b, 0x41500eb0, 0x40ab7b5a, 0xbe677980, 0x40af0bf1,
      0x40e73fb6, 0xc15a41f6, 0x404c4672, 0x41148352, 0xc014b07d, 0x4129c3e1, 0x4023b4e5, 0x409ac507,
      0x40a71953, 0xbf8aa550, 0x3fece078, 0x3da21fc0, 0x3e7bbfd0, 0xbe31f988, 0x411fe582, 0xc15a900d,
     }},
    // F16, 6 x 283
    {TensorType::f16, 6, 283,
     {
      0xc0429e23, 0x40b525a7, 0xbf2c2769, 0xc121a794, 0x3d7d7894, 0xbfef0b28,
     },
     {
      0xc0429e23, 0x40b525a7, 0xbf2c2769, 0xc121a794, 0x3d7d7894, 0xbfef0b28, 0x409cead8, 0xc14491f2,
      0xc00e13c2, 0xc0198ded, 0x3f575db2, 0xbf808334, 0xc13af4a4, 0x408ae862, 0x40328236, 0xc0244df9,
      0xc01a0ff3, 0xc095b805, 0xc0e50994, 0xc041782d, 0x411fbf9b, 0xc00f1cd9, 0x40038845, 0xbfbcdc3a,
      0xc0ea534e, 0xc0069888, 0x3f92d59f, 0x4060026b, 0x40ebae8c, 0x3ffe3aa1,
     }},
    // BF16, 8 x 512
    {TensorType::bf16, 8, 512,
     {
      0x400494eb, 0x40a1fb91, 0xc08b2c5a, 0xc17aed7a, 0xc128a228, 0xc1a33efa, 0x3f8e2355, 0x3fbf2c6c,
     },
     {
      0x400494ec, 0x40a1fb90, 0xc08b2c5c, 0xc17aed7b, 0xc128a227, 0xc1a33efb, 0x3f8e2355, 0x3fbf2c6b,
      0xc09f186c, 0x4111d236, 0xbfce70b0, 0x408f5544, 0xc0abe7a1, 0xc0d300c2, 0x40108823, 0x410bb21c,
      0x40973cc4, 0xc0adf5ea, 0xbfe9604a, 0x4120db34, 0x40b1013d, 0x3f907cb8, 0xc16af32b, 0xc1817148,
      0xc02c6144, 0x406adcee, 0xc16ba372, 0xc142b240, 0xbf7f4818, 0x40a61a55, 0x40a1eaad, 0x400168d4,
      0x3e644bc0, 0xc0cd4bf5, 0x40965710, 0x4082c3a0, 0x40d1972e, 0x4080b2dd, 0x412d284a, 0x40a5da92,
     }},
    // BF16, 8 x 283
    {TensorType::bf16, 8, 283,
     {
      0x406d7c23, 0xc0820dfc, 0x400c4214, 0x4037eda4, 0x4071283d, 0x4117390d, 0x401ea968, 0x3f9020a9,
     },
     {
      0x406d7c23, 0xc0820dfc, 0x400c4214, 0x4037eda4, 0x4071283d, 0x4117390d, 0x401ea968, 0x3f9020a9,
      0x4069fac8, 0xc0a6ee97, 0x404cb8b6, 0xbec60348, 0xc1628a17, 0x411a0ddf, 0xc138e32d, 0x409854c6,
      0xc025daab, 0x40be185c, 0x3e945890, 0x3f5e4340, 0xbf27773f, 0x41018d3b, 0x411d72e3, 0x3f92f6c3,
      0xc0ada776, 0x3f66cf8c, 0x412090de, 0xc11db87f, 0x41184197, 0xc0c6e83e, 0xc074e98c, 0x41051a66,
      0x3fb09a1c, 0xc0194b97, 0x409a5eac, 0x40ac075e, 0x40d57e28, 0xc0df5f0c, 0xc03bdeca, 0x4005248e,
     }},
    // Q4_0, 8 x 512, repacked by ggml
    {TensorType::q4_0, 8, 512,
     {
      0x3fff1d81, 0x3f90f43a, 0x3ee389cb, 0x3f901cc5, 0xc03a40b9, 0x3fa4831c, 0xc0ae0afb, 0xc010641c,
     },
     {
      0x3fff1d81, 0x3f90f43a, 0x3ee389cb, 0x3f901cc5, 0xc03a40b9, 0x3fa4831c, 0xc0ae0afb, 0xc010641c,
      0x3f5d07c9, 0xc01ae5fd, 0xc0d5d853, 0x408f9225, 0xbe1e7b03, 0xbfc7d364, 0xbe43e26d, 0x3fac0a32,
      0xc044223a, 0xbf20d928, 0x40046814, 0x3fdd390d, 0xc000cd9f, 0xbdb3d72b, 0x3ef25dba, 0xbf47bded,
      0x403b6639, 0x3ed36e6d, 0xc010c70a, 0xc01d9983, 0xbf0d5ed2, 0x3e86538a, 0x405aec2b, 0x3fdf66fa,
      0x3e258906, 0x3f4321eb, 0x3f096931, 0xc04d8a3a, 0xbfdb93c5, 0xbf0e29b4, 0x3f07313c, 0xbf4b7028,
     }},
    // Q4_0, 12 x 512
    {TensorType::q4_0, 12, 512,
     {
      0x3f3a5e65, 0xbea43cea, 0xbfb688ab, 0x4010a016, 0xc0532e81, 0xbffd31a4, 0xbf9e6e68, 0xc02b73dd,
      0x3fe1533c, 0xbfd3b56e, 0xbffdd1bc, 0x3f5a81aa,
     },
     {
      0x3f3a5e65, 0xbea43cea, 0xbfb688ab, 0x4010a016, 0xc0532e81, 0xbffd31a4, 0xbf9e6e68, 0xc02b73dd,
      0x3fe1533c, 0xbfd3b56e, 0xbffdd1bc, 0x3f5a81aa, 0xbfc503a0, 0xbfadf874, 0x3df21638, 0x3fba3028,
      0x3e9a682c, 0x3fd9720e, 0xc0356a21, 0x3e6bce70, 0x3faeadd0, 0xc0138edb, 0x4018d07c, 0xc07a99ae,
      0xbf5d782e, 0x4096c04c, 0x40b26c35, 0x3f449770, 0x409ba747, 0x3f7ee6c2, 0xbfb8176e, 0xc108af1a,
      0xbfea8a87, 0xc003cfba, 0xbfb4ec60, 0xc0a52ba1, 0xc0975ab1, 0x3f2c4d78, 0xbf90789e, 0xbe26727c,
      0xc038c808, 0x40011413, 0x3fafdc3e, 0xc0add7de, 0x4001b220, 0x3f092286, 0xbf0c2923, 0xbfa5e2da,
      0x405e9089, 0xc0356a90, 0x3ec36900, 0xc01073c5, 0x4037e5ba, 0xbfe32076, 0xbff27ca3, 0x3fa14490,
      0x3fbaae9c, 0xbd9bde50, 0xbf74909e, 0x4020b8a0,
     }},
    // Q5_0, 8 x 512
    {TensorType::q5_0, 8, 512,
     {
      0x40adc65e, 0x40025d48, 0x40896c8b, 0x3e1f7258, 0x3e8a8a7c, 0x3d42ce80, 0x4084113c, 0xbfb02c49,
     },
     {
      0x40adc65e, 0x40025d48, 0x40896c8b, 0x3e1f7258, 0x3e8a8a7c, 0x3d42ce80, 0x4084113c, 0xbfb02c49,
      0x403070c8, 0xc0110942, 0x3f2ec7fa, 0xc0795198, 0xc05e721e, 0x4074ea88, 0x407c146c, 0x3d3517d0,
      0x40cd9626, 0x3f245700, 0x40514f66, 0x3ed75310, 0x3ffe68aa, 0x3f00e7d4, 0x3f93caf1, 0xbd3841c0,
      0x405caacb, 0x3feb57eb, 0xbea1f9ee, 0x401c5f45, 0xc05c2cfa, 0xbfe6ab94, 0xc0057ba5, 0x3f362077,
      0xbe870046, 0xbf3ca208, 0x3f3d57a4, 0x404497a0, 0xbe99ee4a, 0xbfe64104, 0x3c93b1ec, 0xc05d138a,
     }},
    // Q5_1, 8 x 512
    {TensorType::q5_1, 8, 512,
     {
      0x409ec964, 0x3f1bc034, 0x3fab29db, 0x3f5dbfd4, 0x4037d8ac, 0x4142be10, 0x40d33f16, 0xbfea8eec,
     },
     {
      0x409ec964, 0x3f1bc034, 0x3fab29db, 0x3f5dbfd4, 0x4037d8ac, 0x4142be10, 0x40d33f16, 0xbfea8eec,
      0x40ad9274, 0xbfa1c854, 0xbf9e590b, 0x4002a80b, 0xbf97ca8c, 0xbfe4a97d, 0xc0aed57c, 0x3f93dfc8,
      0xc09d8fe5, 0xbdeb6760, 0x3f552a5e, 0xbe94d0e0, 0xc04f299c, 0xbfff5be6, 0xc0b2cb72, 0xbf8524a1,
      0x3fe95913, 0xc079648a, 0x400bc170, 0xc02eb499, 0x40a3de18, 0xbfe88ed6, 0x3e290ac4, 0xbf6e7a92,
      0x40cfa574, 0xc09e0a32, 0xbf600864, 0xc03fe392, 0xc06f5602, 0xbe933e88, 0x40173b0d, 0xc047bab6,
     }},
    // Q8_0, 8 x 512
    {TensorType::q8_0, 8, 512,
     {
      0xbfc930dc, 0x3f98fcf4, 0x3fce9d2d, 0xbfbec9e2, 0x406e98b6, 0x3e8a8728, 0xc0072052, 0xbf9db118,
     },
     {
      0xbfc930dc, 0x3f98fcf4, 0x3fce9d2d, 0xbfbec9e2, 0x406e98b6, 0x3e8a8728, 0xc0072052, 0xbf9db118,
      0x3fd95e8e, 0x3edb5914, 0xc00b58cd, 0x3f86aadf, 0x3f11ffe1, 0xc0a90fbb, 0x400d4e66, 0xbf1abb0c,
      0x3f97a7ae, 0xbdb18f70, 0x3f1e7d4c, 0xbd8ccc80, 0xc02a71c2, 0x3f3751ed, 0x3fe70027, 0xbf8963d8,
      0x400078e0, 0x4083e1f4, 0xbf7ff116, 0x3f43c21b, 0xc0483b2c, 0xc033a514, 0xbfdd6128, 0x3ed4594c,
      0xbfd6ff4a, 0x405d7204, 0xbd612ba8, 0xc03dc63a, 0xc04e5dae, 0x40127c11, 0xbe948e8a, 0x3eaa1566,
     }},
    // Q4_K, 8 x 512
    {TensorType::q4_k, 8, 512,
     {
      0xc0955678, 0x3910c000, 0xc152dc60, 0xc164e8ad, 0x40f4bd77, 0xc0c60b0a, 0xbf406188, 0xc119c90b,
     },
     {
      0xc0955678, 0x3910c000, 0xc152dc60, 0xc164e8ad, 0x40f4bd77, 0xc0c60b0a, 0xbf406188, 0xc119c90b,
      0x40561602, 0xc18268f3, 0xc0f3422e, 0x417a36c3, 0xc11533f0, 0xc1c2c239, 0xc10d752c, 0x4122b17e,
      0x4075dce0, 0xc1f7d9f9, 0xbf6bede0, 0xc1f0540a, 0x3f760acb, 0xc181d267, 0x414bd0a5, 0xc153fb3c,
      0xc0ff83dc, 0x40452a50, 0xc187b907, 0xc152587c, 0xbf446968, 0xc1007dfd, 0x4136bb9c, 0x3fa94070,
      0x4207435e, 0x41f0d65a, 0x411bc756, 0x420188f0, 0x4181d46d, 0x41022f21, 0x4220c319, 0x41bed438,
     }},
    // Q5_K, 8 x 512
    {TensorType::q5_k, 8, 512,
     {
      0xc0b01b6b, 0x400ee4e2, 0xc0a6f715, 0x3fe7cb04, 0x41684328, 0x412c3106, 0xc04b8c63, 0x419e1d12,
     },
     {
      0xc0b01b6b, 0x400ee4e2, 0xc0a6f715, 0x3fe7cb04, 0x41684328, 0x412c3106, 0xc04b8c63, 0x419e1d12,
      0xc1383e66, 0x40f95f04, 0xc0ba2d9f, 0xc0ce45dc, 0xc18e5063, 0x3f8c1f4c, 0xc1876652, 0xc1579117,
      0xc1b76422, 0xc1a722a0, 0xc105019c, 0xc1340792, 0xc168f138, 0xc13d836e, 0xc102ece2, 0x41c9f5b9,
      0xc0a1753b, 0x41367cff, 0xc18adcf1, 0xc11f2c5b, 0xc0f442f8, 0xc1116030, 0xc206c20f, 0xc1f5d980,
      0xc208b478, 0xc15c4eb7, 0xc1268992, 0xc1d1604e, 0xc1183601, 0xc19c3e30, 0xc1acb683, 0xc209e639,
     }},
    // Q6_K, 8 x 512
    {TensorType::q6_k, 8, 512,
     {
      0x414f1989, 0xbf406456, 0xc026c982, 0xbfa66cea, 0xc17211f0, 0x410418f6, 0xc0a19930, 0xc0bf3f3e,
     },
     {
      0x414f1989, 0xbf406456, 0xc026c982, 0xbfa66cea, 0xc17211f0, 0x410418f6, 0xc0a19930, 0xc0bf3f3e,
      0xc065ea16, 0xbb885800, 0xbff514e4, 0xbdec1080, 0x404ca276, 0xc0c6d99f, 0x3e51e8d0, 0xc0f63a64,
      0x40e96e70, 0x40ed1008, 0x40842fac, 0xc0f5a233, 0xc1129ea0, 0xc1036b63, 0x41205ebe, 0xc123d382,
      0xbf4033e0, 0x400b4022, 0x409af0ed, 0x408b9045, 0xc114f992, 0xc0155d98, 0xc0ba75db, 0x3fa0afbe,
      0xc03369c6, 0x401f9970, 0x3f8926d8, 0x3e2b99c0, 0x40b283e4, 0x409969b0, 0xbf8333a9, 0x40b6acf1,
     }},
};
// clang-format on

std::string hex(uint32_t bits) {
  char s[11];
  std::snprintf(s, sizeof s, "0x%08x", bits);
  return s;
}

void check_case(const GoldenCase& c, int64_t n, const std::vector<uint32_t>& golden, int threads) {
  SCOPED_TRACE(std::string(type_name(c.type)) + " " + std::to_string(c.rows) + " x " + std::to_string(c.k) +
               ", " + std::to_string(n) + " tokens, " + std::to_string(threads) + " threads");
  // The oracle's seed: 0x5eed0000 + ggml type id * 131 + k, the weights first, then the activations.
  Lcg g{0x5eed0000u + static_cast<uint64_t>(c.type) * 131u + static_cast<uint64_t>(c.k)};
  const std::vector<uint8_t> w = random_weights(c.type, c.rows, c.k, g);
  std::vector<float> x(static_cast<size_t>(n * c.k));
  for (float& v : x) v = g.uniform() * 2.0f;

  ThreadPool pool(threads);
  MatmulScratch scratch;
  std::vector<float> y(static_cast<size_t>(n * c.rows));
  matmul(WeightMatrix{w.data(), c.type, c.rows, c.k, row_bytes(c.type, c.k)}, x.data(), n, y.data(), pool,
         scratch);
  ASSERT_EQ(golden.size(), y.size());
  for (size_t i = 0; i < y.size(); ++i) {
    uint32_t bits;
    std::memcpy(&bits, &y[i], 4);
    EXPECT_EQ(hex(bits), hex(golden[i]))
        << "token " << i / c.rows << ", row " << i % c.rows << " (" << y[i] << ")";
  }
}

TEST(MatmulExact, OneTokenMatchesGgml) {
  for (const GoldenCase& c : kGolden) check_case(c, 1, c.one_token, 1);
}

TEST(MatmulExact, FiveTokensMatchGgml) {
  for (const GoldenCase& c : kGolden) check_case(c, 5, c.five_tokens, 1);
}

// Rows are split between threads, never the work of one output: the bits do not depend on the count.
TEST(MatmulExact, ThreadCountDoesNotChangeBits) {
  for (const GoldenCase& c : kGolden) {
    check_case(c, 1, c.one_token, 3);
    check_case(c, 5, c.five_tokens, 2);
  }
}

// A group (a layer's q, k and v: one input, partners converted once, rows split together) gives each
// matrix exactly what matmul() gives it alone, whatever the mix of partner formats and thread counts.
TEST(MatmulGroup, EachMatrixAsAlone) {
  constexpr int64_t kCols = 512;
  const TensorType types[] = {TensorType::q4_k, TensorType::q6_k, TensorType::q8_0, TensorType::f16};
  const int64_t rows[] = {13, 8, 21, 4};
  std::mt19937_64 rng(7);
  std::vector<test::Bytes> weights;
  for (size_t i = 0; i < std::size(types); ++i) {
    test::Bytes matrix;
    for (int64_t r = 0; r < rows[i]; ++r) {
      const test::Bytes row = test::random_weight_row(types[i], kCols, rng);
      matrix.insert(matrix.end(), row.begin(), row.end());
    }
    weights.push_back(std::move(matrix));
  }
  for (int64_t tokens : {1, 5}) {
    std::vector<float> x(static_cast<size_t>(tokens * kCols));
    std::normal_distribution<float> normal;
    for (float& v : x) v = normal(rng);
    for (int threads : {1, 2, 3}) {
      SCOPED_TRACE(std::to_string(tokens) + " tokens, " + std::to_string(threads) + " threads");
      ThreadPool pool(threads);
      MatmulScratch scratch;
      std::vector<std::vector<float>> alone(std::size(types)), grouped(std::size(types));
      std::vector<MatmulOutput> outputs;
      for (size_t i = 0; i < std::size(types); ++i) {
        const WeightMatrix w{weights[i].data(), types[i], rows[i], kCols, row_bytes(types[i], kCols)};
        alone[i].resize(static_cast<size_t>(tokens * rows[i]));
        grouped[i].resize(alone[i].size());
        matmul(w, x.data(), tokens, alone[i].data(), pool, scratch);
        outputs.push_back({w, grouped[i].data()});
      }
      matmul_group(outputs, x.data(), tokens, pool, scratch);
      for (size_t i = 0; i < std::size(types); ++i)
        for (size_t j = 0; j < alone[i].size(); ++j)
          ASSERT_EQ(std::bit_cast<uint32_t>(grouped[i][j]), std::bit_cast<uint32_t>(alone[i][j]))
              << type_name(types[i]) << " output " << j;
    }
  }
}

TEST(MatmulGroup, RefusesMatricesOfDifferentWidths) {
  const std::vector<std::byte> w(row_bytes(TensorType::f32, 64) * 2);
  std::vector<float> x(64), y(4);
  ThreadPool pool(1);
  MatmulScratch scratch;
  const MatmulOutput outputs[] = {
      {{w.data(), TensorType::f32, 2, 64, row_bytes(TensorType::f32, 64)}, y.data()},
      {{w.data(), TensorType::f32, 2, 32, row_bytes(TensorType::f32, 32)}, y.data() + 2}};
  EXPECT_THROW(matmul_group(outputs, x.data(), 1, pool, scratch), std::invalid_argument);
}

}  // namespace
}  // namespace ck::kernels
