// The SIMD kernels of level avx2: AVX2, FMA and F16C. Compiled with that level's target flags
// (CMakeLists.txt) and only entered after CPU detection chose the level.
#define CK_SIMD_LEVEL avx2
#include "dot_x86.h"
