// The sgemm register tile of the scalar level: the reference chain written out with std::fma, over a
// small tile (the compiler holds 4 x 8 partial sums at best in the baseline's 16 SSE registers).
#include <cmath>

#include "sgemm_kernels.h"

namespace ck::kernels::scalar {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;

// A packed by rows (kARows) or by k (sgemm_kernels.h).
template <bool kARows>
void tile(int64_t kc, const float* a, int64_t a_row_stride, const float* b, float* c, int64_t ldc,
          bool start_from_c, int rows) {
  const int64_t a_step = kARows ? 1 : kMr, a_row = kARows ? a_row_stride : 1;
  float acc[kMr][kNr];
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < kNr; ++j) acc[i][j] = start_from_c ? c[i * ldc + j] : 0.0f;
  for (int64_t q = 0; q < kc; ++q, a += a_step, b += kNr)
    for (int i = 0; i < rows; ++i)
      for (int j = 0; j < kNr; ++j) acc[i][j] = std::fma(a[i * a_row], b[j], acc[i][j]);
  for (int i = 0; i < rows; ++i)
    for (int j = 0; j < kNr; ++j) c[i * ldc + j] = acc[i][j];
}

}  // namespace

extern const SgemmKernel kSgemmKernel = {kMr, kNr, 256, 128, 1024, tile<false>, tile<true>};

}  // namespace ck::kernels::scalar
