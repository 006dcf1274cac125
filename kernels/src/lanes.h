// Horizontal sums of SIMD registers in the exact order GCC 12 compiles ggml's, so that emulated lanes
// round as llama.cpp's x86 build does.
#pragma once

namespace ck::kernels {

// ggml's hsum_float_8 and tinyBLAS's hsum(__m256): the two 128-bit halves added, then lanes 0+2 and
// 1+3, then those two.
inline float hsum8(const float (&v)[8]) {
  float r[4];
  for (int i = 0; i < 4; ++i) r[i] = v[i + 4] + v[i];
  return (r[0] + r[2]) + (r[1] + r[3]);
}

// _mm512_reduce_add_ps as GCC 12 expands it: 256-bit halves, 128-bit halves, then as hsum8's tail.
inline float reduce16(const float (&v)[16]) {
  float t[8];
  for (int i = 0; i < 8; ++i) t[i] = v[i + 8] + v[i];
  float u[4];
  for (int i = 0; i < 4; ++i) u[i] = t[i + 4] + t[i];
  return (u[0] + u[2]) + (u[1] + u[3]);
}

}  // namespace ck::kernels
