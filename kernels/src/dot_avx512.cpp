// The SIMD kernels of level avx512: AVX-512 F/BW/VL/DQ (32 vector registers, wider tiles). Compiled with that
// level's target flags (CMakeLists.txt) and only entered after CPU detection chose the level.
#define CK_SIMD_LEVEL avx512
#include "dot_x86.h"
