// The SIMD kernels of level avx512vnni: AVX-512 VNNI and BF16 (fused integer dot products, VDPBF16PS).
// Compiled with that level's target flags (CMakeLists.txt) and only entered after CPU detection chose the
// level.
#define CK_SIMD_LEVEL avx512vnni
#include "dot_x86.h"
